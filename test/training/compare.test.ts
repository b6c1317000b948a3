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
      expect(Object.keys(m.images).sort()).toEqual(
        m.family === 'vae'
          ? ['interpolation', 'reconstruction', 'restoration', 'samples', 'traversal']
          : ['interpolation', 'samples', 'traversal'],
      );
      for (const rel of Object.values(m.images)) {
        const bytes = readFileSync(join(out, rel as string));
        expect([...bytes.subarray(0, 8)], rel).toEqual(PNG_SIGNATURE);
        expect((await sharp(bytes).metadata()).format).toBe('png');
      }
      const meta = async (rel: string) => sharp(readFileSync(join(out, rel))).metadata();
      expect(await meta(m.images.samples)).toMatchObject({ width: grid(8), height: grid(8) });
      expect(await meta(m.images.interpolation)).toMatchObject({ width: grid(10), height: grid(4) });
      expect(await meta(m.images.traversal!)).toMatchObject({ width: grid(10), height: grid(8) });
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

  it("times about 1 epoch per model; the VAE's IWAE bound is at most its NELBO; compression stores 2 bytes per latent", () => {
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
    const c = vae.metrics.compression!;
    expect(c.bytesPerImage).toBe(2 * v.latentDim);
    expect(c.rawBytesPerImage).toBe(784);
    expect(c.ratio).toBeCloseTo(784 / (2 * v.latentDim), 10);
    expect(vae.metrics.restoration).toMatchObject({ noiseStd: 0.3, maskShare: 0.25 });
    expect(gan.metrics.vae).toBeUndefined();
    expect(gan.metrics.compression).toBeUndefined();
    expect(gan.metrics.stability).toHaveProperty('dReal');
  });

  it('reports progress per model in order: train, then evaluate, then done', () => {
    const stages = events.map((p) => `${p.model}:${p.stage}`).filter((s, i, all) => i === 0 || s !== all[i - 1]);
    expect(stages).toEqual(['vae:train', 'vae:evaluate', 'vae:done', 'gan:train', 'gan:evaluate', 'gan:done']);
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
    const r = await gentorch(['eval', checkpoint, '--data', idx, '--json', '--samples', '500', '--device', 'cpu'], {
      env: { GENTORCH_CACHE_DIR: cache },
    });
    expectOk(r);
    const e = JSON.parse(r.stdout);
    expect(e.checkpoint).toBe(checkpoint);
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
    expect(e.compression).toEqual({
      ...m.compression,
      mse: expect.closeTo(m.compression!.mse, 6),
      psnr: expect.closeTo(m.compression!.psnr, 3),
    });
    expect(e.restoration.maskedPsnr).toBeCloseTo(m.restoration!.maskedPsnr, 3);
  });
});
