/**
 * Translator (image-to-image) configuration and fit options, defaults in one
 * place, field for field those of native/train/paired_tasks.h
 * PairedTaskOptions and native/train/translator_trainer.h TranslatorConfig
 * and TranslatorFitOptions (test/native/defaults.test.ts holds them
 * together). Every check C++ makes is made here first, so a bad value is an
 * E_CONFIG (or E_SHAPE) naming it before anything crosses into C++.
 */
import { GentorchError, invalid } from '../errors.js';
import { checkBaseFit, type BaseFitConfig } from './fit.js';
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

export type TranslatorTask = 'superres' | 'inpaint' | 'denoise' | 'edges' | 'colorize' | 'pairs';
export type TranslatorFamily = 'regressor' | 'gan' | 'vae';
export type TranslatorGanLoss = 'ns' | 'minimax' | 'hinge';

export const TRANSLATOR_TASKS: readonly TranslatorTask[] = [
  'superres',
  'inpaint',
  'denoise',
  'edges',
  'colorize',
  'pairs',
];
export const TRANSLATOR_FAMILIES: readonly TranslatorFamily[] = ['regressor', 'gan', 'vae'];

/** The config's task fields: what makes a task's inputs from its targets, the same for every family. */
export const TRANSLATOR_TASK_KEYS = [
  'task',
  'factor',
  'noiseStd',
  'holesMin',
  'holesMax',
  'sideMin',
  'sideMax',
  'strokes',
  'strokeWidth',
] as const;

export interface TranslatorConfig {
  /**
   * The paired task, its input made from each target on the fly:
   * 'superres' (area downscale by `factor`; the input at low resolution),
   * 'inpaint' (rectangles and strokes removed; the mask as one more input
   * channel, 1 = known), 'denoise' (Gaussian noise of `noiseStd`), 'edges'
   * (Sobel magnitude of the grey image), 'colorize' (grey from colour
   * targets), or 'pairs' (the user's own inputs, given to fit()).
   */
  task: TranslatorTask;
  /** superres: the downscaling factor; must divide height and width. */
  factor: number;
  /** denoise: the noise std, in [0, 1] pixel units. */
  noiseStd: number;
  /** inpaint: rectangles per image, drawn in [holesMin, holesMax]. */
  holesMin: number;
  holesMax: number;
  /** inpaint: each rectangle's sides as shares of the image's, in [sideMin, sideMax]. */
  sideMin: number;
  sideMax: number;
  /** inpaint: free-form strokes per image, and their width in pixels. */
  strokes: number;
  strokeWidth: number;
  /**
   * 'regressor' (U-Net + L1: faithful, blurry), 'gan' (pix2pix: PatchGAN +
   * l1Weight * L1: sharp) or 'vae' (conditional VAE with a standard normal
   * prior: several plausible outputs per input).
   */
  family: TranslatorFamily;
  /** The targets' shape. */
  channels: number;
  height: number;
  width: number;
  /** pairs: the inputs' channels (0: the targets'); other tasks derive theirs. */
  inputChannels: number;
  /** U-Net base feature maps and levels (each halves the size). */
  features: number;
  depth: number;
  /** Base feature maps of the PatchGAN (gan) and of the encoder q(z | input, target) (vae). */
  dFeatures: number;
  /** gan: dropout in the U-Net's decoder while training (pix2pix's 0.5). */
  dropout: number;
  /** gan: the adversarial loss, as the GAN family's ('ns', 'minimax', 'hinge'). */
  ganLoss: TranslatorGanLoss;
  /** gan: the weight of the per-pixel L1 against the adversarial loss (pix2pix's 100). */
  l1Weight: number;
  /** vae: the code's dimension. */
  latentDim: number;
  /**
   * vae: the KL weight. The reconstruction term is the L1 sum, a Laplace
   * likelihood of scale 1, far wider than a pixel's error; 0.1 is scale 0.1.
   * At 1 the decoder learned to ignore its code (KL 0.4 nats after 600
   * inpainting steps, outputs for one input alike); at 0.1 it keeps about 2
   * nats and its fills of a hole differ.
   */
  beta: number;
}

export const TRANSLATOR_DEFAULTS: Readonly<TranslatorConfig> = Object.freeze({
  task: 'superres',
  factor: 2,
  noiseStd: 0.3,
  holesMin: 1,
  holesMax: 2,
  sideMin: 0.2,
  sideMax: 0.4,
  strokes: 1,
  strokeWidth: 1.5,
  family: 'gan',
  channels: 1,
  height: 28,
  width: 28,
  inputChannels: 0,
  features: 32,
  depth: 2,
  dFeatures: 64,
  dropout: 0.5,
  ganLoss: 'ns',
  l1Weight: 100,
  latentDim: 8,
  beta: 0.1,
});

/** Options of one Translator fit() that cross into C++; the rest as every family's (fit.ts BaseFitConfig). */
export interface TranslatorFitConfig extends BaseFitConfig {
  /** Adam learning rate of every network (2e-3: ten times pix2pix's, for short budgets; native/train/translator_trainer.h) and its betas (pix2pix's 0.5, 0.999). */
  lr: number;
  beta1: number;
  beta2: number;
}

export const TRANSLATOR_FIT_DEFAULTS: Readonly<TranslatorFitConfig> = Object.freeze({
  epochs: 10,
  steps: 0,
  batchSize: 64,
  lr: 2e-3,
  beta1: 0.5,
  beta2: 0.999,
  progressEvery: 50,
  checkpointEvery: 0,
  precision: 'auto',
  onNan: 'stop',
  cudaGraphs: 'off',
  totals: false,
});

function checkShare(value: unknown, name: string): number {
  if (typeof value !== 'number' || !(value > 0 && value <= 1)) throw invalid('number in (0, 1]', name, value);
  return value;
}

/** The task's options: E_CONFIG naming the bad one. */
function checkTaskOptions(c: TranslatorConfig): void {
  checkOneOf(c.task, TRANSLATOR_TASKS, 'task');
  if (!Number.isSafeInteger(c.factor) || c.factor < 2) throw invalid('integer of at least 2', 'factor', c.factor);
  checkShare(c.noiseStd, 'noiseStd');
  checkNonNegativeInt(c.holesMin, 'holesMin');
  checkNonNegativeInt(c.holesMax, 'holesMax');
  if (c.holesMax < c.holesMin) throw invalid(`integer of at least holesMin ${c.holesMin}`, 'holesMax', c.holesMax);
  checkShare(c.sideMin, 'sideMin');
  checkShare(c.sideMax, 'sideMax');
  if (c.sideMax < c.sideMin) throw invalid(`number of at least sideMin ${c.sideMin}`, 'sideMax', c.sideMax);
  checkNonNegativeInt(c.strokes, 'strokes');
  checkPositiveNumber(c.strokeWidth, 'strokeWidth');
  if (c.task === 'inpaint' && c.holesMax === 0 && c.strokes === 0)
    throw new GentorchError('E_CONFIG', 'Expected holesMax or strokes above 0 to inpaint but received 0 and 0');
}

/** Whether targets of the config's shape can serve its task and its U-Net: E_SHAPE naming what does not fit. */
function checkShapes(c: TranslatorConfig): void {
  const size = `${c.height}x${c.width}`;
  if (c.task === 'superres' && (c.height % c.factor !== 0 || c.width % c.factor !== 0))
    throw new GentorchError(
      'E_SHAPE',
      `Expected a factor that divides the image size ${size} but received factor ${c.factor}`,
    );
  if (c.task === 'colorize' && c.channels !== 3)
    throw new GentorchError(
      'E_SHAPE',
      `Expected colour (3-channel) targets to colorize but received ${c.channels} channel(s)`,
    );
  const step = 2 ** c.depth;
  if (c.height % step !== 0 || c.width % step !== 0 || c.height < 2 * step || c.width < 2 * step)
    throw new GentorchError(
      'E_SHAPE',
      `Expected images whose height and width divide by 2^depth = ${step} (depth ${c.depth}) but received ${size}`,
    );
  if (c.family === 'vae' && (c.height % 4 !== 0 || c.width % 4 !== 0))
    throw new GentorchError(
      'E_SHAPE',
      `Expected images whose size divides by 4 for a conditional VAE but received ${size}`,
    );
}

/** Fills and validates a TranslatorConfig. */
export function resolveTranslatorConfig(partial: Partial<TranslatorConfig> = {}): TranslatorConfig {
  if (partial === null || typeof partial !== 'object') throw invalid('an object', 'translator config', partial);
  rejectUnknownKeys(partial, Object.keys(TRANSLATOR_DEFAULTS), 'translator');
  const c = { ...TRANSLATOR_DEFAULTS, ...stripUndefined(partial) } as TranslatorConfig;
  checkOneOf(c.family, TRANSLATOR_FAMILIES, 'family');
  checkTaskOptions(c);
  for (const k of ['channels', 'height', 'width', 'features', 'depth', 'dFeatures', 'latentDim'] as const)
    checkPositiveInt(c[k], k);
  checkNonNegativeInt(c.inputChannels, 'inputChannels');
  if (c.depth > 6) throw invalid('integer of at most 6', 'depth', c.depth);
  checkProbability(c.dropout, 'dropout');
  checkOneOf(c.ganLoss, ['ns', 'minimax', 'hinge'], 'ganLoss');
  checkNonNegativeNumber(c.l1Weight, 'l1Weight');
  checkNonNegativeNumber(c.beta, 'beta');
  checkShapes(c);
  return c;
}

/** The shape [C, H, W] of one input as the user gives it (a superres input at low resolution). */
export function translatorInputShape(c: TranslatorConfig): [number, number, number] {
  switch (c.task) {
    case 'superres':
      return [c.channels, c.height / c.factor, c.width / c.factor];
    case 'inpaint':
      return [c.channels + 1, c.height, c.width];
    case 'edges':
    case 'colorize':
      return [1, c.height, c.width];
    case 'pairs':
      return [c.inputChannels > 0 ? c.inputChannels : c.channels, c.height, c.width];
    default:
      return [c.channels, c.height, c.width];
  }
}

/** Fills and validates a TranslatorFitConfig. */
export function resolveTranslatorFitConfig(partial: Partial<TranslatorFitConfig> = {}): TranslatorFitConfig {
  const c = { ...TRANSLATOR_FIT_DEFAULTS, ...stripUndefined(partial) };
  checkBaseFit(c);
  checkPositiveNumber(c.lr, 'lr');
  for (const k of ['beta1', 'beta2'] as const) {
    checkProbability(c[k], k);
  }
  return c;
}
