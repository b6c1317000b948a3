/**
 * Restoration under a corruption model, for both families: the latent code
 * that explains the pixels we still have (mask 1) under the declared noise,
 * plus the prior (models/search.ts), and its image. Where no noise was
 * declared the known pixels are kept as they are; only the missing ones come
 * from the model. Also the user-like damage the tests and the comparison
 * restore: random rectangular holes.
 */
import { gaussianSource, uniformSource } from './apply.js';
import { meanSquaredError, psnr } from './metrics.js';
import { checkNonNegativeNumber, checkPositiveInt, checkSeed } from '../config/validate.js';
import { fromArrays, toFloat, type ImageDataset } from '../data/datasets.js';
import { invalid } from '../errors.js';
import { GAN } from '../models/gan.js';
import type { Mask, SearchOptions, SearchResult } from '../models/search.js';
import { SEARCH_DEFAULTS } from '../config/search.js';
import { VAE } from '../models/vae.js';
import type { HostTensor } from '../tensor.js';

export interface RestoreOptions extends Omit<SearchOptions, 'noiseStd'> {
  /** Which pixels survived (1) and which are missing (0); default: all survived. */
  mask?: Mask;
  /** Std of the noise on the surviving pixels, in [0, 1] units; 0 (default) when they are exact. */
  noiseStd?: number;
  /** A conditional GAN's class per image. */
  labels?: Int32Array;
}

export interface Restoration extends SearchResult {
  /** The restored images [N, C, H, W] in [0, 1]. */
  restored: HostTensor<'float32'>;
}

type Images = ImageDataset | { data: Uint8Array | Float32Array; shape: number[]; labels?: Int32Array };

/**
 * Restores damaged images with a trained VAE or GAN: the missing pixels
 * (mask 0) drawn by the model from the latent code that best explains what
 * is left, the known ones kept where no noise was declared and otherwise
 * weighed against the model's image (see below).
 */
export async function restore(model: VAE | GAN, damaged: Images, options: RestoreOptions = {}): Promise<Restoration> {
  if (!(model instanceof VAE || model instanceof GAN)) throw invalid('a VAE or a GAN', 'model', model);
  if (options === null || typeof options !== 'object') throw invalid('an object', 'restore options', options);
  const noiseStd = checkNonNegativeNumber(options.noiseStd ?? 0, 'noiseStd');
  const ds = 'images' in damaged ? damaged : fromArrays(damaged);
  const { labels, ...search } = options;
  const found =
    model instanceof GAN
      ? await model.search(ds, { ...search, noiseStd, labels: labels ?? ds.labels })
      : await model.search(ds, { ...search, noiseStd });
  // Each known pixel is the posterior mean of the clean value given what was
  // observed (noise std sigma_n) and the model's image (its own error sigma_m,
  // the search's sigmaFloor): exactly the observation when sigma_n is 0.
  const sigmaModel = options.sigmaFloor ?? SEARCH_DEFAULTS.sigmaFloor;
  const weight = sigmaModel ** 2 / (sigmaModel ** 2 + noiseStd ** 2);
  const restored = keepKnown(toFloat(ds.images), found.images, options.mask, weight);
  return { ...found, restored };
}

/** Offset of image i's mask plane for channel ch (a one-channel mask serves every channel). */
function maskPlane(mask: Mask, i: number, ch: number, plane: number): number {
  const mc = mask.shape[1];
  return (i * mc + (mc === 1 ? 0 : ch)) * plane;
}

/**
 * `filled` with its known pixels (mask 1, broadcast over channels; all
 * without a mask) moved to `weight` * observed + (1 - weight) * filled:
 * weight 1 keeps the observed pixels as they are.
 */
export function keepKnown(
  observed: HostTensor<'float32'>,
  filled: HostTensor<'float32'>,
  mask: Mask | undefined,
  weight = 1,
): HostTensor<'float32'> {
  const [n, c, h, w] = observed.shape;
  const out = Float32Array.from(filled.data);
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      const at = (i * c + ch) * h * w;
      const m = mask ? maskPlane(mask, i, ch, h * w) : 0;
      for (let p = 0; p < h * w; p++) {
        if (mask && mask.data[m + p] !== 1) continue;
        out[at + p] =
          weight === 1 ? observed.data[at + p] : weight * observed.data[at + p] + (1 - weight) * out[at + p];
      }
    }
  }
  return { dtype: 'float32', shape: [...observed.shape], data: out };
}

export interface HoleOptions {
  /** Rectangles per image (default 1 to 3, drawn per image). */
  holes?: [number, number];
  /** Each side of a rectangle as a share of the image's side (default 0.25 to 0.5). */
  side?: [number, number];
  seed?: number;
}

/**
 * Masks [N, 1, H, W] (1 = known) with random axis-aligned rectangular holes,
 * like scratches and occlusions in users' images; the same for a seed.
 */
export function randomHoles(n: number, h: number, w: number, o: HoleOptions = {}): Mask {
  checkPositiveInt(n, 'n');
  const [hMin, hMax] = o.holes ?? [1, 3];
  const [sMin, sMax] = o.side ?? [0.25, 0.5];
  if (!(checkPositiveInt(hMin, 'holes') <= checkPositiveInt(hMax, 'holes')))
    throw invalid('holes [min, max] with min <= max', 'holes', o.holes);
  if (!(sMin > 0 && sMin <= sMax && sMax <= 1)) throw invalid('side [min, max] within (0, 1]', 'side', o.side);
  const u = uniformSource(checkSeed(o.seed ?? 1));
  const data = new Uint8Array(n * h * w).fill(1);
  for (let i = 0; i < n; i++) {
    const count = hMin + Math.floor(u() * (hMax - hMin + 1));
    for (let k = 0; k < count; k++) {
      const rh = Math.max(1, Math.round(h * (sMin + u() * (sMax - sMin))));
      const rw = Math.max(1, Math.round(w * (sMin + u() * (sMax - sMin))));
      const y0 = Math.floor(u() * (h - rh + 1));
      const x0 = Math.floor(u() * (w - rw + 1));
      for (let y = y0; y < y0 + rh; y++) data.fill(0, i * h * w + y * w + x0, i * h * w + y * w + x0 + rw);
    }
  }
  return { data, shape: [n, 1, h, w] };
}

/** PSNR (dB, peak 1) over the pixels where the mask is `value` (all pixels without one), averaged over the batch's pixels. */
export function maskedPsnr(
  clean: HostTensor<'float32'>,
  x: HostTensor<'float32'>,
  where?: { mask: Mask; value: 0 | 1 },
): number {
  if (!where) return psnr(meanSquaredError(clean.data, x.data));
  const [n, c, h, w] = clean.shape;
  let se = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      const at = (i * c + ch) * h * w;
      const m = maskPlane(where.mask, i, ch, h * w);
      for (let p = 0; p < h * w; p++) {
        if (where.mask.data[m + p] !== where.value) continue;
        se += (clean.data[at + p] - x.data[at + p]) ** 2;
        count++;
      }
    }
  }
  return count === 0 ? NaN : psnr(se / count);
}

/** Images damaged as a mask says (missing pixels set to 0) and with noise of std `noiseStd` (clipped to [0, 1]). */
export function damage(
  clean: HostTensor<'float32'>,
  o: { mask?: Mask; noiseStd?: number; seed?: number },
): HostTensor<'float32'> {
  const noiseStd = checkNonNegativeNumber(o.noiseStd ?? 0, 'noiseStd');
  const gauss = gaussianSource(checkSeed(o.seed ?? 1));
  const data = Float32Array.from(clean.data, (v) =>
    noiseStd > 0 ? Math.min(1, Math.max(0, v + noiseStd * gauss())) : v,
  );
  if (o.mask) {
    const zero = keepKnown(
      { dtype: 'float32', shape: clean.shape, data },
      { dtype: 'float32', shape: clean.shape, data: new Float32Array(data.length) },
      o.mask,
    );
    return zero;
  }
  return { dtype: 'float32', shape: [...clean.shape], data };
}
