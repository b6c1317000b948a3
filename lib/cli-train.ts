/**
 * `gentorch train vae`: trains on the chosen data and writes OUT/model.safetensors,
 * metrics.jsonl, samples.png, reconstructions.png and summary.json.
 */
import { join } from 'node:path';
import { mergeConfig, openRun, progressBar, runPaths, toFloat, withSigint, RUN_KEYS, type RunFlags } from './cli-common.js';
import { checkPositiveNumber, FIT_DEFAULTS, type VaeConfig } from './config.js';
import { loadDataSpec, take, type ImageDataset } from './data.js';
import type { FitHistory } from './fit.js';
import { writeFileAtomic } from './fsutil.js';
import { pairRows, writeGridPng } from './images.js';
import { native } from './native.js';
import { VAE } from './vae.js';

export interface TrainVaeFlags extends RunFlags {
  arch?: 'mlp' | 'conv';
  lr?: number;
  latentDim?: number;
  hiddenDim?: number;
  beta?: number;
  likelihood?: 'bernoulli' | 'gaussian';
}

const MODEL_KEYS = ['arch', 'hiddenDim', 'latentDim', 'likelihood', 'beta'] as const;
const FILE_KEYS = [...new Set([...MODEL_KEYS, ...Object.keys(FIT_DEFAULTS), ...RUN_KEYS])];

async function openModel(cfg: Record<string, unknown>, train: ImageDataset, modelPath: string, resuming: boolean): Promise<VAE> {
  const device = (cfg.device as string | undefined) ?? 'auto';
  if (resuming) return VAE.load(modelPath, { device });
  const [, c, h, w] = train.images.shape;
  const model: Partial<VaeConfig> = { channels: c, height: h, width: w };
  for (const k of MODEL_KEYS) if (cfg[k] !== undefined) (model as Record<string, unknown>)[k] = cfg[k];
  return new VAE({ ...model, device, seed: (cfg.seed as number | undefined) ?? 1 });
}

export async function trainVaeCommand(flags: TrainVaeFlags): Promise<void> {
  const cfg = mergeConfig(flags, FILE_KEYS);
  if (cfg.lr !== undefined) checkPositiveNumber(cfg.lr, 'lr');
  const { train, test } = await loadDataSpec(cfg.data as string);
  const { modelPath, metricsPath, resuming } = runPaths(flags);
  using vae = await openModel(cfg, train, modelPath, resuming);
  const record = openRun(flags.out, metricsPath, resuming);
  const epochsTotal = (cfg.epochs as number | undefined) ?? vae.lastFit?.epochs ?? FIT_DEFAULTS.epochs;
  const before = vae.trainingState;
  const remaining = epochsTotal - before.epoch;
  let history: FitHistory = { epochs: [], steps: 0, seconds: 0 };
  if (remaining > 0) {
    const batchSize = (cfg.batchSize as number | undefined) ?? vae.lastFit?.batchSize ?? FIT_DEFAULTS.batchSize;
    const bar = progressBar(flags.progress, 'vae', 'loss');
    bar?.start(remaining * Math.ceil(train.images.shape[0] / batchSize) - before.epochStep, before.epoch + 1);
    try {
      history = await withSigint((signal) => vae.fit(train, {
        epochs: remaining,
        batchSize,
        lr: (cfg.lr as number | undefined) ?? vae.lastFit?.lr,
        checkpointEvery: (cfg.checkpointEvery as number | undefined) ?? 0,
        checkpointPath: modelPath,
        signal,
        onProgress: (p) => {
          record({ type: 'progress', step: p.step, epoch: p.epoch, ...p.losses, imagesPerSecond: p.imagesPerSecond, time: p.elapsedSeconds });
          bar?.update(p.step - before.step, p);
        },
        onEpoch: (e) => {
          record({ type: 'epoch', ...e, ...e.losses });
          if (!bar) process.stderr.write(`epoch ${e.epoch}: loss ${e.losses.loss.toFixed(2)} nats (${e.seconds.toFixed(1)} s)\n`);
        },
      }));
    } finally {
      bar?.stop();
    }
  }
  await vae.save(modelPath);
  const evaluation = await vae.evaluate(test);
  record({ type: 'test', step: vae.trainingState.step, ...evaluation });
  await writeGridPng(join(flags.out, 'samples.png'), await vae.sample(64), { columns: 8 });
  const originals = take(test, 32);
  await writeGridPng(join(flags.out, 'reconstructions.png'), pairRows(toFloat(originals.images), await vae.reconstruct(originals), 8), { columns: 8 });
  const summary = {
    model: 'vae',
    config: vae.config,
    fit: vae.lastFit,
    seed: vae.seed,
    device: vae.device,
    data: { train: train.name, test: test.name, trainImages: train.images.shape[0], testImages: test.images.shape[0] },
    torchVersion: native().runtimeInfo().torchVersion,
    epochs: vae.trainingState.epoch,
    steps: vae.trainingState.step,
    epochSeconds: history.epochs.map((e) => e.seconds),
    trainLosses: history.epochs.map((e) => e.losses),
    test: evaluation,
  };
  await writeFileAtomic(join(flags.out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  process.stdout.write(`gentorch: test negative ELBO ${evaluation.nelbo.toFixed(2)} nats (recon ${evaluation.recon.toFixed(2)}, KL ${evaluation.kl.toFixed(2)}) after ${summary.epochs} epochs; wrote ${flags.out}\n`);
}
