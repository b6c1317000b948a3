/**
 * compare(): trains several generative models on the same data under the
 * same budget (the same training seconds, or the same epochs), measures
 * each during training (a cheap FID; NELBO for VAEs) and at the end with the
 * same full metrics, applies them (generation, reconstruction, compression
 * against JPEG and WebP, restoration, interpolation, latent traversal), and
 * writes DIR/<name>/model.safetensors, DIR/<name>/*.png, DIR/results.json and
 * DIR/report.html. Under several seeds each model runs once per seed (the
 * later ones under DIR/<name>/seed-<s>/) and results.json gives the spread.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { firstImages, interpolation, STRIP, traversal } from './apply.js';
import { MODEL_PRESETS, type ModelPreset } from '../config/presets.js';
import { take, toFloat, type ImageDataset } from '../data/datasets.js';
import { judgeBench, runFacts, sampleQuality, vaeMeasures, type JudgeBench } from './evaluate.js';
import { codecCurves } from './compression.js';
import { COMPARE_DEFAULTS } from '../config/run.js';
import { measureUses, USES_NOISE_STD } from './uses.js';
import { asSeedRun, seedSpread } from './seeds.js';
import type { FitProgress } from '../models/fit.js';
import { writeFileAtomic } from '../io/fsutil.js';
import { GAN } from '../models/gan.js';
import { writeGridPng } from '../io/images.js';
import { featureFid, lossOscillation, oscillation } from './metrics.js';
import { measurePhase } from './memory.js';
import { trainToBudget } from './budget.js';
import { renderReport } from '../report/report.js';
import type { CompareResults, CurvePoint, LossPoint, ModelResult, StabilityMeasures } from '../report/results.js';
import type { HostTensor } from '../tensor.js';
import { VAE } from '../models/vae.js';
import { resolveOptions, type CompareOptions, type Resolved } from './options.js';

export { DEFAULT_MODELS, DEFAULT_BUDGET_SECONDS, type CompareOptions, type CompareProgress } from './options.js';

const NELBO_IMAGES = 2000;
const GRID = 64;

/** One model under training, whichever its family. */
interface Trainee {
  name: string;
  preset: ModelPreset;
  model: VAE | GAN;
  stepsPerEpoch: number;
  imagesPerStep: number;
  fit(steps: number, onProgress: (p: FitProgress) => void, signal?: AbortSignal): Promise<void>;
  sample(n: number, seed: number): Promise<HostTensor<'float32'>>;
}

function makeTrainee(name: string, train: ImageDataset, seed: number, device: string): Trainee {
  const preset = MODEL_PRESETS[name];
  const [n, channels, height, width] = train.images.shape;
  const shape = { channels, height, width };
  const batch = preset.fit.batchSize as number;
  if (preset.family === 'vae') {
    const vae = new VAE({ ...preset.model, ...shape, seed, device });
    return {
      name,
      preset,
      model: vae,
      stepsPerEpoch: Math.ceil(n / batch),
      imagesPerStep: batch,
      fit: async (steps, onProgress, signal) => {
        await vae.fit(train, { ...preset.fit, steps, onProgress, signal });
      },
      sample: (k, s) => vae.sample(k, { seed: s }),
    };
  }
  const gan = new GAN({ ...preset.model, ...shape, seed, device });
  return {
    name,
    preset,
    model: gan,
    stepsPerEpoch: Math.ceil(Math.ceil(n / batch) / gan.config.nCritic),
    imagesPerStep: batch * gan.config.nCritic,
    fit: async (steps, onProgress, signal) => {
      await gan.fit(train, { ...preset.fit, steps, onProgress, signal });
    },
    sample: (k, s) => gan.sample(k, { seed: s }),
  };
}

interface Bench extends JudgeBench {
  /** The test subset of the NELBO points of VAE curves. */
  nelboImages: ImageDataset;
}

async function cheapPoint(t: Trainee, bench: Bench, r: Resolved, seconds: number): Promise<CurvePoint> {
  const state = t.model.trainingState;
  const samples = await t.sample(r.curveSamples, r.seed + 1);
  const point: CurvePoint = {
    seconds,
    step: state.step,
    epochs: state.step / t.stepsPerEpoch,
    fid: await featureFid(bench.judge, samples, bench.realFeatures),
  };
  if (t.model instanceof VAE) point.nelbo = (await t.model.evaluate(bench.nelboImages)).nelbo;
  return point;
}

/** Trains one model to its budget in chunks, a cheap point after each (budget.ts). */
async function trainWithCurve(
  t: Trainee,
  bench: Bench,
  r: Resolved,
  options: CompareOptions,
): Promise<{ curve: CurvePoint[]; losses: LossPoint[]; seconds: number }> {
  return trainToBudget(
    { stepsPerEpoch: t.stepsPerEpoch, steps: () => t.model.trainingState.step, fit: t.fit },
    r.budget,
    r.evalPoints,
    (seconds) => cheapPoint(t, bench, r, seconds),
    (p, point) => options.onProgress?.({ model: t.name, seed: r.seed, stage: 'train', ...p, fid: point?.fid }),
    options.signal,
  );
}

function stability(t: Trainee, losses: LossPoint[], curve: CurvePoint[]): StabilityMeasures {
  const key = t.preset.family === 'vae' ? 'loss' : 'gLoss';
  const half = losses.slice(Math.floor(losses.length / 2));
  const mean = (k: string) => (half.length ? half.reduce((a, p) => a + (p.losses[k] ?? NaN), 0) / half.length : NaN);
  const out: StabilityMeasures = {
    lossOscillation: lossOscillation(
      half.map((p) => p.losses[key]),
      Math.min(10, half.length),
    ),
  };
  const last = curve.slice(-5).map((p) => p.fid);
  if (last.length >= 3) out.fidOscillation = oscillation(last);
  if (t.model instanceof GAN)
    Object.assign(out, {
      dReal: mean('dReal'),
      dFake: mean('dFake'),
      gradNormD: mean('gradNormD'),
      gradNormG: mean('gradNormG'),
    });
  return out;
}

/** The final metrics and pictures of a trained model, written under dir. */
async function measure(
  t: Trainee,
  bench: Bench,
  r: Resolved,
  dir: string,
  sub: string,
  phase: (detail: string, fraction: number) => void,
): Promise<{ metrics: ModelResult['metrics']; images: ModelResult['images']; sampleImagesPerSecond: number }> {
  const rel = (file: string) => `${sub}/${file}`;
  phase('samples', 0);
  const t0 = performance.now();
  const samples = await t.sample(r.samples, r.seed + 2);
  const sampleImagesPerSecond = r.samples / ((performance.now() - t0) / 1000);
  await writeGridPng(join(dir, 'samples.png'), firstImages(samples, GRID), { columns: 8 });
  phase('sample quality', 0.1);
  const metrics: ModelResult['metrics'] = {
    quality: await sampleQuality(samples, bench),
    stability: { lossOscillation: NaN },
  };
  const images: ModelResult['images'] = {
    samples: rel('samples.png'),
    interpolation: rel('interpolation.png'),
    traversal: rel('traversal.png'),
  };
  phase('interpolation and traversal', 0.3);
  await writeGridPng(
    join(dir, 'interpolation.png'),
    await interpolation(t.model, { images: bench.test, seed: r.seed }),
    { columns: STRIP },
  );
  await writeGridPng(
    join(dir, 'traversal.png'),
    (await traversal(t.model, { images: bench.test, seed: r.seed })).images,
    { columns: STRIP },
  );
  if (t.model instanceof VAE) {
    phase('latent space', 0.4);
    metrics.vae = await vaeMeasures(t.model, bench.test);
  }
  phase('uses: reconstruction, compression, restoration', 0.5);
  const uses = await measureUses(t.model, bench.test, {
    images: r.usesImages,
    seed: r.seed,
    search: COMPARE_DEFAULTS.usesSearch,
  });
  metrics.reconstruction = uses.reconstruction;
  metrics.compression = uses.compression;
  metrics.restoration = uses.restoration;
  await writeGridPng(join(dir, 'reconstructions.png'), uses.reconstructionGrid, { columns: 8 });
  await writeGridPng(join(dir, 'restoration.png'), uses.restorationGrid, { columns: STRIP });
  images.reconstruction = rel('reconstructions.png');
  images.restoration = rel('restoration.png');
  return { metrics, images, sampleImagesPerSecond };
}

/** Trains, saves and measures one model under r.seed, writing under OUT/sub. */
async function runModel(
  name: string,
  bench: Bench,
  r: Resolved,
  options: CompareOptions,
  sub: string,
): Promise<ModelResult & { seed: number }> {
  const dir = join(options.out, sub);
  mkdirSync(dir, { recursive: true });
  const t = makeTrainee(name, bench.train, r.seed, r.device);
  try {
    const train = await measurePhase(() => trainWithCurve(t, bench, r, options));
    const { curve, losses, seconds } = train.value;
    const epochs = t.model.trainingState.step / t.stepsPerEpoch;
    const phase = (detail: string, fraction: number) =>
      options.onProgress?.({
        model: name,
        seed: r.seed,
        stage: 'evaluate',
        detail,
        fraction,
        seconds,
        epochs,
        fid: curve.at(-1)!.fid,
      });
    phase('saving', 0);
    await t.model.save(join(dir, 'model.safetensors'), { overwrite: true });
    const evaluation = await measurePhase(() => measure(t, bench, r, dir, sub, phase));
    const { metrics, images, sampleImagesPerSecond } = evaluation.value;
    metrics.stability = stability(t, losses, curve);
    const steps = t.model.trainingState.step;
    options.onProgress?.({
      model: name,
      seed: r.seed,
      stage: 'done',
      fraction: 1,
      seconds,
      epochs,
      fid: metrics.quality.fid,
    });
    return {
      name,
      family: t.preset.family,
      config: { model: { ...t.model.config }, fit: { ...t.preset.fit } },
      seed: r.seed,
      checkpoint: `${sub}/model.safetensors`,
      metrics,
      timings: {
        trainSeconds: seconds,
        epochs,
        steps,
        secondsPerEpoch: seconds / epochs,
        trainImagesPerSecond: (steps * t.imagesPerStep) / seconds,
        sampleImagesPerSecond,
        peakRssBytes: Math.max(train.peakRssBytes, evaluation.peakRssBytes),
        trainPeakRssBytes: train.peakRssBytes,
        evalPeakRssBytes: evaluation.peakRssBytes,
        parameters: t.model.parameterCount,
      },
      curve,
      losses,
      images,
    };
  } finally {
    t.model.dispose();
  }
}

/**
 * Trains `models` on the same data with the same budget, measures and
 * applies them, and writes the checkpoints, images, results.json and
 * report.html under `out`. Resolves with what results.json holds.
 */
export async function compare(options: CompareOptions): Promise<CompareResults> {
  const r = resolveOptions(options);
  mkdirSync(options.out, { recursive: true });
  const run = (stage: 'judge' | 'codecs' | 'report', fraction: number, seconds = 0, etaSeconds?: number) =>
    options.onProgress?.({ model: '', seed: r.seed, stage, fraction, seconds, epochs: 0, etaSeconds });
  run('judge', 0);
  const base = await judgeBench(options.data ?? 'fashion-mnist', {
    device: r.device,
    cacheDir: options.cacheDir,
    onProgress: (p) => run('judge', p.step / Math.max(1, p.totalSteps), p.elapsedSeconds, p.etaSeconds),
  });
  const bench: Bench = { ...base, nelboImages: take(base.test, NELBO_IMAGES) };
  try {
    const models: ModelResult[] = [];
    for (const name of r.models) {
      const first = await runModel(name, bench, { ...r, seed: r.seeds[0] }, options, name);
      if (r.seeds.length > 1) {
        const runs = [first];
        for (const seed of r.seeds.slice(1))
          runs.push(await runModel(name, bench, { ...r, seed }, options, `${name}/seed-${seed}`));
        first.seedRuns = runs.map(asSeedRun);
        first.spread = seedSpread(runs);
      }
      models.push(first);
    }
    run('codecs', 0);
    const results: CompareResults = {
      ...runFacts(bench, r.device),
      seed: r.seed,
      ...(r.seeds.length > 1 ? { seeds: r.seeds } : {}),
      budget: r.budget,
      uses: { images: r.usesImages, noiseStd: USES_NOISE_STD, search: { ...COMPARE_DEFAULTS.usesSearch } },
      codecs: await codecCurves(toFloat(take(bench.test, r.usesImages).images)),
      models,
    };
    run('report', 0);
    await writeFileAtomic(join(options.out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    await writeFileAtomic(join(options.out, 'report.html'), await renderReport(results, options.out));
    return results;
  } finally {
    bench.judge.dispose();
  }
}
