/**
 * The uses of a trained model on the command line: encode / decode
 * (compression), restore (denoising and inpainting through a VAE),
 * interpolate and traverse (the latent space).
 */
import { CLI_DEFAULTS } from '../config/run.js';
import { existsSync } from 'node:fs';
import { concatImages, firstImages, interpolation, restore, traversal } from '../compare/apply.js';
import { checkDeviceSpec, checkPositiveInt, checkSeed } from '../config/validate.js';
import { loadDataSpec, take, type ImageDataset } from '../data/datasets.js';
import { GentorchError, invalid } from '../errors.js';
import { GAN } from '../models/gan.js';
import { writeGridPng } from '../io/images.js';
import { load } from '../models/load.js';
import { meanSquaredError, psnr } from '../compare/metrics.js';
import { readNpy, writeNpy } from '../io/npy.js';
import type { HostTensor } from '../tensor.js';
import { VAE } from '../models/vae.js';

export interface ApplyFlags {
  out: string;
  data?: string;
  split?: string;
  n?: number;
  seed?: number;
  rows?: number;
  steps?: number;
  dims?: number;
  noise?: number;
  mask?: number;
  device: string;
  force?: boolean;
}

/** Checks --out (FILE.png or FILE.npy, not an existing file without --force); returns whether it is a PNG. */
export function checkImageOut(out: string, force: boolean | undefined, npyOnly = false): boolean {
  const lower = out.toLowerCase();
  const png = lower.endsWith('.png') && !npyOnly;
  if (!png && !lower.endsWith('.npy')) {
    throw new GentorchError(
      'E_CONFIG',
      `Expected ${npyOnly ? 'FILE.npy' : 'FILE.png or FILE.npy'} for --out but received "${out}"`,
    );
  }
  if (existsSync(out) && !force)
    throw new GentorchError('E_IO', `Refusing to overwrite ${out}; pass --force to replace it`);
  return png;
}

async function writeImages(out: string, images: HostTensor<'float32'>, columns?: number): Promise<void> {
  if (out.toLowerCase().endsWith('.png')) await writeGridPng(out, images, { columns });
  else await writeNpy(out, images);
}

async function openModel(checkpoint: string, flags: ApplyFlags): Promise<VAE | GAN> {
  checkDeviceSpec(flags.device);
  if (flags.seed !== undefined) checkSeed(flags.seed);
  return load(checkpoint, { device: flags.device });
}

function needVae(model: VAE | GAN, checkpoint: string, what: string): VAE {
  if (!(model instanceof VAE))
    throw new GentorchError(
      'E_CONFIG',
      `${what} needs a VAE checkpoint (a GAN has no encoder) but ${checkpoint} holds a GAN`,
    );
  return model;
}

async function imagesOf(flags: ApplyFlags): Promise<ImageDataset> {
  const split = flags.split ?? CLI_DEFAULTS.split;
  if (split !== 'test' && split !== 'train') throw invalid('test or train', '--split', split);
  const sets = await loadDataSpec(flags.data ?? CLI_DEFAULTS.data);
  const ds = sets[split];
  return flags.n === undefined ? ds : take(ds, checkPositiveInt(flags.n, 'n'));
}

/** gentorch encode: latent means of images, float32 [N, latentDim] .npy. */
export async function encodeCommand(checkpoint: string, flags: ApplyFlags): Promise<void> {
  checkImageOut(flags.out, flags.force, true);
  using model = await openModel(checkpoint, flags);
  const vae = needVae(model, checkpoint, 'encode');
  const images = await imagesOf(flags);
  const { mu } = await vae.encode(images);
  await writeNpy(flags.out, mu);
  const [n, c, h, w] = images.images.shape;
  process.stdout.write(
    `gentorch: wrote ${n} latent codes [${mu.shape.join(', ')}] to ${flags.out}: ${4 * mu.shape[1]} bytes per image as float32 (${2 * mu.shape[1]} as float16) instead of ${c * h * w}\n`,
  );
}

/** gentorch decode: images from latent codes (.npy [N, latentDim]), through a VAE's decoder or a GAN's generator. */
export async function decodeCommand(checkpoint: string, codes: string, flags: ApplyFlags): Promise<void> {
  checkImageOut(flags.out, flags.force);
  using model = await openModel(checkpoint, flags);
  const z = await readNpy(codes);
  if (z.dtype !== 'float32' && z.dtype !== 'float64')
    throw invalid('float32 or float64 codes', codes, z.dtype, 'E_DATA');
  const arg = { data: Float32Array.from(z.data as Float32Array), shape: z.shape };
  const images = model instanceof VAE ? await model.decode(arg) : await model.generate(arg);
  await writeImages(flags.out, images);
  process.stdout.write(`gentorch: decoded ${images.shape[0]} images to ${flags.out}\n`);
}

/** gentorch restore: corrupt test images (noise and/or a centred mask) and reconstruct them through a VAE. */
export async function restoreCommand(checkpoint: string, flags: ApplyFlags): Promise<void> {
  const png = checkImageOut(flags.out, flags.force);
  const noiseStd = flags.noise ?? (flags.mask === undefined ? CLI_DEFAULTS.restoreNoise : 0);
  const maskShare = flags.mask ?? 0;
  using model = await openModel(checkpoint, flags);
  const vae = needVae(model, checkpoint, 'restore');
  const images = await imagesOf({ ...flags, n: flags.n ?? CLI_DEFAULTS.restoreCount });
  const r = await restore(vae, images, { noiseStd, maskShare, seed: flags.seed ?? CLI_DEFAULTS.seed });
  const p = (x: HostTensor<'float32'>) => psnr(meanSquaredError(r.clean.data, x.data));
  if (png) {
    const cols = Math.min(r.clean.shape[0], 16);
    await writeGridPng(flags.out, concatImages([r.clean, r.corrupted, r.restored].map((t) => firstImages(t, cols))), {
      columns: cols,
    });
  } else {
    await writeNpy(flags.out, r.restored);
  }
  process.stdout.write(
    `gentorch: PSNR ${p(r.corrupted).toFixed(2)} dB corrupted -> ${p(r.restored).toFixed(2)} dB restored (noise std ${noiseStd}, mask ${maskShare}); wrote ${flags.out}${png ? ' (rows: clean, corrupted, restored)' : ''}\n`,
  );
}

/** gentorch interpolate: rows of images along lines in latent space. */
export async function interpolateCommand(checkpoint: string, flags: ApplyFlags): Promise<void> {
  checkImageOut(flags.out, flags.force);
  using model = await openModel(checkpoint, flags);
  const rows = checkPositiveInt(flags.rows ?? CLI_DEFAULTS.interpolateRows, 'rows');
  const steps = checkPositiveInt(flags.steps ?? CLI_DEFAULTS.lineSteps, 'steps');
  const images = model instanceof VAE ? await imagesOf({ ...flags, n: 2 * rows }) : undefined;
  const out = await interpolation(model, { images, rows, steps, seed: flags.seed });
  await writeImages(flags.out, out, steps);
  process.stdout.write(`gentorch: wrote ${rows} interpolations of ${steps} steps to ${flags.out}\n`);
}

/** gentorch traverse: each row sweeps one latent coordinate over [-3, 3]. */
export async function traverseCommand(checkpoint: string, flags: ApplyFlags): Promise<void> {
  checkImageOut(flags.out, flags.force);
  using model = await openModel(checkpoint, flags);
  const dims = checkPositiveInt(flags.dims ?? CLI_DEFAULTS.traverseDims, 'dims');
  const steps = checkPositiveInt(flags.steps ?? CLI_DEFAULTS.lineSteps, 'steps');
  const images = model instanceof VAE && flags.data !== undefined ? await imagesOf(flags) : undefined;
  const t = await traversal(model, { images, dims, steps, seed: flags.seed });
  await writeImages(flags.out, t.images, steps);
  process.stdout.write(`gentorch: wrote traversals of latent dimensions ${t.dims.join(', ')} to ${flags.out}\n`);
}
