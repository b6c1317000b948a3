/**
 * Image to image, compared: the Translator's families (regressor, pix2pix
 * GAN, conditional VAE) trained on the same paired task under the same
 * budget and measured on the same held-out inputs, beside the task's classic
 * baseline (bicubic for superres) and the damaged input itself. Distortion
 * is PSNR and SSIM against the targets; realism is the judge classifier's
 * FID and precision/recall of the outputs against the real test images;
 * diversity is how different several outputs for one input are (the VAE
 * samples; the others give one output). The perception-distortion trade-off
 * (Blau and Michaeli, CVPR 2018) says no method is best on both.
 * compareTranslation() writes DIR/<family>/model.safetensors,
 * DIR/examples.png, DIR/translation.json and DIR/report.html.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { COMPARE_DEFAULTS } from '../config/run.js';
import {
  TRANSLATOR_FAMILIES,
  TRANSLATOR_FIT_DEFAULTS,
  TRANSLATOR_TASK_KEYS,
  resolveTranslatorConfig,
  type TranslatorConfig,
  type TranslatorFamily,
} from '../config/translate.js';
import {
  checkDeviceSpec,
  checkPositiveInt,
  checkPositiveNumber,
  checkSeed,
  rejectUnknownKeys,
} from '../config/validate.js';
import { take, toFloat, type ImageDataset } from '../data/datasets.js';
import { GentorchError, invalid } from '../errors.js';
import { writeFileAtomic } from '../io/fsutil.js';
import { writeGridPng } from '../io/images.js';
import { Translator } from '../models/translator.js';
import { renderTranslationReport } from '../report/translation.js';
import type {
  LossPoint,
  TranslationPoint,
  TranslationResults,
  TranslationScores,
  TranslationTask,
} from '../report/results.js';

export type { TranslationPoint, TranslationResults, TranslationScores, TranslationTask };
import type { HostTensor } from '../tensor.js';
import { concatImages, firstImages, STRIP } from './apply.js';
import { ssim } from './compression.js';
import { trainToBudget } from './budget.js';
import { judgeBench, runFacts, type JudgeBench } from './evaluate.js';
import { frechetDistance, meanSquaredError, precisionRecall, psnr } from './metrics.js';

export interface TranslationCompareOptions extends Partial<TranslationTask> {
  /** Labelled data: 'fashion-mnist', a folder of IDX files, FILE.npy (default fashion-mnist). */
  data?: string | { train: ImageDataset; test: ImageDataset };
  out: string;
  /** Families to train (default all three). */
  families?: TranslatorFamily[];
  /** The same training seconds per family (default 150) or the same epochs. */
  seconds?: number;
  epochs?: number;
  seed?: number;
  device?: string;
  /** Held-out inputs to measure on (default every test image). */
  testImages?: number;
  /** Batch size and learning rate of every family (default the Translator's). */
  batchSize?: number;
  lr?: number;
  cacheDir?: string;
  signal?: AbortSignal;
  /**
   * family '' with stage 'judge': the judge classifier (trained once per
   * dataset, then loaded from the cache); then each family's 'train',
   * 'measure' and 'done'. etaSeconds where known.
   */
  onProgress?: (p: {
    family: string;
    stage: 'judge' | 'train' | 'measure' | 'done';
    fraction: number;
    seconds: number;
    etaSeconds?: number;
  }) => void;
}

const OPTION_KEYS = [
  ...TRANSLATOR_TASK_KEYS,
  'data',
  'out',
  'families',
  'seconds',
  'epochs',
  'seed',
  'device',
  'testImages',
  'batchSize',
  'lr',
  'cacheDir',
  'signal',
  'onProgress',
];
const DIVERSITY_IMAGES = 200;
const DIVERSITY_SAMPLES = 4;
/** Chunks of a budget (in seconds mode after a short first one that times a step; budget.ts). */
const CHUNKS = 4;

/** PSNR of the mean squared error over every image (the project's convention, as uses.ts), and mean SSIM. */
export function distortion(
  outputs: HostTensor<'float32'>,
  targets: HostTensor<'float32'>,
): { psnr: number; ssim: number } {
  if (outputs.shape.join() !== targets.shape.join())
    throw invalid(
      `outputs of shape [${targets.shape.join(', ')}]`,
      'outputs',
      `[${outputs.shape.join(', ')}]`,
      'E_SHAPE',
    );
  return { psnr: psnr(meanSquaredError(outputs.data, targets.data)), ssim: ssim(outputs, targets) };
}

/**
 * Diversity of `k` outputs per input (input-major, [n * k, C, H, W]): the
 * mean over inputs and pairs of outputs of their mean absolute pixel
 * difference, over the pixels where `free` (one [H * W] plane per input, 1
 * where outputs may differ: an inpainting input's holes) says so, or all.
 */
export function diversity(outputs: HostTensor<'float32'>, k: number, free?: Uint8Array): number {
  const [, c, h, w] = outputs.shape;
  const plane = h * w;
  const n = outputs.shape[0] / k;
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < n; i++) {
    let count = 0;
    for (let p = 0; p < plane; p++) if (!free || free[i * plane + p]) count++;
    if (count === 0) continue;
    for (let a = 0; a < k; a++)
      for (let b = a + 1; b < k; b++) {
        const oa = (i * k + a) * c * plane;
        const ob = (i * k + b) * c * plane;
        let d = 0;
        for (let ch = 0; ch < c; ch++)
          for (let p = 0; p < plane; p++)
            if (!free || free[i * plane + p])
              d += Math.abs(outputs.data[oa + ch * plane + p] - outputs.data[ob + ch * plane + p]);
        sum += d / (count * c);
        pairs++;
      }
  }
  return pairs ? sum / pairs : 0;
}

/** The holes (mask 0) of inpainting inputs [n, C + 1, H, W], one [H * W] plane of 1s per input. */
export function inpaintHoles(inputs: HostTensor<'float32'>): Uint8Array {
  const [n, c, h, w] = inputs.shape;
  const plane = h * w;
  const out = new Uint8Array(n * plane);
  for (let i = 0; i < n; i++) {
    const mask = (i * c + c - 1) * plane;
    for (let p = 0; p < plane; p++) out[i * plane + p] = inputs.data[mask + p] === 0 ? 1 : 0;
  }
  return out;
}

/** Distortion against the targets and realism against the bench's real test images. */
async function scores(
  outputs: HostTensor<'float32'>,
  targets: HostTensor<'float32'>,
  bench: JudgeBench,
  seconds: number,
): Promise<TranslationScores> {
  const features = await bench.judge.features(outputs);
  const pr = await precisionRecall(bench.realFeatures, features, 3);
  return {
    ...distortion(outputs, targets),
    fid: frechetDistance(features, bench.realFeatures),
    precision: pr.precision,
    recall: pr.recall,
    secondsPerImage: seconds / outputs.shape[0],
  };
}

/**
 * The input as a picture of the target's shape, for the examples grid:
 * superres inputs enlarged by repeating pixels, an inpainting input without
 * its mask channel, a one-channel input repeated over the target's channels.
 */
export function inputPicture(x: HostTensor<'float32'>, c: TranslatorConfig): HostTensor<'float32'> {
  const [n, xc, xh, xw] = x.shape;
  const { channels: C, height: H, width: W } = c;
  const out = new Float32Array(n * C * H * W);
  for (let i = 0; i < n; i++)
    for (let ch = 0; ch < C; ch++) {
      const src = (i * xc + Math.min(ch, xc - 1)) * xh * xw;
      const dst = (i * C + ch) * H * W;
      for (let y = 0; y < H; y++)
        for (let xx = 0; xx < W; xx++)
          out[dst + y * W + xx] = x.data[src + Math.floor((y * xh) / H) * xw + Math.floor((xx * xw) / W)];
    }
  return { dtype: 'float32', shape: [n, C, H, W], data: out };
}

function resolve(options: TranslationCompareOptions) {
  if (options === null || typeof options !== 'object') throw invalid('an object', 'options', options);
  rejectUnknownKeys(options, OPTION_KEYS, 'compareTranslation');
  if (typeof options.out !== 'string' || options.out === '') throw invalid('an output folder', 'out', options.out);
  const families = options.families ?? [...TRANSLATOR_FAMILIES];
  if (!Array.isArray(families) || families.length === 0) throw invalid('a list of families', 'families', families);
  for (const f of families)
    if (!TRANSLATOR_FAMILIES.includes(f)) throw invalid(`one of ${TRANSLATOR_FAMILIES.join(', ')}`, 'family', f);
  if (new Set(families).size !== families.length) throw invalid('each family once', 'families', families.join(','));
  if (options.seconds !== undefined && options.epochs !== undefined)
    throw new GentorchError('E_CONFIG', 'Expected either seconds or epochs as the shared budget but received both');
  for (const k of ['seconds', 'epochs'] as const) {
    const v = options[k];
    if (v !== undefined && !(typeof v === 'number' && v > 0 && Number.isFinite(v)))
      throw invalid('positive number', k, v);
  }
  const budget =
    options.epochs !== undefined
      ? { kind: 'epochs' as const, value: options.epochs }
      : { kind: 'seconds' as const, value: options.seconds ?? COMPARE_DEFAULTS.seconds };
  const device = options.device ?? COMPARE_DEFAULTS.device;
  checkDeviceSpec(device);
  const task: Partial<TranslationTask> = {};
  for (const k of TRANSLATOR_TASK_KEYS) {
    const v = (options as unknown as Record<string, unknown>)[k];
    if (v !== undefined) (task as Record<string, unknown>)[k] = v;
  }
  if (task.task === 'pairs')
    throw invalid('a task that makes its inputs (superres, inpaint, denoise, edges, colorize)', 'task', 'pairs');
  return {
    families,
    budget,
    device,
    task,
    seed: checkSeed(options.seed ?? COMPARE_DEFAULTS.seed),
    testImages: options.testImages === undefined ? undefined : checkPositiveInt(options.testImages, 'testImages'),
    fit: {
      batchSize: options.batchSize === undefined ? undefined : checkPositiveInt(options.batchSize, 'batchSize'),
      lr: options.lr === undefined ? undefined : checkPositiveNumber(options.lr, 'lr'),
    },
  };
}

type Resolved = ReturnType<typeof resolve>;

/** Trains one family to the budget in chunks (the first, in seconds mode, times a step; budget.ts). */
async function train(
  model: Translator,
  targets: ImageDataset,
  r: Resolved,
  options: TranslationCompareOptions,
): Promise<{ seconds: number; losses: LossPoint[] }> {
  const batch = r.fit.batchSize ?? TRANSLATOR_FIT_DEFAULTS.batchSize;
  const family = model.config.family;
  const { seconds, losses } = await trainToBudget(
    {
      stepsPerEpoch: Math.ceil(targets.images.shape[0] / batch),
      steps: () => model.trainingState.step,
      fit: async (steps, onProgress, signal) => {
        await model.fit(targets, { ...r.fit, steps, progressEvery: 10, signal, onProgress });
      },
    },
    r.budget,
    CHUNKS,
    async () => undefined, // measured once, at the end
    (p) =>
      options.onProgress?.({
        family,
        stage: 'train',
        fraction: p.fraction,
        seconds: p.seconds,
        etaSeconds: p.etaSeconds,
      }),
    options.signal,
  );
  return { seconds, losses };
}

/** Outputs of a trained family for the held-out inputs, timed; the VAE's diversity too (in the holes, for inpainting). */
async function familyOutputs(
  model: Translator,
  inputs: HostTensor<'float32'>,
  seed: number,
): Promise<{ outputs: HostTensor<'float32'>; seconds: number; diversity?: number; extra?: HostTensor<'float32'> }> {
  const t0 = performance.now();
  const outputs = await model.apply(inputs, { seed });
  const seconds = (performance.now() - t0) / 1000;
  if (model.config.family !== 'vae') return { outputs, seconds };
  const few = firstImages(inputs, DIVERSITY_IMAGES);
  const several = await model.apply(few, { samples: DIVERSITY_SAMPLES, seed: seed + 1 });
  // Inpainting keeps the known pixels: only the holes can differ.
  const free = model.config.task === 'inpaint' ? inpaintHoles(few) : undefined;
  return { outputs, seconds, diversity: diversity(several, DIVERSITY_SAMPLES, free), extra: several };
}

/** The `start`-th output of each of the first `n` inputs (of k outputs per input, input-major). */
export function sampleRow(several: HostTensor<'float32'>, k: number, start: number, n: number): HostTensor<'float32'> {
  if (k === 1) return firstImages(several, n);
  const per = several.shape.slice(1).reduce((a, b) => a * b, 1);
  n = Math.min(n, several.shape[0] / k);
  const data = new Float32Array(n * per);
  for (let i = 0; i < n; i++)
    data.set(several.data.subarray((i * k + start) * per, (i * k + start + 1) * per), i * per);
  return { dtype: 'float32', shape: [n, ...several.shape.slice(1)], data };
}

/**
 * Trains each family on the same task, data and budget, measures every family
 * and baseline on the same held-out inputs, and writes the checkpoints,
 * examples.png, translation.json and report.html under `out`.
 */
export async function compareTranslation(options: TranslationCompareOptions): Promise<TranslationResults> {
  const r = resolve(options);
  options.onProgress?.({ family: '', stage: 'judge', fraction: 0, seconds: 0 });
  const bench = await judgeBench(options.data ?? 'fashion-mnist', {
    device: r.device === 'auto' ? undefined : r.device,
    cacheDir: options.cacheDir,
    onProgress: (p) =>
      options.onProgress?.({
        family: '',
        stage: 'judge',
        fraction: p.step / Math.max(1, p.totalSteps),
        seconds: p.elapsedSeconds,
        etaSeconds: p.etaSeconds,
      }),
  });
  try {
    const [, channels, height, width] = bench.train.images.shape;
    const base = { ...r.task, channels, height, width };
    // Every family's config checked (E_CONFIG, E_SHAPE) before any of them trains.
    const config = r.families.map((family) => resolveTranslatorConfig({ ...base, family }))[0];
    mkdirSync(options.out, { recursive: true });
    const held = r.testImages === undefined ? bench.test : take(bench.test, r.testImages);
    const targets = toFloat(held.images);
    const points: TranslationPoint[] = [];
    const rows: HostTensor<'float32'>[] = [];
    const rowNames: string[] = [];
    const cols = Math.min(STRIP, targets.shape[0]);
    let inputs: HostTensor<'float32'> | undefined;
    for (const family of r.families) {
      using model = new Translator({ ...base, family, device: r.device, seed: r.seed });
      inputs ??= await model.makeInputs(targets, { seed: r.seed + 1000 });
      if (rows.length === 0) {
        rows.push(firstImages(inputPicture(inputs, config), cols), firstImages(targets, cols));
        rowNames.push('input', 'target');
        for (const b of await baselines(model, inputs, targets, bench)) {
          points.push(b.point);
          rows.push(firstImages(b.outputs, cols));
          rowNames.push(b.point.name);
        }
      }
      const { seconds, losses } = await train(model, bench.train, r, options);
      options.onProgress?.({ family, stage: 'measure', fraction: 1, seconds });
      const dir = join(options.out, family);
      mkdirSync(dir, { recursive: true });
      await model.save(join(dir, 'model.safetensors'));
      const got = await familyOutputs(model, inputs, r.seed + 2);
      const state = model.trainingState;
      points.push({
        name: family,
        kind: 'family',
        family,
        ...(await scores(got.outputs, targets, bench, got.seconds)),
        ...(got.diversity !== undefined ? { diversity: got.diversity } : {}),
        checkpoint: `${family}/model.safetensors`,
        trainSeconds: seconds,
        steps: state.step,
        epochs:
          state.step / Math.ceil(bench.train.images.shape[0] / (r.fit.batchSize ?? TRANSLATOR_FIT_DEFAULTS.batchSize)),
        parameters: model.parameterCount,
        losses,
      });
      rows.push(firstImages(got.outputs, cols));
      rowNames.push(family);
      if (got.extra) {
        for (let s = 1; s < 3; s++) {
          rows.push(sampleRow(got.extra, DIVERSITY_SAMPLES, s, cols));
          rowNames.push(`${family} (another sample)`);
        }
      }
      options.onProgress?.({ family, stage: 'done', fraction: 1, seconds });
    }
    await writeGridPng(join(options.out, 'examples.png'), concatImages(rows), { columns: cols });
    const results: TranslationResults = {
      ...runFacts(bench, r.device),
      seed: r.seed,
      task: Object.fromEntries(TRANSLATOR_TASK_KEYS.map((k) => [k, config[k]])) as TranslationTask,
      budget: r.budget,
      testImages: targets.shape[0],
      diversityImages: Math.min(DIVERSITY_IMAGES, targets.shape[0]),
      points,
      examples: { image: 'examples.png', rows: rowNames },
    };
    await writeFileAtomic(join(options.out, 'translation.json'), `${JSON.stringify(results, null, 2)}\n`);
    await writeFileAtomic(join(options.out, 'report.html'), await renderTranslationReport(results, options.out));
    return results;
  } finally {
    bench.judge.dispose();
  }
}

/** The task's classic baseline (bicubic for superres) and the damaged input itself, where it has the target's shape. */
async function baselines(
  model: Translator,
  inputs: HostTensor<'float32'>,
  targets: HostTensor<'float32'>,
  bench: JudgeBench,
): Promise<{ point: TranslationPoint; outputs: HostTensor<'float32'> }[]> {
  const out: { point: TranslationPoint; outputs: HostTensor<'float32'> }[] = [];
  const t0 = performance.now();
  const bicubic = await model.baseline(inputs);
  if (bicubic) {
    const seconds = (performance.now() - t0) / 1000;
    out.push({
      point: { name: 'bicubic', kind: 'baseline', ...(await scores(bicubic, targets, bench, seconds)) },
      outputs: bicubic,
    });
  }
  const { task } = model.config;
  if (task === 'inpaint' || task === 'denoise') {
    const damaged = inputPicture(inputs, model.config);
    out.push({
      point: { name: 'damaged input', kind: 'baseline', ...(await scores(damaged, targets, bench, 0)) },
      outputs: damaged,
    });
  }
  return out;
}
