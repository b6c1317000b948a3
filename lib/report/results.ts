/**
 * The structure `compare()` returns and `gentorch compare` writes as
 * DIR/results.json (schema: RESULTS_SCHEMA below), from which report.html is
 * drawn. Plain JSON: numbers, strings, arrays; images are PNG files beside it.
 */
import type { TRANSLATOR_TASK_KEYS, TranslatorConfig, TranslatorFamily } from '../config/translate.js';

/** A point of the quality-against-cost curve, measured during training. */
/** A class counts as covered when the judge finds it in at least this share of a model's samples. */
export const COVERED_CLASS_SHARE = 0.05;

export interface CurvePoint {
  /** Training seconds so far (evaluations excluded). */
  seconds: number;
  /** Epochs so far (fractional). */
  epochs: number;
  step: number;
  /** Cheap FID: judge features of a few thousand samples against the test set's. */
  fid: number;
  /** VAEs: negative ELBO on a test subset, nats per image. */
  nelbo?: number;
}

/** One row of the training-loss history (a progress event). */
export interface LossPoint {
  step: number;
  seconds: number;
  losses: Record<string, number>;
}

export interface SampleQuality {
  /** Domain-feature FID of the samples against the test images (lower is better). */
  fid: number;
  /** Its 95% bootstrap interval (both feature sets resampled, 50 rounds). */
  fidInterval?: [number, number];
  /** KID (unbiased MMD^2, cubic kernel; mean over 100 subsets of 1000) and the 95% range of the subsets. */
  kid?: number;
  kidInterval?: [number, number];
  /** Test accuracy of the judge classifier whose features the FID uses. */
  judgeAccuracy: number;
  /** k-NN manifold precision and recall (Kynkaanniemi et al. 2019), k = 3. */
  precision: number;
  recall: number;
  /** 95% bootstrap intervals of precision and recall (the manifolds held fixed). */
  precisionInterval?: [number, number];
  recallInterval?: [number, number];
  /** Share of samples the judge puts in each class. */
  classHistogram: number[];
  /** Classes with at least 5% of the samples. */
  classesCovered: number;
  /** KL(data's classes || samples' classes), nats. */
  classKl: number;
  samples: number;
}

export interface VaeMeasures {
  /** Negative ELBO on the test set, nats per image, and its parts. */
  nelbo: number;
  recon: number;
  kl: number;
  /** Importance-weighted bound on -log p(x), nats per image (<= nelbo). */
  iwae: number;
  iwaeSamples: number;
  /** Reconstruction decode(mu(x)) against x: mean squared error per pixel and PSNR (dB, peak 1). */
  mse: number;
  psnr: number;
  /** Latent units whose posterior mean varies across the data (Cov > 0.01, Burda et al.). */
  activeUnits: number;
  latentDim: number;
  /** The encoded test images on a plane, for the report's latent-space map (labelled data only). */
  map?: LatentMap;
}

/** Posterior means of test images projected to 2-D: the two latent units themselves, or the top two principal components. */
export interface LatentMap {
  axes: 'latent' | 'pca';
  /** pca: the share of the means' variance along each axis. */
  explained?: [number, number];
  x: number[];
  y: number[];
  /** Each point's class label. */
  labels: number[];
}

/** One point of a rate-distortion curve (lib/compare/compression.ts). */
export interface RatePoint {
  /** 'vae-float16', 'gan-int8', 'jpeg', 'webp', ...: a model's name and code precision, or a codec. */
  scheme: string;
  /** The quality setting (codecs) or the bits per code coordinate (codes). */
  setting: number;
  /** What a real file of one image takes: ceil(d * bits / 8) for a code, the whole encoded file for JPEG and WebP. */
  bytesPerImage: number;
  psnr: number;
  ssim: number;
}

/**
 * Reconstruction: test images mapped to their latent codes and decoded back.
 * A VAE's code is its encoder's mean; a GAN's is found by latent search
 * (its inversion, lib/models/search.ts), which also serves a VAE.
 */
export interface ReconstructionMeasures {
  /** 'encoder': decode(mu(x)); 'search': the code that best explains x, plus the prior. */
  method: 'encoder' | 'search';
  /** Test images measured (the same first images for every model). */
  images: number;
  mse: number;
  /** dB, peak 1. */
  psnr: number;
  ssim: number;
  /** Seconds per image to find a code. */
  secondsPerImage: number;
}

/** Compression: images stored as their latent codes (those of the reconstruction), decoded back. */
export interface CompressionMeasures {
  /** The float16 code: bytes per image, the raw 8-bit image's bytes, their ratio, and the decoded images' error. */
  bytesPerImage: number;
  rawBytesPerImage: number;
  ratio: number;
  mse: number;
  psnr: number;
  /** The rate-distortion curve of the codes at 32, 16, 8, 6 and 4 bits per coordinate. */
  curve?: RatePoint[];
  /** Test images the curve was measured on. */
  images?: number;
}

/**
 * Restoration of damaged test images by latent search (lib/compare/restore.ts):
 * the code that explains the pixels that are left under the declared noise,
 * plus the prior; known pixels kept where no noise was declared.
 */
export interface RestorationMeasures {
  /** Test images restored (the same first images for every model). */
  images: number;
  /** Gaussian noise of this std added, clipped to [0, 1]; PSNR of the noisy and the restored images. */
  noiseStd: number;
  noisyPsnr: number;
  restoredNoisyPsnr: number;
  /** Random rectangular holes (1 to 3 per image, sides 25% to 50% of the image's): the share of pixels missing. */
  holeShare: number;
  /** PSNR inside the holes: of the damaged images (holes set to 0) and of the restored ones. */
  holesPsnr: number;
  restoredHolesPsnr: number;
  /** PSNR over whole images with holes: damaged and restored. */
  holedPsnr: number;
  restoredHoledPsnr: number;
  /** VAEs: the damaged images pushed through the encoder and decoder instead, for comparison. */
  encoderNoisyPsnr?: number;
  encoderHolesPsnr?: number;
  /** Seconds per image of the two restorations together. */
  secondsPerImage: number;
}

export interface StabilityMeasures {
  /** Std of the main loss over a sliding window, averaged over the run's second half (relative to its mean |loss|). */
  lossOscillation: number;
  /** GANs: mean D(x) and D(G(z)) as probabilities over the second half, and their gap. */
  dReal?: number;
  dFake?: number;
  /** GANs: mean gradient norms of D and G over the second half. */
  gradNormD?: number;
  gradNormG?: number;
  /**
   * How much the cheap FID went back and forth over the last five curve
   * points, relative to its level (compare/metrics.ts oscillation(): 0 for
   * steady improvement).
   */
  fidOscillation?: number;
}

export interface Timings {
  trainSeconds: number;
  epochs: number;
  steps: number;
  secondsPerEpoch: number;
  trainImagesPerSecond: number;
  sampleImagesPerSecond: number;
  /** Peak resident memory while this model trained or was evaluated (bytes; the larger of the two below). */
  peakRssBytes: number;
  /** Peak resident memory during training, and during evaluation (lib/compare/memory.ts). */
  trainPeakRssBytes: number;
  evalPeakRssBytes: number;
  parameters: number;
}

/**
 * The figures whose spread over seeds `compare --seeds` reports, each read
 * from a run's metrics and timings (lib/compare/seeds.ts SPREAD_FIGURES).
 */
export type SpreadKey =
  | 'fid'
  | 'kid'
  | 'precision'
  | 'recall'
  | 'classesCovered'
  | 'nelbo'
  | 'reconstructionPsnr'
  | 'restoredNoisyPsnr'
  | 'restoredHolesPsnr'
  | 'trainImagesPerSecond';

/** One figure over the seeds of a model: each seed's value (in `seeds` order), their mean, sample std, min and max. */
export interface Spread {
  values: number[];
  mean: number;
  std: number;
  min: number;
  max: number;
}

/** One seed's run of a model under `compare --seeds`: its checkpoint and final measures. */
export interface SeedRun {
  seed: number;
  /** Relative to the results directory. */
  checkpoint: string;
  metrics: ModelResult['metrics'];
  timings: Timings;
}

export interface ModelResult {
  name: string;
  family: 'vae' | 'gan';
  /** Model and fit configuration, as in the checkpoint. */
  config: { model: Record<string, unknown>; fit: Record<string, unknown> };
  /** Relative to the results directory. */
  checkpoint: string;
  metrics: {
    quality: SampleQuality;
    vae?: VaeMeasures;
    /** Every family: reconstruction, compression and restoration of the same test images. */
    reconstruction?: ReconstructionMeasures;
    compression?: CompressionMeasures;
    restoration?: RestorationMeasures;
    stability: StabilityMeasures;
  };
  timings: Timings;
  curve: CurvePoint[];
  losses: LossPoint[];
  /** The seed of this run: the comparison's seed, or the first of its seeds. */
  seed?: number;
  /**
   * `compare --seeds`: the model's run under every seed (this one first; the
   * rest under <name>/seed-<s>/) and the spread of the key figures over them.
   * The figures above are the first seed's.
   */
  seedRuns?: SeedRun[];
  spread?: Partial<Record<SpreadKey, Spread>>;
  /** PNG files relative to the results directory; absent where the family has no such use. */
  images: {
    samples: string;
    interpolation: string;
    traversal?: string;
    reconstruction?: string;
    restoration?: string;
  };
}

export interface CompareResults {
  gentorch: string;
  torch: string;
  createdAt: string;
  device: string;
  seed: number;
  /** `compare --seeds`: every seed each model ran under (the first is `seed`). */
  seeds?: number[];
  data: { name: string; train: number; test: number; shape: number[]; classNames?: string[] };
  /** What the models shared: the same training seconds or the same epochs. */
  budget: { kind: 'seconds' | 'epochs'; value: number };
  judge: { testAccuracy: number; featureDim: number };
  /** How reconstruction, compression and restoration were measured: the first `images` test images, the latent search's steps and starts. */
  uses?: { images: number; noiseStd: number; search: { steps: number; starts: number } };
  /** JPEG and WebP through sharp at several qualities, on the test images the models' codes were measured on. */
  codecs?: RatePoint[];
  models: ModelResult[];
}

const num = { type: 'number' } as const;
const int = { type: 'integer', minimum: 0 } as const;
const str = { type: 'string' } as const;
const obj = (properties: Record<string, unknown>, required = Object.keys(properties)) => ({
  type: 'object',
  properties,
  required,
});

const ratePoint = obj({ scheme: str, setting: num, bytesPerImage: num, psnr: num, ssim: num });

/** JSON Schema (draft 2020-12 subset) of results.json. */
export const RESULTS_SCHEMA = obj(
  {
    gentorch: str,
    torch: str,
    createdAt: str,
    device: str,
    seed: int,
    seeds: { type: 'array', items: int, minItems: 2 },
    uses: obj({ images: int, noiseStd: num, search: obj({ steps: int, starts: int }) }),
    codecs: { type: 'array', items: ratePoint },
    data: obj(
      {
        name: str,
        train: int,
        test: int,
        shape: { type: 'array', items: int },
        classNames: { type: 'array', items: str },
      },
      ['name', 'train', 'test', 'shape'],
    ),
    budget: obj({ kind: { enum: ['seconds', 'epochs'] }, value: num }),
    judge: obj({ testAccuracy: num, featureDim: int }),
    models: {
      type: 'array',
      minItems: 1,
      items: obj(
        {
          name: str,
          family: { enum: ['vae', 'gan'] },
          config: obj({ model: { type: 'object' }, fit: { type: 'object' } }),
          checkpoint: str,
          seed: int,
          seedRuns: {
            type: 'array',
            items: obj({ seed: int, checkpoint: str, metrics: { type: 'object' }, timings: { type: 'object' } }),
          },
          spread: {
            type: 'object',
            additionalProperties: obj({
              values: { type: 'array', items: num },
              mean: num,
              std: num,
              min: num,
              max: num,
            }),
          },
          metrics: obj(
            {
              quality: obj({
                fid: num,
                judgeAccuracy: num,
                precision: num,
                recall: num,
                classHistogram: { type: 'array', items: num },
                classesCovered: int,
                classKl: num,
                samples: int,
              }),
              stability: obj({ lossOscillation: num }),
              reconstruction: obj({
                method: { enum: ['encoder', 'search'] },
                images: int,
                mse: num,
                psnr: num,
                ssim: num,
                secondsPerImage: num,
              }),
              compression: obj(
                {
                  bytesPerImage: num,
                  rawBytesPerImage: int,
                  ratio: num,
                  mse: num,
                  psnr: num,
                  curve: { type: 'array', items: ratePoint },
                },
                ['bytesPerImage', 'rawBytesPerImage', 'ratio', 'mse', 'psnr'],
              ),
              restoration: obj({
                images: int,
                noiseStd: num,
                noisyPsnr: num,
                restoredNoisyPsnr: num,
                holeShare: num,
                holesPsnr: num,
                restoredHolesPsnr: num,
                holedPsnr: num,
                restoredHoledPsnr: num,
                secondsPerImage: num,
              }),
            },
            ['quality', 'stability'],
          ),
          timings: obj({
            trainSeconds: num,
            epochs: num,
            steps: int,
            secondsPerEpoch: num,
            trainImagesPerSecond: num,
            sampleImagesPerSecond: num,
            peakRssBytes: int,
            trainPeakRssBytes: int,
            evalPeakRssBytes: int,
            parameters: int,
          }),
          curve: {
            type: 'array',
            items: obj({ seconds: num, epochs: num, step: int, fid: num }, ['seconds', 'epochs', 'step', 'fid']),
          },
          losses: { type: 'array', items: obj({ step: int, seconds: num, losses: { type: 'object' } }) },
          images: obj({ samples: str, interpolation: str }, ['samples', 'interpolation']),
        },
        ['name', 'family', 'config', 'checkpoint', 'metrics', 'timings', 'curve', 'losses', 'images'],
      ),
    },
  },
  ['gentorch', 'torch', 'createdAt', 'device', 'seed', 'data', 'budget', 'judge', 'models'],
);

// ------------------------------------------------ image to image (compare --task)

/** The task options a comparison passes on to every family (TranslatorConfig's task fields). */
export type TranslationTask = Pick<TranslatorConfig, (typeof TRANSLATOR_TASK_KEYS)[number]>;

/** How one method does on the held-out inputs. */
export interface TranslationScores {
  psnr: number;
  ssim: number;
  /** Domain-feature FID of the outputs against the real test images (lower: more realistic). */
  fid: number;
  precision: number;
  recall: number;
  /** Mean absolute difference between outputs for the same input, in [0, 1] pixel units (inpainting: in the holes): the VAE only. */
  diversity?: number;
  secondsPerImage: number;
}

/** One point of the perception-distortion plane: a trained family, or a baseline. */
export interface TranslationPoint extends TranslationScores {
  name: string;
  kind: 'family' | 'baseline';
  /** Families: their training. */
  family?: TranslatorFamily;
  checkpoint?: string;
  trainSeconds?: number;
  steps?: number;
  epochs?: number;
  parameters?: number;
  losses?: LossPoint[];
}

export interface TranslationResults {
  gentorch: string;
  torch: string;
  createdAt: string;
  device: string;
  seed: number;
  task: TranslationTask;
  data: { name: string; train: number; test: number; shape: number[]; classNames?: string[] };
  budget: { kind: 'seconds' | 'epochs'; value: number };
  /** Held-out inputs every point was measured on, made from the first test images with damage from `seed`. */
  testImages: number;
  /** Inputs whose several VAE outputs give its diversity. */
  diversityImages: number;
  judge: { testAccuracy: number; featureDim: number };
  points: TranslationPoint[];
  /** Rows: input, target, then each point's outputs (the VAE's several). */
  examples: { image: string; rows: string[] };
}
