/**
 * `gentorch compare` (train several models under one budget, write
 * results.json and report.html) and `gentorch eval CHECKPOINT` (the same
 * full metrics for one checkpoint).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compare, DEFAULT_BUDGET_SECONDS, DEFAULT_MODELS, type CompareProgress } from '../compare/compare.js';
import { checkDeviceSpec, checkPositiveInt, checkSeed } from '../config/validate.js';
import { GentorchError } from '../errors.js';
import { evaluate, judgeBench, type Evaluation } from '../compare/evaluate.js';
import { loadSampler } from '../models/load.js';
import { TextGAN } from '../models/text-gan.js';
import { TextVAE } from '../models/text-vae.js';
import { CLI_DEFAULTS } from '../config/run.js';
import { compareTextCommand, evalTextCommand, isTextSpec } from './text.js';
import { budgetWords, withSigint } from './common.js';
import { statusView, type StatusUpdate } from './status.js';
import type { CompareResults } from '../report/results.js';
import { compareTranslation, type TranslationTask } from '../compare/translate.js';
import { TRANSLATOR_FAMILIES, type TranslatorFamily } from '../config/translate.js';

export interface CompareFlags {
  data: string;
  out: string;
  models?: string;
  budget?: number;
  epochs?: number;
  seed?: number;
  seeds?: number[];
  device?: string;
  evalPoints?: number;
  samples?: number;
  usesImages?: number;
  task?: TranslationTask['task'];
  families?: string;
  factor?: number;
  noiseStd?: number;
  testImages?: number;
  force?: boolean;
  progress: boolean;
}

const RUN_STAGES: Partial<Record<CompareProgress['stage'], string>> = {
  judge: 'the judge classifier: loaded from the cache, or trained once for this dataset',
  codecs: 'measuring JPEG and WebP for the compression curves',
  report: 'writing results.json and report.html',
};

/** compare's progress as a status row: one per model, and one per phase of the run. */
export function compareStatus(p: CompareProgress, seeds: boolean): StatusUpdate {
  const words =
    RUN_STAGES[p.stage] ??
    (p.stage === 'train' ? 'training' : p.stage === 'evaluate' ? `measuring: ${p.detail ?? 'metrics'}` : 'done');
  return {
    row: p.model || p.stage,
    stage: seeds && p.model ? `${words}, seed ${p.seed}` : words,
    fraction: p.fraction,
    etaSeconds: p.etaSeconds,
    extra: p.model ? [`epoch ${p.epochs.toFixed(2)}`, ...(p.fid !== undefined ? [`FID ${p.fid.toFixed(1)}`] : [])] : [],
  };
}

function table(results: CompareResults): string {
  const rows = results.models.map((m) => {
    const q = m.metrics.quality;
    return `${m.name.padEnd(10)} ${q.fid.toFixed(2).padStart(8)} ${q.precision.toFixed(3).padStart(9)} ${q.recall.toFixed(3).padStart(7)} ${`${q.classesCovered}/${q.classHistogram.length}`.padStart(8)} ${m.timings.epochs.toFixed(2).padStart(7)} ${m.timings.trainSeconds.toFixed(0).padStart(8)} ${Math.round(m.timings.trainImagesPerSecond).toString().padStart(9)}`;
  });
  return [`model           FID precision  recall  classes  epochs  train s  images/s`, ...rows].join('\n');
}

export async function compareCommand(flags: CompareFlags): Promise<void> {
  if (flags.budget !== undefined && flags.epochs !== undefined) {
    throw new GentorchError('E_CONFIG', 'Expected either --budget or --epochs, not both');
  }
  if (flags.task !== undefined) return compareTaskCommand(flags);
  if (isTextSpec(flags.data)) {
    const imageOnly = (['seeds', 'usesImages', 'families', 'factor', 'noiseStd', 'testImages'] as const).find(
      (k) => flags[k] !== undefined,
    );
    if (imageOnly)
      throw new GentorchError('E_CONFIG', `Expected no --${kebab(imageOnly)} with text data (${flags.data})`);
    return compareTextCommand(flags);
  }
  const taskOnly = (['families', 'factor', 'noiseStd', 'testImages'] as const).find((k) => flags[k] !== undefined);
  if (taskOnly) throw new GentorchError('E_CONFIG', `Expected --${kebab(taskOnly)} only with --task`);
  const results = join(flags.out, 'results.json');
  if (existsSync(results) && !flags.force)
    throw new GentorchError('E_IO', `Refusing to overwrite ${results}; pass --force to replace it`);
  const models =
    flags.models === undefined
      ? [...DEFAULT_MODELS]
      : flags.models
          .split(',')
          .map((m) => m.trim())
          .filter((m) => m.length > 0);
  const view = statusView(flags.progress, models);
  const seeds = flags.seeds !== undefined;
  let out: CompareResults;
  try {
    out = await withSigint((signal) =>
      compare({
        data: flags.data,
        out: flags.out,
        models,
        seed: flags.seed,
        seeds: flags.seeds,
        device: flags.device,
        ...(flags.epochs !== undefined
          ? { epochs: flags.epochs }
          : { seconds: flags.budget ?? DEFAULT_BUDGET_SECONDS }),
        evalPoints: flags.evalPoints,
        samples: flags.samples,
        usesImages: flags.usesImages,
        signal,
        onProgress: (p) => view.update(compareStatus(p, seeds)),
      }),
    );
  } finally {
    view.stop();
  }
  const budget = budgetWords(out.budget);
  process.stdout.write(
    `${table(out)}\n(${budget} on ${out.device}; FID by a judge classifier with ${(100 * out.judge.testAccuracy).toFixed(2)}% test accuracy)\n`,
  );
  process.stdout.write(`gentorch: wrote ${resolve(flags.out, 'report.html')} and results.json\n`);
}

export interface EvalFlags {
  data?: string;
  samples?: number;
  seed?: number;
  usesImages?: number;
  device: string;
  json?: boolean;
  progress: boolean;
}

function evalText(checkpoint: string, e: Evaluation): string {
  const q = e.quality;
  const lines = [
    `${checkpoint}:`,
    `  FID ${q.fid.toFixed(3)} (judge test accuracy ${(100 * q.judgeAccuracy).toFixed(2)}%, ${q.samples} samples)`,
    `  precision ${q.precision.toFixed(3)}, recall ${q.recall.toFixed(3)}; classes with >= 5%: ${q.classesCovered} of ${q.classHistogram.length} (KL ${q.classKl.toFixed(3)} nats)`,
    `  sampling: ${Math.round(e.sampleImagesPerSecond)} images/s`,
  ];
  if (e.vae) {
    lines.push(
      `  negative ELBO ${e.vae.nelbo.toFixed(2)} nats (recon ${e.vae.recon.toFixed(2)}, KL ${e.vae.kl.toFixed(2)}); IWAE bound (k=${e.vae.iwaeSamples}) ${e.vae.iwae.toFixed(2)}`,
    );
    lines.push(
      `  reconstruction MSE ${e.vae.mse.toFixed(5)}, PSNR ${e.vae.psnr.toFixed(2)} dB; active units ${e.vae.activeUnits} of ${e.vae.latentDim}`,
    );
  }
  const rc = e.reconstruction;
  lines.push(
    `  reconstruction (${rc.method === 'encoder' ? 'encoder' : 'latent search'}, ${rc.images} test images): PSNR ${rc.psnr.toFixed(2)} dB, SSIM ${rc.ssim.toFixed(3)}, ${rc.secondsPerImage.toFixed(3)} s/image`,
  );
  const curve = (e.compression.curve ?? []).map((p) => `${p.bytesPerImage} B ${p.psnr.toFixed(2)} dB`).join(', ');
  lines.push(
    `  compression: ${e.compression.bytesPerImage} bytes per image (${e.compression.ratio.toFixed(1)}x), PSNR ${e.compression.psnr.toFixed(2)} dB; codes at 32/16/8/6/4 bits: ${curve}`,
  );
  const r = e.restoration;
  lines.push(
    `  restoration: noise std ${r.noiseStd} ${r.noisyPsnr.toFixed(2)} -> ${r.restoredNoisyPsnr.toFixed(2)} dB; inside random holes (${(100 * r.holeShare).toFixed(1)}% of pixels) ${r.holesPsnr.toFixed(2)} -> ${r.restoredHolesPsnr.toFixed(2)} dB`,
  );
  if (r.encoderNoisyPsnr !== undefined && r.encoderHolesPsnr !== undefined)
    lines.push(
      `  restoration through the encoder alone: noise -> ${r.encoderNoisyPsnr.toFixed(2)} dB, holes -> ${r.encoderHolesPsnr.toFixed(2)} dB`,
    );
  return `${lines.join('\n')}\n`;
}

export async function evalCommand(checkpoint: string, flags: EvalFlags): Promise<void> {
  checkDeviceSpec(flags.device);
  if (flags.samples !== undefined) checkPositiveInt(flags.samples, 'samples');
  if (flags.seed !== undefined) checkSeed(flags.seed);
  if (flags.usesImages !== undefined) checkPositiveInt(flags.usesImages, 'uses-images');
  using model = await loadSampler(checkpoint, { device: flags.device });
  if (model instanceof TextVAE || model instanceof TextGAN) {
    if (flags.usesImages !== undefined)
      throw new GentorchError('E_CONFIG', `Expected no --uses-images for a text model (${checkpoint})`);
    await evalTextCommand(model, checkpoint, flags);
    return;
  }
  const data = flags.data ?? CLI_DEFAULTS.data;
  const view = statusView(flags.progress, ['judge', 'eval']);
  try {
    view.update({ row: 'judge', stage: RUN_STAGES.judge!, fraction: 0 });
    const bench = await judgeBench(data, {
      device: flags.device,
      onProgress: (p) =>
        view.update({
          row: 'judge',
          stage: RUN_STAGES.judge!,
          fraction: p.step / Math.max(1, p.totalSteps),
          etaSeconds: p.etaSeconds,
        }),
    });
    view.update({ row: 'judge', stage: 'ready', fraction: 1 });
    try {
      const e = await evaluate(model, bench, {
        samples: flags.samples,
        seed: flags.seed,
        usesImages: flags.usesImages,
        onPhase: (detail, fraction) => view.update({ row: 'eval', stage: `measuring: ${detail}`, fraction }),
      });
      view.update({ row: 'eval', stage: 'done', fraction: 1 });
      view.stop();
      process.stdout.write(flags.json ? `${JSON.stringify({ checkpoint, ...e })}\n` : evalText(checkpoint, e));
    } finally {
      bench.judge.dispose();
    }
  } finally {
    view.stop();
  }
}

const kebab = (k: string): string => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** `compare --task`: the Translator's families on one paired task, the perception-distortion report. */
async function compareTaskCommand(flags: CompareFlags): Promise<void> {
  const generative = (['models', 'seeds', 'evalPoints', 'samples', 'usesImages'] as const).find(
    (k) => flags[k] !== undefined,
  );
  if (generative)
    throw new GentorchError('E_CONFIG', `Expected no --${kebab(generative)} with --task (it is for VAEs and GANs)`);
  const file = join(flags.out, 'translation.json');
  if (existsSync(file) && !flags.force)
    throw new GentorchError('E_IO', `Refusing to overwrite ${file}; pass --force to replace it`);
  const families = flags.families
    ?.split(',')
    .map((f) => f.trim())
    .filter((f) => f.length > 0) as TranslatorFamily[] | undefined;
  const view = statusView(flags.progress, families ?? [...TRANSLATOR_FAMILIES]);
  let out: Awaited<ReturnType<typeof compareTranslation>>;
  try {
    out = await withSigint((signal) =>
      compareTranslation({
        data: flags.data,
        out: flags.out,
        task: flags.task,
        factor: flags.factor,
        noiseStd: flags.noiseStd,
        families,
        seed: flags.seed,
        device: flags.device,
        testImages: flags.testImages,
        ...(flags.epochs !== undefined
          ? { epochs: flags.epochs }
          : { seconds: flags.budget ?? DEFAULT_BUDGET_SECONDS }),
        signal,
        onProgress: (p) =>
          view.update({
            row: p.family || p.stage,
            stage:
              p.stage === 'judge'
                ? RUN_STAGES.judge!
                : p.stage === 'train'
                  ? 'training'
                  : p.stage === 'measure'
                    ? 'measuring on the held-out inputs'
                    : 'done',
            fraction: p.fraction,
            etaSeconds: p.etaSeconds,
          }),
      }),
    );
  } finally {
    view.stop();
  }
  const rows = out.points.map(
    (p) =>
      `${p.name.padEnd(14)} ${p.psnr.toFixed(2).padStart(7)} ${p.ssim.toFixed(3).padStart(6)} ${p.fid.toFixed(2).padStart(8)} ${p.precision.toFixed(3).padStart(9)} ${p.recall.toFixed(3).padStart(7)} ${(p.diversity === undefined ? '-' : p.diversity.toFixed(3)).padStart(9)}`,
  );
  process.stdout.write(
    `${['method          PSNR   SSIM      FID precision  recall diversity', ...rows].join('\n')}\n` +
      `(${out.task.task} on ${out.testImages} held-out inputs; ${out.budget.value} ${out.budget.kind} of training each on ${out.device})\n` +
      `gentorch: wrote ${resolve(flags.out, 'report.html')} and translation.json\n`,
  );
}
