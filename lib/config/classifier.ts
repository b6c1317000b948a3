/**
 * The judge classifier's configuration and fit options, defaults in one
 * place, field for field those of native/models/classifier.h
 * ClassifierOptions and native/train/classifier_trainer.h
 * ClassifierFitOptions (test/native/defaults.test.ts holds them together).
 */
import { checkPositiveInt, checkPositiveNumber, rejectUnknownKeys, stripUndefined } from './validate.js';
import { invalid } from '../errors.js';

export interface ClassifierConfig {
  channels: number;
  height: number;
  width: number;
  numClasses: number;
  /** Width of the penultimate layer, the FID's feature space. */
  featureDim: number;
}

export const CLASSIFIER_DEFAULTS: Readonly<ClassifierConfig> = Object.freeze({
  channels: 1,
  height: 28,
  width: 28,
  numClasses: 10,
  featureDim: 128,
});

/** Options of one classifier fit() that cross into C++. */
export interface ClassifierFitConfig {
  epochs: number;
  batchSize: number;
  /** Adam learning rate. */
  lr: number;
  progressEvery: number;
}

export const CLASSIFIER_FIT_DEFAULTS: Readonly<ClassifierFitConfig> = Object.freeze({
  epochs: 2,
  batchSize: 128,
  lr: 1e-3,
  progressEvery: 50,
});

/** Fills and validates a ClassifierConfig. */
export function resolveClassifierConfig(partial: Partial<ClassifierConfig> = {}): ClassifierConfig {
  if (partial === null || typeof partial !== 'object') throw invalid('an object', 'classifier config', partial);
  rejectUnknownKeys(partial, Object.keys(CLASSIFIER_DEFAULTS), 'classifier');
  const c = { ...CLASSIFIER_DEFAULTS, ...stripUndefined(partial) };
  for (const [k, v] of Object.entries(c)) checkPositiveInt(v, k);
  return c;
}

/** Fills and validates a classifier's fit options. */
export function resolveClassifierFitConfig(partial: Partial<ClassifierFitConfig> = {}): ClassifierFitConfig {
  const c = { ...CLASSIFIER_FIT_DEFAULTS, ...stripUndefined(partial) };
  checkPositiveInt(c.epochs, 'epochs');
  checkPositiveInt(c.batchSize, 'batchSize');
  checkPositiveNumber(c.lr, 'lr');
  checkPositiveInt(c.progressEvery, 'progressEvery');
  return c;
}
