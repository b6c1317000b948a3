/**
 * A text VAE's configuration with its defaults in exactly one place,
 * mirrored 1:1 from the C++ option structs (native/models/text_vae.h
 * TextVaeNetOptions, native/train/text_vae_trainer.h TextVaeConfig).
 * Validation turns every bad value into an E_CONFIG naming it.
 */
import { invalid } from '../errors.js';
import {
  checkBoolean,
  checkNonNegativeInt,
  checkNonNegativeNumber,
  checkPositiveInt,
  rejectUnknownKeys,
  stripUndefined,
} from './validate.js';

/** A text VAE's architecture and loss (Bowman et al. 2016, over characters). */
export interface TextVaeConfig {
  /**
   * Ids in all: the 4 specials (PAD, BOS, EOS, UNK) and the characters. 0
   * until the vocabulary sets it (the first fit, or the `vocabulary` option).
   */
  vocabSize: number;
  /** Longest line in characters (without its EOS). */
  maxLength: number;
  /** Width of the character embedding, shared by encoder and decoder. */
  embedDim: number;
  /** Width of each GRU's hidden state (one layer each). */
  hiddenDim: number;
  /** Dimension of the latent code z. */
  latentDim: number;
  /** Read each line both ways in the encoder. */
  bidirectional: boolean;
  /** Weight of the KL term once warmed up; 1 is the ELBO. */
  beta: number;
  /** Optimizer steps over which the KL weight rises linearly from 0 to beta (KL annealing); 0 for none. */
  klWarmupSteps: number;
  /** Probability of replacing each decoder input character by UNK while training (Bowman's word dropout). */
  charDropout: number;
  /** Largest global gradient norm (larger ones are scaled down); 0 for no clipping. */
  clipGrad: number;
}

export const TEXT_VAE_DEFAULTS: Readonly<TextVaeConfig> = Object.freeze({
  vocabSize: 0,
  maxLength: 32, // lib/data/text.ts TEXT_MAX_LENGTH, the readers' default (test/training/text-vae.test.ts)
  embedDim: 64,
  hiddenDim: 256,
  latentDim: 32,
  bidirectional: false,
  beta: 1,
  klWarmupSteps: 2000,
  charDropout: 0.25,
  clipGrad: 5,
});

/** Fills and validates a TextVaeConfig from a partial one (vocabSize 0: not yet known). */
export function resolveTextVaeConfig(partial: Partial<TextVaeConfig> = {}): TextVaeConfig {
  if (partial === null || typeof partial !== 'object') throw invalid('an object', 'TextVAE config', partial);
  rejectUnknownKeys(partial, Object.keys(TEXT_VAE_DEFAULTS), 'TextVAE');
  const c = { ...TEXT_VAE_DEFAULTS, ...stripUndefined(partial) } as TextVaeConfig;
  checkNonNegativeInt(c.vocabSize, 'vocabSize');
  if (c.vocabSize > 0 && c.vocabSize < 5)
    throw invalid('0 (from the vocabulary) or at least 5 (4 specials and a character)', 'vocabSize', c.vocabSize);
  checkPositiveInt(c.maxLength, 'maxLength');
  checkPositiveInt(c.embedDim, 'embedDim');
  checkPositiveInt(c.hiddenDim, 'hiddenDim');
  checkPositiveInt(c.latentDim, 'latentDim');
  checkBoolean(c.bidirectional, 'bidirectional');
  checkNonNegativeNumber(c.beta, 'beta');
  checkNonNegativeInt(c.klWarmupSteps, 'klWarmupSteps');
  if (typeof c.charDropout !== 'number' || !(c.charDropout >= 0 && c.charDropout < 1))
    throw invalid('a number in [0, 1)', 'charDropout', c.charDropout);
  checkNonNegativeNumber(c.clipGrad, 'clipGrad');
  if (c.maxLength > 1024) throw invalid('an integer in [1, 1024]', 'maxLength', c.maxLength);
  return c;
}
