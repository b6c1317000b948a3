/**
 * The uses that start from an image, measured the same way for both
 * families on the same first test images: reconstruction (each image's code
 * decoded back: a VAE's encoder mean, a GAN's inversion by latent search),
 * compression (those codes stored at fewer bits: the rate-distortion curve)
 * and restoration (noise of std 0.3, and random rectangular holes, restored
 * by latent search; for a VAE also the encoder-only baseline it must beat).
 * compare() and evaluate() both call measureUses().
 */
import { concatImages, firstImages, STRIP } from './apply.js';
import { codeCurve, ssim } from './compression.js';
import { meanSquaredError, psnr } from './metrics.js';
import { damage, maskedPsnr, randomHoles, restore } from './restore.js';
import { checkPositiveInt, checkSeed } from '../config/validate.js';
import { take, toFloat, type ImageDataset } from '../data/datasets.js';
import { GAN } from '../models/gan.js';
import type { LatentSearchConfig } from '../config/search.js';
import { pairRows } from '../io/images.js';
import type { CompressionMeasures, ReconstructionMeasures, RestorationMeasures } from '../report/results.js';
import type { HostTensor } from '../tensor.js';
import { VAE } from '../models/vae.js';

/** Noise of the denoising measure, as the article's figures use it. */
export const USES_NOISE_STD = 0.3;

export interface UsesOptions {
  /** Test images measured, the first ones (default 100). */
  images?: number;
  /** Seed of the noise, the holes and the search's random starts (default 1). */
  seed?: number;
  /** The latent search's settings (SEARCH_DEFAULTS where not given; seed from `seed`). */
  search?: Partial<Omit<LatentSearchConfig, 'seed' | 'noiseStd'>>;
}

export interface Uses {
  reconstruction: ReconstructionMeasures;
  compression: CompressionMeasures;
  restoration: RestorationMeasures;
  /** The first 16 images above their reconstructions, 8 a row. */
  reconstructionGrid: HostTensor<'float32'>;
  /** STRIP images per row: clean, noisy, restored, with holes, restored. */
  restorationGrid: HostTensor<'float32'>;
}

/**
 * Reconstruction, compression and restoration of the first `images` test
 * images by a trained VAE or GAN. The measures of every model of a
 * comparison are taken on the same images with the same damage.
 */
export async function measureUses(model: VAE | GAN, test: ImageDataset, options: UsesOptions = {}): Promise<Uses> {
  const n = Math.min(checkPositiveInt(options.images ?? 100, 'images'), test.images.shape[0]);
  const seed = checkSeed(options.seed ?? 1);
  const search = { ...options.search, seed };
  const subset = take(test, n);
  const clean = toFloat(subset.images);
  const [, c, h, w] = clean.shape;
  const labels = model instanceof GAN && model.config.numClasses > 0 ? subset.labels : undefined;

  // Reconstruction: the VAE's encoder mean, the GAN's inversion.
  const t0 = performance.now();
  let codes: HostTensor<'float32'>;
  let recon: HostTensor<'float32'>;
  let method: ReconstructionMeasures['method'];
  if (model instanceof VAE) {
    codes = (await model.encode(subset)).mu;
    recon = await model.decode(codes);
    method = 'encoder';
  } else {
    const found = await model.invert(subset, { ...search, labels });
    codes = found.codes;
    recon = found.images;
    method = 'search';
  }
  const findSeconds = (performance.now() - t0) / 1000 / n;
  const reconMse = meanSquaredError(clean.data, recon.data);
  const reconstruction: ReconstructionMeasures = {
    method,
    images: n,
    mse: reconMse,
    psnr: psnr(reconMse),
    ssim: ssim(clean, recon),
    secondsPerImage: findSeconds,
  };

  // Compression: the same codes at fewer bits.
  const decode = (z: { data: Float32Array; shape: number[] }) =>
    model instanceof VAE ? model.decode(z) : model.generate(z, { labels });
  const family = model instanceof VAE ? 'vae' : 'gan';
  const curve = await codeCurve(family, clean, codes, decode);
  const half = curve.find((p) => p.setting === 16)!;
  const halfMse = 10 ** (-half.psnr / 10);
  const compression: CompressionMeasures = {
    bytesPerImage: half.bytesPerImage,
    rawBytesPerImage: c * h * w,
    ratio: (c * h * w) / half.bytesPerImage,
    mse: halfMse,
    psnr: half.psnr,
    curve,
    images: n,
  };

  // Restoration: noise everywhere, and holes with the rest exact.
  const noisy = damage(clean, { noiseStd: USES_NOISE_STD, seed });
  const mask = randomHoles(n, h, w, { seed: seed + 1 });
  const holed = damage(clean, { mask });
  const asData = (x: HostTensor<'float32'>) => ({ data: x.data, shape: x.shape, labels: subset.labels });
  const denoised = await restore(model, asData(noisy), { ...search, noiseStd: USES_NOISE_STD, labels });
  const filled = await restore(model, asData(holed), { ...search, mask, labels });
  let holes = 0;
  for (const v of mask.data) holes += v === 0 ? 1 : 0;
  const missing = holes / mask.data.length;
  const inHoles = { mask, value: 0 as const };
  const restoration: RestorationMeasures = {
    images: n,
    noiseStd: USES_NOISE_STD,
    noisyPsnr: maskedPsnr(clean, noisy),
    restoredNoisyPsnr: maskedPsnr(clean, denoised.restored),
    holeShare: missing,
    holesPsnr: maskedPsnr(clean, holed, inHoles),
    restoredHolesPsnr: maskedPsnr(clean, filled.restored, inHoles),
    holedPsnr: maskedPsnr(clean, holed),
    restoredHoledPsnr: maskedPsnr(clean, filled.restored),
    secondsPerImage: denoised.secondsPerImage + filled.secondsPerImage,
  };
  if (model instanceof VAE) {
    restoration.encoderNoisyPsnr = maskedPsnr(clean, await model.reconstruct(asData(noisy)));
    restoration.encoderHolesPsnr = maskedPsnr(clean, await model.reconstruct(asData(holed)), inHoles);
  }

  const k = Math.min(16, n);
  const row = (x: HostTensor<'float32'>) => firstImages(x, Math.min(STRIP, n));
  return {
    reconstruction,
    compression,
    restoration,
    reconstructionGrid: pairRows(firstImages(clean, k), firstImages(recon, k), 8),
    restorationGrid: concatImages([clean, noisy, denoised.restored, holed, filled.restored].map(row)),
  };
}
