/**
 * What `compareText()` (lib/compare/text-compare.ts) returns and
 * `gentorch compare --data words` writes as DIR/text.json, from which its
 * report.html is drawn: the text VAE, the text GAN and the smoothed
 * character n-gram baseline on the same split, under one training budget.
 * Plain JSON: numbers, strings, arrays.
 */
import type { LossPoint } from './results.js';

/** The length distribution of lines, in characters (compare/text-metrics.ts lengthStats()). */
export interface LengthStats {
  /** Lines measured. */
  count: number;
  /** Mean length in characters (code points). */
  mean: number;
  /** Population standard deviation of the lengths. */
  std: number;
  /** histogram[k]: the share of lines of k characters, k = 0..longest. */
  histogram: number[];
}

/** Every measure of a set of samples (compare/text-metrics.ts textSampleMetrics()). */
export interface TextSampleMetrics {
  samples: number;
  validity: number;
  novelty: number;
  diversity: number;
  /** JSD in bits against the test lines, for n = 1..4 (NaN where either side has no n-gram). */
  jsd: { n: number; bits: number }[];
  length: { samples: LengthStats; test: LengthStats; tvDistance: number };
}

/** A point measured during training (evaluations are not training time). */
export interface TextCurvePoint {
  /** Training seconds so far. */
  seconds: number;
  step: number;
  /** Epochs so far (fractional). */
  epochs: number;
  /** Character 3-gram JSD (bits) of a few hundred samples against the test lines: both families. */
  jsd3: number;
  /** VAE: negative ELBO on a test subset, in bits per character. */
  bitsPerChar?: number;
}

/** One model of the comparison: 'vae' and 'gan' are trained; 'ngram' is the baseline, counted in seconds. */
export interface TextModelResult {
  name: string;
  family: 'vae' | 'gan' | 'ngram';
  /** The model's config (a TextVAE's, a TextGAN's, or { order }). */
  config: Record<string, unknown>;
  /** DIR-relative checkpoint of a trained model (none for the n-gram). */
  checkpoint?: string;
  timings: {
    trainSeconds: number;
    steps: number;
    epochs: number;
    parameters: number;
    /** Strings sampled per second. */
    sampleStringsPerSecond: number;
  };
  /** Test bits per character (EOS counted): the n-gram's exact cost, the VAE's -ELBO and IWAE bounds. */
  bitsPerChar?: { exact?: number; nelbo?: number; iwae?: number };
  /** VAE: the test split's -ELBO parts (nats per string), the IWAE samples and the active units of z. */
  vae?: { nelbo: number; recon: number; kl: number; iwaeSamples: number; activeUnits: number; latentDim: number };
  /** Measures of `samples` strings drawn from the model. */
  samples: TextSampleMetrics;
  /** The first strings drawn (shown in the report). */
  examples: string[];
  curve: TextCurvePoint[];
  losses: LossPoint[];
  /** Coefficient of variation of the second half's loss (VAE: loss, GAN: the critic's loss), windows of 10. */
  lossOscillation: number;
}

/** One way to store strings: lossless (bytes of an ideal entropy code) or lossy (a latent code). */
export interface TextCompressionRow {
  method: string;
  lossless: boolean;
  /** Mean bytes per string (a lossy code: the quantized latent code's). */
  bytesPerString: number;
  /** Lossy codes: share of strings decoded exactly, and the character error rate (edit distance / length). */
  exactShare?: number;
  charErrorRate?: number;
}

/** One method's repair of the same masked test strings. */
export interface TextRepairRow {
  method: string;
  /** Share of the masked characters restored exactly. */
  charAccuracy: number;
  /** Share of strings restored entirely. */
  exactShare: number;
}

export interface TextResults {
  kind: 'text';
  gentorch: string;
  torch: string;
  createdAt: string;
  device: string;
  seed: number;
  data: {
    name: string;
    train: number;
    test: number;
    /** Characters in the vocabulary (without the 4 specials). */
    characters: number;
    maxLength: number;
    meanLength: number;
  };
  budget: { kind: 'seconds' | 'epochs'; value: number };
  /** Test lines each bits-per-character figure is measured on (all of the test split, or that many evenly spread over it). */
  testStrings: number;
  ngram: {
    /** The order chosen on held-out training lines, and each order's held-out score. */
    chosen: number;
    heldOut: { order: number; bitsPerChar: number }[];
    /** Each order's test bits per character, and the best of them (the bar both families are held to). */
    test: { order: number; bitsPerChar: number }[];
    best: { order: number; bitsPerChar: number };
  };
  /** The VAE, the GAN and the n-gram (chosen order), in that order where present. */
  models: TextModelResult[];
  compression: { strings: number; rows: TextCompressionRow[] };
  repair: {
    strings: number;
    /** Share of each string's characters masked (at least one per string). */
    maskShare: number;
    mask: string;
    rows: TextRepairRow[];
    /** The first masked strings, their truth, and each method's repair (keys: TextRepairRow.method). */
    examples: { masked: string; truth: string; repaired: Record<string, string> }[];
  };
  /** Lines through latent space between two test strings: the VAE's encodings, the GAN's inversions. */
  interpolation: { model: string; from: string; to: string; path: string[] }[];
}
