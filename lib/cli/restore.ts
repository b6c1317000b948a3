/**
 * gentorch restore: a VAE or a GAN restores damaged images by latent search
 * (lib/compare/restore.ts). The user's own images (--input .npy or a folder
 * of PNG, --mask for the missing pixels, --noise-std for noisy ones), or with
 * --demo test images the command damages itself, with PSNRs.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { CLI_DEFAULTS } from '../config/run.js';
import { checkDeviceSpec, checkNonNegativeNumber, checkPositiveInt, checkSeed } from '../config/validate.js';
import { concatImages, firstImages } from '../compare/apply.js';
import { damage, maskedPsnr, randomHoles, restore } from '../compare/restore.js';
import { loadDataSpec, take, toFloat } from '../data/datasets.js';
import { GentorchError, invalid } from '../errors.js';
import { checkOut, dirTargets, readInput, readMask } from './files.js';
import { writeFileAtomic } from '../io/fsutil.js';
import { imagePng, writeGridPng } from '../io/images.js';
import { writeNpy } from '../io/npy.js';
import { GAN } from '../models/gan.js';
import { loadGenerative as load } from '../models/load.js';
import type { VAE } from '../models/vae.js';
import { searchStatus } from './status.js';
import type { HostTensor } from '../tensor.js';

export interface RestoreFlags {
  input?: string;
  mask?: string;
  noiseStd?: number;
  out: string;
  demo?: boolean;
  holes?: boolean;
  data?: string;
  split?: string;
  n?: number;
  steps?: number;
  starts?: number;
  seed?: number;
  device: string;
  force?: boolean;
  /** --no-progress: no bar and no status lines. */
  progress?: boolean;
}

async function writeOutputs(
  out: string,
  kind: 'dir' | 'npy' | 'png',
  damaged: HostTensor<'float32'>,
  restored: HostTensor<'float32'>,
  files: string[] | undefined,
  force: boolean | undefined,
): Promise<void> {
  if (kind === 'npy') return writeNpy(out, restored);
  if (kind === 'png') {
    const cols = Math.min(restored.shape[0], 16);
    return writeGridPng(out, concatImages([firstImages(damaged, cols), firstImages(restored, cols)]), {
      columns: cols,
    });
  }
  mkdirSync(out, { recursive: true });
  const targets = dirTargets(out, files!, force);
  for (let i = 0; i < targets.length; i++) await writeFileAtomic(targets[i], await imagePng(restored, i));
}

function searchFlags(flags: RestoreFlags): { steps?: number; starts?: number; seed?: number } {
  return {
    steps: flags.steps === undefined ? undefined : checkPositiveInt(flags.steps, 'steps'),
    starts: flags.starts === undefined ? undefined : checkPositiveInt(flags.starts, 'starts'),
    seed: flags.seed === undefined ? undefined : checkSeed(flags.seed),
  };
}

/** gentorch restore CHECKPOINT --input FILE|DIR [--mask FILE|DIR] [--noise-std S] --out FILE|DIR/ */
export async function restoreCommand(checkpoint: string, flags: RestoreFlags): Promise<void> {
  if (flags.demo) return restoreDemo(checkpoint, flags);
  if (!flags.input) throw new GentorchError('E_CONFIG', 'Expected --input FILE.npy or DIR (or --demo)');
  checkDeviceSpec(flags.device);
  const folderInput = existsSync(flags.input) && statSync(flags.input).isDirectory();
  const kind = checkOut(flags.out, flags.force, folderInput);
  const noiseStd = checkNonNegativeNumber(flags.noiseStd ?? 0, 'noise-std');
  using model = await load(checkpoint, { device: flags.device });
  const { ds, files } = await readInput(flags.input, model.config.channels);
  if (kind === 'dir') dirTargets(flags.out, files!, flags.force); // refuse before the search, not after
  const mask = flags.mask ? await readMask(flags.mask, ds.images.shape[0], files) : undefined;
  const status = searchStatus(flags.progress !== false, 'restore', ds.images.shape[0]);
  const r = await restore(model, ds, { mask, noiseStd, ...searchFlags(flags), onProgress: status.onProgress }).finally(
    status.stop,
  );
  await writeOutputs(flags.out, kind, toFloat(ds.images), r.restored, files, flags.force);
  process.stdout.write(
    `gentorch: restored ${r.restored.shape[0]} images with the ${model instanceof GAN ? 'GAN' : 'VAE'} ` +
      `(${r.secondsPerImage.toFixed(3)} s per image) to ${flags.out}\n`,
  );
}

/** --demo: test images damaged here (noise, random holes), restored, with PSNRs. */
async function restoreDemo(checkpoint: string, flags: RestoreFlags): Promise<void> {
  const kind = checkOut(flags.out, flags.force, false);
  const noiseStd = checkNonNegativeNumber(flags.noiseStd ?? (flags.holes ? 0 : CLI_DEFAULTS.restoreNoise), 'noise-std');
  const seed = checkSeed(flags.seed ?? CLI_DEFAULTS.seed);
  checkDeviceSpec(flags.device);
  using model: VAE | GAN = await load(checkpoint, { device: flags.device });
  const split = flags.split ?? CLI_DEFAULTS.split;
  if (split !== 'test' && split !== 'train') throw invalid('test or train', '--split', split);
  const all = (await loadDataSpec(flags.data ?? CLI_DEFAULTS.data))[split];
  const ds = take(all, checkPositiveInt(flags.n ?? CLI_DEFAULTS.restoreCount, 'n'));
  const clean = toFloat(ds.images);
  const [n, , h, w] = clean.shape;
  const mask = flags.holes ? randomHoles(n, h, w, { seed }) : undefined;
  const damaged = damage(clean, { mask, noiseStd, seed });
  const status = searchStatus(flags.progress !== false, 'restore', n);
  const r = await restore(
    model,
    { name: 'damaged', images: damaged, labels: ds.labels },
    { mask, noiseStd, ...searchFlags(flags), onProgress: status.onProgress },
  ).finally(status.stop);
  if (kind === 'npy') await writeNpy(flags.out, r.restored);
  else {
    const cols = Math.min(n, 16);
    await writeGridPng(flags.out, concatImages([clean, damaged, r.restored].map((t) => firstImages(t, cols))), {
      columns: cols,
    });
  }
  const p = (x: HostTensor<'float32'>) => maskedPsnr(clean, x).toFixed(2);
  const holes = mask
    ? `; inside the holes ${maskedPsnr(clean, damaged, { mask, value: 0 }).toFixed(2)} -> ${maskedPsnr(clean, r.restored, { mask, value: 0 }).toFixed(2)} dB`
    : '';
  process.stdout.write(
    `gentorch: PSNR ${p(damaged)} dB damaged -> ${p(r.restored)} dB restored (noise std ${noiseStd}${mask ? ', random holes' : ''})${holes}; ` +
      `${r.secondsPerImage.toFixed(3)} s per image; wrote ${flags.out}${kind === 'png' ? ' (rows: clean, damaged, restored)' : ''}\n`,
  );
}
