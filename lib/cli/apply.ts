/**
 * The uses of a trained model on the command line: encode / decode
 * (compression; a GAN encodes by inversion), interpolate and traverse (the
 * latent space). Restoration is in restore.ts.
 */
import { CLI_DEFAULTS } from '../config/run.js';
import { existsSync } from 'node:fs';
import { interpolation, traversal } from '../compare/apply.js';
import { checkDeviceSpec, checkPositiveInt, checkSeed } from '../config/validate.js';
import { loadDataSpec, take, toFloat, type ImageDataset } from '../data/datasets.js';
import { GentorchError, invalid } from '../errors.js';
import { GAN } from '../models/gan.js';
import { writeGridPng } from '../io/images.js';
import { loadGenerative as load } from '../models/load.js';
import { latentMap, meanSquaredError, psnr } from '../compare/metrics.js';
import { classScatterSvg, latentAxes } from '../report/charts.js';
import { writeFileAtomic } from '../io/fsutil.js';
import { searchStatus } from './status.js';
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
  /** encode: FILE.svg, the codes on a plane coloured by class. */
  plot?: string;
  /** encode: --no-progress, no bar or status lines for a GAN's inversion. */
  progress?: boolean;
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

async function imagesOf(flags: ApplyFlags): Promise<ImageDataset> {
  const split = flags.split ?? CLI_DEFAULTS.split;
  if (split !== 'test' && split !== 'train') throw invalid('test or train', '--split', split);
  const sets = await loadDataSpec(flags.data ?? CLI_DEFAULTS.data);
  const ds = sets[split];
  return flags.n === undefined ? ds : take(ds, checkPositiveInt(flags.n, 'n'));
}

/** Points of encode --plot: enough to see the classes, few enough for an SVG. */
const PLOT_POINTS = 2000;

/** gentorch encode: latent codes of images, float32 [N, latentDim] .npy: a VAE's posterior means, a GAN's inversion. */
export async function encodeCommand(checkpoint: string, flags: ApplyFlags): Promise<void> {
  checkImageOut(flags.out, flags.force, true);
  if (flags.plot !== undefined) {
    if (!flags.plot.toLowerCase().endsWith('.svg'))
      throw new GentorchError('E_CONFIG', `Expected FILE.svg for --plot but received "${flags.plot}"`);
    if (existsSync(flags.plot) && !flags.force)
      throw new GentorchError('E_IO', `Refusing to overwrite ${flags.plot}; pass --force to replace it`);
  }
  using model = await openModel(checkpoint, flags);
  const images = await imagesOf(flags);
  const [n, c, h, w] = images.images.shape;
  let codes: HostTensor<'float32'>;
  let how: string;
  if (model instanceof GAN) {
    const status = searchStatus(flags.progress !== false, 'encode', n);
    const r = await model.invert(images, { seed: flags.seed, onProgress: status.onProgress }).finally(status.stop);
    codes = r.codes;
    const p = psnr(meanSquaredError(toFloat(images.images).data, r.images.data));
    how = `by inversion: G redraws them at PSNR ${p.toFixed(2)} dB, ${r.secondsPerImage.toFixed(3)} s per image`;
  } else {
    codes = (await model.encode(images)).mu;
    how = 'as posterior means';
  }
  await writeNpy(flags.out, codes);
  if (flags.plot !== undefined) {
    if (!images.labels)
      throw new GentorchError(
        'E_DATA',
        `Expected labelled images for --plot (it colours the codes by class) but ${images.name} has none`,
      );
    const map = latentMap(codes, images.labels, PLOT_POINTS);
    const [xLabel, yLabel] = latentAxes(map);
    const svg = classScatterSvg(map.x, map.y, map.labels, {
      names: images.classNames,
      xLabel,
      yLabel,
      label: `Latent codes of ${Math.min(n, PLOT_POINTS)} ${images.name} images, by class`,
    });
    await writeFileAtomic(flags.plot, svg);
  }
  const d = codes.shape[1];
  process.stdout.write(
    `gentorch: wrote ${n} latent codes [${codes.shape.join(', ')}] to ${flags.out} ${how}: ${4 * d} bytes per image as float32 (${2 * d} as float16) instead of ${c * h * w}\n`,
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
