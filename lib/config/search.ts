/**
 * Options of a latent search (GAN inversion, restoration of damaged images
 * by either family), defaults in one place, field for field those of
 * native/train/latent_search.h LatentSearchOptions (test/native/defaults.test.ts
 * holds them together).
 */
import {
  checkNonNegativeInt,
  checkNonNegativeNumber,
  checkPositiveInt,
  checkPositiveNumber,
  checkSeed,
  rejectUnknownKeys,
  stripUndefined,
} from './validate.js';
import { invalid } from '../errors.js';

export interface LatentSearchConfig {
  /** Adam steps from the best start. */
  steps: number;
  /** Adam's step size on z. */
  lr: number;
  /** Candidate starts per image (a VAE's first is its encoder's code; the rest are N(0, I) draws). */
  starts: number;
  /** Steps every start gets before the best is kept. */
  startSteps: number;
  /** Declared std of the noise on the known pixels; 0 when they are exact. */
  noiseStd: number;
  /** The smallest sigma of the pixel likelihood: the network's own error. */
  sigmaFloor: number;
  /** Weight of the prior term |z|^2 / 2. */
  prior: number;
  /** Images searched at once (bounds memory, not the result). */
  chunk: number;
  /** Seed of the random starts. */
  seed: number;
}

export const SEARCH_DEFAULTS: Readonly<LatentSearchConfig> = Object.freeze({
  steps: 200,
  lr: 0.05,
  starts: 4,
  startSteps: 25,
  noiseStd: 0,
  sigmaFloor: 0.1,
  prior: 1,
  chunk: 128,
  seed: 1,
});

/** Fills and validates a latent search's options. */
export function resolveSearchConfig(partial: Partial<LatentSearchConfig> = {}): LatentSearchConfig {
  if (partial === null || typeof partial !== 'object') throw invalid('an object', 'search options', partial);
  rejectUnknownKeys(partial, Object.keys(SEARCH_DEFAULTS), 'search');
  const c = { ...SEARCH_DEFAULTS, ...stripUndefined(partial) };
  checkNonNegativeInt(c.steps, 'steps');
  checkPositiveNumber(c.lr, 'lr');
  checkPositiveInt(c.starts, 'starts');
  checkNonNegativeInt(c.startSteps, 'startSteps');
  checkNonNegativeNumber(c.noiseStd, 'noiseStd');
  checkPositiveNumber(c.sigmaFloor, 'sigmaFloor');
  checkNonNegativeNumber(c.prior, 'prior');
  checkPositiveInt(c.chunk, 'chunk');
  checkSeed(c.seed);
  return c;
}
