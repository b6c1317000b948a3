/**
 * The uses the article names, on a trained model: corruption and the
 * encoder's restoration (restore.ts searches), interpolation between two points
 * of the latent space, and latent traversal (one coordinate swept while the
 * others stay put). Generation is sample(); compression is encode/decode.
 */
import { checkPositiveInt, checkSeed, rejectUnknownKeys } from '../config/validate.js';
import { take, toFloat, type ImageDataset } from '../data/datasets.js';
import { GentorchError, invalid } from '../errors.js';
import { GAN } from '../models/gan.js';
import type { HostTensor } from '../tensor.js';
import { VAE } from '../models/vae.js';

/** Images per row of the interpolation and traversal grids. */
export const STRIP = 10;

/** A seeded uniform source in [0, 1) (mulberry32): Math.random cannot be seeded. */
export function uniformSource(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A seeded standard-normal source (mulberry32 and Box-Muller): the
 * corruption noise and the GAN's latent codes must repeat for a seed.
 */
export function gaussianSource(seed: number): () => number {
  const uniform = uniformSource(seed);
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

export interface Corruption {
  /** Std of the Gaussian noise added (then clipped to [0, 1]); 0 for none. */
  noiseStd?: number;
  /** Share of the pixels, a centred square, set to 0; 0 for none. */
  maskShare?: number;
  seed?: number;
}

/** A copy of images in [0, 1] with noise added and a centred square blanked. */
export function corrupt(clean: HostTensor<'float32'>, c: Corruption): HostTensor<'float32'> {
  if (c === null || typeof c !== 'object') throw invalid('an object', 'corruption', c);
  rejectUnknownKeys(c, ['noiseStd', 'maskShare', 'seed'], 'corruption');
  const noiseStd = c.noiseStd ?? 0;
  const maskShare = c.maskShare ?? 0;
  if (typeof noiseStd !== 'number' || !(noiseStd >= 0 && Number.isFinite(noiseStd)))
    throw invalid('non-negative number', 'noiseStd', noiseStd);
  if (typeof maskShare !== 'number' || !(maskShare >= 0 && maskShare <= 1))
    throw invalid('number in [0, 1]', 'maskShare', maskShare);
  const seed = checkSeed(c.seed ?? 1);
  const [n, ch, h, w] = clean.shape;
  const gauss = gaussianSource(seed);
  const data =
    noiseStd > 0
      ? Float32Array.from(clean.data, (v) => Math.min(1, Math.max(0, v + noiseStd * gauss())))
      : Float32Array.from(clean.data);
  const side = Math.round(Math.sqrt(maskShare) * Math.min(h, w));
  const y0 = Math.floor((h - side) / 2);
  const x0 = Math.floor((w - side) / 2);
  for (let i = 0; i < n * ch; i++) {
    for (let y = y0; y < y0 + side; y++) data.fill(0, i * h * w + y * w + x0, i * h * w + y * w + x0 + side);
  }
  return { dtype: 'float32', shape: clean.shape, data };
}

/** The first n images of a batch. */
export function firstImages(t: HostTensor<'float32'>, n: number): HostTensor<'float32'> {
  const per = t.shape.slice(1).reduce((a, b) => a * b, 1);
  const k = Math.min(n, t.shape[0]);
  return { dtype: 'float32', shape: [k, ...t.shape.slice(1)], data: t.data.slice(0, k * per) };
}

/** Batches of equally shaped images, one after the other. */
export function concatImages(parts: HostTensor<'float32'>[]): HostTensor<'float32'> {
  const n = parts.reduce((a, p) => a + p.shape[0], 0);
  const data = new Float32Array(parts.reduce((a, p) => a + p.data.length, 0));
  let off = 0;
  for (const p of parts) {
    data.set(p.data, off);
    off += p.data.length;
  }
  return { dtype: 'float32', shape: [n, ...parts[0].shape.slice(1)], data };
}

/** Latent codes [rows * steps, d]: row r runs in `steps` even steps from a_r to b_r. */
export function lerpCodes(
  a: Float32Array,
  b: Float32Array,
  d: number,
  steps = STRIP,
): { data: Float32Array; shape: number[] } {
  const rows = a.length / d;
  const data = new Float32Array(rows * steps * d);
  for (let r = 0; r < rows; r++) {
    for (let s = 0; s < steps; s++) {
      const t = steps > 1 ? s / (steps - 1) : 0;
      for (let j = 0; j < d; j++) data[(r * steps + s) * d + j] = (1 - t) * a[r * d + j] + t * b[r * d + j];
    }
  }
  return { data, shape: [rows * steps, d] };
}

/** One row per dimension in `dims`: `base` with that coordinate swept over [-range, range]. */
export function traversalCodes(
  base: Float32Array,
  dims: number[],
  range = 3,
  steps = STRIP,
): { data: Float32Array; shape: number[] } {
  const d = base.length;
  const data = new Float32Array(dims.length * steps * d);
  dims.forEach((dim, r) => {
    for (let s = 0; s < steps; s++) {
      const row = data.subarray((r * steps + s) * d, (r * steps + s + 1) * d);
      row.set(base);
      row[dim] = -range + (2 * range * s) / Math.max(1, steps - 1);
    }
  });
  return { data, shape: [dims.length * steps, d] };
}

/** n standard-normal latent codes [n, d], the same for a seed. */
export function gaussianCodes(n: number, d: number, seed: number): Float32Array {
  return Float32Array.from({ length: n * d }, gaussianSource(seed));
}

/** Latent dimensions ordered by how much their posterior means vary across the data, most first. */
export function dimsByVariance(mu: HostTensor<'float32'>): number[] {
  const [n, d] = mu.shape;
  const variance = Array.from({ length: d }, (_, j) => {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      s += mu.data[i * d + j];
      s2 += mu.data[i * d + j] ** 2;
    }
    return s2 / n - (s / n) ** 2;
  });
  return variance
    .map((v, j) => [v, j])
    .sort((x, y) => y[0] - x[0])
    .map(([, j]) => j);
}

export interface InterpolationOptions {
  /** VAE: pairs of these images (0-1, 2-3, ...) are the ends of the rows. GAN: not used. */
  images?: ImageDataset;
  /** Rows (pairs of ends); default 4. */
  rows?: number;
  steps?: number;
  /** GAN: seed of the random end codes. */
  seed?: number;
}

/**
 * Images along straight lines in latent space, a row per pair of ends: for a
 * VAE between the posterior means of pairs of given images, for a GAN between
 * pairs of random codes.
 */
export async function interpolation(model: VAE | GAN, o: InterpolationOptions = {}): Promise<HostTensor<'float32'>> {
  const rows = checkPositiveInt(o.rows ?? 4, 'rows');
  const steps = checkPositiveInt(o.steps ?? STRIP, 'steps');
  const seed = checkSeed(o.seed ?? model.seed);
  if (model instanceof VAE) {
    if (!o.images)
      throw new GentorchError(
        'E_CONFIG',
        'Expected images for a VAE interpolation: its ends are the codes of pairs of images',
      );
    if (o.images.images.shape[0] < 2 * rows)
      throw invalid(`at least ${2 * rows} images for ${rows} rows`, 'images', o.images.images.shape[0], 'E_DATA');
    const d = model.config.latentDim;
    const { mu } = await model.encode(take(o.images, 2 * rows));
    const a = new Float32Array(rows * d);
    const b = new Float32Array(rows * d);
    for (let r = 0; r < rows; r++) {
      a.set(mu.data.subarray(2 * r * d, (2 * r + 1) * d), r * d);
      b.set(mu.data.subarray((2 * r + 1) * d, (2 * r + 2) * d), r * d);
    }
    return model.decode(lerpCodes(a, b, d, steps));
  }
  const d = model.config.latentDim;
  const codes = gaussianCodes(2 * rows, d, seed);
  return model.generate(lerpCodes(codes.subarray(0, rows * d), codes.subarray(rows * d), d, steps));
}

export interface TraversalOptions {
  /** VAE: images whose codes rank the dimensions (most varied first); GAN: the first dimensions are used. */
  images?: ImageDataset;
  /** Dimensions to sweep (rows); default 8. */
  dims?: number;
  steps?: number;
  /** GAN: seed of the code the sweeps start from (a VAE starts at z = 0). */
  seed?: number;
}

/**
 * Latent traversal, the look at interpretability: each row sweeps one latent
 * coordinate over [-3, 3] with the others fixed. Returns the images and the
 * dimensions swept.
 */
export async function traversal(
  model: VAE | GAN,
  o: TraversalOptions = {},
): Promise<{ images: HostTensor<'float32'>; dims: number[] }> {
  const d = model.config.latentDim;
  const k = Math.min(checkPositiveInt(o.dims ?? 8, 'dims'), d);
  const steps = checkPositiveInt(o.steps ?? STRIP, 'steps');
  const seed = checkSeed(o.seed ?? model.seed);
  if (model instanceof VAE) {
    const order = o.images
      ? dimsByVariance((await model.encode(take(o.images, 2000))).mu)
      : Array.from({ length: d }, (_, j) => j);
    const dims = order.slice(0, k);
    return { images: await model.decode(traversalCodes(new Float32Array(d), dims, 3, steps)), dims };
  }
  const dims = Array.from({ length: k }, (_, j) => j);
  return { images: await model.generate(traversalCodes(gaussianCodes(1, d, seed), dims, 3, steps)), dims };
}

/**
 * The encoder's restoration, the baseline latent search must beat: corrupt
 * the images, then push them through the VAE's encoder and decoder (an
 * encoder that never saw damage). Clean, corrupted and restored images.
 */
export async function restoreByEncoder(
  vae: VAE,
  images: ImageDataset,
  c: Corruption,
): Promise<{ clean: HostTensor<'float32'>; corrupted: HostTensor<'float32'>; restored: HostTensor<'float32'> }> {
  const clean = toFloat(images.images);
  const corrupted = corrupt(clean, c);
  const restored = await vae.reconstruct({ name: `${images.name} (corrupted)`, images: corrupted });
  return { clean, corrupted, restored };
}
