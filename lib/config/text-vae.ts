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
  checkProbability,
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
  /** Width of the decoder GRU's hidden state (one layer). */
  hiddenDim: number;
  /** Width of the encoder GRU's hidden state (one layer). */
  encoderHiddenDim: number;
  /** Dropout on the decoder's input embeddings and on its outputs while training; 0 for none. */
  dropout: number;
  /** Dimension of the latent code z. */
  latentDim: number;
  /** Read each line both ways in the encoder. */
  bidirectional: boolean;
  /**
   * Longest context of the decoder's hashed character n-gram features
   * (Mikolov et al. 2011's direct connections, learned with the ELBO): each
   * position's 1..ngramOrder latest inputs pick rows of a table whose sum a
   * linear map adds to the logits. 0 for none.
   */
  ngramOrder: number;
  /** Rows of the n-gram table (colliding contexts share a row). */
  ngramBuckets: number;
  /** Width of an n-gram table row. */
  ngramDim: number;
  /** While training, the chance each position drops each of its n-gram rows (the rest scaled up), so the GRU learns to back off. */
  ngramDropout: number;
  /** The n-gram rows' learning rate over the fit's lr (each row moves only when its context occurs). */
  ngramLrScale: number;
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
  encoderHiddenDim: 128,
  dropout: 0,
  latentDim: 32,
  bidirectional: false,
  ngramOrder: 6,
  ngramBuckets: 131072,
  ngramDim: 32,
  ngramDropout: 0,
  ngramLrScale: 0.2,
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
  checkPositiveInt(c.encoderHiddenDim, 'encoderHiddenDim');
  checkProbability(c.dropout, 'dropout');
  checkPositiveInt(c.latentDim, 'latentDim');
  checkBoolean(c.bidirectional, 'bidirectional');
  checkNonNegativeInt(c.ngramOrder, 'ngramOrder');
  if (c.ngramOrder > 16) throw invalid('an integer in [0, 16]', 'ngramOrder', c.ngramOrder);
  checkPositiveInt(c.ngramBuckets, 'ngramBuckets');
  checkPositiveInt(c.ngramDim, 'ngramDim');
  checkProbability(c.ngramDropout, 'ngramDropout');
  checkNonNegativeNumber(c.ngramLrScale, 'ngramLrScale');
  checkNonNegativeNumber(c.beta, 'beta');
  checkNonNegativeInt(c.klWarmupSteps, 'klWarmupSteps');
  checkProbability(c.charDropout, 'charDropout');
  checkNonNegativeNumber(c.clipGrad, 'clipGrad');
  if (c.maxLength > 1024) throw invalid('an integer in [1, 1024]', 'maxLength', c.maxLength);
  return c;
}

/** The defaults of a TextVAE's evaluate(), sample() and decode(). */
export const TEXT_USE_DEFAULTS = Object.freeze({
  /** Importance samples of z per string for the IWAE bound. */
  iwaeSamples: 50,
  /** sample() draws each character at this temperature (ancestral sampling). */
  sampleTemperature: 1,
  /** decode() and reconstruct() take the likeliest character (greedy). */
  decodeTemperature: 0,
});

/** Options of sample() and decode(). */
export interface TextDecodeOptions {
  /** Seed of z (sample) and of the character draws; default the model's. */
  seed?: number;
  /** Softmax temperature of each character draw; 0 is greedy (the likeliest character). */
  temperature?: number;
  /** Same as temperature 0. */
  greedy?: boolean;
  /** Longest string in characters (at most the config's maxLength); default the config's. */
  maxLength?: number;
}

/** Checks sample()'s or decode()'s options against a model's maxLength. */
export function resolveDecodeOptions(
  options: TextDecodeOptions,
  defaultTemperature: number,
  modelMaxLength: number,
): { temperature: number; maxLength: number; seed?: number } {
  if (options === null || typeof options !== 'object') throw invalid('an object', 'options', options);
  rejectUnknownKeys(options, ['seed', 'temperature', 'greedy', 'maxLength'], 'decode');
  const { greedy, temperature } = options;
  if (greedy !== undefined) checkBoolean(greedy, 'greedy');
  if (temperature !== undefined) checkNonNegativeNumber(temperature, 'temperature');
  if (greedy && temperature !== undefined && temperature !== 0)
    throw invalid('0 or none with greedy: true', 'temperature', temperature);
  const maxLength = options.maxLength ?? modelMaxLength;
  if (!Number.isSafeInteger(maxLength) || maxLength < 1 || maxLength > modelMaxLength)
    throw invalid(`an integer in [1, ${modelMaxLength}] (the config's maxLength)`, 'maxLength', maxLength);
  return { temperature: greedy ? 0 : (temperature ?? defaultTemperature), maxLength, seed: options.seed };
}
