// The latent explorer (gentorch explore): one self-contained page, opened
// from a file in Debian's headless Chromium with playwright-core. Nothing is
// fetched from the network; the page decodes with onnxruntime-web's wasm,
// and what it draws is gentorch's own decode of the same code (to the
// canvas's 8 bits). Real models trained briefly on real Fashion-MNIST.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { GAN, VAE, type HostTensor } from '../../lib/index.js';
import { take } from '../../lib/data/datasets.js';
import { fashionTest, smallTrain, tempDir } from '../helpers/helpers.js';
import { expectFailure, expectOk, gentorch } from '../helpers/run-cli.js';

const CHROMIUM = '/usr/bin/chromium';
// page.evaluate takes functions (serialized, so they name globalThis, not a
// helper): the page's CSP forbids evaluating strings.

let work: string;
let browser: Browser;
let vae: VAE;
let gan: GAN;
const vaeCkpt = () => join(work, 'vae.safetensors');
const ganCkpt = () => join(work, 'gan.safetensors');

beforeAll(async () => {
  work = tempDir('gentorch-explore-');
  const train = await smallTrain(4096);
  vae = new VAE({ latentDim: 6, hiddenDim: 128, seed: 1, device: 'cpu' });
  await vae.fit(train, { steps: 200, batchSize: 64 });
  await vae.save(vaeCkpt());
  gan = new GAN({ arch: 'mlp', numClasses: 10, latentDim: 8, gHidden: 64, dHidden: 64, seed: 1, device: 'cpu' });
  await gan.fit(train, { steps: 60, batchSize: 64 });
  await gan.save(ganCkpt());
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox'] });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  vae?.dispose();
  gan?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Opens a page from its file; collects every request that is not the file itself, blob: or data:. */
async function open(file: string): Promise<{ page: Page; remote: string[]; errors: string[] }> {
  const page = await browser.newPage();
  const remote: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith('blob:') && !url.startsWith('data:') && url !== `file://${file}`) remote.push(url);
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`file://${file}`);
  await page.waitForFunction(() => (globalThis as any).document.body.dataset.ready, null, { timeout: 60_000 });
  expect(
    await page.evaluate(() => (globalThis as any).document.body.dataset.ready),
    (await page.textContent('#status')) ?? '',
  ).toBe('1');
  await idle(page);
  return { page, remote, errors };
}

const idle = (page: Page) => page.evaluate(() => (globalThis as any).explorer.idle());

/** A canvas's pixels, grey (the red channel of RGBA). */
async function pixels(page: Page, id: string): Promise<number[]> {
  return page.evaluate((id) => {
    const c = (globalThis as any).document.getElementById(id);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    return Array.from({ length: d.length / 4 }, (_, i) => d[4 * i] as number);
  }, id);
}

/** The sliders' dimensions or values, in page order. */
const sliderValues = (page: Page, attr: 'dim' | 'value'): Promise<number[]> =>
  page.evaluate(
    (attr) =>
      Array.from((globalThis as any).document.querySelectorAll('#sliders input'), (e: any) =>
        Number(attr === 'dim' ? e.dataset.dim : e.value),
      ),
    attr,
  );

/** The largest difference between a canvas and images in [0, 1] as 8-bit grey. */
function worst(canvas: number[], image: HostTensor<'float32'>): number {
  expect(canvas.length).toBe(image.data.length);
  let m = 0;
  for (let i = 0; i < canvas.length; i++) m = Math.max(m, Math.abs(canvas[i] - Math.round(image.data[i] * 255)));
  return m;
}

const asCode = (z: number[]) => ({ data: Float32Array.from(z), shape: [1, z.length] });
const codeOf = async (page: Page, id: string): Promise<number[]> =>
  JSON.parse((await page.getAttribute(`#${id}`, 'data-code')) ?? '[]');

describe('gentorch explore', () => {
  it('a VAE: sliders, the map and the morph draw what gentorch decodes, with nothing from the network', async () => {
    const file = join(work, 'vae.html');
    const r = await gentorch(['explore', vaeCkpt(), '--out', file, '--n', '300', '--device', 'cpu']);
    expectOk(r);
    expect(r.stdout).toContain(`wrote ${file}`);
    expect(r.stdout).toContain('300 fashion-mnist:test images encoded');
    expect(statSync(file).size).toBeGreaterThan(1e6); // the wasm is inside
    const { page, remote, errors } = await open(file);
    try {
      // Sliders: one per dimension, ordered by the variance of the codes over the images.
      const dims = await sliderValues(page, 'dim');
      expect([...dims].sort()).toEqual([0, 1, 2, 3, 4, 5]);
      const test = take(await fashionTest(), 300);
      const { mu } = await vae.encode(test);
      const variance = (j: number) => {
        let s = 0;
        let s2 = 0;
        for (let i = 0; i < 300; i++) [s, s2] = [s + mu.data[i * 6 + j], s2 + mu.data[i * 6 + j] ** 2];
        return s2 / 300 - (s / 300) ** 2;
      };
      for (let k = 1; k < 6; k++) expect(variance(dims[k - 1])).toBeGreaterThanOrEqual(variance(dims[k]) - 1e-3);

      // It starts at the first image's code, drawn as gentorch decodes it.
      const start = await codeOf(page, 'decoded');
      for (let j = 0; j < 6; j++) expect(start[j]).toBeCloseTo(mu.data[j], 4);
      const before = await pixels(page, 'decoded');
      expect(worst(before, await vae.decode(asCode(start)))).toBeLessThanOrEqual(1);

      // Moving the most used dimension's slider changes the image, to gentorch's decode of the new code.
      await page.locator(`#sliders input[data-dim="${dims[0]}"]`).fill('3.5');
      await idle(page);
      const moved = await codeOf(page, 'decoded');
      expect(moved[dims[0]]).toBeCloseTo(3.5, 5);
      const after = await pixels(page, 'decoded');
      const changed = after.reduce((s, v, i) => s + Math.abs(v - before[i]), 0) / after.length;
      expect(changed).toBeGreaterThan(5); // mean grey-level change per pixel
      expect(worst(after, await vae.decode(asCode(moved)))).toBeLessThanOrEqual(1);

      // Clicking a point of the map decodes that image's code.
      const [px, py] = (await page.evaluate(() => (globalThis as any).explorer.mapPoint(7))) as [number, number];
      await page.locator('#map').click({ position: { x: px, y: py } });
      await idle(page);
      const picked = Number(await page.getAttribute('#map', 'data-picked'));
      const clicked = await codeOf(page, 'decoded');
      for (let j = 0; j < 6; j++) expect(clicked[j]).toBeCloseTo(mu.data[picked * 6 + j], 4);
      expect(worst(await pixels(page, 'decoded'), await vae.decode(asCode(clicked)))).toBeLessThanOrEqual(1);
      // The sliders show the clicked code.
      const shown = await sliderValues(page, 'value');
      dims.forEach((d, k) => expect(shown[k]).toBeCloseTo(Math.max(-4, Math.min(4, clicked[d])), 1));

      // Morph: images 3 and 10 at t = 0.25.
      await page.locator('#morph-a').fill('3');
      await page.locator('#morph-b').fill('10');
      await page.locator('#morph-t').fill('0.25');
      await idle(page);
      const mid = Array.from({ length: 6 }, (_, j) => 0.75 * mu.data[3 * 6 + j] + 0.25 * mu.data[10 * 6 + j]);
      const morphed = await codeOf(page, 'morph');
      mid.forEach((v, j) => expect(morphed[j]).toBeCloseTo(v, 4));
      expect(worst(await pixels(page, 'morph'), await vae.decode(asCode(morphed)))).toBeLessThanOrEqual(1);

      expect(errors).toEqual([]);
      expect(remote).toEqual([]);
    } finally {
      await page.close();
    }
  }, 180_000);

  it('a conditional GAN: sliders and the class drive the generator as generate() does', async () => {
    const file = join(work, 'gan.html');
    expectOk(await gentorch(['explore', ganCkpt(), '--out', file, '--device', 'cpu']));
    const { page, remote, errors } = await open(file);
    try {
      expect(await page.locator('#map').count()).toBe(0); // no encoder, no map
      await page.selectOption('#label', '7');
      await page.locator('#sliders input[data-dim="2"]').fill('-2');
      await idle(page);
      const z = await codeOf(page, 'decoded');
      expect(z[2]).toBeCloseTo(-2, 5);
      expect(await page.getAttribute('#decoded', 'data-label')).toBe('7');
      const want = await gan.generate(asCode(z), { labels: Int32Array.of(7) });
      const got = await pixels(page, 'decoded');
      expect(worst(got, want)).toBeLessThanOrEqual(1);
      const other = await gan.generate(asCode(z), { labels: Int32Array.of(1) });
      expect(worst(got, other)).toBeGreaterThan(1); // the class is an input that matters
      expect(errors).toEqual([]);
      expect(remote).toEqual([]);
    } finally {
      await page.close();
    }
  }, 120_000);

  it('refuses a wrong --out, an existing file without --force, and --data for a GAN', async () => {
    expectFailure(await gentorch(['explore', vaeCkpt(), '--out', join(work, 'x.png')]), 'E_CONFIG');
    const kept = join(work, 'kept.html');
    writeFileSync(kept, 'mine');
    const r = await gentorch(['explore', ganCkpt(), '--out', kept]);
    expectFailure(r, 'E_IO');
    expect(readFileSync(kept, 'utf8')).toBe('mine');
    const g = await gentorch(['explore', ganCkpt(), '--out', join(work, 'g.html'), '--data', 'fashion-mnist']);
    expectFailure(g, 'E_CONFIG');
    expect(g.stderr).toContain('no encoder');
    expect(existsSync(join(work, 'g.html'))).toBe(false);
  });
});
