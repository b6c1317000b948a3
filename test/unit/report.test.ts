// The comparison report: summary sentences from the numbers, and a
// self-contained HTML page that renders offline in a real browser.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { lineChart, renderReport, summarize } from '../../lib/report/report.js';
import type { CompareResults, CurvePoint, LossPoint, ModelResult } from '../../lib/report/results.js';
import { tempDir } from '../helpers/helpers.js';

const CHROMIUM = '/usr/bin/chromium';

/** A cheap-FID curve falling from `start` to `end`, 11 points over `seconds` and `epochs`. */
function curve(seconds: number, epochs: number, start: number, end: number): CurvePoint[] {
  return Array.from({ length: 11 }, (_, i) => ({
    seconds: (seconds * i) / 10,
    epochs: (epochs * i) / 10,
    step: i * 100,
    fid: end + (start - end) * Math.exp(-i / 2),
  }));
}

function losses(keys: Record<string, [number, number]>, n = 60): LossPoint[] {
  return Array.from({ length: n }, (_, i) => ({
    step: i * 20,
    seconds: i * 2.5,
    losses: Object.fromEntries(
      Object.entries(keys).map(([k, [a, b]]) => [k, b + (a - b) * Math.exp(-i / 10) + 0.05 * Math.sin(i)]),
    ),
  }));
}

function vaeModel(): ModelResult {
  return {
    name: 'vae',
    family: 'vae',
    config: { model: { latentDim: 16 }, fit: { batchSize: 128 } },
    checkpoint: 'vae.safetensors',
    metrics: {
      quality: {
        fid: 41.3,
        judgeAccuracy: 0.91,
        precision: 0.52,
        recall: 0.71,
        classHistogram: Array(10).fill(0.1),
        classesCovered: 10,
        classKl: 0.021,
        samples: 5000,
      },
      vae: {
        nelbo: 241.5,
        recon: 225.1,
        kl: 16.4,
        iwae: 236.2,
        iwaeSamples: 64,
        mse: 0.0121,
        psnr: 19.2,
        activeUnits: 13,
        latentDim: 16,
      },
      compression: { bytesPerImage: 32, rawBytesPerImage: 784, ratio: 24.5, mse: 0.0121, psnr: 19.2 },
      restoration: {
        noiseStd: 0.3,
        noisyPsnr: 11.4,
        restoredNoisyPsnr: 17.8,
        maskShare: 0.25,
        maskedPsnr: 12.1,
        restoredMaskedPsnr: 16.3,
      },
      stability: { lossOscillation: 0.018, fidOscillation: 0.04 },
    },
    timings: {
      trainSeconds: 150,
      epochs: 9.6,
      steps: 4500,
      secondsPerEpoch: 15.6,
      trainImagesPerSecond: 3840,
      sampleImagesPerSecond: 52000,
      peakRssBytes: 610 * 2 ** 20,
      trainPeakRssBytes: 610 * 2 ** 20,
      evalPeakRssBytes: 480 * 2 ** 20,
      parameters: 650_000,
    },
    curve: curve(150, 9.6, 260, 41.3),
    losses: losses({ loss: [540, 242] }),
    images: {
      samples: 'vae-samples.png',
      interpolation: 'vae-interp.png',
      traversal: 'vae-trav.png',
      reconstruction: 'vae-recon.png',
      restoration: 'vae-restore.png',
    },
  };
}

function ganModel(): ModelResult {
  return {
    name: 'gan',
    family: 'gan',
    config: { model: { latentDim: 64 }, fit: { batchSize: 64 } },
    checkpoint: 'gan.safetensors',
    metrics: {
      quality: {
        fid: 18.7,
        judgeAccuracy: 0.91,
        precision: 0.81,
        recall: 0.34,
        classHistogram: [0.2, 0.02, 0.15, 0.13, 0.01, 0.16, 0.12, 0.03, 0.1, 0.08],
        classesCovered: 7,
        classKl: 0.41,
        samples: 5000,
      },
      stability: {
        lossOscillation: 0.42,
        dReal: 0.95,
        dFake: 0.06,
        gradNormD: 3.1,
        gradNormG: 0.4,
        fidOscillation: 0.31,
      },
    },
    timings: {
      trainSeconds: 150,
      epochs: 2.4,
      steps: 2250,
      secondsPerEpoch: 62.5,
      trainImagesPerSecond: 960,
      sampleImagesPerSecond: 21000,
      peakRssBytes: 720 * 2 ** 20,
      trainPeakRssBytes: 560 * 2 ** 20,
      evalPeakRssBytes: 720 * 2 ** 20,
      parameters: 1_900_000,
    },
    curve: curve(150, 2.4, 310, 18.7),
    losses: losses({ dLoss: [1.4, 0.6], gLoss: [0.7, 2.6] }),
    images: { samples: 'gan-samples.png', interpolation: 'gan-interp.png' },
  };
}

function fakeResults(models: ModelResult[] = [vaeModel(), ganModel()]): CompareResults {
  return {
    gentorch: '0.1.0',
    torch: '2.9.0',
    createdAt: '2025-01-01T00:00:00.000Z',
    device: 'cpu',
    seed: 7,
    data: { name: 'fashion-mnist', train: 60000, test: 10000, shape: [1, 28, 28] },
    budget: { kind: 'seconds', value: 150 },
    judge: { testAccuracy: 0.91, featureDim: 128 },
    models,
  };
}

/** A small real PNG for each image the results name: noisy grey grids. */
async function writeImages(dir: string, results: CompareResults): Promise<number> {
  let count = 0;
  for (const m of results.models) {
    for (const rel of Object.values(m.images)) {
      if (typeof rel !== 'string') continue;
      const pixels = Uint8Array.from({ length: 62 * 62 }, (_, i) => (i * 37 + count * 11) % 251);
      await sharp(pixels, { raw: { width: 62, height: 62, channels: 1 } })
        .png()
        .toFile(join(dir, rel));
      count++;
    }
  }
  return count;
}

describe('summarize', () => {
  it("says when the two best FIDs lie within each other's 95% interval, and not when they are apart", () => {
    const r = fakeResults();
    const [vae, gan] = r.models;
    vae.metrics.quality.fidInterval = [36.0, 47.5];
    gan.metrics.quality.fidInterval = [16.9, 20.4];
    expect(summarize(r).findings[0]).not.toMatch(/overlap/);
    vae.metrics.quality.fidInterval = [19.9, 47.5];
    expect(summarize(r).findings[0]).toMatch(
      /the 95% intervals of gan and vae overlap \(\[16\.90, 20\.40\] and \[19\.90, 47\.50\]\), so that difference is within the spread\.$/,
    );
  });

  it('names the lower-FID model, the faster one, and flags mode dropping and a winning discriminator', () => {
    const s = summarize(fakeResults());
    expect(s.verdict).toMatch(/^gan draws the most realistic samples \(FID 18\.70 vs 41\.30 for vae\)/);
    expect(s.verdict).toMatch(/vae trains 4\.0× as many images per second/);
    expect(s.findings[0]).toMatch(/^gan has the lowest FID: 18\.70 against 41\.30 for vae, 2\.2× lower/);
    expect(s.findings.join(' ')).toMatch(
      /vae trains 4\.0× as many images per second as gan \(vae 3,840 and gan 960 images\/s\)/,
    );
    const gan = s.models.find((m) => m.name === 'gan');
    const vae = s.models.find((m) => m.name === 'vae');
    expect(gan?.strengths).toContainEqual(expect.stringMatching(/^lowest FID: 18\.70/));
    expect(gan?.weaknesses).toContainEqual(expect.stringMatching(/mode dropping: covers 7 of 10 classes/));
    expect(gan?.weaknesses).toContainEqual(
      expect.stringMatching(/discriminator winning: D\(x\) 0\.95 and D\(G\(z\)\) 0\.06/),
    );
    expect(gan?.weaknesses).toContainEqual(expect.stringMatching(/^no encoder/));
    expect(vae?.strengths).toContainEqual(expect.stringMatching(/covers all 10 classes/));
    expect(vae?.strengths).toContainEqual(expect.stringMatching(/compresses images 24\.5× at 19\.2 dB/));
    expect(s.alerts).toContainEqual(expect.stringMatching(/^gan: mode dropping/));
    expect(s.alerts.some((a) => a.startsWith('vae:'))).toBe(false);
    expect(s.findings.join(' ')).toMatch(/gan: compression and restoration n\/a/);
  });

  it('compares the curves at equal seconds and at equal epochs, and says when the winner flips', () => {
    const a = vaeModel(),
      b = ganModel();
    a.name = 'fast';
    b.name = 'frugal';
    a.curve = [
      { seconds: 0, epochs: 0, step: 0, fid: 100 },
      { seconds: 10, epochs: 4, step: 100, fid: 40 },
    ];
    b.curve = [
      { seconds: 0, epochs: 0, step: 0, fid: 100 },
      { seconds: 20, epochs: 1, step: 100, fid: 50 },
    ];
    const text = summarize(fakeResults([a, b])).findings.join('\n');
    expect(text).toMatch(
      /At equal training time \(10\.0 s[^)]*\), fast has the lower cheap FID: fast 40\.00 and frugal 75\.00/,
    );
    expect(text).toMatch(
      /At equal epochs \(1\.00[^)]*\), frugal has the lower cheap FID: frugal 50\.00 and fast 85\.00/,
    );
    expect(text).toMatch(/winner flips/);
  });

  it('handles one model and non-finite numbers as n/a', () => {
    const m = ganModel();
    m.metrics.quality.fid = NaN;
    m.metrics.quality.precision = Infinity;
    const s = summarize(fakeResults([m]));
    expect(s.verdict).toMatch(/n\/a/);
    expect(s.findings.join(' ')).not.toMatch(/NaN|Infinity/);
    expect(s.alerts).toContainEqual(expect.stringMatching(/^gan: FID is n\/a/));
  });
});

describe('renderReport', () => {
  let dir: string;
  let html: string;
  let imageCount: number;

  beforeAll(async () => {
    dir = tempDir('gentorch-report-');
    const results = fakeResults();
    results.models[1].name = 'gan <script>alert(1)</script>';
    imageCount = await writeImages(dir, results);
    html = await renderReport(results, dir);
  });

  it('is self-contained: no network references, every image inlined', () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/url\(|@import/i);
    const srcs = [...html.matchAll(/<img src="([^"]*)"/g)].map((m) => m[1]);
    expect(imageCount).toBe(7);
    expect(srcs).toHaveLength(imageCount);
    for (const src of srcs) expect(src).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/=]+$/);
    expect(html).toMatch(/<svg viewBox/);
    expect(html).toMatch(/Each model trained for the same 150 s of wall-clock time on cpu/);
    expect(html.replace(/data:image\/png;base64,[A-Za-z0-9+/=]+/g, '')).not.toMatch(/NaN|undefined|Infinity/);
  });

  it('escapes text from the results', () => {
    expect(html).not.toContain('<script>');
    expect(html).toContain('gan &lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it.skipIf(!existsSync(CHROMIUM))('renders in headless Chromium without errors or requests', async () => {
    const { chromium } = await import('playwright-core');
    const file = join(dir, 'report.html');
    await writeFile(file, html);
    const url = pathToFileURL(file).href;
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(msg.text());
      });
      page.on('pageerror', (err) => errors.push(err.message));
      page.on('request', (req) => requests.push(req.url()));
      await page.goto(url, { waitUntil: 'load' });
      const widths = (await page.evaluate('Array.from(document.images, (img) => img.naturalWidth)')) as number[];
      const shot = await page.screenshot({ fullPage: true });
      expect(errors).toEqual([]);
      expect(requests.filter((u) => !u.startsWith('data:') && u !== url)).toEqual([]);
      expect(widths).toHaveLength(imageCount);
      for (const w of widths) expect(w).toBeGreaterThan(0);
      expect(shot.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
      expect(shot.length).toBeGreaterThan(10_000);
      await writeFile(join(dir, 'report.png'), shot);
    } finally {
      await browser.close();
    }
  });
});

describe('renderReport (charts)', () => {
  it('draws a chart with escaped labels and skips non-finite points', () => {
    const svg = lineChart(
      [
        {
          name: '<b>',
          points: [
            [0, 1],
            [1, NaN],
            [2, 3],
          ],
        },
      ],
      { xLabel: 'x & y', yLabel: 'q' },
    );
    expect(svg).toContain('&lt;b&gt;');
    expect(svg).toContain('x &amp; y');
    expect(svg).not.toMatch(/NaN/);
    expect(lineChart([{ name: 'empty', points: [[NaN, 1]] }], { xLabel: 'x', yLabel: 'y' })).toMatch(
      /No finite values/,
    );
  });
});
