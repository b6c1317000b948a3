/**
 * GAN configuration, defaults in one place, mirrored 1:1 from the C++
 * structs (native/models/gan.h GanNetOptions, native/train/gan_trainer.h
 * GanConfig and GanFitOptions). Three defaults follow other choices, as
 * users expect: G's output (sigmoid for the MLP on [0,1] images, tanh for
 * the DCGAN, linear for 2-D points), and for loss wgan-gp nCritic 5 and a
 * critic without BatchNorm.
 */
import { GentorchError, invalid } from '../errors.js';
import {
  checkNonNegativeInt,
  checkNonNegativeNumber,
  checkOneOf,
  checkPositiveInt,
  checkPositiveNumber,
  rejectUnknownKeys,
  stripUndefined,
  checkProbability,
} from './validate.js';
import { checkBaseFit, type BaseFitConfig } from './fit.js';

export type GanLoss = 'minimax' | 'ns' | 'wgan-gp' | 'hinge';

export interface GanConfig {
  /** 'mlp' (the article's: G 100-128-784 sigmoid, D 784-128-1) or 'dcgan'. */
  arch: 'mlp' | 'dcgan';
  channels: number;
  height: number;
  width: number;
  /** Dimension of the noise z. */
  latentDim: number;
  /** MLP hidden widths and hidden-layer count. */
  gHidden: number;
  dHidden: number;
  hiddenLayers: number;
  /** DCGAN base feature maps. */
  features: number;
  /** G's output activation. */
  output: 'sigmoid' | 'tanh' | 'linear';
  /** Classes of a conditional GAN (0: unconditional). */
  numClasses: number;
  /** BatchNorm in the DCGAN discriminator. */
  dBatchnorm: boolean;
  /** 'ns' non-saturating (default), 'minimax' (the article's), 'wgan-gp', 'hinge'. */
  loss: GanLoss;
  /** WGAN-GP penalty weight. */
  gpLambda: number;
  /** D steps per G step. */
  nCritic: number;
  /** One-sided label smoothing: real target 1 - s. */
  labelSmoothing: number;
  /** Moving average of G for sampling; 0 is off, 0.999 typical. */
  emaDecay: number;
  /** Gradient-norm clip for G and D; 0 is off. */
  clipGrad: number;
}

export const GAN_DEFAULTS: Readonly<Omit<GanConfig, 'output' | 'nCritic' | 'dBatchnorm'>> = Object.freeze({
  arch: 'mlp',
  channels: 1,
  height: 28,
  width: 28,
  latentDim: 100,
  gHidden: 128,
  dHidden: 128,
  hiddenLayers: 1,
  features: 64,
  numClasses: 0,
  loss: 'ns',
  gpLambda: 10,
  labelSmoothing: 0,
  emaDecay: 0,
  clipGrad: 0,
});

export const GAN_CONFIG_KEYS: readonly string[] = [...Object.keys(GAN_DEFAULTS), 'output', 'nCritic', 'dBatchnorm'];

/** Options of one GAN fit() that cross into C++; the rest as the VAE's (fit.ts BaseFitConfig). */
export interface GanFitConfig extends BaseFitConfig {
  /** Adam learning rates of G and D (TTUR when they differ). */
  lrG: number;
  lrD: number;
  beta1: number;
  beta2: number;
  /**
   * Fixed-noise samples over time: every this many G steps (and at the
   * fit's start and end) G draws `sampleCount` images from the same codes,
   * one class per row for a conditional GAN (the onSamples callback); 0 is off.
   */
  sampleEvery: number;
  sampleCount: number;
}

export const GAN_FIT_DEFAULTS: Readonly<GanFitConfig> = Object.freeze({
  epochs: 10,
  steps: 0,
  batchSize: 128,
  lrG: 2e-4,
  lrD: 2e-4,
  beta1: 0.5,
  beta2: 0.999,
  progressEvery: 50,
  checkpointEvery: 0,
  precision: 'auto',
  onNan: 'stop',
  cudaGraphs: 'auto',
  totals: false,
  sampleEvery: 0,
  sampleCount: 64,
});

/** Fills and validates a GanConfig. */
export function resolveGanConfig(partial: Partial<GanConfig> = {}): GanConfig {
  if (partial === null || typeof partial !== 'object') throw invalid('an object', 'GAN config', partial);
  rejectUnknownKeys(partial, GAN_CONFIG_KEYS, 'GAN');
  const p = stripUndefined(partial);
  const base = { ...GAN_DEFAULTS, ...p };
  const loss = checkOneOf(base.loss, ['minimax', 'ns', 'wgan-gp', 'hinge'], 'loss');
  const arch = checkOneOf(base.arch, ['mlp', 'dcgan'], 'arch');
  const c: GanConfig = {
    ...base,
    output: p.output ?? (arch === 'dcgan' ? 'tanh' : 'sigmoid'),
    nCritic: p.nCritic ?? (loss === 'wgan-gp' ? 5 : 1),
    dBatchnorm: p.dBatchnorm ?? loss !== 'wgan-gp',
  } as GanConfig;
  checkOneOf(c.output, ['sigmoid', 'tanh', 'linear'], 'output');
  for (const k of [
    'channels',
    'height',
    'width',
    'latentDim',
    'gHidden',
    'dHidden',
    'hiddenLayers',
    'features',
    'nCritic',
  ] as const) {
    checkPositiveInt(c[k], k);
  }
  checkNonNegativeInt(c.numClasses, 'numClasses');
  checkNonNegativeNumber(c.gpLambda, 'gpLambda');
  checkNonNegativeNumber(c.clipGrad, 'clipGrad');
  for (const k of ['labelSmoothing', 'emaDecay'] as const) {
    checkProbability(c[k], k);
  }
  if (typeof c.dBatchnorm !== 'boolean') throw invalid('boolean', 'dBatchnorm', c.dBatchnorm);
  if (arch === 'dcgan' && (c.height !== c.width || ![28, 32, 64].includes(c.height))) {
    throw new GentorchError(
      'E_CONFIG',
      `Expected 28x28, 32x32 or 64x64 images for arch dcgan but received ${c.height}x${c.width}`,
    );
  }
  if (loss === 'wgan-gp' && arch === 'dcgan' && c.dBatchnorm) {
    throw new GentorchError(
      'E_CONFIG',
      'Expected dBatchnorm false for loss wgan-gp: the gradient penalty is per sample',
    );
  }
  return c;
}

/** Fills and validates a GanFitConfig. */
export function resolveGanFitConfig(partial: Partial<GanFitConfig>): GanFitConfig {
  const c = { ...GAN_FIT_DEFAULTS, ...stripUndefined(partial) };
  checkBaseFit(c);
  checkPositiveNumber(c.lrG, 'lrG');
  checkPositiveNumber(c.lrD, 'lrD');
  checkNonNegativeInt(c.sampleEvery, 'sampleEvery');
  checkPositiveInt(c.sampleCount, 'sampleCount');
  for (const k of ['beta1', 'beta2'] as const) {
    checkProbability(c[k], k);
  }
  return c;
}
