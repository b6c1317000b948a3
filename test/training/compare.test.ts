// compare(): several models trained on the same small labelled data under one
// budget, measured and applied; `gentorch compare` and `gentorch eval`. The
// data are 3000 Fashion-MNIST training images and 600 held out, so the judge
// classifier trains in seconds (once: every run here shares its cache).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import {
  GAN,
  MODEL_PRESETS,
  RESULTS_SCHEMA,
  VAE,
  compare,
  load,
  type CompareOptions,
  type CompareProgress,
  type CompareResults,
  type ImageDataset,
} from '../../lib/index.js';
import { holdOut } from '../../lib/data/datasets.js';
import { caughtAsync } from '../helpers/caught.js';
import { smallTrain, tempDir } from '../helpers/helpers.js';
import { expectFailure, expectOk, gentorch, readJson } from '../helpers/run-cli.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Width of a grid of 28x28 images with 2 px padding. */
const grid = (n: number): number => n * 28 + (n + 1) * 2;

let work: string;
let cache: string;
let data: { train: ImageDataset; test: ImageDataset };

beforeAll(async () => {
  work = tempDir('gentorch-compare-');
  cache = join(work, 'judge-cache');
  data = holdOut(await smallTrain(3600), 1 / 6);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The small options every run here shares. */
const small = (out: string, extra: Partial<CompareOptions> = {}): CompareOptions => ({
  data,
  out,
  device: 'cpu',
  samples: 500,
  curveSamples: 300,
  evalPoints: 3,
  usesImages: 24,
  cacheDir: cache,
  ...extra,
});

/** The epochs run, shared by the API tests and `gentorch eval`. */
let epochsRun: Promise<{ out: string; results: CompareResults; events: CompareProgress[] }> | undefined;
function vaeAndGanForOneEpoch() {
  epochsRun ??= (async () => {
    const out = join(work, 'epochs');
    const events: CompareProgress[] = [];
    const results = await compare(
      small(out, { models: ['vae', 'gan'], epochs: 1, onProgress: (p) => events.push({ ...p }) }),
    );
    return { out, results, events };
  })();
  return epochsRun;
}

describe('compare() with the same epochs: vae and gan for 1 epoch', () => {
  let out: string;
  let results: CompareResults;

  beforeAll(async () => {
    ({ out, results } = await vaeAndGanForOneEpoch());
  });

  it('writes results.json equal to what it resolves with, and valid against RESULTS_SCHEMA', () => {
    expect(readJson(join(out, 'results.json'))).toEqual(JSON.parse(JSON.stringify(results)));
    expect(readJson(join(out, 'results.json'))).toEqual(results);
    const validate = new Ajv({ allErrors: true }).compile(RESULTS_SCHEMA);
    expect(validate(readJson(join(out, 'results.json'))), JSON.stringify(validate.errors)).toBe(true);
    expect(results.models.map((m) => m.name)).toEqual(['vae', 'gan']);
    expect(results.models.map((m) => m.family)).toEqual(['vae', 'gan']);
    expect(results.budget).toEqual({ kind: 'epochs', value: 1 });
    expect(results.data).toMatchObject({ train: 3000, test: 600, shape: [1, 28, 28] });
    expect(results.device).toBe('cpu');
    expect(results.judge.testAccuracy).toBeGreaterThan(0.5);
  });

  it("writes each model's checkpoint, which loads as its family's class with the reported config and steps", async () => {
    for (const m of results.models) {
      const path = join(out, m.checkpoint);
      expect(existsSync(path), path).toBe(true);
      using model = await load(path, { device: 'cpu' });
      expect(model).toBeInstanceOf(m.family === 'vae' ? VAE : GAN);
      expect({ ...model.config }).toEqual(m.config.model);
      expect(model.config).toMatchObject(MODEL_PRESETS[m.name].model);
      expect(model.trainingState.step).toBe(m.timings.steps);
      expect(model.parameterCount).toBe(m.timings.parameters);
    }
  });

  it('writes every image entry as a PNG, interpolation and traversal as strips of 10, and report.html naming each model', async () => {
    const sharp = (await import('sharp')).default;
    for (const m of results.models) {
      expect(Object.keys(m.images).sort()).toEqual([
        'interpolation',
        'reconstruction',
        'restoration',
        'samples',
        'traversal',
      ]);
      for (const rel of Object.values(m.images)) {
        const bytes = readFileSync(join(out, rel as string));
        expect([...bytes.subarray(0, 8)], rel).toEqual(PNG_SIGNATURE);
        expect((await sharp(bytes).metadata()).format).toBe('png');
      }
      const meta = async (rel: string) => sharp(readFileSync(join(out, rel))).metadata();
      expect(await meta(m.images.samples)).toMatchObject({ width: grid(8), height: grid(8) });
      expect(await meta(m.images.interpolation)).toMatchObject({ width: grid(10), height: grid(4) });
      expect(await meta(m.images.traversal!)).toMatchObject({ width: grid(10), height: grid(8) });
      expect(await meta(m.images.reconstruction!)).toMatchObject({ width: grid(8), height: grid(4) });
      expect(await meta(m.images.restoration!)).toMatchObject({ width: grid(10), height: grid(5) });
    }
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/i);
    for (const m of results.models) expect(html).toContain(m.name);
  });
});

describe('compare() with the same epochs: vae and gan for 1 epoch (curves, timings and progress)', () => {
  let results: CompareResults;
  let events: CompareProgress[];

  beforeAll(async () => {
    ({ results, events } = await vaeAndGanForOneEpoch());
  });

  it('measures each curve at evalPoints + 1 points, from 0 to the budget, with seconds and epochs increasing', () => {
    for (const m of results.models) {
      expect(m.curve, m.name).toHaveLength(4);
      expect(m.curve[0]).toMatchObject({ seconds: 0, epochs: 0, step: 0 });
      for (let i = 1; i < m.curve.length; i++) {
        expect(m.curve[i].seconds).toBeGreaterThan(m.curve[i - 1].seconds);
        expect(m.curve[i].epochs).toBeGreaterThan(m.curve[i - 1].epochs);
        expect(m.curve[i].step).toBeGreaterThan(m.curve[i - 1].step);
      }
      for (const p of m.curve) {
        expect(Number.isFinite(p.fid) && p.fid > 0).toBe(true);
        if (m.family === 'vae') expect(p.nelbo).toBeGreaterThan(0);
        else expect(p.nelbo).toBeUndefined();
      }
      expect(m.curve.at(-1)!.epochs).toBeCloseTo(1, 10);
      expect(m.curve.at(-1)!.seconds).toBeCloseTo(m.timings.trainSeconds, 10);
      expect(m.losses.length).toBeGreaterThan(0);
    }
    // Training lowers the VAE's test NELBO.
    const vae = results.models[0];
    expect(vae.curve.at(-1)!.nelbo!).toBeLessThan(vae.curve[0].nelbo!);
  });

  it("times about 1 epoch per model; the VAE's IWAE bound is at most its NELBO; both families reconstruct, compress and restore", () => {
    for (const m of results.models) {
      expect(m.timings.epochs).toBeCloseTo(1, 6);
      expect(m.timings.steps).toBe(Math.ceil(3000 / 128));
      expect(m.timings.trainSeconds).toBeGreaterThan(0);
      expect(m.timings.secondsPerEpoch).toBeCloseTo(m.timings.trainSeconds / m.timings.epochs, 6);
      expect(m.metrics.quality.samples).toBe(500);
      expect(m.metrics.quality.judgeAccuracy).toBe(results.judge.testAccuracy);
      expect(m.metrics.quality.classHistogram).toHaveLength(10);
      expect(m.metrics.quality.classHistogram.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    }
    const [vae, gan] = results.models;
    const v = vae.metrics.vae!;
    expect(v.iwae).toBeLessThanOrEqual(v.nelbo);
    expect(v.nelbo).toBeCloseTo(v.recon + v.kl, 3);
    expect(v.latentDim).toBe(20);
    expect(gan.metrics.vae).toBeUndefined();
    expect(gan.metrics.stability).toHaveProperty('dReal');
    expect(results.uses).toEqual({ images: 24, noiseStd: 0.3, search: { steps: 100, starts: 2 } });
    // JPEG and WebP at six qualities each, their files growing with the quality.
    expect(results.codecs!.map((p) => `${p.scheme}${p.setting}`)).toEqual(
      ['jpeg', 'webp'].flatMap((s) => [5, 10, 25, 50, 75, 90].map((q) => `${s}${q}`)),
    );
    for (const m of results.models) {
      const d = m.config.model.latentDim as number;
      expect(m.metrics.reconstruction).toMatchObject({ method: m.family === 'vae' ? 'encoder' : 'search', images: 24 });
      expect(m.metrics.reconstruction!.psnr).toBeGreaterThan(10);
      const c = m.metrics.compression!;
      expect(c).toMatchObject({ bytesPerImage: 2 * d, rawBytesPerImage: 784, images: 24 });
      expect(c.ratio).toBeCloseTo(784 / (2 * d), 10);
      expect(c.curve!.map((p) => p.bytesPerImage)).toEqual([4, 2, 1, 0.75, 0.5].map((b) => Math.ceil(b * d)));
      // float32 codes reconstruct as the reconstruction does.
      expect(c.curve![0].psnr).toBeCloseTo(m.metrics.reconstruction!.psnr, 3);
      const x = m.metrics.restoration!;
      expect(x).toMatchObject({ images: 24, noiseStd: 0.3 });
      expect(x.holeShare).toBeGreaterThan(0.05);
      expect(x.holeShare).toBeLessThan(0.6);
      // Whatever even a 24-step model draws into a hole beats the hole's zeros
      // (restore.test.ts holds trained models to the real bars).
      expect(x.restoredHolesPsnr, m.name).toBeGreaterThan(x.holesPsnr + 1);
      expect(x.restoredHoledPsnr, m.name).toBeGreaterThan(x.holedPsnr);
      expect(Number.isFinite(x.restoredNoisyPsnr) && x.restoredNoisyPsnr > 8, m.name).toBe(true);
      expect(x.encoderHolesPsnr === undefined, m.name).toBe(m.family === 'gan');
    }
  });

  it('reports progress per model in order: train, then evaluate, then done', () => {
    const stages = events.map((p) => `${p.model}:${p.stage}`).filter((s, i, all) => i === 0 || s !== all[i - 1]);
    // The run's own phases (model '') around the models': the judge first, the codecs and the report last.
    expect(stages).toEqual([
      ':judge',
      'vae:train',
      'vae:evaluate',
      'vae:done',
      'gan:train',
      'gan:evaluate',
      'gan:done',
      ':codecs',
      ':report',
    ]);
    const measures = events.filter((p) => p.model === 'vae' && p.stage === 'evaluate').map((p) => p.detail);
    expect(measures).toEqual([
      'saving',
      'samples',
      'sample quality',
      'interpolation and traversal',
      'latent space',
      'uses: reconstruction, compression, restoration',
    ]);
    for (const p of events.filter((e) => e.stage === 'train' && e.fraction > 0))
      expect(p.etaSeconds).toBeGreaterThanOrEqual(0);
    for (const name of ['vae', 'gan']) {
      const train = events.filter((p) => p.model === name && p.stage === 'train');
      expect(train[0].fraction).toBe(0);
      expect(train.at(-1)!.fraction).toBe(1);
      for (let i = 1; i < train.length; i++) expect(train[i].fraction).toBeGreaterThanOrEqual(train[i - 1].fraction);
      const done = events.find((p) => p.model === name && p.stage === 'done')!;
      expect(done.fid).toBe(results.models.find((m) => m.name === name)!.metrics.quality.fid);
    }
  });
});

describe('compare() with the same seconds', () => {
  it('trains the vae until 3 s are spent; the curve ends at the training seconds', async () => {
    const results = await compare(small(join(work, 'seconds'), { models: ['vae'], seconds: 3 }));
    expect(results.budget).toEqual({ kind: 'seconds', value: 3 });
    const [m] = results.models;
    // Training stops at the first measurement past the budget (not a timing
    // bound: a loaded machine may overshoot within the last chunk).
    expect(m.timings.trainSeconds).toBeGreaterThanOrEqual(3);
    expect(m.curve.at(-2)!.seconds).toBeLessThan(3);
    expect(m.curve.at(-1)!.seconds).toBeCloseTo(m.timings.trainSeconds, 6);
    expect(m.curve.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < m.curve.length; i++) expect(m.curve[i].seconds).toBeGreaterThan(m.curve[i - 1].seconds);
    expect(m.timings.epochs).toBeCloseTo(m.timings.steps / Math.ceil(3000 / 128), 10);
  });
});

describe('compare() under several seeds', () => {
  it('runs the vae once per seed, keeps each checkpoint, and gives the spread of its figures over the seeds', async () => {
    const out = join(work, 'seeds');
    const events: CompareProgress[] = [];
    const results = await compare(
      small(out, { models: ['vae'], epochs: 1, seeds: [3, 4], onProgress: (p) => events.push({ ...p }) }),
    );
    const validate = new Ajv({ allErrors: true }).compile(RESULTS_SCHEMA);
    expect(validate(readJson(join(out, 'results.json'))), JSON.stringify(validate.errors)).toBe(true);
    expect(results.seed).toBe(3);
    expect(results.seeds).toEqual([3, 4]);
    const [m] = results.models;
    expect(m.seed).toBe(3);
    expect(m.seedRuns!.map((run) => [run.seed, run.checkpoint])).toEqual([
      [3, 'vae/model.safetensors'],
      [4, 'vae/seed-4/model.safetensors'],
    ]);
    expect(m.seedRuns![0].metrics).toEqual(m.metrics);
    // Each seed's run is its own model: other weights, other figures.
    using a = await load(join(out, m.seedRuns![0].checkpoint), { device: 'cpu' });
    using b = await load(join(out, m.seedRuns![1].checkpoint), { device: 'cpu' });
    expect(a.seed).toBe(3);
    expect(b.seed).toBe(4);
    const fids = m.seedRuns!.map((run) => run.metrics.quality.fid);
    expect(fids[0]).not.toBe(fids[1]);
    expect(m.spread!.fid).toMatchObject({
      values: fids,
      mean: expect.closeTo((fids[0] + fids[1]) / 2, 9),
      std: expect.closeTo(Math.abs(fids[0] - fids[1]) / Math.SQRT2, 9),
      min: Math.min(...fids),
      max: Math.max(...fids),
    });
    expect(Object.keys(m.spread!).sort()).toEqual(
      [
        'classesCovered',
        'fid',
        'kid',
        'nelbo',
        'precision',
        'recall',
        'reconstructionPsnr',
        'restoredHolesPsnr',
        'restoredNoisyPsnr',
        'trainImagesPerSecond',
      ].sort(),
    );
    expect([...new Set(events.filter((p) => p.model).map((p) => `${p.model}:${p.seed}`))]).toEqual(['vae:3', 'vae:4']);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('seed-4/model.safetensors');
  });
});

describe('compare() rejects bad options', () => {
  /** compare() on an out folder that must not be created. */
  const reject = async (options: Partial<CompareOptions>, code: string, ...inMessage: string[]) => {
    const out = join(work, `never-${Math.random().toString(36).slice(2)}`);
    const err = await caughtAsync(() => compare({ ...small(out), ...options } as CompareOptions));
    expect(err.code, err.message).toBe(code);
    for (const s of inMessage) expect(err.message).toContain(s);
    return { err, out };
  };

  it('an unknown model name: E_CONFIG naming it and listing the known ones', async () => {
    const { out } = await reject({ models: ['vae', 'vea'] }, 'E_CONFIG', '"vea"', ...Object.keys(MODEL_PRESETS));
    expect(existsSync(out)).toBe(false);
  });

  it('both seconds and epochs, or epochs -1: E_CONFIG', async () => {
    await reject({ seconds: 3, epochs: 1 }, 'E_CONFIG', 'seconds', 'epochs');
    await reject({ epochs: -1 }, 'E_CONFIG', 'epochs', '-1');
    await reject({ seconds: 0 }, 'E_CONFIG', 'seconds', '0');
  });

  it('an unknown option: E_CONFIG with a did-you-mean', async () => {
    await reject({ evalPoint: 3 } as Partial<CompareOptions>, 'E_CONFIG', '"evalPoint"', 'did you mean "evalPoints"');
  });

  it('seed with seeds, no seeds, a seed twice or a bad seed: E_CONFIG', async () => {
    await reject({ seed: 1, seeds: [1, 2] }, 'E_CONFIG', 'seed', 'seeds');
    await reject({ seeds: [] }, 'E_CONFIG', 'seeds');
    await reject({ seeds: [2, 2] }, 'E_CONFIG', 'seeds', '2,2');
    await reject({ seeds: [1, -5] }, 'E_CONFIG', 'seed', '-5');
  });

  it('a model twice: E_CONFIG', async () => {
    await reject({ models: ['vae', 'vae'] }, 'E_CONFIG', 'models', 'vae,vae');
  });

  it('unlabelled data: E_DATA', async () => {
    const unlabelled = { train: { ...data.train, labels: undefined }, test: data.test };
    await reject({ data: unlabelled, models: ['vae'], epochs: 1 }, 'E_DATA', 'labelled');
  });
});

/** Writes an IDX file of uint8 values (images [N, H, W] or labels [N]). */
function writeIdx(path: string, shape: number[], values: ArrayLike<number>): void {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header.writeUInt8(0x08, 2);
  header.writeUInt8(shape.length, 3);
  shape.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  writeFileSync(path, Buffer.concat([header, Uint8Array.from(values)]));
}

describe('gentorch compare and gentorch eval', () => {
  it('--budget with --epochs: exit 1, one E_CONFIG line, nothing written', async () => {
    const out = join(work, 'cli-both');
    const r = await gentorch([
      'compare',
      '--out',
      out,
      '--budget',
      '5',
      '--epochs',
      '1',
      '--device',
      'cpu',
      '--no-progress',
    ]);
    expectFailure(r, 'E_CONFIG');
    expect(r.stderr).toContain('--budget');
    expect(r.stderr).toContain('--epochs');
    expect(r.stdout).toBe('');
    expect(existsSync(out)).toBe(false);
  });

  it('--seeds that are not integers, or --seeds with --seed: exit 1, E_CONFIG naming them, nothing written', async () => {
    const out = join(work, 'cli-seeds');
    const bad = await gentorch(['compare', '--out', out, '--seeds', '1,x', '--epochs', '1', '--no-progress']);
    expectFailure(bad, 'E_CONFIG');
    expect(bad.stderr).toContain('--seeds');
    expect(bad.stderr).toContain('"1,x"');
    const both = await gentorch(['compare', '--out', out, '--seeds', '1,2', '--seed', '3', '--epochs', '1']);
    expectFailure(both, 'E_CONFIG');
    expect(both.stderr).toContain('seeds');
    expect(existsSync(out)).toBe(false);
  });

  it('an existing results.json without --force: E_IO naming it, the folder untouched', async () => {
    const out = join(work, 'cli-existing');
    mkdirSync(out);
    const file = join(out, 'results.json');
    writeFileSync(file, '{"earlier": true}\n');
    const mtime = statSync(file).mtimeMs;
    const r = await gentorch(['compare', '--out', out, '--epochs', '1', '--device', 'cpu', '--no-progress']);
    expectFailure(r, 'E_IO');
    expect(r.stderr).toContain(file);
    expect(r.stderr).toContain('--force');
    expect(readFileSync(file, 'utf8')).toBe('{"earlier": true}\n');
    expect(statSync(file).mtimeMs).toBe(mtime);
    expect(readdirSync(out)).toEqual(['results.json']);
  });

  it("eval --json of the compared VAE on its data (an IDX folder) agrees with compare's measures and reuses the cached judge", async () => {
    const { out, results } = await vaeAndGanForOneEpoch();
    const idx = join(work, 'idx');
    mkdirSync(idx);
    for (const [prefix, ds] of [
      ['train', data.train],
      ['t10k', data.test],
    ] as const) {
      const [n, , h, w] = ds.images.shape;
      writeIdx(join(idx, `${prefix}-images-idx3-ubyte`), [n, h, w], ds.images.data);
      writeIdx(join(idx, `${prefix}-labels-idx1-ubyte`), [n], ds.labels!);
    }
    const judges = readdirSync(cache);
    expect(judges).toHaveLength(1);
    const checkpoint = join(out, results.models[0].checkpoint);
    const r = await gentorch(
      ['eval', checkpoint, '--data', idx, '--json', '--samples', '500', '--uses-images', '24', '--device', 'cpu'],
      { env: { GENTORCH_CACHE_DIR: cache } },
    );
    expectOk(r);
    const e = JSON.parse(r.stdout);
    expect(e.checkpoint).toBe(checkpoint);
    // Without a terminal, each phase says itself on stderr; stdout stays the JSON.
    expect(r.stderr).toMatch(/gentorch: judge: the judge classifier/);
    expect(r.stderr).toMatch(/gentorch: eval: measuring: sample quality\n[^]*gentorch: eval: measuring: uses/);
    expect(readdirSync(cache)).toEqual(judges);
    const m = results.models[0].metrics;
    expect(e.quality.samples).toBe(500);
    expect(Number.isFinite(e.quality.fid) && e.quality.fid > 0).toBe(true);
    expect(e.quality.judgeAccuracy).toBe(results.judge.testAccuracy);
    expect(e.quality.classHistogram).toHaveLength(10);
    expect(e.sampleImagesPerSecond).toBeGreaterThan(0);
    expect(e.vae.iwae).toBeLessThanOrEqual(e.vae.nelbo);
    // Deterministic measures of the same weights on the same test images.
    expect(e.vae.mse).toBeCloseTo(m.vae!.mse, 6);
    expect(e.vae.activeUnits).toBe(m.vae!.activeUnits);
    expect(e.reconstruction.psnr).toBeCloseTo(m.reconstruction!.psnr, 3);
    expect(e.compression.bytesPerImage).toBe(m.compression!.bytesPerImage);
    expect(e.compression.psnr).toBeCloseTo(m.compression!.psnr, 3);
    // The same damage of the same images; the search agrees to within float noise.
    expect(e.restoration.holesPsnr).toBe(m.restoration!.holesPsnr);
    expect(e.restoration.noisyPsnr).toBe(m.restoration!.noisyPsnr);
    expect(e.restoration.restoredHolesPsnr).toBeCloseTo(m.restoration!.restoredHolesPsnr, 1);
    expect(e.restoration.encoderNoisyPsnr).toBeCloseTo(m.restoration!.encoderNoisyPsnr!, 3);
  });
});
