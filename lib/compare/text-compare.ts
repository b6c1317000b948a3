/**
 * Text, compared: the sequence VAE and the text GAN trained on the same
 * split under the same budget (training seconds or epochs), beside the
 * smoothed character n-gram baseline (order chosen on held-out training
 * lines; every order's test score recorded, the best is the bar). Measured
 * for each: test bits per character where a model has a likelihood, the
 * samples' validity, novelty, diversity, n-gram JSD and lengths; then the
 * uses: compression (lossless codes against gzip; the latent codes, lossy),
 * repair of masked characters, and interpolation through the latent space.
 * compareText() writes DIR/<model>/model.safetensors, DIR/text.json and
 * DIR/report.html.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { COMPARE_DEFAULTS } from '../config/run.js';
import {
  checkDeviceSpec,
  checkNonNegativeInt,
  checkPositiveInt,
  checkPositiveNumber,
  checkSeed,
  rejectUnknownKeys,
} from '../config/validate.js';
import { loadTextSpec, type TextDataset } from '../data/text.js';
import { Vocabulary } from '../data/vocabulary.js';
import { GentorchError, invalid } from '../errors.js';
import { writeFileAtomic } from '../io/fsutil.js';
import { native } from '../native.js';
import type { FitProgress } from '../models/fit.js';
import { TextGAN } from '../models/text-gan.js';
import { TextVAE } from '../models/text-vae.js';
import { renderTextReport } from '../report/text.js';
import type {
  TextCompressionRow,
  TextCurvePoint,
  TextModelResult,
  TextRepairRow,
  TextResults,
} from '../report/text-results.js';
import type { HostTensor } from '../tensor.js';
import { VERSION } from '../version.js';
import { trainToBudget, type BudgetProgress } from './budget.js';
import { codeBytes, quantizeCodes } from './compression.js';
import { lossOscillation } from './metrics.js';
import { chooseOrder, NgramModel } from './ngram.js';
import { gzipBaseline, lengthStats, ngramJsd, textSampleMetrics } from './text-metrics.js';
import { freeMask, lossyScores, maskLines, ngramRepair, repairScores } from './text-uses.js';

export type { TextResults };

/** The trained text models compareText() knows, in report order. */
export const TEXT_MODELS = ['textvae', 'textgan'] as const;
export type TextModelName = (typeof TEXT_MODELS)[number];

export const TEXT_COMPARE_DEFAULTS = Object.freeze({
  models: TEXT_MODELS,
  /** Training seconds per model: the figure on 2 CPU cores. */
  seconds: 300,
  evalPoints: 6,
  /** Strings drawn for the curve's JSD points. */
  curveSamples: 300,
  /** Test lines of the curve's bits-per-character points (VAE), evenly spread over the split. */
  curveStrings: 500,
  /** Strings drawn for the final sample measures. */
  samples: 2000,
  /** Test lines scored in bits per character, evenly spread over the split (0: all of them), and the IWAE samples per line. */
  testStrings: 0,
  iwaeSamples: 50,
  /** Test lines compressed, repaired and (the first pairs) interpolated, evenly spread over the split. */
  usesStrings: 200,
  /** Share of each repaired line's characters masked. */
  maskShare: 0.25,
  /** Bits per coordinate of the lossy latent codes. */
  codeBits: [8, 4] as const,
  interpolations: 3,
  interpolationSteps: 7,
  /** Strings shown per model in the report. */
  examples: 24,
});

/** The fit options of each trained model in a comparison (batch and learning rate; the rest the defaults). */
export const TEXT_MODEL_PRESETS = Object.freeze({
  textvae: Object.freeze({
    name: 'text VAE',
    family: 'vae' as const,
    // Tuned for likelihood in minutes (README "Text, compared"): dropout of the decoder and of its n-gram rows.
    model: Object.freeze({ charDropout: 0, klWarmupSteps: 1000, dropout: 0.2, ngramDropout: 0.6 }),
    fit: Object.freeze({ batchSize: 64, lr: 2e-3 }),
  }),
  textgan: Object.freeze({
    name: 'text GAN',
    family: 'gan' as const,
    model: Object.freeze({}),
    fit: Object.freeze({ batchSize: 64, lr: 1e-3 }), // the paper's 1e-4 learns only lengths in minutes on a CPU (README "Text GAN")
  }),
});

export interface TextCompareProgress {
  /** '' for the run's own stages. */
  model: string;
  stage: 'ngram' | 'train' | 'measure' | 'uses' | 'report' | 'done';
  fraction: number;
  seconds?: number;
  epochs?: number;
  etaSeconds?: number;
  /** The latest character 3-gram JSD of the model's samples. */
  jsd3?: number;
}

export interface TextCompareOptions {
  /** 'words', a UTF-8 text file (one item per line), or a split already read. Default 'words'. */
  data?: string | { train: TextDataset; test: TextDataset };
  out: string;
  models?: readonly TextModelName[];
  /** The same training seconds per model (default 300), or the same epochs. */
  seconds?: number;
  epochs?: number;
  seed?: number;
  device?: string;
  evalPoints?: number;
  samples?: number;
  testStrings?: number;
  iwaeSamples?: number;
  usesStrings?: number;
  signal?: AbortSignal;
  onProgress?: (p: TextCompareProgress) => void;
}

type Resolved = Required<Omit<TextCompareOptions, 'data' | 'seconds' | 'epochs' | 'signal' | 'onProgress'>> & {
  budget: { kind: 'seconds' | 'epochs'; value: number };
};

const OPTION_KEYS = [
  'data',
  'out',
  'models',
  'seconds',
  'epochs',
  'seed',
  'device',
  'evalPoints',
  'samples',
  'testStrings',
  'iwaeSamples',
  'usesStrings',
  'signal',
  'onProgress',
];

function resolve(o: TextCompareOptions): Resolved {
  if (o === null || typeof o !== 'object') throw invalid('an object', 'options', o);
  rejectUnknownKeys(o, OPTION_KEYS, 'compareText');
  if (typeof o.out !== 'string' || o.out.length === 0) throw invalid('an output folder', 'out', o.out);
  if (o.seconds !== undefined && o.epochs !== undefined)
    throw new GentorchError('E_CONFIG', 'Expected either seconds or epochs as the shared budget but received both');
  const models = o.models ?? TEXT_COMPARE_DEFAULTS.models;
  if (!Array.isArray(models) || models.length === 0) throw invalid('a non-empty list of models', 'models', models);
  for (const m of models) if (!TEXT_MODELS.includes(m)) throw invalid(`one of ${TEXT_MODELS.join(', ')}`, 'models', m);
  const d = TEXT_COMPARE_DEFAULTS;
  return {
    out: o.out,
    models: [...new Set(models)].sort((a, b) => TEXT_MODELS.indexOf(a) - TEXT_MODELS.indexOf(b)),
    budget:
      o.epochs !== undefined
        ? { kind: 'epochs', value: checkPositiveNumber(o.epochs, 'epochs') }
        : { kind: 'seconds', value: checkPositiveNumber(o.seconds ?? d.seconds, 'seconds') },
    seed: checkSeed(o.seed ?? COMPARE_DEFAULTS.seed),
    device: checkDeviceSpec(o.device ?? COMPARE_DEFAULTS.device),
    evalPoints: checkPositiveInt(o.evalPoints ?? d.evalPoints, 'evalPoints'),
    samples: checkPositiveInt(o.samples ?? d.samples, 'samples'),
    testStrings: checkNonNegativeInt(o.testStrings ?? d.testStrings, 'testStrings'),
    iwaeSamples: checkPositiveInt(o.iwaeSamples ?? d.iwaeSamples, 'iwaeSamples'),
    usesStrings: checkPositiveInt(o.usesStrings ?? d.usesStrings, 'usesStrings'),
  };
}

/** One trained text model under the budget loop. */
interface TextTrainee {
  key: TextModelName;
  name: string;
  family: 'vae' | 'gan';
  model: TextVAE | TextGAN;
  stepsPerEpoch: number;
  fit(steps: number, onProgress: (p: FitProgress) => void, signal?: AbortSignal): Promise<void>;
}

function makeTrainee(key: TextModelName, train: TextDataset, vocabulary: Vocabulary, r: Resolved): TextTrainee {
  const preset = TEXT_MODEL_PRESETS[key];
  const common = { vocabulary, seed: r.seed, device: r.device };
  const model =
    key === 'textvae' ? new TextVAE({ ...preset.model, ...common }) : new TextGAN({ ...preset.model, ...common });
  const batch = preset.fit.batchSize;
  const perStep = key === 'textgan' ? batch * (model as TextGAN).config.nCritic : batch;
  return {
    key,
    name: preset.name,
    family: preset.family,
    model,
    stepsPerEpoch: Math.ceil(train.lines.length / perStep),
    fit: async (steps, onProgress, signal) => {
      await model.fit(train, { ...preset.fit, steps, onProgress, signal });
    },
  };
}

/** Samples of a model, timed. */
async function timedSamples(sample: () => Promise<string[]> | string[], n: number) {
  const t0 = performance.now();
  const strings = await sample();
  return { strings, perSecond: n / Math.max(1e-9, (performance.now() - t0) / 1000) };
}

/** The n-gram baseline: the chosen order, and every order's test score. */
function ngramBaseline(train: readonly string[], test: readonly string[], vocabulary: Vocabulary) {
  const t0 = performance.now();
  const choice = chooseOrder(train, { vocabulary });
  const seconds = (performance.now() - t0) / 1000;
  const testScores = choice.scores.map(({ order }) => ({
    order,
    bitsPerChar: (order === choice.order ? choice.model : NgramModel.fit(train, { order, vocabulary })).bitsPerChar(
      test,
    ),
  }));
  const best = testScores.reduce((a, b) => (b.bitsPerChar < a.bitsPerChar ? b : a));
  return { choice, seconds, testScores, best };
}

/** Lossy strings through a latent code of `bits` per coordinate: quantize, decode greedily. */
async function lossyRow(
  method: string,
  z: HostTensor<'float32'>,
  bits: number,
  truth: readonly string[],
  decode: (z: HostTensor<'float32'>) => Promise<string[]>,
): Promise<TextCompressionRow> {
  const q = { ...z, data: quantizeCodes(z.data, bits) };
  return {
    method: `${method}, ${bits} bits × ${z.shape[1]}`,
    lossless: false,
    bytesPerString: codeBytes(z.shape[1], bits),
    ...lossyScores(truth, await decode(q)),
  };
}

/** Points on the line from a to b (both ends included), as rows of one tensor. */
function linePoints(a: Float32Array, b: Float32Array, steps: number): HostTensor<'float32'> {
  const d = a.length;
  const data = new Float32Array(steps * d);
  for (let s = 0; s < steps; s++) {
    const t = s / (steps - 1);
    for (let i = 0; i < d; i++) data[s * d + i] = (1 - t) * a[i] + t * b[i];
  }
  return { dtype: 'float32', shape: [steps, d], data };
}

/** n lines evenly spaced over `lines` (all of them when there are no more). */
export function spread(lines: readonly string[], n: number): string[] {
  if (n >= lines.length) return [...lines];
  return Array.from({ length: n }, (_, i) => lines[Math.floor((i * lines.length) / n)]);
}

const row = (z: HostTensor<'float32'>, i: number) => z.data.subarray(i * z.shape[1], (i + 1) * z.shape[1]);

/**
 * Trains the text models on the same split under one budget, measures them
 * beside the n-gram baseline, applies them, and writes DIR/text.json and
 * DIR/report.html (and each model's checkpoint). Resolves with text.json's content.
 */
export async function compareText(options: TextCompareOptions): Promise<TextResults> {
  const r = resolve(options);
  const say = (p: TextCompareProgress) => options.onProgress?.(p);
  const { train, test } =
    typeof options.data === 'object' && options.data !== null
      ? options.data
      : await loadTextSpec(options.data ?? 'words');
  if (train.lines.length === 0 || test.lines.length === 0)
    throw new GentorchError(
      'E_DATA',
      `Expected training and test lines but ${train.name} has ${train.lines.length} and ${test.name} ${test.lines.length}`,
    );
  mkdirSync(r.out, { recursive: true });
  const vocabulary = Vocabulary.fromLines(train.lines);
  // Spread over the split: its first lines are all capitalised names (the list is sorted).
  const testLines = r.testStrings === 0 ? test.lines : spread(test.lines, r.testStrings);
  const uses = spread(test.lines, r.usesStrings);
  const data = { train: train.lines, test: test.lines };
  const d = TEXT_COMPARE_DEFAULTS;

  say({ model: '', stage: 'ngram', fraction: 0 });
  const ngram = ngramBaseline(train.lines, testLines, vocabulary);
  const mask = freeMask([...train.lines, ...test.lines]);
  const masked = maskLines(uses, d.maskShare, r.seed, mask);
  const repairs: Record<string, string[]> = {
    [`n-gram (order ${ngram.choice.order})`]: ngramRepair(ngram.choice.model, masked, mask),
  };
  const gzip = gzipBaseline(uses);
  const compression: TextCompressionRow[] = [
    { method: 'UTF-8', lossless: true, bytesPerString: gzip.rawBytes },
    { method: 'gzip -9, each string alone', lossless: true, bytesPerString: gzip.gzipAlone },
    { method: 'gzip -9, all strings together', lossless: true, bytesPerString: gzip.gzipWhole },
    {
      method: `n-gram (order ${ngram.choice.order}) entropy code, ideal`,
      lossless: true,
      bytesPerString: ngram.choice.model.evaluate(uses).bits / 8 / uses.length,
    },
  ];
  const interpolation: TextResults['interpolation'] = [];
  const models: TextModelResult[] = [];

  for (const key of r.models) {
    const t = makeTrainee(key, train, vocabulary, r);
    try {
      const curveLines = spread(testLines, d.curveStrings);
      const point = async (seconds: number): Promise<TextCurvePoint> => {
        const step = t.model.trainingState.step;
        const p: TextCurvePoint = {
          seconds,
          step,
          epochs: step / t.stepsPerEpoch,
          jsd3: ngramJsd(await t.model.sample(d.curveSamples, { seed: r.seed + 1 }), test.lines, 3),
        };
        if (t.model instanceof TextVAE)
          p.bitsPerChar = (await t.model.evaluate(curveLines, { samples: 1 })).nelboBitsPerChar;
        return p;
      };
      const { curve, losses, seconds } = await trainToBudget(
        { stepsPerEpoch: t.stepsPerEpoch, steps: () => t.model.trainingState.step, fit: t.fit },
        r.budget,
        r.evalPoints,
        point,
        (p: BudgetProgress, c?: TextCurvePoint) => say({ model: t.name, stage: 'train', ...p, jsd3: c?.jsd3 }),
        options.signal,
      );
      say({ model: t.name, stage: 'measure', fraction: 0 });
      mkdirSync(join(r.out, key), { recursive: true });
      await t.model.save(join(r.out, key, 'model.safetensors'));
      const sampled = await timedSamples(() => t.model.sample(r.samples, { seed: r.seed + 2 }), r.samples);
      const steps = t.model.trainingState.step;
      const result: TextModelResult = {
        name: t.name,
        family: t.family,
        config: { ...t.model.config },
        checkpoint: `${key}/model.safetensors`,
        timings: {
          trainSeconds: seconds,
          steps,
          epochs: steps / t.stepsPerEpoch,
          parameters: t.model.parameterCount,
          sampleStringsPerSecond: sampled.perSecond,
        },
        samples: textSampleMetrics(sampled.strings, data),
        examples: sampled.strings.slice(0, d.examples),
        curve,
        losses,
        lossOscillation: lossOscillation(
          losses.slice(Math.floor(losses.length / 2)).map((l) => l.losses[t.family === 'vae' ? 'loss' : 'dLoss']),
          10,
        ),
      };
      say({ model: t.name, stage: 'uses', fraction: 0 });
      if (t.model instanceof TextVAE) {
        const vae = t.model;
        const ev = await vae.evaluate(testLines, { samples: r.iwaeSamples });
        result.bitsPerChar = { nelbo: ev.nelboBitsPerChar, iwae: ev.iwaeBitsPerChar };
        result.vae = {
          nelbo: ev.nelbo,
          recon: ev.recon,
          kl: ev.kl,
          iwaeSamples: ev.samples,
          activeUnits: ev.activeUnits,
          latentDim: vae.config.latentDim,
        };
        const onUses = await vae.evaluate(uses, { samples: r.iwaeSamples });
        compression.push({
          method: 'text VAE bits-back code (IWAE bound), ideal',
          lossless: true,
          bytesPerString: onUses.iwae / Math.LN2 / 8,
        });
        const { mu } = await vae.encode(uses);
        for (const bits of d.codeBits)
          compression.push(await lossyRow('text VAE code', mu, bits, uses, (z) => vae.decode(z)));
        repairs[t.name] = await vae.repair(masked, { mask });
        for (let i = 0; i + 1 < Math.min(uses.length, 2 * d.interpolations); i += 2) {
          const ends = await vae.encode([uses[i], uses[i + 1]]);
          const path = await vae.decode(linePoints(row(ends.mu, 0), row(ends.mu, 1), d.interpolationSteps));
          interpolation.push({ model: t.name, from: uses[i], to: uses[i + 1], path });
        }
      } else {
        const gan = t.model;
        const inverted = await gan.invert(uses);
        for (const bits of d.codeBits)
          compression.push(await lossyRow('text GAN inversion', inverted.z, bits, uses, (z) => gan.decode(z)));
        repairs[t.name] = await gan.repair(masked, { mask });
        for (let i = 0; i + 1 < Math.min(uses.length, 2 * d.interpolations); i += 2) {
          const path = await gan.decode(linePoints(row(inverted.z, i), row(inverted.z, i + 1), d.interpolationSteps));
          interpolation.push({ model: t.name, from: uses[i], to: uses[i + 1], path });
        }
      }
      models.push(result);
      say({ model: t.name, stage: 'done', fraction: 1, seconds });
    } finally {
      t.model.dispose();
    }
  }

  const ngramSamples = await timedSamples(() => ngram.choice.model.sample(r.samples, r.seed + 2), r.samples);
  models.push({
    name: `n-gram (order ${ngram.choice.order})`,
    family: 'ngram',
    config: { order: ngram.choice.order },
    timings: {
      trainSeconds: ngram.seconds,
      steps: 0,
      epochs: 1,
      parameters: 0,
      sampleStringsPerSecond: ngramSamples.perSecond,
    },
    bitsPerChar: { exact: ngram.testScores.find((s) => s.order === ngram.choice.order)!.bitsPerChar },
    samples: textSampleMetrics(ngramSamples.strings, data),
    examples: ngramSamples.strings.slice(0, d.examples),
    curve: [],
    losses: [],
    lossOscillation: NaN,
  });

  const repairRows: TextRepairRow[] = Object.entries(repairs).map(([method, out]) => ({
    method,
    ...repairScores(uses, masked, out, mask),
  }));
  const results: TextResults = {
    kind: 'text',
    gentorch: VERSION,
    torch: native().runtimeInfo().torchVersion,
    createdAt: new Date().toISOString(),
    device: native().checkDevice(r.device),
    seed: r.seed,
    data: {
      name: train.name.replace(/:train$/, ''),
      train: train.lines.length,
      test: test.lines.length,
      characters: vocabulary.chars.length,
      maxLength: Math.max(...train.lines.map((l) => [...l].length)),
      meanLength: lengthStats(train.lines).mean,
    },
    budget: r.budget,
    testStrings: testLines.length,
    ngram: {
      chosen: ngram.choice.order,
      heldOut: ngram.choice.scores,
      test: ngram.testScores,
      best: ngram.best,
    },
    models,
    compression: { strings: uses.length, rows: compression },
    repair: {
      strings: uses.length,
      maskShare: d.maskShare,
      mask,
      rows: repairRows,
      examples: uses.slice(0, 12).map((truth, i) => ({
        masked: masked[i],
        truth,
        repaired: Object.fromEntries(Object.entries(repairs).map(([m, out]) => [m, out[i]])),
      })),
    },
    interpolation,
  };
  say({ model: '', stage: 'report', fraction: 0 });
  await writeFileAtomic(join(r.out, 'text.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFileAtomic(join(r.out, 'report.html'), renderTextReport(results));
  say({ model: '', stage: 'done', fraction: 1 });
  return results;
}
