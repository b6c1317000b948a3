/**
 * `gentorch train gan`: trains the article's MLP GAN, a DCGAN or their
 * conditional variants, on images or on the 2-D mixtures ring8/grid25, and
 * writes OUT/model.safetensors, metrics.jsonl, samples.png and summary.json.
 */
import { CLI_DEFAULTS } from '../config/run.js';
import { join } from 'node:path';
import {
  folderOptions,
  mergeConfig,
  openRun,
  progressBar,
  reportSkipped,
  runPaths,
  withSigint,
  RUN_KEYS,
  type RunFlags,
  progressRecord,
  writeCurves,
  epochRecord,
} from './common.js';
import type { FolderOptions } from '../data/folder.js';
import { loadDataSpec, type ImageDataset } from '../data/datasets.js';
import { GentorchError } from '../errors.js';
import { emptyHistory, type FitHistory, type FitProgress } from '../models/fit.js';
import { writeFileAtomic } from '../io/fsutil.js';
import { GAN } from '../models/gan.js';
import { GAN_CONFIG_KEYS, GAN_FIT_DEFAULTS, type GanConfig, type GanFitConfig } from '../config/gan.js';
import { GAN_PRESETS } from '../config/presets.js';
import { scatterPng, writeGridPng } from '../io/images.js';
import { concatImages } from '../compare/apply.js';
import type { HostTensor } from '../tensor.js';
import { distributedFromEnv } from '../models/distributed.js';
import { native } from '../native.js';
import { isSynthetic, modeCoverage, synthetic, SYNTHETIC, type ModeCoverage } from '../data/synthetic.js';

export interface TrainGanFlags extends RunFlags {
  arch?: 'mlp' | 'dcgan';
  loss?: GanConfig['loss'];
  conditional?: boolean;
  nCritic?: number;
  lrG?: number;
  lrD?: number;
  latentDim?: number;
  steps?: number;
  labelSmoothing?: number;
  ema?: number;
  clipGrad?: number;
  gpLambda?: number;
  sampleEvery?: number;
}

/** Codes of --sample-every's snapshots: the columns of samples-over-time.png. */
export const SAMPLE_COLUMNS = 10;
/** Rows of samples-over-time.png at most: snapshots beyond are thinned evenly, the first and last kept. */
const SAMPLE_ROWS = 40;

/** The snapshots as one grid, a row each (at most SAMPLE_ROWS of them, evenly spaced). */
function snapshotGrid(snaps: { step: number; images: HostTensor<'float32'> }[]): {
  grid: HostTensor<'float32'>;
  steps: number[];
} {
  const keep =
    snaps.length <= SAMPLE_ROWS
      ? snaps
      : Array.from({ length: SAMPLE_ROWS }, (_, i) => snaps[Math.round((i * (snaps.length - 1)) / (SAMPLE_ROWS - 1))]);
  return { grid: concatImages(keep.map((s) => s.images)), steps: keep.map((s) => s.step) };
}

const FLAG_TO_CONFIG: Record<string, string> = { ema: 'emaDecay' };
const FIT_KEYS = Object.keys(GAN_FIT_DEFAULTS);
const FILE_KEYS = [...new Set([...GAN_CONFIG_KEYS, ...FIT_KEYS, ...RUN_KEYS, 'conditional'])];

/**
 * The data: a mixture is one fixed set of 50,000 points (seed 0), like any
 * dataset on disk; its test split (10,000 other points) for --validation.
 */
async function loadData(spec: string, folder: FolderOptions): Promise<{ train: ImageDataset; test: ImageDataset }> {
  if (isSynthetic(spec))
    return { train: synthetic(spec, { n: 50_000, seed: 0 }), test: synthetic(spec, { n: 10_000, seed: 1 }) };
  const sets = await loadDataSpec(spec, folder);
  reportSkipped(spec, sets.skipped);
  return sets;
}

/** The model config: preset for points, then data shape, then options given. */
function modelConfig(cfg: Record<string, unknown>, data: ImageDataset, points: boolean): Partial<GanConfig> {
  const [, c, h, w] = data.images.shape;
  const model: Record<string, unknown> = points
    ? { ...GAN_PRESETS.points.model }
    : { channels: c, height: h, width: w };
  for (const [k, v] of Object.entries(cfg)) {
    const key = FLAG_TO_CONFIG[k] ?? k;
    if (GAN_CONFIG_KEYS.includes(key) && v !== undefined) model[key] = v;
  }
  if (cfg.conditional) {
    if (!data.labels) throw new GentorchError('E_DATA', `Expected labels for --conditional but ${data.name} has none`);
    model.numClasses = data.labels.reduce((m, v) => Math.max(m, v), 0) + 1;
  }
  return model as Partial<GanConfig>;
}

function fitConfig(cfg: Record<string, unknown>, gan: GAN, points: boolean): Partial<GanFitConfig> {
  const fit: Record<string, unknown> = { ...(points ? GAN_PRESETS.points.fit : {}), ...(gan.lastFit ?? {}) };
  for (const k of FIT_KEYS) if (cfg[k] !== undefined) fit[k] = cfg[k];
  if (cfg.epochs !== undefined && cfg.steps === undefined) fit.steps = 0;
  return fit as Partial<GanFitConfig>;
}

export async function trainGanCommand(flags: TrainGanFlags): Promise<void> {
  const cfg = mergeConfig(flags, FILE_KEYS);
  const seed = (cfg.seed as number | undefined) ?? CLI_DEFAULTS.seed;
  const points = isSynthetic(cfg.data as string);
  const { train: data, test } = await loadData(cfg.data as string, folderOptions(cfg));
  // Under torchrun or `gentorch launch`: one rank of a data-parallel job; rank 0 writes everything.
  const dist = distributedFromEnv();
  const writer = !dist || dist.rank === 0;
  const { modelPath, metricsPath, resuming } = runPaths(flags);
  using gan = resuming
    ? await GAN.load(modelPath, { device: cfg.device as string | undefined })
    : new GAN({
        ...modelConfig(cfg, data, points),
        device: (cfg.device as string | undefined) ?? CLI_DEFAULTS.device,
        seed,
      });
  if (gan.config.numClasses > 0 && data.classNames) gan.classNames ??= data.classNames; // saved with the checkpoint
  const record = writer ? await openRun(flags.out, metricsPath, resuming, gan.trainingState.step) : () => undefined;
  const fit = fitConfig(cfg, gan, points);
  if (fit.sampleEvery && points)
    throw new GentorchError('E_CONFIG', `--sample-every draws images, but ${cfg.data as string} is 2-D points`);
  if (fit.sampleEvery && cfg.sampleCount === undefined) fit.sampleCount = SAMPLE_COLUMNS;
  const snapshots: { step: number; images: HostTensor<'float32'> }[] = [];
  const before = gan.trainingState;
  const bySteps = (fit.steps ?? 0) > 0;
  const remaining = bySteps
    ? (fit.steps as number) - before.step
    : (fit.epochs ?? GAN_FIT_DEFAULTS.epochs) - before.epoch;
  let history: FitHistory = emptyHistory();
  let last: FitProgress | undefined;
  // Every rank fits, even with nothing left here: rank 0's state decides what is left.
  if (remaining > 0 || dist) {
    const bar = progressBar(flags.progress && writer, 'gan', 'gLoss');
    try {
      history = await withSigint((signal) =>
        gan.fit(data, {
          ...fit,
          ...(bySteps ? { steps: fit.steps } : { epochs: fit.epochs ?? GAN_FIT_DEFAULTS.epochs, steps: 0 }),
          totals: true,
          distributed: dist,
          checkpointEvery: (cfg.checkpointEvery as number | undefined) ?? 0,
          checkpointPath: modelPath,
          validationData: cfg.validation ? test : undefined,
          signal,
          onSamples: (s) => {
            snapshots.push(s);
            record({ type: 'samples', step: s.step });
          },
          onProgress: (p) => {
            if (!last) bar?.start(p.totalSteps, p.epoch + 1);
            last = p;
            record(progressRecord(p));
            bar?.update(p.step - before.step, p);
          },
          onEpoch: (e) => {
            record(epochRecord(e));
            const dg = (l: Record<string, number>) => `D ${l.dLoss.toFixed(3)}, G ${l.gLoss.toFixed(3)}`;
            const val = e.valLosses ? `; validation ${dg(e.valLosses)}` : '';
            if (!bar && writer)
              process.stderr.write(`epoch ${e.epoch}: ${dg(e.losses)}${val} (${e.seconds.toFixed(1)} s)\n`);
          },
        }),
      );
    } finally {
      bar?.stop();
    }
  }
  if (!writer) return;
  await gan.save(modelPath);
  let sampleSteps: number[] | undefined;
  if (snapshots.length > 0) {
    const { grid, steps } = snapshotGrid(snapshots);
    await writeGridPng(join(flags.out, 'samples-over-time.png'), grid, { columns: snapshots[0].images.shape[0] });
    sampleSteps = steps;
  }
  await writeOutputs(flags.out, gan, cfg.data as string, points, record, history, last, data, sampleSteps);
}

async function writeOutputs(
  out: string,
  gan: GAN,
  dataName: string,
  points: boolean,
  record: (o: object) => void,
  history: FitHistory,
  last: FitProgress | undefined,
  data: ImageDataset,
  sampleSteps?: number[],
): Promise<void> {
  let modes: ModeCoverage | undefined;
  if (points) {
    const samples = await gan.sample(2500, { seed: gan.seed + 1 });
    const spec = SYNTHETIC[dataName as keyof typeof SYNTHETIC];
    modes = modeCoverage(samples, spec);
    record({ type: 'modes', step: gan.trainingState.step, ...modes });
    await writeFileAtomic(
      join(out, 'samples.png'),
      await scatterPng(samples.data, { extent: dataName === 'grid25' ? 5.5 : 1.5, modes: spec.means }),
    );
  } else {
    await writeGridPng(join(out, 'samples.png'), await gan.sample(64), { columns: 8 });
  }
  const summary = {
    model: 'gan',
    config: gan.config,
    fit: gan.lastFit,
    seed: gan.seed,
    device: gan.device,
    data: { train: data.name, trainImages: data.images.shape[0] },
    torchVersion: native().runtimeInfo().torchVersion,
    epochs: gan.trainingState.epoch,
    steps: gan.trainingState.step,
    epochSeconds: history.epochs.map((e) => e.seconds),
    trainSeconds: history.seconds,
    skippedSteps: history.skippedSteps,
    ...(sampleSteps ? { samplesOverTime: { file: 'samples-over-time.png', steps: sampleSteps } } : {}),
    ...(history.epochs.some((e) => e.valLosses) ? { validationLosses: history.epochs.map((e) => e.valLosses) } : {}),
    final: last
      ? { dLoss: last.losses.dLoss, gLoss: last.losses.gLoss, dReal: last.losses.dReal, dFake: last.losses.dFake }
      : undefined,
    ...(modes ? { modes: { covered: modes.covered, total: modes.total, highQualityRate: modes.highQualityRate } } : {}),
  };
  await writeFileAtomic(join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  await writeCurves(out, join(out, 'metrics.jsonl'), `${gan.config.arch} GAN (${gan.config.loss}) on ${data.name}`);
  const tail = modes
    ? `; ${modes.covered}/${modes.total} modes, ${(100 * modes.highQualityRate).toFixed(1)}% high quality`
    : '';
  process.stdout.write(`gentorch: trained ${gan.trainingState.step} steps${tail}; wrote ${out}\n`);
}
