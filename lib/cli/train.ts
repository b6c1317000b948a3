/**
 * `gentorch train vae`: trains on the chosen data and writes OUT/model.safetensors,
 * metrics.jsonl, samples.png, reconstructions.png and summary.json.
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
import { checkPositiveNumber } from '../config/validate.js';
import { FIT_DEFAULTS, type OnNan, type Precision, type CudaGraphs } from '../config/fit.js';
import type { VaeConfig } from '../config/vae.js';
import { VAE_POINTS_PRESET } from '../config/presets.js';
import { loadDataSpec, take, toFloat, type ImageDataset } from '../data/datasets.js';
import { isSynthetic, modeCoverage, synthetic, SYNTHETIC, type ModeCoverage } from '../data/synthetic.js';
import { emptyHistory, type FitHistory } from '../models/fit.js';
import { writeFileAtomic } from '../io/fsutil.js';
import { pairRows, scatterPng, writeGridPng } from '../io/images.js';
import { distributedFromEnv } from '../models/distributed.js';
import { native } from '../native.js';
import { VAE } from '../models/vae.js';

export interface TrainVaeFlags extends RunFlags {
  arch?: 'mlp' | 'conv';
  lr?: number;
  latentDim?: number;
  hiddenDim?: number;
  beta?: number;
  likelihood?: 'bernoulli' | 'gaussian';
}

const MODEL_KEYS = ['arch', 'hiddenDim', 'latentDim', 'likelihood', 'beta', 'output'] as const;

/** Train and test sets: a mixture is 50,000 fixed points to train on and 10,000 others to test on. */
async function loadSplits(spec: string, folder: FolderOptions): Promise<{ train: ImageDataset; test: ImageDataset }> {
  if (isSynthetic(spec))
    return { train: synthetic(spec, { n: 50_000, seed: 0 }), test: synthetic(spec, { n: 10_000, seed: 1 }) };
  const sets = await loadDataSpec(spec, folder);
  reportSkipped(spec, sets.skipped);
  return sets;
}
const FILE_KEYS = [...new Set([...MODEL_KEYS, ...Object.keys(FIT_DEFAULTS), ...RUN_KEYS])];

async function openModel(
  cfg: Record<string, unknown>,
  train: ImageDataset,
  modelPath: string,
  resuming: boolean,
): Promise<VAE> {
  const device = (cfg.device as string | undefined) ?? CLI_DEFAULTS.device;
  if (resuming) return VAE.load(modelPath, { device });
  const [, c, h, w] = train.images.shape;
  const model: Partial<VaeConfig> = {
    ...(isSynthetic(train.name) ? VAE_POINTS_PRESET : {}),
    channels: c,
    height: h,
    width: w,
  };
  for (const k of MODEL_KEYS) if (cfg[k] !== undefined) (model as Record<string, unknown>)[k] = cfg[k];
  return new VAE({ ...model, device, seed: (cfg.seed as number | undefined) ?? CLI_DEFAULTS.seed });
}

export async function trainVaeCommand(flags: TrainVaeFlags): Promise<void> {
  const cfg = mergeConfig(flags, FILE_KEYS);
  if (cfg.lr !== undefined) checkPositiveNumber(cfg.lr, 'lr');
  const { train, test } = await loadSplits(cfg.data as string, folderOptions(cfg));
  // Under torchrun or `gentorch launch`: one rank of a data-parallel job; rank 0 writes everything.
  const dist = distributedFromEnv();
  const writer = !dist || dist.rank === 0;
  const { modelPath, metricsPath, resuming } = runPaths(flags);
  using vae = await openModel(cfg, train, modelPath, resuming);
  const record = writer ? await openRun(flags.out, metricsPath, resuming, vae.trainingState.step) : () => undefined;
  const epochsTotal = (cfg.epochs as number | undefined) ?? vae.lastFit?.epochs ?? FIT_DEFAULTS.epochs;
  const before = vae.trainingState;
  const remaining = epochsTotal - before.epoch;
  let history: FitHistory = emptyHistory();
  // Every rank fits, even with nothing left here: rank 0's state decides what is left.
  if (remaining > 0 || dist) {
    const batchSize = (cfg.batchSize as number | undefined) ?? vae.lastFit?.batchSize ?? FIT_DEFAULTS.batchSize;
    const bar = progressBar(flags.progress && writer, 'vae', 'loss');
    bar?.start(
      remaining * Math.ceil(train.images.shape[0] / (dist?.worldSize ?? 1) / batchSize) - before.epochStep,
      before.epoch + 1,
    );
    try {
      history = await withSigint((signal) =>
        vae.fit(train, {
          epochs: epochsTotal,
          totals: true,
          distributed: dist,
          batchSize,
          lr: (cfg.lr as number | undefined) ?? vae.lastFit?.lr,
          checkpointEvery: (cfg.checkpointEvery as number | undefined) ?? 0,
          checkpointPath: modelPath,
          progressEvery: cfg.progressEvery as number | undefined,
          onNan: (cfg.onNan as OnNan | undefined) ?? vae.lastFit?.onNan,
          precision: (cfg.precision as Precision | undefined) ?? vae.lastFit?.precision,
          cudaGraphs: (cfg.cudaGraphs as CudaGraphs | undefined) ?? vae.lastFit?.cudaGraphs,
          validationData: cfg.validation ? test : undefined,
          signal,
          onProgress: (p) => {
            record(progressRecord(p));
            bar?.update(p.step - before.step, p);
          },
          onEpoch: (e) => {
            record(epochRecord(e));
            const val = e.valLosses ? `, validation ${e.valLosses.loss.toFixed(2)} nats` : '';
            if (!bar && writer)
              process.stderr.write(
                `epoch ${e.epoch}: loss ${e.losses.loss.toFixed(2)} nats${val} (${e.seconds.toFixed(1)} s)\n`,
              );
          },
        }),
      );
    } finally {
      bar?.stop();
    }
  }
  if (!writer) return;
  await vae.save(modelPath);
  await writeResults(flags.out, vae, { train, test }, history, dist?.worldSize ?? 1, record);
}

/** Test loss, samples (and reconstructions or mode coverage) and summary.json of a finished run. */
async function writeResults(
  out: string,
  vae: VAE,
  { train, test }: { train: ImageDataset; test: ImageDataset },
  history: FitHistory,
  worldSize: number,
  record: (line: Record<string, unknown>) => void,
): Promise<void> {
  const evaluation = await vae.evaluate(test);
  record({ type: 'test', step: vae.trainingState.step, ...evaluation });
  let modes: ModeCoverage | undefined;
  if (isSynthetic(train.name)) {
    const spec = SYNTHETIC[train.name];
    const samples = await vae.sample(2500, { seed: vae.seed + 1 });
    modes = modeCoverage(samples, spec);
    record({ type: 'modes', step: vae.trainingState.step, ...modes });
    await writeFileAtomic(
      join(out, 'samples.png'),
      await scatterPng(samples.data, { extent: spec.name === 'grid25' ? 5.5 : 1.5, modes: spec.means }),
    );
  } else {
    await writeGridPng(join(out, 'samples.png'), await vae.sample(64), { columns: 8 });
    const originals = take(test, 32);
    await writeGridPng(
      join(out, 'reconstructions.png'),
      pairRows(toFloat(originals.images), await vae.reconstruct(originals), 8),
      { columns: 8 },
    );
  }
  const summary = {
    model: 'vae',
    config: vae.config,
    fit: vae.lastFit,
    seed: vae.seed,
    device: vae.device,
    worldSize,
    data: { train: train.name, test: test.name, trainImages: train.images.shape[0], testImages: test.images.shape[0] },
    torchVersion: native().runtimeInfo().torchVersion,
    epochs: vae.trainingState.epoch,
    steps: vae.trainingState.step,
    epochSeconds: history.epochs.map((e) => e.seconds),
    trainLosses: history.epochs.map((e) => e.losses),
    ...(history.epochs.some((e) => e.valLosses) ? { validationLosses: history.epochs.map((e) => e.valLosses) } : {}),
    skippedSteps: history.skippedSteps,
    test: evaluation,
    ...(modes ? { modes: { covered: modes.covered, total: modes.total, highQualityRate: modes.highQualityRate } } : {}),
  };
  await writeFileAtomic(join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  await writeCurves(out, join(out, 'metrics.jsonl'), `${vae.config.arch} VAE on ${train.name}`);
  process.stdout.write(
    `gentorch: test negative ELBO ${evaluation.nelbo.toFixed(2)} nats (recon ${evaluation.recon.toFixed(2)}, KL ${evaluation.kl.toFixed(2)}) after ${summary.epochs} epochs; wrote ${out}\n`,
  );
}
