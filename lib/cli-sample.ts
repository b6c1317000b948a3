/** `gentorch sample CHECKPOINT --n N --out FILE.png|FILE.npy [--label K]`, for a VAE or a GAN. */
import { checkImageOut } from './cli-apply.js';
import { GentorchError } from './errors.js';
import { writeFileAtomic } from './fsutil.js';
import { scatterPng, writeGridPng } from './images.js';
import { writeNpy } from './npy.js';
import { checkDeviceSpec, checkNonNegativeInt, checkPositiveInt, checkSeed } from './config.js';
import { GAN } from './gan.js';
import { load } from './index.js';

export interface SampleFlags {
  n: number;
  out: string;
  seed?: number;
  label?: number;
  device: string;
  force?: boolean;
}

export async function sampleCommand(checkpoint: string, flags: SampleFlags): Promise<void> {
  checkPositiveInt(flags.n, 'n');
  checkDeviceSpec(flags.device);
  if (flags.seed !== undefined) checkSeed(flags.seed);
  if (flags.label !== undefined) checkNonNegativeInt(flags.label, 'label');
  const png = checkImageOut(flags.out, flags.force);
  using model = await load(checkpoint, { device: flags.device });
  let labels: Int32Array | undefined;
  if (flags.label !== undefined) {
    if (!(model instanceof GAN) || model.config.numClasses === 0) {
      throw new GentorchError('E_CONFIG', `--label needs a conditional GAN checkpoint but ${checkpoint} is not one`);
    }
    if (flags.label >= model.config.numClasses) {
      throw new GentorchError('E_CONFIG', `Expected --label in [0, ${model.config.numClasses - 1}] but received ${flags.label}`);
    }
    labels = new Int32Array(flags.n).fill(flags.label);
  }
  const samples = model instanceof GAN ? await model.sample(flags.n, { seed: flags.seed, labels }) : await model.sample(flags.n, { seed: flags.seed });
  const points = samples.shape[1] === 1 && samples.shape[2] === 1 && samples.shape[3] === 2;
  if (!png) await writeNpy(flags.out, samples);
  else if (points) await writeFileAtomic(flags.out, await scatterPng(samples.data));
  else await writeGridPng(flags.out, samples);
  process.stdout.write(`gentorch: wrote ${flags.n} samples to ${flags.out}\n`);
}
