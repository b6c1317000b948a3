/** What the `train` commands share: config files, run folders, progress and metrics. */
import { CLI_DEFAULTS } from '../config/run.js';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import {
  checkBoolean,
  checkDeviceSpec,
  checkNonNegativeInt,
  checkOneOf,
  checkPositiveInt,
  checkSeed,
  rejectUnknownKeys,
  stripUndefined,
} from '../config/validate.js';
import { ON_NAN, PRECISIONS, CUDA_GRAPHS, type OnNan, type Precision, type CudaGraphs } from '../config/fit.js';
import { GentorchError } from '../errors.js';
import { IMAGE_SIZES, type FolderOptions } from '../data/folder.js';
import { removeStaleTemps, writeFileAtomic } from '../io/fsutil.js';
import type { EpochRecord, FitProgress } from '../models/fit.js';
import { colorOf, lineChartSvg } from '../report/charts.js';

/** Flags every `train` command takes. */
export interface RunFlags {
  data?: string;
  seed?: number;
  device?: string;
  config?: string;
  epochs?: number;
  batchSize?: number;
  checkpointEvery?: number;
  onNan?: OnNan;
  precision?: Precision;
  cudaGraphs?: CudaGraphs;
  /** Image folders: resize to S x S, convert to C channels, skip unreadable files. */
  imageSize?: number;
  channels?: number;
  skipBad?: boolean;
  /** Measure the test split after every epoch (the fit's validationData). */
  validation?: boolean;
  resume?: boolean;
  force?: boolean;
  progress: boolean;
  out: string;
}

export const RUN_KEYS = [
  'seed',
  'device',
  'data',
  'epochs',
  'batchSize',
  'checkpointEvery',
  'progressEvery',
  'onNan',
  'precision',
  'cudaGraphs',
  'imageSize',
  'channels',
  'skipBad',
  'validation',
];

function readConfigFile(path: string, knownKeys: readonly string[]): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new GentorchError('E_CONFIG', `Could not read --config file ${path}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new GentorchError('E_CONFIG', `--config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new GentorchError('E_CONFIG', `Expected a JSON object in --config file ${path}`);
  }
  rejectUnknownKeys(parsed, knownKeys, 'config file');
  return parsed as Record<string, unknown>;
}

/** Options from --config FILE.json (only `knownKeys`), flags on top; the run options checked. */
export function mergeConfig(flags: RunFlags, knownKeys: readonly string[]): Record<string, unknown> {
  const fromFile = flags.config ? readConfigFile(flags.config, knownKeys) : {};
  const { config: _c, resume: _r, force: _f, progress: _p, out: _o, ...rest } = flags;
  const cfg: Record<string, unknown> = { ...fromFile, ...stripUndefined(rest) };
  cfg.data ??= CLI_DEFAULTS.data;
  if (typeof cfg.data !== 'string' || cfg.data === '') {
    throw new GentorchError(
      'E_CONFIG',
      `Expected fashion-mnist, a folder or a .npy file for data but received ${JSON.stringify(cfg.data)}`,
    );
  }
  for (const k of ['epochs', 'batchSize', 'progressEvery'] as const)
    if (cfg[k] !== undefined) checkPositiveInt(cfg[k], k);
  if (cfg.checkpointEvery !== undefined) checkNonNegativeInt(cfg.checkpointEvery, 'checkpointEvery');
  if (cfg.seed !== undefined) checkSeed(cfg.seed);
  if (cfg.device !== undefined) checkDeviceSpec(cfg.device);
  if (cfg.onNan !== undefined) checkOneOf(cfg.onNan, ON_NAN, 'onNan');
  if (cfg.precision !== undefined) checkOneOf(cfg.precision, PRECISIONS, 'precision');
  if (cfg.cudaGraphs !== undefined) checkOneOf(cfg.cudaGraphs, CUDA_GRAPHS, 'cudaGraphs');
  if (cfg.validation !== undefined) checkBoolean(cfg.validation, 'validation');
  folderOptions(cfg);
  return cfg;
}

/** The image-folder options of a run (--image-size, --channels, --skip-bad), checked. */
export function folderOptions(cfg: Record<string, unknown>): FolderOptions {
  const { imageSize, channels, skipBad } = cfg;
  if (imageSize !== undefined && !(IMAGE_SIZES as readonly unknown[]).includes(imageSize)) {
    throw new GentorchError(
      'E_CONFIG',
      `Expected --image-size ${IMAGE_SIZES.join(', ')} but received ${JSON.stringify(imageSize)}`,
    );
  }
  if (channels !== undefined && channels !== 1 && channels !== 3) {
    throw new GentorchError('E_CONFIG', `Expected --channels 1 or 3 but received ${JSON.stringify(channels)}`);
  }
  return {
    imageSize: imageSize as number | undefined,
    channels: channels as 1 | 3 | undefined,
    skipBad: Boolean(skipBad),
  };
}

/** Tells the user how many files an image folder skipped (--skip-bad). */
export function reportSkipped(spec: string, skipped: number | undefined): void {
  if (skipped) process.stderr.write(`gentorch: skipped ${skipped} unreadable image file(s) in ${spec}\n`);
}

/** The run folder: refuses to replace a model unless --resume or --force. */
export function runPaths(flags: RunFlags): { modelPath: string; metricsPath: string; resuming: boolean } {
  const modelPath = join(flags.out, 'model.safetensors');
  const resuming = Boolean(flags.resume && existsSync(modelPath));
  if (!resuming && existsSync(modelPath) && !flags.force) {
    throw new GentorchError(
      'E_IO',
      `Refusing to overwrite ${modelPath}; pass --resume to continue it or --force to replace it`,
    );
  }
  return { modelPath, metricsPath: join(flags.out, 'metrics.jsonl'), resuming };
}

/**
 * Creates the run folder; a new run starts its metrics afresh. A resumed run
 * keeps only the records up to its checkpoint's step: a run killed after its
 * last checkpoint re-trains the steps since, and their records must not
 * appear twice (a torn last line goes too). Returns the JSON-lines recorder.
 */
export async function openRun(
  out: string,
  metricsPath: string,
  resuming: boolean,
  resumeStep = 0,
): Promise<(obj: object) => void> {
  mkdirSync(out, { recursive: true });
  await removeStaleTemps(join(out, 'model.safetensors'));
  await removeStaleTemps(metricsPath);
  if (!resuming) writeFileSync(metricsPath, '');
  else if (existsSync(metricsPath))
    await writeFileAtomic(metricsPath, recordsUpTo(readFileSync(metricsPath, 'utf8'), resumeStep));
  return (obj) => appendFileSync(metricsPath, `${JSON.stringify(obj)}\n`);
}

/** The JSON lines of `text` whose step (if any) is at most `step`; unparsable lines are dropped. */
export function recordsUpTo(text: string, step: number): string {
  const kept = text.split('\n').filter((line) => {
    if (line.trim() === '') return false;
    try {
      const rec = JSON.parse(line) as { step?: unknown };
      return typeof rec.step !== 'number' || rec.step <= step;
    } catch {
      return false;
    }
  });
  return kept.map((l) => `${l}\n`).join('');
}

/** A progress bar on a terminal; nothing otherwise. */
export function progressBar(enabled: boolean, label: string, lossKey: string) {
  if (!enabled || !process.stderr.isTTY) return undefined;
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} |{bar}| {value}/{total} steps | epoch {epoch} | ${lossKey} {loss} | {ips} img/s | eta {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  return {
    start: (total: number, epoch: number) => bar.start(total, 0, { epoch, loss: '-', ips: '-' }),
    update: (done: number, p: FitProgress) =>
      bar.update(done, {
        epoch: p.epoch + 1,
        loss: (p.losses[lossKey] ?? NaN).toFixed(3),
        ips: Math.round(p.imagesPerSecond),
      }),
    stop: () => bar.stop(),
  };
}

/** Runs `fit` with Ctrl-C turned into an AbortSignal (E_ABORTED; the last checkpoint stays). */
export async function withSigint<T>(fit: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    return await fit(controller.signal);
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

/** The metrics.jsonl line of a progress event. */
export function progressRecord(p: FitProgress): Record<string, unknown> {
  return {
    type: 'progress',
    step: p.step,
    epoch: p.epoch,
    ...p.losses,
    imagesPerSecond: p.imagesPerSecond,
    time: p.elapsedSeconds,
    skippedSteps: p.skippedSteps,
  };
}

const NOT_LOSSES = new Set(['type', 'step', 'epoch', 'imagesPerSecond', 'time', 'skippedSteps']);

/** The metrics.jsonl line of an epoch: its record, losses flat, validation losses as val_<name> (--validation). */
export function epochRecord(e: EpochRecord): Record<string, unknown> {
  const { valLosses, ...rest } = e;
  const val = Object.fromEntries(Object.entries(valLosses ?? {}).map(([k, v]) => [`val_${k}`, v]));
  return { type: 'epoch', ...rest, ...e.losses, ...val };
}

/**
 * curves.svg of a run: each training loss of metrics.jsonl's progress records
 * against the step (all of the run, resumed parts included), the validation
 * losses of its epochs (val_<name>, --validation) at each epoch's last step,
 * and the test loss where the run measured one. Returns the file written.
 */
export async function writeCurves(out: string, metricsPath: string, title: string): Promise<string> {
  const series = new Map<string, [number, number][]>();
  const add = (name: string, step: number, v: unknown) => {
    if (typeof v !== 'number') return;
    if (!series.has(name)) series.set(name, []);
    series.get(name)!.push([step, v]);
  };
  for (const line of readFileSync(metricsPath, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const step = rec.step;
    if (typeof step !== 'number') continue;
    if (rec.type === 'progress') for (const [k, v] of Object.entries(rec)) if (!NOT_LOSSES.has(k)) add(k, step, v);
    if (rec.type === 'epoch') for (const [k, v] of Object.entries(rec)) if (k.startsWith('val_')) add(k, step, v);
    if (rec.type === 'test') add('test nelbo', step, rec.nelbo);
  }
  const path = join(out, 'curves.svg');
  const svg = lineChartSvg(
    [...series].map(([name, points], i) => ({ name, points, color: colorOf(i) })),
    {
      xLabel: 'step',
      yLabel: [...series.keys()].some((k) => k.startsWith('val_'))
        ? 'mean over each progress window; val_: each epoch'
        : 'mean over each progress window',
      smooth: 0.6,
      markers: false,
      title,
    },
  );
  await writeFileAtomic(path, svg);
  return path;
}

/** A comparison's shared budget in words: "the same 300 s of training each". */
export function budgetWords(budget: { kind: 'seconds' | 'epochs'; value: number }): string {
  return budget.kind === 'seconds'
    ? `the same ${budget.value} s of training each`
    : `the same ${budget.value} epoch(s) each`;
}
