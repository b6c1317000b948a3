/**
 * Early stopping as tfjs and Keras have it: `callbacks: [earlyStopping({ monitor:
 * 'val_loss', patience: 2 })]` ends a fit cleanly at the end of the
 * `patience`-th epoch in a row in which the monitored value did not improve.
 */
import { GentorchError, invalid } from '../errors.js';
import { checkNonNegativeInt, checkNonNegativeNumber, checkOneOf, rejectUnknownKeys } from '../config/validate.js';
import type { EpochRecord } from './fit.js';

export type EarlyStoppingMode = 'auto' | 'min' | 'max';
const MODES: readonly EarlyStoppingMode[] = ['auto', 'min', 'max'];

export interface EarlyStoppingOptions {
  /**
   * The epoch value watched: a training loss by its name ('loss' of a VAE,
   * 'gLoss' of a GAN), or a validation loss as 'val_' + its name ('val_loss',
   * 'val_dLoss'), which needs validationData. Default 'val_loss'.
   */
  monitor?: string;
  /**
   * Epochs without improvement after which the fit stops, counted as tfjs
   * counts them: 1 stops at the first epoch that does not improve, 2 at the
   * second in a row; 0 (the default, as in tfjs) acts as 1.
   */
  patience?: number;
  /** The least change that counts as an improvement (default 0). */
  minDelta?: number;
  /** 'min' (lower is better), 'max', or 'auto' (default): 'min', as every value gentorch reports is a loss. */
  mode?: EarlyStoppingMode;
}

/** How a fit ended early (FitHistory.stoppedEarly). */
export interface StoppedEarly {
  /** The epoch (1-based, of the run) at whose end the fit stopped. */
  epoch: number;
  monitor: string;
  /** The best value seen and the epoch it was seen at. */
  best: number;
  bestEpoch: number;
}

/** A fit callback that stops training when `monitor` stops improving; made by earlyStopping(). */
export class EarlyStopping {
  readonly monitor: string;
  readonly patience: number;
  readonly minDelta: number;
  readonly mode: 'min' | 'max';

  constructor(options: EarlyStoppingOptions = {}) {
    if (options === null || typeof options !== 'object') throw invalid('an object', 'earlyStopping options', options);
    rejectUnknownKeys(options, ['monitor', 'patience', 'minDelta', 'mode'], 'earlyStopping');
    const { monitor = 'val_loss', patience = 0, minDelta = 0, mode = 'auto' } = options;
    if (typeof monitor !== 'string' || monitor.length === 0) throw invalid('a loss name', 'monitor', monitor);
    this.monitor = monitor;
    this.patience = checkNonNegativeInt(patience, 'patience');
    this.minDelta = checkNonNegativeNumber(minDelta, 'minDelta');
    this.mode = checkOneOf(mode, MODES, 'mode') === 'max' ? 'max' : 'min';
  }

  /**
   * @internal The watch of one fit: checks the monitor against what this fit
   * reports (`losses`, and with validation data the same names 'val_'-prefixed),
   * before any training.
   */
  watch(losses: readonly string[], validation: readonly string[] | undefined): EarlyStoppingWatch {
    const allowed = [...losses, ...(validation ?? []).map((k) => `val_${k}`)];
    if (!allowed.includes(this.monitor)) {
      const hint =
        !validation && this.monitor.startsWith('val_') ? ` (validation losses need the validationData fit option)` : '';
      throw new GentorchError(
        'E_CONFIG',
        `Expected monitor one of ${allowed.map((k) => `"${k}"`).join(', ')} but received "${this.monitor}"${hint}`,
      );
    }
    return new EarlyStoppingWatch(this);
  }
}

/** One fit's count of epochs without improvement. */
export class EarlyStoppingWatch {
  #best: number;
  #bestEpoch = 0;
  #wait = 0;

  constructor(private readonly rule: EarlyStopping) {
    this.#best = rule.mode === 'min' ? Infinity : -Infinity;
  }

  /** After an epoch: how the fit stopped, when it must stop here; undefined to go on. */
  onEpoch(e: EpochRecord): StoppedEarly | undefined {
    const { monitor, mode, minDelta, patience } = this.rule;
    const value = monitor.startsWith('val_') ? e.valLosses?.[monitor.slice(4)] : e.losses[monitor];
    // NaN or a missing value is no improvement.
    const better =
      value !== undefined && (mode === 'min' ? value < this.#best - minDelta : value > this.#best + minDelta);
    if (better) {
      this.#best = value;
      this.#bestEpoch = e.epoch;
      this.#wait = 0;
      return undefined;
    }
    if (++this.#wait < patience) return undefined;
    return { epoch: e.epoch, monitor, best: this.#best, bestEpoch: this.#bestEpoch };
  }
}

/**
 * Stops a fit when the monitored loss has not improved (by more than
 * minDelta) for `patience` epochs in a row, as tf.callbacks.earlyStopping:
 * pass it as `fit(data, { callbacks: [earlyStopping({ monitor: 'val_loss', patience: 2 })] })`.
 * The fit then resolves at that epoch's end with `history.stoppedEarly`.
 */
export function earlyStopping(options: EarlyStoppingOptions = {}): EarlyStopping {
  return new EarlyStopping(options);
}

/** The fit option `callbacks`, checked: an array (or one) of earlyStopping() callbacks. */
export function checkFitCallbacks(value: unknown): EarlyStopping[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  for (const c of list) if (!(c instanceof EarlyStopping)) throw invalid('earlyStopping() callbacks', 'callbacks', c);
  return list as EarlyStopping[];
}
