/**
 * What every model's fit() shares: progress with an ETA, epoch records,
 * checkpoints written in order while training goes on, AbortSignal, and
 * errors grafted onto the caller's stack.
 */
import { GentorchError, graft } from '../errors.js';
import type { NativeCheckpointEvent, NativeEventAnswer, NativeFitSink, NativeTrainingState } from '../native.js';
import { resolveDistributed, type DistributedOptions } from './distributed.js';
import type { EarlyStoppingWatch, StoppedEarly } from './early-stopping.js';
import type { HostTensor } from '../tensor.js';

/** A progress report during fit(). */
export interface FitProgress {
  step: number;
  epoch: number;
  epochStep: number;
  stepsPerEpoch: number;
  /** Steps this fit() will take in all. */
  totalSteps: number;
  /**
   * Averages since the last report: VAE loss, recon, kl (nats per image);
   * TextVAE loss, recon, kl (nats per string) and beta (the KL weight);
   * GAN dLoss, gLoss, dReal, dFake, gradNormD, gradNormG; TextGAN dLoss,
   * gLoss, wasserstein, gp (per-step means).
   */
  losses: Record<string, number>;
  /** Examples per second: images, or a text model's strings (a TextGAN's critic lines). */
  imagesPerSecond: number;
  elapsedSeconds: number;
  /** Estimated seconds left in this fit. */
  etaSeconds: number;
  /** Steps this fit dropped because their loss or gradients were NaN or infinite (onNan 'skip'). */
  skippedSteps: number;
  /** Whether this fit's full-batch steps replay a CUDA graph (the cudaGraphs option). */
  cudaGraphs: boolean;
}

/** One finished epoch. */
export interface EpochRecord {
  epoch: number;
  step: number;
  /** Training time of the epoch, seconds. */
  seconds: number;
  losses: Record<string, number>;
  /**
   * With validationData: the same losses on it, measured at the epoch's end
   * on the training thread (VAE: loss, recon, kl in nats per image; GAN:
   * dLoss, gLoss, dReal, dFake). Absent without validationData.
   */
  valLosses?: Record<string, number>;
}

export interface FitHistory {
  epochs: EpochRecord[];
  /** Set when an earlyStopping() callback ended the fit: at which epoch, and the best value it saw. */
  stoppedEarly?: StoppedEarly;
  steps: number;
  seconds: number;
  /** Steps dropped as NaN or infinite (onNan 'skip'), as of the last progress report. */
  skippedSteps: number;
  /** Whether its full-batch steps replayed a CUDA graph (cudaGraphs), as of the last progress report. */
  cudaGraphs: boolean;
}

/** A GAN fit's fixed-noise samples at `step` (see GanFitOptions.onSamples). */
export type GanSamplesCallback = (s: { step: number; images: HostTensor<'float32'> }) => unknown;

/** The callbacks and control options every fit() takes. */
export interface FitCallbacks {
  signal?: AbortSignal;
  /**
   * The callbacks may be async, and are awaited as tfjs awaits its own: while
   * a promise returned by onProgress is pending the training thread runs at
   * most one step past the reported one, and while one returned by onEpoch
   * is pending none past the epoch's end; it goes on when the promise
   * settles. Abort and dispose() still end the fit while it waits. fit()
   * resolves after every promise they returned has settled (an abort
   * rejects with E_ABORTED at once, without waiting for them). A throw or a
   * rejection in one stops the fit at the next step, which then rejects with
   * E_CALLBACK (the callback's error as its cause), instead of an uncaught
   * error ending the process.
   */
  onProgress?: (p: FitProgress) => unknown;
  onEpoch?: (e: EpochRecord) => unknown;
  /** Where checkpointEvery writes (atomically, replacing the previous one). */
  checkpointPath?: string;
  /** Called after each checkpoint is written. */
  onCheckpoint?: (info: { path: string; step: number }) => unknown;
  /**
   * Train as one rank of a data-parallel job (lib/models/distributed.ts; e.g.
   * `distributedFromEnv()` under torchrun). batchSize is per rank; only rank
   * 0 writes checkpoints.
   */
  distributed?: Partial<DistributedOptions>;
}

export const CALLBACK_KEYS = [
  'signal',
  'onProgress',
  'onEpoch',
  'checkpointPath',
  'onCheckpoint',
  'distributed',
] as const;

/**
 * Steps a fit() call will take, for the ETA: `examples` dealt over the ranks,
 * `batchesPerStep` batches per optimizer step (a GAN's nCritic), and with
 * `totals` only what is left of the run; `epochStep` is taken off by epoch.
 */
export function stepsOfFit(o: {
  examples: number;
  batchSize: number;
  batchesPerStep?: number;
  worldSize?: number;
  epochs: number;
  steps: number;
  totals: boolean;
  state: NativeTrainingState;
  epochStep?: number;
}): number {
  if (o.steps > 0) return o.totals ? Math.max(0, o.steps - o.state.step) : o.steps;
  const perEpoch = Math.ceil(
    Math.ceil(Math.ceil(o.examples / (o.worldSize ?? 1)) / o.batchSize) / (o.batchesPerStep ?? 1),
  );
  return Math.max(0, (o.totals ? o.epochs - o.state.epoch : o.epochs) * perEpoch - (o.epochStep ?? 0));
}

/**
 * The shape of a fit's validationData, checked against the model's images
 * before anything runs: E_SHAPE naming both shapes.
 */
export function checkValidationShape(
  shape: readonly number[],
  config: { channels: number; height: number; width: number },
): void {
  const { channels: c, height: h, width: w } = config;
  if (shape.length !== 4 || shape[1] !== c || shape[2] !== h || shape[3] !== w) {
    throw new GentorchError(
      'E_SHAPE',
      `Expected validationData of shape [N, ${c}, ${h}, ${w}] (the model's images) but received [${shape.join(', ')}]`,
    );
  }
  if (shape[0] === 0)
    throw new GentorchError('E_DATA', 'Expected at least one image in validationData but received none');
}

/** The settings a fit passes to C++ for `distributed`, checked; undefined for one process. */
export function fitDistributed(d: Partial<DistributedOptions> | undefined): DistributedOptions | undefined {
  return d === undefined ? undefined : resolveDistributed(d);
}

/**
 * Calls the user's callbacks of one fit: a throw or a rejection there must
 * not break the native job or end the process. The first one is kept and
 * `stop` called (the fit then ends at its next step); `settled()` waits for
 * every promise a callback returned.
 */
export class Callbacks {
  #pending = new Set<Promise<void>>();
  error: { name: string; err: unknown } | undefined;

  constructor(private readonly stop: () => void) {}

  /** Calls `fn`; returns the promise that settles with the one it returned, if any (it never rejects). */
  call<T>(name: string, fn: ((arg: T) => unknown) | undefined, arg: T): Promise<void> | undefined {
    if (!fn || this.error) return undefined;
    try {
      const out = fn(arg);
      if (out && typeof (out as Promise<void>).then === 'function') {
        const p: Promise<void> = Promise.resolve(out).then(
          () => void this.#pending.delete(p),
          (err) => {
            this.#pending.delete(p);
            this.fail(name, err);
          },
        );
        this.#pending.add(p);
        return p;
      }
    } catch (err) {
      this.fail(name, err);
    }
    return undefined;
  }

  fail(name: string, err: unknown): void {
    if (this.error) return;
    this.error = { name, err };
    this.stop();
  }

  async settled(): Promise<void> {
    while (this.#pending.size) await Promise.all(this.#pending);
  }

  /** The E_CALLBACK error for the first failure. */
  asError(): GentorchError {
    const { name, err } = this.error!;
    const msg = err instanceof Error ? err.message : String(err);
    return new GentorchError('E_CALLBACK', `The ${name} callback threw: ${msg}; the fit stopped`, { cause: err });
  }
}

interface RunFitArgs {
  handle: { info(): { state: NativeTrainingState }; cancel(): void };
  callbacks: FitCallbacks & { onSamples?: GanSamplesCallback };
  checkpointEvery: number;
  totalSteps: number;
  /** Starts the native fit with the event sink. */
  start: (onEvent: NativeFitSink) => Promise<void>;
  /** The earlyStopping() callbacks of this fit, checked against its losses (EarlyStopping.watch). */
  stopping?: EarlyStoppingWatch[];
  writeCheckpoint: (path: string, ev: NativeCheckpointEvent) => Promise<void>;
  callSite: Error;
  /** False on data-parallel ranks other than 0: they write no checkpoints. */
  writer?: boolean;
}

/** The history of a fit that trained nothing (yet). */
export function emptyHistory(): FitHistory {
  return { epochs: [], steps: 0, seconds: 0, skippedSteps: 0, cudaGraphs: false };
}

/** Runs a native fit with the shared event handling; resolves with its history. */
export async function runFit(a: RunFitArgs): Promise<FitHistory> {
  const { signal, onProgress, onEpoch, checkpointPath, onCheckpoint, onSamples } = a.callbacks;
  if (a.checkpointEvery > 0 && !checkpointPath) {
    throw new GentorchError('E_CONFIG', 'Expected checkpointPath with checkpointEvery but received none');
  }
  if (signal?.aborted) throw new GentorchError('E_ABORTED', 'The fit was aborted before it started');
  const start = a.handle.info().state;
  const history = emptyHistory();
  const calls = new Callbacks(() => a.handle.cancel());
  let writes: Promise<void> = Promise.resolve();
  let writeError: unknown;
  // The answer holds the training thread while an async callback is pending
  // (native/binding/job.h EventGate) and stops it when early stopping says so.
  const onEvent: NativeFitSink = (ev): NativeEventAnswer | undefined => {
    if (ev.type === 'progress') {
      const done = ev.step - start.step;
      const eta = done > 0 ? (ev.elapsedSeconds / done) * (a.totalSteps - done) : 0;
      const { type: _type, ...rest } = ev;
      history.skippedSteps = ev.skippedSteps;
      history.cudaGraphs = ev.cudaGraphs;
      const hold = calls.call('onProgress', onProgress, {
        ...rest,
        totalSteps: a.totalSteps,
        etaSeconds: Math.max(0, eta),
      });
      return hold && { hold };
    } else if (ev.type === 'epoch') {
      const rec: EpochRecord = { epoch: ev.epoch, step: ev.step, seconds: ev.seconds, losses: ev.losses };
      if (ev.valLosses) rec.valLosses = ev.valLosses;
      history.epochs.push(rec);
      const hold = calls.call('onEpoch', onEpoch, rec);
      for (const watch of a.stopping ?? []) {
        const stopped = watch.onEpoch(rec);
        if (stopped && !history.stoppedEarly) history.stoppedEarly = stopped;
      }
      return { hold, stop: history.stoppedEarly !== undefined };
    } else if (ev.type === 'samples') {
      calls.call('onSamples', onSamples, { step: ev.step, images: ev.images });
    } else if (ev.type === 'checkpoint' && checkpointPath && a.writer !== false) {
      writes = writes
        .then(() => a.writeCheckpoint(checkpointPath, ev))
        .then(
          () => void calls.call('onCheckpoint', onCheckpoint, { path: checkpointPath, step: ev.state.step }),
          (err) => {
            writeError ??= err;
          },
        );
    }
    return undefined;
  };
  const abort = (): void => a.handle.cancel();
  signal?.addEventListener('abort', abort, { once: true });
  const t0 = performance.now();
  let failed = false;
  try {
    await a.start(onEvent);
  } catch (err) {
    // A callback's failure cancelled the fit: its E_ABORTED is the callback's error.
    failed = !calls.error;
    if (failed) throw graft(err, a.callSite);
  } finally {
    signal?.removeEventListener('abort', abort);
    await writes;
    // An abort (or any other failure) rejects at once: a callback still
    // pending holds nothing any more, and its later rejection is kept quiet.
    if (!failed) await calls.settled();
  }
  if (calls.error) throw graft(calls.asError(), a.callSite);
  if (writeError) throw graft(writeError, a.callSite);
  history.seconds = (performance.now() - t0) / 1000;
  history.steps = a.handle.info().state.step - start.step;
  return history;
}
