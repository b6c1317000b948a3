/**
 * `gentorch sample CHECKPOINT --n N --out FILE.png|FILE.npy|DIR/ [--label K|NAME]`,
 * for a VAE or a GAN; `--out FILE.txt` (one string a line) for a text model.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { checkImageOut } from './apply.js';
import { GentorchError } from '../errors.js';
import { writeFileAtomic } from '../io/fsutil.js';
import { gridPng, scatterPng, writeGridPng } from '../io/images.js';
import { writeNpy } from '../io/npy.js';
import { checkDeviceSpec, checkPositiveInt, checkSeed } from '../config/validate.js';
import type { HostTensor } from '../tensor.js';
import { GAN } from '../models/gan.js';
import { loadSampler } from '../models/load.js';
import { TextGAN } from '../models/text-gan.js';
import { TextVAE } from '../models/text-vae.js';

export interface SampleFlags {
  n: number;
  out: string;
  seed?: number;
  label?: string;
  device: string;
  force?: boolean;
}

/** --label: a class index, or a class name of the checkpoint's (an image folder's sub-folder). */
function labelIndex(label: string, numClasses: number, names: string[] | undefined): number {
  const byName = names?.indexOf(label) ?? -1;
  if (byName >= 0) return byName;
  const k = /^\d+$/.test(label) ? Number(label) : NaN;
  if (!Number.isSafeInteger(k) || k >= numClasses) {
    const known = names ? `; the classes are ${names.map((n, i) => `${i} ${n}`).join(', ')}` : '';
    throw new GentorchError(
      'E_CONFIG',
      `Expected --label in [0, ${numClasses - 1}]${names ? ' or a class name' : ''} but received "${label}"${known}`,
    );
  }
  return k;
}

/** One PNG per sample, DIR/sample-00000.png ...; existing files are kept unless `force`. */
async function writePngs(dir: string, samples: HostTensor<'float32'>, force: boolean | undefined): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const [n, c, h, w] = samples.shape;
  const digits = Math.max(5, String(n - 1).length);
  const name = (i: number) => join(dir, `sample-${String(i).padStart(digits, '0')}.png`);
  if (!force) {
    for (let i = 0; i < n; i++) {
      if (existsSync(name(i)))
        throw new GentorchError('E_IO', `Refusing to overwrite ${name(i)}; pass --force to replace it`);
    }
  }
  const per = c * h * w;
  for (let i = 0; i < n; i++) {
    const one: HostTensor<'float32'> = {
      dtype: 'float32',
      shape: [1, c, h, w],
      data: samples.data.subarray(i * per, (i + 1) * per),
    };
    await writeFileAtomic(name(i), await gridPng(one, { padding: 0 }));
  }
}

export async function sampleCommand(checkpoint: string, flags: SampleFlags): Promise<void> {
  checkPositiveInt(flags.n, 'n');
  checkDeviceSpec(flags.device);
  if (flags.seed !== undefined) checkSeed(flags.seed);
  using model = await loadSampler(checkpoint, { device: flags.device });
  if (model instanceof TextVAE || model instanceof TextGAN) {
    await sampleText(model, checkpoint, flags); // awaited: `using` frees the model on return
    return;
  }
  const toFolder = flags.out.endsWith('/') || (existsSync(flags.out) && statSync(flags.out).isDirectory());
  const png = toFolder || checkImageOut(flags.out, flags.force);
  let labels: Int32Array | undefined;
  if (flags.label !== undefined) {
    if (!(model instanceof GAN) || model.config.numClasses === 0) {
      throw new GentorchError('E_CONFIG', `--label needs a conditional GAN checkpoint but ${checkpoint} is not one`);
    }
    labels = new Int32Array(flags.n).fill(labelIndex(flags.label, model.config.numClasses, model.classNames));
  }
  const samples =
    model instanceof GAN
      ? await model.sample(flags.n, { seed: flags.seed, labels })
      : await model.sample(flags.n, { seed: flags.seed });
  const points = samples.shape[1] === 1 && samples.shape[2] === 1 && samples.shape[3] === 2;
  if (toFolder) {
    await writePngs(flags.out, samples, flags.force);
    process.stdout.write(`gentorch: wrote ${flags.n} samples to ${flags.out} as one PNG each\n`);
    return;
  }
  if (!png) await writeNpy(flags.out, samples);
  else if (points) await writeFileAtomic(flags.out, await scatterPng(samples.data));
  else await writeGridPng(flags.out, samples);
  process.stdout.write(`gentorch: wrote ${flags.n} samples to ${flags.out}\n`);
}

/** A text model's samples, one a line, to FILE.txt (atomically; an existing file only with --force). */
async function sampleText(model: TextVAE | TextGAN, checkpoint: string, flags: SampleFlags): Promise<void> {
  if (!flags.out.toLowerCase().endsWith('.txt'))
    throw new GentorchError(
      'E_CONFIG',
      `Expected FILE.txt for --out of a text model (${checkpoint}) but received "${flags.out}"`,
    );
  if (flags.label !== undefined)
    throw new GentorchError('E_CONFIG', `--label needs a conditional GAN checkpoint but ${checkpoint} is a text model`);
  if (existsSync(flags.out) && !flags.force)
    throw new GentorchError('E_IO', `Refusing to overwrite ${flags.out}; pass --force to replace it`);
  const lines = await model.sample(flags.n, { seed: flags.seed });
  await writeFileAtomic(flags.out, lines.map((l) => `${l}\n`).join(''));
  process.stdout.write(`gentorch: wrote ${flags.n} strings to ${flags.out}\n`);
}
