/**
 * Configuration records with their defaults in exactly one place, mirrored
 * 1:1 from the C++ option structs (native/models/vae.h VaeNetOptions,
 * native/train/vae_trainer.h VaeConfig and VaeFitOptions). Validation turns
 * every bad value into an E_CONFIG naming it; unknown keys get a did-you-mean.
 */
import { GentorchError, invalid } from '../errors.js';

/** A VAE's architecture and loss. */
export interface VaeConfig {
  /** 'mlp' (pytorch/examples' VAE: fc1, fc21, fc22, fc3, fc4) or 'conv'. */
  arch: 'mlp' | 'conv';
  /** Image channels, height and width the model takes. */
  channels: number;
  height: number;
  width: number;
  /** Hidden layer width of the MLP. */
  hiddenDim: number;
  /** Dimension of the latent code z. */
  latentDim: number;
  /** 'bernoulli' (summed BCE) or 'gaussian' (summed squared error). */
  likelihood: 'bernoulli' | 'gaussian';
  /** Weight of the KL term; 1 is the ELBO, above 1 a beta-VAE. */
  beta: number;
  /** Decoder mean: 'sigmoid' (images in [0, 1]) or 'linear' (any real data, e.g. 2-D points; Gaussian only). */
  output: 'sigmoid' | 'linear';
}

export const VAE_DEFAULTS: Readonly<VaeConfig> = Object.freeze({
  arch: 'mlp',
  channels: 1,
  height: 28,
  width: 28,
  hiddenDim: 400,
  latentDim: 20,
  likelihood: 'bernoulli',
  beta: 1,
  output: 'sigmoid',
});

/** Options of one fit() call that cross into C++. */
export interface FitConfig {
  /** Epochs to train in this call (a partly done epoch counts as one). */
  epochs: number;
  /** Steps to train instead of epochs, crossing epoch ends (0: by epochs). */
  steps: number;
  batchSize: number;
  /** Adam learning rate. */
  lr: number;
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

/** Levenshtein distance, for did-you-mean suggestions. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

/** Rejects keys of `obj` not in `known`, suggesting the nearest one. */
export function rejectUnknownKeys(obj: object, known: readonly string[], what: string): void {
  for (const key of Object.keys(obj)) {
    if (known.includes(key)) continue;
    const best = [...known].sort((x, y) => distance(key, x) - distance(key, y))[0];
    const hint = best !== undefined && distance(key, best) <= Math.max(2, key.length / 3) ? ` (did you mean "${best}"?)` : '';
    throw new GentorchError('E_CONFIG', `Unknown ${what} option "${key}"${hint}; known options: ${known.join(', ')}`);
  }
}

export function checkPositiveInt(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw invalid('positive integer', name, value);
  return value;
}

export function checkNonNegativeInt(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw invalid('non-negative integer', name, value);
  return value;
}

export function checkPositiveNumber(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw invalid('positive number', name, value);
  return value;
}

export function checkNonNegativeNumber(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw invalid('non-negative number', name, value);
  return value;
}

export function checkOneOf<T extends string>(value: unknown, choices: readonly T[], name: string): T {
  if (typeof value !== 'string' || !choices.includes(value as T)) throw invalid(`one of ${choices.join(', ')}`, name, value);
  return value as T;
}

export function checkSeed(value: unknown, name = 'seed'): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw invalid('non-negative integer', name, value);
  return value;
}

/** Checks a device spec's spelling ('auto', 'cpu', 'cuda', 'cuda:N'); presence is checked natively. */
export function checkDeviceSpec(value: unknown): string {
  if (typeof value !== 'string' || !/^(auto|cpu|cuda(:\d{1,4})?)$/.test(value)) {
    throw invalid('device auto, cpu, cuda or cuda:N', 'device', value);
  }
  return value;
}

/** Fills and validates a VaeConfig from a partial one. */
export function resolveVaeConfig(partial: Partial<VaeConfig> = {}): VaeConfig {
  if (partial === null || typeof partial !== 'object') throw invalid('an object', 'VAE config', partial);
  rejectUnknownKeys(partial, Object.keys(VAE_DEFAULTS), 'VAE');
  const c = { ...VAE_DEFAULTS, ...stripUndefined(partial) } as VaeConfig;
  checkOneOf(c.arch, ['mlp', 'conv'], 'arch');
  checkPositiveInt(c.channels, 'channels');
  checkPositiveInt(c.height, 'height');
  checkPositiveInt(c.width, 'width');
  checkPositiveInt(c.hiddenDim, 'hiddenDim');
  checkPositiveInt(c.latentDim, 'latentDim');
  checkOneOf(c.likelihood, ['bernoulli', 'gaussian'], 'likelihood');
  checkNonNegativeNumber(c.beta, 'beta');
  checkOneOf(c.output, ['sigmoid', 'linear'], 'output');
  if (c.output === 'linear' && c.likelihood !== 'gaussian') {
    throw new GentorchError('E_CONFIG', 'Expected likelihood gaussian for output linear (a Bernoulli mean lies in [0, 1])');
  }
  if (c.arch === 'conv' && (c.height % 4 !== 0 || c.width % 4 !== 0)) {
    throw new GentorchError('E_CONFIG', `Expected height and width divisible by 4 for arch conv but received ${c.height}x${c.width}`);
  }
  return c;
}

/** Fills and validates a FitConfig from a partial one. */
export function resolveFitConfig(partial: Partial<FitConfig>): FitConfig {
  const c = { ...FIT_DEFAULTS, ...stripUndefined(partial) };
  checkPositiveInt(c.epochs, 'epochs');
  checkNonNegativeInt(c.steps, 'steps');
  checkPositiveInt(c.batchSize, 'batchSize');
  checkPositiveNumber(c.lr, 'lr');
  checkPositiveInt(c.progressEvery, 'progressEvery');
  checkNonNegativeInt(c.checkpointEvery, 'checkpointEvery');
  checkOneOf(c.precision, PRECISIONS, 'precision');
  checkOneOf(c.onNan, ON_NAN, 'onNan');
  checkOneOf(c.cudaGraphs, CUDA_GRAPHS, 'cudaGraphs');
  checkBoolean(c.totals, 'totals');
  return c;
}

export function checkBoolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw invalid('boolean', name, value);
  return value;
}

export function stripUndefined<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}
