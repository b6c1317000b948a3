/**
 * A text GAN's configuration with its defaults in exactly one place,
 * mirrored 1:1 from the C++ option structs (native/models/text_gan.h
 * TextGanNetOptions, native/train/text_gan_trainer.h TextGanConfig,
 * TextGanFitOptions and TextInversionOptions; test/native/defaults.test.ts
 * holds them equal). Validation turns every bad value into an E_CONFIG naming it.
 */
import { invalid } from '../errors.js';
import { checkBaseFit, type BaseFitConfig } from './fit.js';
import {
  checkNonNegativeInt,
  checkNonNegativeNumber,
  checkPositiveInt,
  checkPositiveNumber,
  checkSeed,
  rejectUnknownKeys,
  stripUndefined,
  checkProbability,
} from './validate.js';

/** A text GAN's networks and objective (WGAN-GP over softmax outputs, Gulrajani et al. 2017). */
export interface TextGanConfig {
  /**
   * Ids in all: the 4 specials (PAD, BOS, EOS, UNK) and the characters. 0
   * until the vocabulary sets it (the first fit, or the `vocabulary` option).
   */
  vocabSize: number;
  /** Longest line in characters (without its EOS); rows are maxLength + 1 positions. */
  maxLength: number;
  /** Dimension of the latent code z. */
  latentDim: number;
  /** Channels of both networks' 1-D convolutions. */
  hiddenDim: number;
  /** Residual blocks (ReLU, conv k=5, ReLU, conv k=5, scaled 0.3) in each network. */
  blocks: number;
  /** Weight of the gradient penalty. */
  gpLambda: number;
  /** Critic steps per generator step, each on a fresh batch. */
  nCritic: number;
}

/**
 * The defaults. hiddenDim 128 and 3 blocks (the paper: 512 and 5) keep a
 * step at about 2 CPU-seconds, so minutes on 2 cores are hundreds of steps:
 * 375 steps learn the words' lengths at the paper's lr 1e-4, and their
 * letter and pair frequencies too at lr 1e-3 (README "Text GAN", measured).
 */
export const TEXT_GAN_DEFAULTS: Readonly<TextGanConfig> = Object.freeze({
  vocabSize: 0,
  maxLength: 32, // lib/data/text.ts TEXT_MAX_LENGTH, as the TextVAE's
  latentDim: 64,
  hiddenDim: 128,
  blocks: 3,
  gpLambda: 10,
  nCritic: 5,
});

/** Fills and validates a TextGanConfig from a partial one (vocabSize 0: not yet known). */
export function resolveTextGanConfig(partial: Partial<TextGanConfig> = {}): TextGanConfig {
  if (partial === null || typeof partial !== 'object') throw invalid('an object', 'TextGAN config', partial);
  rejectUnknownKeys(partial, Object.keys(TEXT_GAN_DEFAULTS), 'TextGAN');
  const c = { ...TEXT_GAN_DEFAULTS, ...stripUndefined(partial) } as TextGanConfig;
  checkNonNegativeInt(c.vocabSize, 'vocabSize');
  if (c.vocabSize > 0 && c.vocabSize < 5)
    throw invalid('0 (from the vocabulary) or at least 5 (4 specials and a character)', 'vocabSize', c.vocabSize);
  checkPositiveInt(c.maxLength, 'maxLength');
  if (c.maxLength > 1024) throw invalid('an integer in [1, 1024]', 'maxLength', c.maxLength);
  checkPositiveInt(c.latentDim, 'latentDim');
  checkPositiveInt(c.hiddenDim, 'hiddenDim');
  checkPositiveInt(c.blocks, 'blocks');
  checkNonNegativeNumber(c.gpLambda, 'gpLambda');
  checkPositiveInt(c.nCritic, 'nCritic');
  return c;
}

/** Options of one TextGAN fit() that cross into C++; the rest as the VAE's (fit.ts BaseFitConfig). */
export interface TextGanFitConfig extends BaseFitConfig {
  /** Adam's learning rate, both networks. */
  lr: number;
  /** Adam's betas, both networks. */
  beta1: number;
  beta2: number;
}

/** The paper's optimiser (Adam, lr 1e-4, betas 0.5 and 0.9) and batch size (64). */
export const TEXT_GAN_FIT_DEFAULTS: Readonly<TextGanFitConfig> = Object.freeze({
  epochs: 10,
  steps: 0,
  batchSize: 64,
  lr: 1e-4,
  beta1: 0.5,
  beta2: 0.9,
  progressEvery: 50,
  checkpointEvery: 0,
  precision: 'auto',
  onNan: 'stop',
  cudaGraphs: 'auto',
  totals: false,
});

/** Fills and validates a TextGanFitConfig. */
export function resolveTextGanFitConfig(partial: Partial<TextGanFitConfig>): TextGanFitConfig {
  const c = { ...TEXT_GAN_FIT_DEFAULTS, ...stripUndefined(partial) };
  checkBaseFit(c);
  if (c.precision === 'bfloat16') throw invalid("'auto' or 'float32' for a TextGAN", 'precision', c.precision);
  if (c.cudaGraphs === 'on') throw invalid("'auto' or 'off' for a TextGAN", 'cudaGraphs', c.cudaGraphs);
  checkPositiveNumber(c.lr, 'lr');
  for (const k of ['beta1', 'beta2'] as const) {
    checkProbability(c[k], k);
  }
  return c;
}

/** Options of a TextGAN's invert() that cross into C++. */
export interface TextInvertConfig {
  /** Adam steps on each string's code. */
  steps: number;
  /** Adam's step size on z. */
  lr: number;
  /** Seed of the starting codes z ~ N(0, I). */
  seed: number;
}

export const TEXT_INVERT_DEFAULTS: Readonly<TextInvertConfig> = Object.freeze({ steps: 200, lr: 0.05, seed: 1 });

/** Fills and validates a TextInvertConfig. */
export function resolveTextInvertConfig(partial: Partial<TextInvertConfig>): TextInvertConfig {
  const c = { ...TEXT_INVERT_DEFAULTS, ...stripUndefined(partial) };
  checkNonNegativeInt(c.steps, 'steps');
  checkPositiveNumber(c.lr, 'lr');
  checkSeed(c.seed);
  return c;
}
