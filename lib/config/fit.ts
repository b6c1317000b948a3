/**
 * The options of a VAE's fit() that cross into C++, defaults in one place,
 * mirrored 1:1 from native/train/vae_trainer.h VaeFitOptions; the precision,
 * NaN and CUDA-graph choices the GAN's fit (gan.ts) shares.
 */
import {
  checkBoolean,
  checkNonNegativeInt,
  checkOneOf,
  checkPositiveInt,
  checkPositiveNumber,
  stripUndefined,
} from './validate.js';

/** What every family's fit options share (the VAE's FitConfig, the GAN's GanFitConfig). */
export interface BaseFitConfig {
  /** Epochs to train in this call (a partly done epoch counts as one). */
  epochs: number;
  /** Steps to train instead of epochs, crossing epoch ends (0: by epochs). */
  steps: number;
  batchSize: number;
  /** Steps between progress events. */
  progressEvery: number;
  /** Steps between checkpoints (0: none); needs checkpointPath. */
  checkpointEvery: number;
  /**
   * Arithmetic of the layers: 'auto' (bf16 autocast for convolutional models
   * on CUDA, float32 otherwise), 'float32', or 'bfloat16' (autocast on any
   * device). Weights and optimizer state stay float32 (native/train/accel.h).
   */
  precision: Precision;
  /**
   * A step whose loss or gradients are NaN or infinite: 'stop' the fit with
   * E_NUMERIC naming the step (free), or 'skip' it and go on (one host sync
   * per step; 100 bad steps in a row still stop). native/train/nan_guard.h.
   */
  onNan: OnNan;
  /**
   * CUDA graphs (native/train/step_graph.h): 'auto' records the MLP models'
   * whole training step once and replays it with one launch on CUDA; 'on'
   * does it for the conv models too (and is E_CONFIG where it cannot run:
   * CPU, onNan 'skip', `distributed`); 'off' never. Ignored on the CPU in 'auto'.
   */
  cudaGraphs: CudaGraphs;
  /**
   * epochs and steps count from the run's start, not from this call: a fit
   * of a resumed model trains only what is left (the CLI's --epochs). With
   * `distributed`, every rank then agrees on what is left.
   */
  totals: boolean;
}

/** Options of one VAE fit() call that cross into C++. */
export interface FitConfig extends BaseFitConfig {
  /** Adam learning rate. */
  lr: number;
}

export type Precision = 'auto' | 'float32' | 'bfloat16';
export type OnNan = 'stop' | 'skip';
export type CudaGraphs = 'auto' | 'on' | 'off';
export const CUDA_GRAPHS: readonly CudaGraphs[] = ['auto', 'on', 'off'];
export const PRECISIONS: readonly Precision[] = ['auto', 'float32', 'bfloat16'];
export const ON_NAN: readonly OnNan[] = ['stop', 'skip'];

export const FIT_DEFAULTS: Readonly<FitConfig> = Object.freeze({
  epochs: 10,
  steps: 0,
  batchSize: 128,
  lr: 1e-3,
  progressEvery: 50,
  checkpointEvery: 0,
  precision: 'auto',
  onNan: 'stop',
  cudaGraphs: 'auto',
  totals: false,
});

/** Fills and validates a FitConfig from a partial one. */
export function resolveFitConfig(partial: Partial<FitConfig>): FitConfig {
  const c = { ...FIT_DEFAULTS, ...stripUndefined(partial) };
  checkBaseFit(c);
  checkPositiveNumber(c.lr, 'lr');
  return c;
}

/** Checks the options every family's fit shares. */
export function checkBaseFit(c: BaseFitConfig): void {
  checkPositiveInt(c.epochs, 'epochs');
  checkNonNegativeInt(c.steps, 'steps');
  checkPositiveInt(c.batchSize, 'batchSize');
  checkPositiveInt(c.progressEvery, 'progressEvery');
  checkNonNegativeInt(c.checkpointEvery, 'checkpointEvery');
  checkOneOf(c.precision, PRECISIONS, 'precision');
  checkOneOf(c.onNan, ON_NAN, 'onNan');
  checkOneOf(c.cudaGraphs, CUDA_GRAPHS, 'cudaGraphs');
  checkBoolean(c.totals, 'totals');
}
