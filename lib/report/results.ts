/**
 * The structure `compare()` returns and `gentorch compare` writes as
 * DIR/results.json (schema: RESULTS_SCHEMA below), from which report.html is
 * drawn. Plain JSON: numbers, strings, arrays; images are PNG files beside it.
 */

/** A point of the quality-against-cost curve, measured during training. */
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
}

/** Compression: images stored as latent codes (float16 mu), decoded back. */
export interface CompressionMeasures {
  bytesPerImage: number;
  rawBytesPerImage: number;
  ratio: number;
  mse: number;
  psnr: number;
}

/** Restoration: corrupted test images reconstructed through the VAE. */
export interface RestorationMeasures {
  /** Gaussian noise of this std added, clipped to [0, 1]. */
  noiseStd: number;
  noisyPsnr: number;
  restoredNoisyPsnr: number;
  /** A centred square covering this share of the pixels set to 0. */
  maskShare: number;
  maskedPsnr: number;
  restoredMaskedPsnr: number;
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
    compression?: CompressionMeasures;
    restoration?: RestorationMeasures;
    stability: StabilityMeasures;
  };
  timings: Timings;
  curve: CurvePoint[];
  losses: LossPoint[];
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
  data: { name: string; train: number; test: number; shape: number[]; classNames?: string[] };
  /** What the models shared: the same training seconds or the same epochs. */
  budget: { kind: 'seconds' | 'epochs'; value: number };
  judge: { testAccuracy: number; featureDim: number };
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

/** JSON Schema (draft 2020-12 subset) of results.json. */
export const RESULTS_SCHEMA = obj({
  gentorch: str,
  torch: str,
  createdAt: str,
  device: str,
  seed: int,
  data: obj({ name: str, train: int, test: int, shape: { type: 'array', items: int } }, [
    'name',
    'train',
    'test',
    'shape',
  ]),
  budget: obj({ kind: { enum: ['seconds', 'epochs'] }, value: num }),
  judge: obj({ testAccuracy: num, featureDim: int }),
  models: {
    type: 'array',
    minItems: 1,
    items: obj({
      name: str,
      family: { enum: ['vae', 'gan'] },
      config: obj({ model: { type: 'object' }, fit: { type: 'object' } }),
      checkpoint: str,
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
    }),
  },
});
