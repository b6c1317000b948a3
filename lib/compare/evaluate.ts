/**
 * The full metrics of one model, the same for every model of a comparison:
 * sample quality judged by the domain classifier (FID, precision/recall,
 * class coverage), reconstruction, compression and restoration for both
 * families (uses.ts), and for VAEs likelihood bounds. `gentorch eval` and compare() both use it.
 */
import { COMPARE_DEFAULTS } from '../config/run.js';
import { Classifier } from '../models/classifier.js';
import { checkPositiveInt, checkSeed } from '../config/validate.js';
import { loadDataSpec, toFloat, type ImageDataset } from '../data/datasets.js';
import { GentorchError } from '../errors.js';
import type { GAN } from '../models/gan.js';
import type { FitProgress } from '../models/fit.js';
import {
  activeUnits,
  latentMap,
  classCoverage,
  frechetDistance,
  frechetInterval,
  kernelDistance,
  meanSquaredError,
  precisionRecall,
  psnr,
} from './metrics.js';
import type {
  CompressionMeasures,
  ReconstructionMeasures,
  RestorationMeasures,
  SampleQuality,
  VaeMeasures,
} from '../report/results.js';
import { measureUses } from './uses.js';
import type { HostTensor } from '../tensor.js';
import { VAE } from '../models/vae.js';
import { native } from '../native.js';
import { VERSION } from '../version.js';

/** What models are measured against: the data, the judge and the test set's judge features. */
export interface JudgeBench {
  train: ImageDataset;
  test: ImageDataset;
  judge: Classifier;
  judgeAccuracy: number;
  realFeatures: HostTensor<'float64'>;
}

/**
 * Loads labelled data and its judge (trained once per dataset and cached;
 * see Classifier.forDataset) and the judge's features of the test images.
 */
export async function judgeBench(
  data: string | { train: ImageDataset; test: ImageDataset },
  options: { device?: string; cacheDir?: string; onProgress?: (p: FitProgress) => void } = {},
): Promise<JudgeBench> {
  const { train, test } = typeof data === 'string' ? await loadDataSpec(data) : data;
  if (!train?.labels || !test?.labels) {
    throw new GentorchError(
      'E_DATA',
      'Expected labelled train and test data: the judge classifier that measures sample quality learns the classes',
    );
  }
  const device = options.device === 'auto' ? undefined : options.device;
  const { classifier, testAccuracy } = await Classifier.forDataset(train, test, {
    device,
    cacheDir: options.cacheDir,
    onProgress: options.onProgress,
  });
  return {
    train,
    test,
    judge: classifier,
    judgeAccuracy: testAccuracy,
    realFeatures: await classifier.features(test.images),
  };
}

/** What every results file says of its run: versions, time, device, the data and the judge. */
export function runFacts(bench: JudgeBench, device: string) {
  return {
    gentorch: VERSION,
    torch: native().runtimeInfo().torchVersion,
    createdAt: new Date().toISOString(),
    device: native().checkDevice(device),
    data: {
      name: bench.train.name.replace(/:train$/, ''),
      train: bench.train.images.shape[0],
      test: bench.test.images.shape[0],
      shape: bench.train.images.shape.slice(1),
      ...(bench.train.classNames ? { classNames: bench.train.classNames } : {}),
    },
    judge: { testAccuracy: bench.judgeAccuracy, featureDim: bench.realFeatures.shape[1] },
  };
}

/**
 * FID and KID, precision/recall (k = 3), each with a 95% interval, and class
 * coverage of samples in [0, 1], against the test images.
 */
export async function sampleQuality(
  samples: HostTensor<'float32'>,
  bench: JudgeBench,
  seed = 1,
): Promise<SampleQuality> {
  const features = await bench.judge.features(samples);
  const pr = await precisionRecall(bench.realFeatures, features, 3, { rounds: 200, seed });
  const cov = await classCoverage(bench.judge, samples, bench.test.labels);
  const kid = await kernelDistance(bench.realFeatures, features, { seed });
  return {
    fid: frechetDistance(features, bench.realFeatures),
    fidInterval: await frechetInterval(features, bench.realFeatures, 50, seed),
    kid: kid.kid,
    kidInterval: kid.interval,
    judgeAccuracy: bench.judgeAccuracy,
    precision: pr.precision,
    recall: pr.recall,
    precisionInterval: pr.precisionInterval,
    recallInterval: pr.recallInterval,
    classHistogram: cov.histogram,
    classesCovered: cov.classesCovered,
    classKl: cov.klFromData,
    samples: samples.shape[0],
  };
}

/** Negative ELBO, IWAE bound (k = 32), reconstruction MSE/PSNR and active units on the test images. */
export async function vaeMeasures(vae: VAE, test: ImageDataset, iwaeSamples = 32): Promise<VaeMeasures> {
  const ev = await vae.evaluate(test);
  const recon = await vae.reconstruct(test);
  const mse = meanSquaredError(toFloat(test.images).data, recon.data);
  const { mu } = await vae.encode(test);
  return {
    nelbo: ev.nelbo,
    recon: ev.recon,
    kl: ev.kl,
    iwae: await vae.iwae(test, { samples: iwaeSamples }),
    iwaeSamples,
    mse,
    psnr: psnr(mse),
    activeUnits: activeUnits(mu),
    latentDim: vae.config.latentDim,
    ...(test.labels ? { map: latentMap(mu, test.labels) } : {}),
  };
}

export interface Evaluation {
  quality: SampleQuality;
  vae?: VaeMeasures;
  reconstruction: ReconstructionMeasures;
  compression: CompressionMeasures;
  restoration: RestorationMeasures;
  sampleImagesPerSecond: number;
}

/**
 * The full metrics of a trained model on labelled data: `samples` samples
 * (default 10000) judged against the test images; reconstruction,
 * compression and restoration of the first `usesImages` test images (default
 * 100; uses.ts); and a VAE's likelihood measures.
 */
export async function evaluate(
  model: VAE | GAN,
  bench: JudgeBench,
  options: {
    samples?: number;
    seed?: number;
    usesImages?: number;
    /** Called as each measure starts, with its name and the share of the evaluation done. */
    onPhase?: (detail: string, fraction: number) => void;
  } = {},
): Promise<Evaluation> {
  const n = checkPositiveInt(options.samples ?? COMPARE_DEFAULTS.samples, 'samples');
  const seed = checkSeed(options.seed ?? model.seed);
  const phase = options.onPhase ?? (() => {});
  phase('samples', 0);
  const t0 = performance.now();
  const samples = await model.sample(n, { seed });
  const sampleImagesPerSecond = n / ((performance.now() - t0) / 1000);
  phase('sample quality', 0.1);
  const quality = await sampleQuality(samples, bench, seed);
  phase('uses: reconstruction, compression, restoration', 0.3);
  const uses = await measureUses(model, bench.test, {
    images: options.usesImages ?? COMPARE_DEFAULTS.usesImages,
    seed,
    search: COMPARE_DEFAULTS.usesSearch,
  });
  const { reconstruction, compression, restoration } = uses;
  const out: Evaluation = { quality, reconstruction, compression, restoration, sampleImagesPerSecond };
  if (model instanceof VAE) {
    phase('latent space', 0.9);
    out.vae = await vaeMeasures(model, bench.test);
  }
  return out;
}
