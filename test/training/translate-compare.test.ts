// compareTranslation(): the Translator's three families trained on the same
// paired task and budget, measured with the baselines on the same held-out
// inputs, and the report drawn from it in a real browser. Small data (3000
// Fashion-MNIST training images, 600 held out) so the judge trains in seconds.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import {
  Translator,
  compareTranslation,
  distortion,
  diversity,
  load,
  type HostTensor,
  type ImageDataset,
  type TranslationResults,
} from '../../lib/index.js';
import { inpaintHoles } from '../../lib/compare/translate.js';
import { holdOut } from '../../lib/data/datasets.js';
import { caughtAsync } from '../helpers/caught.js';
import { smallTrain, tempDir } from '../helpers/helpers.js';

const CHROMIUM = '/usr/bin/chromium';
/** Width of a grid of 28x28 images with 2 px padding. */
const grid = (n: number): number => n * 28 + (n + 1) * 2;

let work: string;
let data: { train: ImageDataset; test: ImageDataset };
let superres: TranslationResults;
const out = () => join(work, 'superres');

beforeAll(async () => {
  work = tempDir('gentorch-translate-compare-');
  data = holdOut(await smallTrain(3600), 1 / 6);
  superres = await compareTranslation({
    data,
    out: out(),
    task: 'superres',
    epochs: 0.5,
    batchSize: 32,
    testImages: 200,
    device: 'cpu',
    cacheDir: join(work, 'judge-cache'),
  });
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const images = (values: number[][]): HostTensor<'float32'> => ({
  dtype: 'float32',
  shape: [values.length, 1, 12, 12],
  data: Float32Array.from(values.flatMap((v) => Array.from({ length: 144 }, (_, i) => v[i % v.length]))),
});

describe('the measures', () => {
  it('diversity is 0 for identical outputs and the mean absolute difference otherwise', () => {
    expect(diversity(images([[0.2], [0.2], [0.7], [0.7]]), 2)).toBe(0);
    expect(diversity(images([[0], [1], [0.25], [0.75]]), 2)).toBeCloseTo(0.75, 6);
  });

  it('diversity over the holes counts only the pixels an inpainting input lacks', () => {
    // Two inputs of 12x12 (image, mask): the first has its top row missing, the second nothing.
    const data = new Float32Array(2 * 2 * 144).fill(1);
    for (let p = 0; p < 12; p++) data[144 + p] = 0;
    const free = inpaintHoles({ dtype: 'float32', shape: [2, 2, 12, 12], data });
    expect(Array.from(free.subarray(0, 13))).toEqual([...Array(12).fill(1), 0]);
    expect(free.subarray(144).every((v) => v === 0)).toBe(true);
    // Outputs that differ by 0.5 in the top row and agree elsewhere: 0.5 in the holes, 1/24 over the image.
    const outputs = images([[0], [0], [0], [0]]);
    for (let p = 0; p < 12; p++) outputs.data[144 + p] = 0.5;
    expect(diversity(outputs, 2, free)).toBeCloseTo(0.5, 6);
    expect(diversity(outputs, 2)).toBeCloseTo(0.5 / 24, 6);
  });

  it('distortion: an exact match has infinite PSNR and SSIM 1; shapes must agree', () => {
    const a = images([[0.1, 0.9, 0.5]]);
    expect(distortion(a, a)).toEqual({ psnr: Infinity, ssim: 1 });
    expect(distortion(images([[0.5]]), images([[0.6]])).psnr).toBeCloseTo(20, 4);
    expect(() => distortion(images([[0.5], [0.5]]), a)).toThrow(/shape/);
  });
});

describe('compareTranslation on superres', () => {
  it('measures bicubic and every family on the same held-out inputs', () => {
    expect(superres.points.map((p) => p.name)).toEqual(['bicubic', 'regressor', 'gan', 'vae']);
    expect(superres.testImages).toBe(200);
    expect(superres.task).toMatchObject({ task: 'superres', factor: 2 });
    for (const p of superres.points) {
      for (const k of ['psnr', 'ssim', 'fid', 'precision', 'recall', 'secondsPerImage'] as const)
        expect(Number.isFinite(p[k]), `${p.name} ${k}`).toBe(true);
      expect(p.ssim).toBeLessThanOrEqual(1);
    }
    const byName = Object.fromEntries(superres.points.map((p) => [p.name, p]));
    // Only the VAE samples; its outputs for one input differ.
    expect(byName.vae.diversity).toBeGreaterThan(0);
    for (const n of ['bicubic', 'regressor', 'gan']) expect(byName[n].diversity).toBeUndefined();
    for (const n of ['regressor', 'gan', 'vae']) {
      expect(byName[n].kind).toBe('family');
      expect(byName[n].steps).toBe(Math.round(0.5 * Math.ceil(3000 / 32)));
      expect(byName[n].losses!.length).toBeGreaterThan(2);
    }
    expect(byName.bicubic.kind).toBe('baseline');
  });

  it('the learned families improve on where they started: L1 falls during training', () => {
    for (const p of superres.points.filter((q) => q.kind === 'family')) {
      const l1 = p.losses!.map((l) => l.losses.l1);
      expect(l1.at(-1)!, p.name).toBeLessThan(0.7 * l1[0]);
    }
  });

  it('writes a checkpoint per family that loads as a Translator, the examples grid and translation.json', async () => {
    for (const family of ['regressor', 'gan', 'vae']) {
      using t = await load(join(out(), family, 'model.safetensors'), { device: 'cpu' });
      expect(t).toBeInstanceOf(Translator);
      expect((t as Translator).config.family).toBe(family);
    }
    expect(JSON.parse(readFileSync(join(out(), 'translation.json'), 'utf8'))).toEqual(
      JSON.parse(JSON.stringify(superres)),
    );
    // Rows: input, target, bicubic, regressor, gan, vae and two more VAE samples.
    expect(superres.examples.rows).toHaveLength(8);
    const png = readFileSync(join(out(), 'examples.png'));
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([grid(10), grid(8)]);
  });

  it.skipIf(!existsSync(CHROMIUM))(
    'report.html renders in headless Chromium: the plane, the table and the examples',
    async () => {
      const html = readFileSync(join(out(), 'report.html'), 'utf8');
      expect(html).toContain('The perception-distortion plane');
      expect(html).toContain('Image to image: super-resolution ×2');
      const { chromium } = await import('playwright-core');
      const url = pathToFileURL(join(out(), 'report.html')).href;
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox'] });
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
        const errors: string[] = [];
        const requests: string[] = [];
        page.on('pageerror', (err) => errors.push(err.message));
        page.on('console', (msg) => {
          if (msg.type() === 'error') errors.push(msg.text());
        });
        page.on('request', (req) => requests.push(req.url()));
        await page.goto(url, { waitUntil: 'load' });
        const widths = (await page.evaluate('Array.from(document.images, (img) => img.naturalWidth)')) as number[];
        const charts = (await page.evaluate('document.querySelectorAll("svg").length')) as number;
        const heads = (await page.evaluate(
          'Array.from(document.querySelectorAll("#measures thead th"), (th) => th.textContent)',
        )) as string[];
        expect(errors).toEqual([]);
        expect(requests.filter((u) => !u.startsWith('data:') && u !== url)).toEqual([]);
        expect(widths).toEqual([grid(10)]);
        expect(charts).toBeGreaterThanOrEqual(3); // two planes and the training curves
        expect(heads.slice(1)).toEqual(['bicubic baseline', 'regressor', 'gan', 'vae']);
      } finally {
        await browser.close();
      }
    },
  );
});

describe('compareTranslation on inpaint, and bad options', () => {
  it('inpaint has no bicubic but measures the damaged input as a baseline', async () => {
    const r = await compareTranslation({
      data,
      out: join(work, 'inpaint'),
      task: 'inpaint',
      families: ['regressor'],
      epochs: 0.2,
      testImages: 100,
      device: 'cpu',
      cacheDir: join(work, 'judge-cache'),
    });
    expect(r.points.map((p) => p.name)).toEqual(['damaged input', 'regressor']);
    const [damaged, regressor] = r.points;
    expect(regressor.psnr).toBeGreaterThan(damaged.psnr);
  }, 120_000);

  it('a factor that does not divide the size, an unknown family or the pairs task: typed errors, nothing written', async () => {
    const bad = join(work, 'bad');
    const factor = await caughtAsync(() =>
      compareTranslation({
        data,
        out: bad,
        task: 'superres',
        factor: 3,
        device: 'cpu',
        cacheDir: join(work, 'judge-cache'),
      }),
    );
    expect(factor).toMatchObject({ code: 'E_SHAPE' });
    expect(factor.message).toContain('factor 3');
    const family = await caughtAsync(() =>
      compareTranslation({ data, out: bad, families: ['regressor', 'unet' as never], device: 'cpu' }),
    );
    expect(family).toMatchObject({ code: 'E_CONFIG' });
    expect(family.message).toContain('unet');
    const pairs = await caughtAsync(() => compareTranslation({ data, out: bad, task: 'pairs', device: 'cpu' }));
    expect(pairs).toMatchObject({ code: 'E_CONFIG' });
    expect(pairs.message).toContain('pairs');
    expect(existsSync(bad)).toBe(false);
  });
});
