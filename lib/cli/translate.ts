/**
 * Image to image from the command line: `gentorch train translate` trains a
 * Translator on a paired task made from any dataset (OUT/model.safetensors,
 * metrics.jsonl, examples.png, summary.json with held-out PSNR and SSIM),
 * and `gentorch translate CHECKPOINT` applies one to the user's own inputs
 * (low-resolution images, damaged images with their masks, noisy images,
 * edge maps, grey images) as .npy or a folder of images.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { CLI_DEFAULTS } from '../config/run.js';
import {
  TRANSLATOR_DEFAULTS,
  TRANSLATOR_FIT_DEFAULTS,
  TRANSLATOR_TASK_KEYS,
  translatorInputShape,
  type TranslatorConfig,
  type TranslatorFitConfig,
} from '../config/translate.js';
import { checkDeviceSpec, checkPositiveInt, checkSeed } from '../config/validate.js';
import { concatImages, firstImages, STRIP } from '../compare/apply.js';
import { distortion, inputPicture, sampleRow } from '../compare/translate.js';
import { loadDataSpec, take, toFloat, type ImageDataset } from '../data/datasets.js';
import { GentorchError } from '../errors.js';
import { writeFileAtomic } from '../io/fsutil.js';
import { imagePng, writeGridPng } from '../io/images.js';
import { writeNpy } from '../io/npy.js';
import { emptyHistory, type FitHistory, type FitProgress } from '../models/fit.js';
import { load } from '../models/load.js';
import type { Mask } from '../models/search.js';
import { Translator } from '../models/translator.js';
import { native } from '../native.js';
import type { HostTensor } from '../tensor.js';
import {
  folderOptions,
  mergeConfig,
  openRun,
  progressBar,
  progressRecord,
  reportSkipped,
  runPaths,
  withSigint,
  RUN_KEYS,
  type RunFlags,
} from './common.js';
import { checkOut, dirTargets, readInput, readMask } from './files.js';

export interface TrainTranslateFlags extends RunFlags {
  task?: TranslatorConfig['task'];
  family?: TranslatorConfig['family'];
  factor?: number;
  noiseStd?: number;
  inputs?: string;
  steps?: number;
  lr?: number;
  features?: number;
  depth?: number;
  l1Weight?: number;
  ganLoss?: TranslatorConfig['ganLoss'];
  latentDim?: number;
  beta?: number;
  testImages?: number;
}

const MODEL_KEYS = [
  ...TRANSLATOR_TASK_KEYS,
  'family',
  'features',
  'depth',
  'dFeatures',
  'dropout',
  'ganLoss',
  'l1Weight',
  'latentDim',
  'beta',
] as const;
const FIT_KEYS = ['steps', 'lr', 'beta1', 'beta2'] as const;
const FILE_KEYS = [...new Set([...MODEL_KEYS, ...FIT_KEYS, ...RUN_KEYS, 'inputs', 'testImages'])];

/**
 * The task 'pairs': the user's targets (--data) and inputs (--inputs), each a
 * .npy file or a flat folder of images, aligned by order, every one trained
 * on (no held-out split: that would part the pairs). Folders must hold the
 * same file names. Undefined for a task that makes its inputs (and then
 * --inputs is E_CONFIG).
 */
async function userPairs(
  cfg: Record<string, unknown>,
): Promise<{ targets: ImageDataset; inputs: ImageDataset } | undefined> {
  const task = cfg.task ?? TRANSLATOR_DEFAULTS.task;
  if (task !== 'pairs') {
    if (cfg.inputs !== undefined)
      throw new GentorchError('E_CONFIG', `Expected --inputs only with --task pairs but the task is ${String(task)}`);
    return undefined;
  }
  if (typeof cfg.inputs !== 'string')
    throw new GentorchError('E_CONFIG', 'Expected --inputs FILE.npy or DIR beside --data for --task pairs');
  const y = await readInput(cfg.data as string, (cfg.channels as number | undefined) ?? undefined, '--data');
  const x = await readInput(cfg.inputs, undefined, '--inputs');
  const [ny, nx] = [y.ds.images.shape[0], x.ds.images.shape[0]];
  if (nx !== ny)
    throw new GentorchError('E_DATA', `Expected as many --inputs as --data images (${ny}) but received ${nx}`);
  if (y.files && x.files) {
    const i = y.files.findIndex((f, j) => basename(f) !== basename(x.files![j]));
    if (i >= 0)
      throw new GentorchError(
        'E_DATA',
        `Expected --inputs and --data folders to hold the same file names but found ${basename(x.files[i])} beside ${basename(y.files[i])}`,
      );
  }
  return { targets: y.ds, inputs: x.ds };
}

async function openModel(
  cfg: Record<string, unknown>,
  train: ImageDataset,
  inputs: ImageDataset | undefined,
  modelPath: string,
  resuming: boolean,
): Promise<Translator> {
  const device = (cfg.device as string | undefined) ?? CLI_DEFAULTS.device;
  if (resuming) {
    const model = await load(modelPath, { device });
    if (!(model instanceof Translator)) {
      model.dispose();
      throw new GentorchError(
        'E_CHECKPOINT',
        `${modelPath} holds a ${model.constructor.name}, not a translator; pass --force to replace it`,
      );
    }
    return model;
  }
  const [, channels, height, width] = train.images.shape;
  const model: Partial<TranslatorConfig> = { channels, height, width };
  if (inputs) model.inputChannels = inputs.images.shape[1];
  for (const k of MODEL_KEYS) if (cfg[k] !== undefined) (model as Record<string, unknown>)[k] = cfg[k];
  return new Translator({ ...model, device, seed: (cfg.seed as number | undefined) ?? CLI_DEFAULTS.seed });
}

export async function trainTranslateCommand(flags: TrainTranslateFlags): Promise<void> {
  const cfg = mergeConfig(flags, FILE_KEYS);
  if (cfg.steps !== undefined) checkPositiveInt(cfg.steps, 'steps');
  const testCount = checkPositiveInt(cfg.testImages ?? CLI_DEFAULTS.translateTestImages, 'test-images');
  const pairs = await userPairs(cfg);
  const sets = pairs
    ? { train: pairs.targets, test: pairs.targets }
    : await loadDataSpec(cfg.data as string, folderOptions(cfg));
  reportSkipped(cfg.data as string, sets.skipped);
  const inputs = pairs?.inputs;
  const { modelPath, metricsPath, resuming } = runPaths(flags);
  using model = await openModel(cfg, sets.train, inputs, modelPath, resuming);
  const record = await openRun(flags.out, metricsPath, resuming, model.trainingState.step);
  const fit: Partial<TranslatorFitConfig> = { ...(model.lastFit ?? {}) };
  for (const k of [...FIT_KEYS, 'epochs', 'batchSize', 'onNan', 'precision', 'cudaGraphs', 'progressEvery'] as const)
    if (cfg[k] !== undefined) (fit as Record<string, unknown>)[k] = cfg[k];
  if (cfg.epochs !== undefined && cfg.steps === undefined) fit.steps = 0;
  const before = model.trainingState;
  const bySteps = (fit.steps ?? 0) > 0;
  const remaining = bySteps
    ? (fit.steps as number) - before.step
    : (fit.epochs ?? TRANSLATOR_FIT_DEFAULTS.epochs) - before.epoch;
  let history: FitHistory = emptyHistory();
  if (remaining > 0) {
    const bar = progressBar(flags.progress, `translate ${model.config.family}`, 'l1');
    let started = false;
    try {
      history = await withSigint((signal) =>
        model.fit(sets.train, {
          ...fit,
          totals: true,
          inputs,
          checkpointEvery: (cfg.checkpointEvery as number | undefined) ?? 0,
          checkpointPath: modelPath,
          signal,
          onProgress: (p: FitProgress) => {
            if (!started) bar?.start(p.totalSteps, p.epoch + 1);
            started = true;
            record(progressRecord(p));
            bar?.update(p.step - before.step, p);
          },
          onEpoch: (e) => {
            record({ type: 'epoch', ...e, ...e.losses });
            if (!bar)
              process.stderr.write(
                `epoch ${e.epoch}: L1 ${(e.losses.l1 ?? NaN).toFixed(2)} (${e.seconds.toFixed(1)} s)\n`,
              );
          },
        }),
      );
    } finally {
      bar?.stop();
    }
  }
  await model.save(modelPath);
  await writeResults(flags.out, model, sets, inputs === undefined, history, record, testCount, cfg.data as string);
}

/** Held-out PSNR and SSIM (and bicubic's for superres), examples.png and summary.json. */
async function writeResults(
  out: string,
  model: Translator,
  sets: { train: ImageDataset; test: ImageDataset },
  makesInputs: boolean,
  history: FitHistory,
  record: (o: object) => void,
  testCount: number,
  data: string,
): Promise<void> {
  let test: Record<string, number> | undefined;
  if (makesInputs) {
    const targets = toFloat(take(sets.test, testCount).images);
    const x = await model.makeInputs(targets, { seed: model.seed + 1000 });
    const t0 = performance.now();
    const y = await model.apply(x);
    const seconds = (performance.now() - t0) / 1000;
    test = { images: targets.shape[0], ...distortion(y, targets), secondsPerImage: seconds / targets.shape[0] };
    const bicubic = await model.baseline(x);
    if (bicubic) {
      const b = distortion(bicubic, targets);
      test.bicubicPsnr = b.psnr;
      test.bicubicSsim = b.ssim;
    }
    record({ type: 'test', step: model.trainingState.step, ...test });
    const cols = Math.min(STRIP, targets.shape[0]);
    const rows = [inputPicture(x, model.config), targets, ...(bicubic ? [bicubic] : []), y].map((t) =>
      firstImages(t, cols),
    );
    await writeGridPng(join(out, 'examples.png'), concatImages(rows), { columns: cols });
  }
  const summary = {
    model: 'translator',
    config: model.config,
    fit: model.lastFit,
    seed: model.seed,
    device: model.device,
    data: { train: data, trainImages: sets.train.images.shape[0] },
    torchVersion: native().runtimeInfo().torchVersion,
    epochs: model.trainingState.epoch,
    steps: model.trainingState.step,
    trainSeconds: history.seconds,
    trainLosses: history.epochs.map((e) => e.losses),
    skippedSteps: history.skippedSteps,
    ...(test ? { test } : {}),
  };
  await writeFileAtomic(join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  const said = test
    ? `held-out PSNR ${test.psnr.toFixed(2)} dB, SSIM ${test.ssim.toFixed(3)}${test.bicubicPsnr !== undefined ? ` (bicubic ${test.bicubicPsnr.toFixed(2)} dB)` : ''} on ${test.images} test images; `
    : '';
  process.stdout.write(`gentorch: trained ${model.trainingState.step} steps; ${said}wrote ${out}\n`);
}

export interface TranslateFlags {
  input: string;
  mask?: string;
  out: string;
  samples?: number;
  seed?: number;
  device: string;
  force?: boolean;
}

/** An inpainting input: the damaged images and their mask as one more channel (1 = known). */
function withMask(images: HostTensor<'float32'>, mask: Mask): HostTensor<'float32'> {
  const [n, c, h, w] = images.shape;
  const [mn, mc, mh, mw] = mask.shape;
  if (mn !== n || mc !== 1 || mh !== h || mw !== w)
    throw new GentorchError(
      'E_SHAPE',
      `Expected a mask of shape [${n}, 1, ${h}, ${w}] (or one [${h}, ${w}] for all) but received [${mask.shape.join(', ')}]`,
    );
  const plane = h * w;
  const data = new Float32Array(n * (c + 1) * plane);
  for (let i = 0; i < n; i++) {
    data.set(images.data.subarray(i * c * plane, (i + 1) * c * plane), i * (c + 1) * plane);
    for (let p = 0; p < plane; p++) data[(i * (c + 1) + c) * plane + p] = mask.data[i * plane + p];
  }
  return { dtype: 'float32', shape: [n, c + 1, h, w], data };
}

/** The user's inputs as the model takes them: inpainting joins the mask (--mask, or already a channel of the .npy). */
async function modelInputs(
  model: Translator,
  flags: TranslateFlags,
): Promise<{ x: HostTensor<'float32'>; files?: string[] }> {
  const [ic, h, w] = translatorInputShape(model.config);
  const inpaint = model.config.task === 'inpaint';
  const imageChannels = inpaint ? ic - 1 : ic;
  const { ds, files } = await readInput(flags.input, imageChannels);
  const images = toFloat(ds.images);
  const [, , gh, gw] = images.shape;
  if (gh !== h || gw !== w) {
    const why =
      model.config.task === 'superres'
        ? ` (its ${model.config.width}x${model.config.height} targets downscaled by ${model.config.factor})`
        : '';
    throw new GentorchError(
      'E_SHAPE',
      `Expected ${w}x${h} inputs for this ${model.config.task} model${why} but received ${gw}x${gh} images from ${flags.input}`,
    );
  }
  if (!inpaint) {
    if (flags.mask)
      throw new GentorchError(
        'E_CONFIG',
        `Expected --mask only for an inpainting model but this one does ${model.config.task}`,
      );
    return { x: images, files };
  }
  if (!flags.mask) {
    if (images.shape[1] === ic) return { x: images, files }; // a .npy that carries its mask channel
    throw new GentorchError(
      'E_CONFIG',
      'Expected --mask FILE.npy, FILE.png or DIR for an inpainting model (1/white known, 0/black missing)',
    );
  }
  return { x: withMask(images, await readMask(flags.mask, images.shape[0], files)), files };
}

/** gentorch translate CHECKPOINT --input FILE.npy|DIR [--mask ...] --out FILE.npy|FILE.png|DIR/ */
export async function translateCommand(checkpoint: string, flags: TranslateFlags): Promise<void> {
  checkDeviceSpec(flags.device);
  const samples = checkPositiveInt(flags.samples ?? 1, 'samples');
  const seed = flags.seed === undefined ? undefined : checkSeed(flags.seed);
  if (!existsSync(flags.input))
    throw new GentorchError('E_DATA', `Expected inputs at --input ${flags.input} but it does not exist`);
  const folderInput = statSync(flags.input).isDirectory();
  const kind = checkOut(flags.out, flags.force, folderInput);
  using model = await loadTranslator(checkpoint, flags.device);
  const { x, files } = await modelInputs(model, flags);
  const names = files?.flatMap((f) => {
    const stem = basename(f, extname(f));
    return samples === 1 ? [`${stem}.png`] : Array.from({ length: samples }, (_, j) => `${stem}-${j + 1}.png`);
  });
  if (kind === 'dir') dirTargets(flags.out, names!, flags.force); // refuse before the work, not after
  const t0 = performance.now();
  const y = await model.apply(x, { samples, seed });
  const seconds = (performance.now() - t0) / 1000;
  if (kind === 'npy') await writeNpy(flags.out, y);
  else if (kind === 'png') {
    const cols = Math.min(x.shape[0], STRIP);
    const rows = [firstImages(inputPicture(x, model.config), cols)];
    for (let s = 0; s < samples; s++) rows.push(sampleRow(y, samples, s, cols));
    await writeGridPng(flags.out, concatImages(rows), { columns: cols });
  } else {
    mkdirSync(flags.out, { recursive: true });
    const targets = dirTargets(flags.out, names!, flags.force);
    for (let i = 0; i < targets.length; i++) await writeFileAtomic(targets[i], await imagePng(y, i));
  }
  process.stdout.write(
    `gentorch: ${model.config.task} by the ${model.config.family}: ${y.shape[0]} outputs of ${y.shape.slice(2).join('x')} from ${x.shape[0]} inputs of ${x.shape.slice(2).join('x')} ` +
      `(${(seconds / x.shape[0]).toFixed(4)} s per input) to ${flags.out}\n`,
  );
}

async function loadTranslator(checkpoint: string, device: string): Promise<Translator> {
  const model = await load(checkpoint, { device });
  if (model instanceof Translator) return model;
  model.dispose();
  throw new GentorchError(
    'E_CHECKPOINT',
    `${checkpoint}: holds a ${model.constructor.name === 'GAN' ? 'GAN' : 'VAE'}, not a translator; use sample, restore or decode for it`,
  );
}
