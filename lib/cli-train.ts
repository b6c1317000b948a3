/**
 * `gentorch train vae`: trains on the chosen data and writes OUT/model.safetensors,
 * metrics.jsonl, samples.png, reconstructions.png and summary.json.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import {
  checkDeviceSpec, checkNonNegativeInt, checkPositiveInt, checkPositiveNumber, checkSeed, rejectUnknownKeys,
  stripUndefined, FIT_DEFAULTS, type VaeConfig,
} from './config.js';
import { loadDataSpec, take, type ImageDataset } from './data.js';
import { GentorchError } from './errors.js';
import { writeFileAtomic } from './fsutil.js';
import { pairRows, writeGridPng } from './images.js';
import { native } from './native.js';
import type { HostTensor } from './tensor.js';
import type { FitProgress } from './fit.js';
import { VAE } from './vae.js';

export interface TrainVaeFlags {
  data: string;
  arch?: 'mlp' | 'conv';
  epochs?: number;
  batchSize?: number;
  lr?: number;
  latentDim?: number;
  hiddenDim?: number;
  beta?: number;
  likelihood?: 'bernoulli' | 'gaussian';
  seed?: number;
  device?: string;
  config?: string;
  checkpointEvery?: number;
  resume?: boolean;
  force?: boolean;
  progress: boolean;
  out: string;
}

const RUN_KEYS = ['seed', 'device', 'data'];
const MODEL_KEYS = ['arch', 'hiddenDim', 'latentDim', 'likelihood', 'beta'] as const;
const FILE_KEYS = [...MODEL_KEYS, ...Object.keys(FIT_DEFAULTS), ...RUN_KEYS];

/** Options from --config FILE.json, flags on top. */
function mergeConfig(flags: TrainVaeFlags): Record<string, unknown> {
  let fromFile: Record<string, unknown> = {};
  if (flags.config) {
    let text: string;
    try {
      text = readFileSync(flags.config, 'utf8');
    } catch {
      throw new GentorchError('E_CONFIG', `Could not read --config file ${flags.config}`);
    }
    try {
      fromFile = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new GentorchError('E_CONFIG', `--config file ${flags.config} is not valid JSON: ${(err as Error).message}`);
    }
    if (fromFile === null || typeof fromFile !== 'object' || Array.isArray(fromFile)) {
      throw new GentorchError('E_CONFIG', `Expected a JSON object in --config file ${flags.config}`);
    }
    rejectUnknownKeys(fromFile, FILE_KEYS, 'config file');
  }
  const { config: _c, resume: _r, force: _f, progress: _p, out: _o, ...rest } = flags;
  return checkRunConfig({ ...fromFile, ...stripUndefined(rest) });
}

/** Checks the run options a config file may hold (the model's own are checked by VAE). */
function checkRunConfig(cfg: Record<string, unknown>): Record<string, unknown> {
  cfg.data ??= 'fashion-mnist';
  if (typeof cfg.data !== 'string' || cfg.data === '') {
    throw new GentorchError('E_CONFIG', `Expected fashion-mnist, a folder or a .npy file for data but received ${JSON.stringify(cfg.data)}`);
  }
  if (cfg.epochs !== undefined) checkPositiveInt(cfg.epochs, 'epochs');
  if (cfg.batchSize !== undefined) checkPositiveInt(cfg.batchSize, 'batchSize');
  if (cfg.lr !== undefined) checkPositiveNumber(cfg.lr, 'lr');
  if (cfg.progressEvery !== undefined) checkPositiveInt(cfg.progressEvery, 'progressEvery');
  if (cfg.checkpointEvery !== undefined) checkNonNegativeInt(cfg.checkpointEvery, 'checkpointEvery');
  if (cfg.seed !== undefined) checkSeed(cfg.seed);
  if (cfg.device !== undefined) checkDeviceSpec(cfg.device);
  return cfg;
}

function toFloat(images: ImageDataset['images']): HostTensor<'float32'> {
  if (images.dtype === 'float32') return images as HostTensor<'float32'>;
  const data = new Float32Array(images.data.length);
  for (let i = 0; i < data.length; i++) data[i] = images.data[i] / 255;
  return { dtype: 'float32', shape: images.shape, data };
}

function progressBar(enabled: boolean) {
  if (!enabled || !process.stderr.isTTY) return undefined;
  return new cliProgress.SingleBar({
    format: 'vae |{bar}| {value}/{total} steps | epoch {epoch} | loss {loss} | {ips} img/s | eta {eta_formatted}',
    stream: process.stderr,
    hideCursor: true,
  }, cliProgress.Presets.shades_classic);
}

async function openModel(flags: TrainVaeFlags, cfg: Record<string, unknown>, train: ImageDataset, modelPath: string): Promise<VAE> {
  const device = (cfg.device as string | undefined) ?? 'auto';
  if (flags.resume && existsSync(modelPath)) return VAE.load(modelPath, { device });
  if (existsSync(modelPath) && !flags.force) {
    throw new GentorchError('E_IO', `Refusing to overwrite ${modelPath}; pass --resume to continue it or --force to replace it`);
  }
  const [, c, h, w] = train.images.shape;
  const model: Partial<VaeConfig> = { channels: c, height: h, width: w };
  for (const k of MODEL_KEYS) if (cfg[k] !== undefined) (model as Record<string, unknown>)[k] = cfg[k];
  return new VAE({ ...model, device, seed: (cfg.seed as number | undefined) ?? 1 });
}

export async function trainVaeCommand(flags: TrainVaeFlags): Promise<void> {
  const cfg = mergeConfig(flags);
  const { train, test } = await loadDataSpec(cfg.data as string);
  const modelPath = join(flags.out, 'model.safetensors');
  const metricsPath = join(flags.out, 'metrics.jsonl');
  const resuming = Boolean(flags.resume && existsSync(modelPath));
  using vae = await openModel(flags, cfg, train, modelPath);
  mkdirSync(flags.out, { recursive: true });
  if (!resuming) writeFileSync(metricsPath, '');  // a new run starts its metrics afresh
  const epochsTotal = (cfg.epochs as number | undefined) ?? (vae.lastFit?.epochs as number | undefined) ?? FIT_DEFAULTS.epochs;
  const before = vae.trainingState;
  const remaining = epochsTotal - before.epoch;
  const record = (obj: object): void => appendFileSync(metricsPath, `${JSON.stringify(obj)}\n`);
  const bar = progressBar(flags.progress);
  let history = { epochs: [] as { epoch: number; seconds: number; losses: Record<string, number> }[], steps: 0, seconds: 0 };
  if (remaining > 0) {
    const stepsPerEpoch = Math.ceil(train.images.shape[0] / ((cfg.batchSize as number | undefined) ?? vae.lastFit?.batchSize ?? FIT_DEFAULTS.batchSize));
    bar?.start(remaining * stepsPerEpoch - before.epochStep, 0, { epoch: before.epoch + 1, loss: '-', ips: '-' });
    const onProgress = (p: FitProgress): void => {
      record({ type: 'progress', step: p.step, epoch: p.epoch, ...p.losses, imagesPerSecond: p.imagesPerSecond, time: p.elapsedSeconds });
      bar?.update(p.step - before.step, { epoch: p.epoch + 1, loss: p.losses.loss.toFixed(2), ips: Math.round(p.imagesPerSecond) });
    };
    const controller = new AbortController();
    const onSigint = (): void => controller.abort();
    process.once('SIGINT', onSigint);
    try {
      history = await vae.fit(train, {
        epochs: remaining,
        batchSize: (cfg.batchSize as number | undefined) ?? vae.lastFit?.batchSize,
        lr: (cfg.lr as number | undefined) ?? vae.lastFit?.lr,
        checkpointEvery: (cfg.checkpointEvery as number | undefined) ?? 0,
        checkpointPath: modelPath,
        signal: controller.signal,
        onProgress,
        onEpoch: (e) => {
          record({ type: 'epoch', ...e, ...e.losses });
          if (!bar) process.stderr.write(`epoch ${e.epoch}: loss ${e.losses.loss.toFixed(2)} nats (${e.seconds.toFixed(1)} s)\n`);
        },
      });
    } finally {
      process.removeListener('SIGINT', onSigint);
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

