/**
 * `gentorch train textvae` and `gentorch train textgan`: trains a text model
 * on `words` or a UTF-8 text file (one item per line, the fixed hash split)
 * and writes OUT/model.safetensors (with the vocabulary), metrics.jsonl,
 * curves.svg, samples.txt and summary.json: the test split's bits per
 * character (the VAE's -ELBO and IWAE bounds) beside the n-gram baseline's,
 * and the sample measures of each.
 */
import { join } from 'node:path';
import { CLI_DEFAULTS } from '../config/run.js';
import { FIT_DEFAULTS, type OnNan } from '../config/fit.js';
import { checkPositiveInt, checkPositiveNumber } from '../config/validate.js';
import { loadTextSpec, type SkippedLines, type TextDataset } from '../data/text.js';
import { writeFileAtomic } from '../io/fsutil.js';
import { distributedFromEnv } from '../models/distributed.js';
import { emptyHistory, type FitHistory } from '../models/fit.js';
import { TextGAN } from '../models/text-gan.js';
import { TextVAE } from '../models/text-vae.js';
import { native } from '../native.js';
import { chooseOrder } from '../compare/ngram.js';
import { textSampleMetrics } from '../compare/text-metrics.js';
import {
  epochRecord,
  mergeConfig,
  openRun,
  progressBar,
  progressRecord,
  runPaths,
  withSigint,
  writeCurves,
  RUN_KEYS,
  type RunFlags,
} from './common.js';

export interface TrainTextFlags extends RunFlags {
  steps?: number;
  lr?: number;
  latentDim?: number;
  hiddenDim?: number;
  beta?: number;
  klWarmupSteps?: number;
  charDropout?: number;
  ngramOrder?: number;
  nCritic?: number;
  samples?: number;
}

/** Config keys of each kind, as --config files and flags name them. */
const MODEL_KEYS = {
  textvae: [
    'latentDim',
    'hiddenDim',
    'encoderHiddenDim',
    'embedDim',
    'dropout',
    'ngramOrder',
    'ngramBuckets',
    'ngramDim',
    'ngramDropout',
    'ngramLrScale',
    'beta',
    'klWarmupSteps',
    'charDropout',
    'maxLength',
  ],
  textgan: ['latentDim', 'hiddenDim', 'blocks', 'nCritic', 'gpLambda', 'maxLength'],
} as const;
type Kind = keyof typeof MODEL_KEYS;

/** Strings written to OUT/samples.txt and measured, unless --samples says otherwise. */
const SAMPLES = 1000;

function reportSkippedLines(spec: string, skipped: SkippedLines | undefined): void {
  if (!skipped) return;
  const parts = Object.entries(skipped)
    .filter(([, n]) => typeof n === 'number' && n > 0)
    .map(([why, n]) => `${n} ${why}`);
  if (parts.length) process.stderr.write(`gentorch: ${spec}: skipped lines: ${parts.join(', ')}\n`);
}

async function openModel(kind: Kind, cfg: Record<string, unknown>, modelPath: string, resuming: boolean) {
  const device = (cfg.device as string | undefined) ?? CLI_DEFAULTS.device;
  if (resuming) return kind === 'textvae' ? TextVAE.load(modelPath, { device }) : TextGAN.load(modelPath, { device });
  const model: Record<string, unknown> = {};
  for (const k of MODEL_KEYS[kind]) if (cfg[k] !== undefined) model[k] = cfg[k];
  const seed = (cfg.seed as number | undefined) ?? CLI_DEFAULTS.seed;
  return kind === 'textvae' ? new TextVAE({ ...model, device, seed }) : new TextGAN({ ...model, device, seed });
}

async function trainText(kind: Kind, flags: TrainTextFlags): Promise<void> {
  const cfg = mergeConfig({ ...flags, data: flags.data ?? 'words' }, [
    ...new Set([...MODEL_KEYS[kind], ...Object.keys(FIT_DEFAULTS), ...RUN_KEYS, 'samples']),
  ]);
  if (cfg.lr !== undefined) checkPositiveNumber(cfg.lr, 'lr');
  if (cfg.steps !== undefined) checkPositiveInt(cfg.steps, 'steps');
  if (cfg.samples !== undefined) checkPositiveInt(cfg.samples, 'samples');
  const spec = cfg.data as string;
  const { train, test, skipped } = await loadTextSpec(spec);
  reportSkippedLines(spec, skipped);
  // Under torchrun or `gentorch launch`: one rank of a data-parallel job; rank 0 writes everything.
  const dist = distributedFromEnv();
  const writer = !dist || dist.rank === 0;
  const { modelPath, metricsPath, resuming } = runPaths(flags);
  using model = await openModel(kind, cfg, modelPath, resuming);
  const record = writer ? await openRun(flags.out, metricsPath, resuming, model.trainingState.step) : () => undefined;
  const before = model.trainingState;
  const steps = cfg.steps as number | undefined;
  const epochsTotal = (cfg.epochs as number | undefined) ?? model.lastFit?.epochs ?? FIT_DEFAULTS.epochs;
  let history: FitHistory = emptyHistory();
  // Steps and epochs in all, as `train vae|gan` count them: a resumed run does what is left.
  const remaining = steps !== undefined ? steps - before.step : epochsTotal - before.epoch;
  // Every rank fits, even with nothing left here: rank 0's state decides what is left.
  if (remaining > 0 || dist) {
    const bar = progressBar(flags.progress && writer, kind, kind === 'textvae' ? 'loss' : 'dLoss');
    const batchSize = (cfg.batchSize as number | undefined) ?? model.lastFit?.batchSize;
    let started = false;
    history = await withSigint(async (signal) => {
      try {
        return await model.fit(train, {
          ...(steps !== undefined ? { steps } : { epochs: epochsTotal }),
          totals: true,
          distributed: dist,
          batchSize,
          lr: (cfg.lr as number | undefined) ?? model.lastFit?.lr,
          checkpointEvery: (cfg.checkpointEvery as number | undefined) ?? 0,
          checkpointPath: modelPath,
          progressEvery: cfg.progressEvery as number | undefined,
          onNan: (cfg.onNan as OnNan | undefined) ?? model.lastFit?.onNan,
          validationData: cfg.validation ? test : undefined,
          signal,
          onProgress: (p) => {
            record(progressRecord(p));
            if (bar && !started) bar.start(p.totalSteps, p.epoch + 1);
            started = true;
            bar?.update(p.step - before.step, p);
          },
          onEpoch: (e) => {
            record(epochRecord(e));
            if (!bar && writer) {
              const loss = Object.entries(e.losses)
                .map(([k, v]) => `${k} ${v.toFixed(3)}`)
                .join(', ');
              process.stderr.write(`epoch ${e.epoch}: ${loss} (${e.seconds.toFixed(1)} s)\n`);
            }
          },
        });
      } finally {
        bar?.stop();
      }
    });
  }
  if (!writer) return;
  await model.save(modelPath);
  await writeResults(
    kind,
    flags.out,
    model,
    { train, test },
    history,
    dist?.worldSize ?? 1,
    (cfg.samples as number | undefined) ?? SAMPLES,
    record,
  );
}

/** Test figures, samples.txt and summary.json of a finished run. */
async function writeResults(
  kind: Kind,
  out: string,
  model: TextVAE | TextGAN,
  { train, test }: { train: TextDataset; test: TextDataset },
  history: FitHistory,
  worldSize: number,
  n: number,
  record: (line: Record<string, unknown>) => void,
): Promise<void> {
  const samples = await model.sample(n, { seed: model.seed + 1 });
  await writeFileAtomic(join(out, 'samples.txt'), samples.map((s) => `${s}\n`).join(''));
  const measures = textSampleMetrics(samples, { train: train.lines, test: test.lines });
  const ngram = chooseOrder(train.lines);
  const ngramBits = ngram.model.bitsPerChar(test.lines);
  const evaluation = model instanceof TextVAE ? await model.evaluate(test) : undefined;
  if (evaluation) record({ type: 'test', step: model.trainingState.step, ...evaluation, muVariance: undefined });
  const summary = {
    model: kind,
    config: model.config,
    fit: model.lastFit,
    seed: model.seed,
    device: model.device,
    data: { train: train.name, test: test.name, trainLines: train.lines.length, testLines: test.lines.length },
    torchVersion: native().runtimeInfo().torchVersion,
    epochs: model.trainingState.epoch,
    steps: model.trainingState.step,
    worldSize,
    epochSeconds: history.epochs.map((e) => e.seconds),
    trainLosses: history.epochs.map((e) => e.losses),
    skippedSteps: history.skippedSteps,
    ...(evaluation ? { test: { ...evaluation, muVariance: undefined } } : {}),
    ngram: { order: ngram.order, testBitsPerChar: ngramBits },
    samples: measures,
  };
  await writeFileAtomic(join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  await writeCurves(
    out,
    join(out, 'metrics.jsonl'),
    `${kind === 'textvae' ? 'text VAE' : 'text GAN'} on ${train.name}`,
  );
  const bits = evaluation
    ? `test ${evaluation.iwaeBitsPerChar.toFixed(3)} bits/char (IWAE; -ELBO ${evaluation.nelboBitsPerChar.toFixed(3)}) against the order-${ngram.order} n-gram's ${ngramBits.toFixed(3)}; `
    : '';
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  process.stdout.write(
    `gentorch: ${bits}samples ${pct(measures.validity)} valid, ${pct(measures.novelty)} novel, ${pct(measures.diversity)} distinct, ` +
      `3-gram JSD ${measures.jsd[2].bits.toFixed(3)} bits; wrote ${out}\n`,
  );
}

export const trainTextVaeCommand = (flags: TrainTextFlags) => trainText('textvae', flags);
export const trainTextGanCommand = (flags: TrainTextFlags) => trainText('textgan', flags);
