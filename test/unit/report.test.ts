// The comparison report: summary sentences from the numbers, and a
// self-contained HTML page that renders offline in a real browser.
import { FASHION_MNIST_CLASSES } from '../../lib/data/datasets.js';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedSpread } from '../../lib/compare/seeds.js';
import { lineChart, renderReport, summarize } from '../../lib/report/report.js';
import type {
  CompareResults,
  CurvePoint,
  LossPoint,
  ModelResult,
  RatePoint,
  SpreadKey,
} from '../../lib/report/results.js';
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

/** A code's rate-distortion curve at 32, 16, 8, 6 and 4 bits for a latent of `dim` coordinates: [psnr, ssim] per precision. */
function codeCurve(scheme: string, dim: number, values: [number, number][]): RatePoint[] {
  return [32, 16, 8, 6, 4].map((bits, i) => ({
    scheme,
    setting: bits,
    bytesPerImage: Math.ceil((dim * bits) / 8),
    psnr: values[i][0],
    ssim: values[i][1],
  }));
}

/** JPEG and WebP at qualities 5 to 90: [bytes, psnr, ssim] per quality. */
function codecCurve(scheme: 'jpeg' | 'webp', values: [number, number, number][]): RatePoint[] {
  return [5, 10, 25, 50, 75, 90].map((quality, i) => ({
    scheme,
    setting: quality,
    bytesPerImage: values[i][0],
    psnr: values[i][1],
    ssim: values[i][2],
  }));
}

/** Files no smaller than 160 B (header included), better than every code from 300 B/image on. */
function codecs(): RatePoint[] {
  return [
    ...codecCurve('jpeg', [
      [290, 15.0, 0.5],
      [310, 17.2, 0.58],
      [360, 20.5, 0.7],
      [430, 23.1, 0.8],
      [520, 26.0, 0.88],
      [700, 30.2, 0.95],
    ]),
    ...codecCurve('webp', [
      [160, 14.1, 0.45],
      [180, 15.3, 0.5],
      [230, 18.9, 0.66],
      [300, 21.8, 0.76],
      [380, 24.5, 0.85],
      [520, 29.0, 0.93],
    ]),
  ];
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
        map: {
          axes: 'pca',
          explained: [0.31, 0.12],
          x: [0.5, -1.2, 2.0, Number.NaN],
          y: [0.1, 0.4, -0.3, 1],
          labels: [0, 1, 9, 2],
        },
      },
      reconstruction: { method: 'encoder', images: 256, mse: 0.0121, psnr: 19.2, ssim: 0.71, secondsPerImage: 0.0002 },
      compression: {
        bytesPerImage: 32,
        rawBytesPerImage: 784,
        ratio: 24.5,
        mse: 0.0121,
        psnr: 19.2,
        images: 256,
        curve: codeCurve('vae', 16, [
          [19.3, 0.72],
          [19.2, 0.71],
          [19.0, 0.7],
          [18.2, 0.66],
          [15.0, 0.52],
        ]),
      },
      restoration: {
        images: 256,
        noiseStd: 0.3,
        noisyPsnr: 11.4,
        restoredNoisyPsnr: 17.8,
        holeShare: 0.18,
        holesPsnr: 6.2,
        restoredHolesPsnr: 12.9,
        holedPsnr: 13.5,
        restoredHoledPsnr: 20.1,
        encoderNoisyPsnr: 15.1,
        encoderHolesPsnr: 10.4,
        secondsPerImage: 0.41,
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
      reconstruction: { method: 'search', images: 256, mse: 0.0245, psnr: 16.1, ssim: 0.55, secondsPerImage: 0.85 },
      compression: {
        bytesPerImage: 128,
        rawBytesPerImage: 784,
        ratio: 6.125,
        mse: 0.0245,
        psnr: 16.1,
        images: 256,
        curve: codeCurve('gan', 64, [
          [16.1, 0.55],
          [16.1, 0.55],
          [16.0, 0.54],
          [15.5, 0.52],
          [13.9, 0.45],
        ]),
      },
      restoration: {
        images: 256,
        noiseStd: 0.3,
        noisyPsnr: 11.4,
        restoredNoisyPsnr: 16.2,
        holeShare: 0.18,
        holesPsnr: 6.2,
        restoredHolesPsnr: 14.0,
        holedPsnr: 13.5,
        restoredHoledPsnr: 20.9,
        secondsPerImage: 1.7,
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
    images: {
      samples: 'gan-samples.png',
      interpolation: 'gan-interp.png',
      reconstruction: 'gan-recon.png',
      restoration: 'gan-restore.png',
    },
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
    codecs: codecs(),
    models,
  };
}

/** Where each figure varied by `seeded()` is written in a run. */
const SET: Partial<Record<SpreadKey, (m: ModelResult, v: number) => void>> = {
  fid: (m, v) => void (m.metrics.quality.fid = v),
  kid: (m, v) => void (m.metrics.quality.kid = v),
  reconstructionPsnr: (m, v) => void (m.metrics.reconstruction!.psnr = v),
  restoredNoisyPsnr: (m, v) => void (m.metrics.restoration!.restoredNoisyPsnr = v),
  restoredHolesPsnr: (m, v) => void (m.metrics.restoration!.restoredHolesPsnr = v),
};

/**
 * The results under `compare --seeds 1,2,3`, as compare() writes them: each
 * model's own figures are seed 1's; `later` gives, per model name, a figure's
 * values under seeds 2 and 3 (the others stay as seed 1's).
 */
function seeded(
  models: ModelResult[],
  later: Record<string, Partial<Record<SpreadKey, [number, number]>>>,
): CompareResults {
  for (const m of models) {
    const runs = [2, 3].map((seed, i) => {
      const run = structuredClone(m);
      run.checkpoint = `${m.name}/seed-${seed}/${m.name}.safetensors`;
      for (const [key, values] of Object.entries(later[m.name] ?? {})) SET[key as SpreadKey]!(run, values[i]);
      return { ...run, seed };
    });
    const all = [{ ...m, seed: 1 }, ...runs];
    m.seed = 1;
    m.seedRuns = all.map((x) => ({ seed: x.seed, checkpoint: x.checkpoint, metrics: x.metrics, timings: x.timings }));
    m.spread = seedSpread(all);
  }
  return { ...fakeResults(models), seed: 1, seeds: [1, 2, 3] };
}

/** The two models with a KID each (seed 1's). */
function withKid(): ModelResult[] {
  const [vae, gan] = [vaeModel(), ganModel()];
  vae.metrics.quality.kid = 12.3;
  gan.metrics.quality.kid = 4.1;
  return [vae, gan];
}

/** FID, KID and reconstruction apart between the models; denoising and inpainting within the seeds' spread. */
const apartAndTied = (): Record<string, Partial<Record<SpreadKey, [number, number]>>> => ({
  vae: {
    fid: [38.1, 44.0],
    kid: [13.1, 11.8],
    reconstructionPsnr: [19.0, 19.4],
    restoredNoisyPsnr: [16.0, 17.2],
    restoredHolesPsnr: [13.2, 12.5],
  },
  gan: {
    fid: [17.9, 19.6],
    kid: [3.8, 4.5],
    reconstructionPsnr: [15.8, 16.5],
    restoredNoisyPsnr: [16.9, 15.5],
    restoredHolesPsnr: [13.1, 14.4],
  },
});

/** The <td> elements of a table row by its label: [class attribute, text]. */
function rowCells(html: string, label: string): [string, string][] {
  const row = html.match(new RegExp(`<tr><th>${label}<br>.*?</tr>`))![0];
  return [...row.matchAll(/<td( class="[^"]*")?>(.*?)<\/td>/g)].map((c) => [
    c[1] ?? '',
    c[2].replace(/<[^>]+>/g, '').trim(),
  ]);
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

/** The metrics table: group -> row label -> cell texts (tags stripped). */
function tableGroups(html: string): Map<string, Map<string, string[]>> {
  const body = html.match(/<tbody>(.*?)<\/tbody>/s)![1];
  const groups = new Map<string, Map<string, string[]>>();
  let current = new Map<string, string[]>();
  for (const [, group, inner] of body.matchAll(/<tr( class="group")?>(.*?)<\/tr>/g)) {
    const text = (t: string) => t.replace(/<[^>]+>/g, '').trim();
    if (group) {
      current = new Map();
      groups.set(text(inner), current);
      continue;
    }
    const label = inner.match(/<th>(.*?)<br>/)![1];
    current.set(
      label,
      [...inner.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((c) => text(c[1])),
    );
  }
  return groups;
}

/** The x axis' tick labels of a chart (drawn 16 px under its 300 px-high frame). */
const xTicks = (svg: string): string[] =>
  [...svg.matchAll(/<text x="[\d.]+" y="274" text-anchor="middle">([^<]*)<\/text>/g)].map((m) => m[1]);

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
    expect(vae?.strengths).toContainEqual(expect.stringMatching(/covers all 10 classes/));
    expect(vae?.strengths).toContainEqual(expect.stringMatching(/compresses images 24\.5× at 19\.2 dB/));
    expect(s.alerts).toContainEqual(expect.stringMatching(/^gan: mode dropping/));
    expect(s.alerts.some((a) => a.startsWith('vae:'))).toBe(false);
  });

  it('says which classes a mode-dropping model misses, by name where the data has names', () => {
    const r = fakeResults();
    const weakness = () =>
      summarize(r)
        .models.find((m) => m.name === 'gan')
        ?.weaknesses.find((w) => w.startsWith('mode dropping'));
    expect(weakness()).toMatch(/covers 7 of 10 classes, missing classes 1, 4, 7 \(KL/);
    r.data.classNames = [...FASHION_MNIST_CLASSES];
    expect(weakness()).toMatch(/missing Trouser, Coat, Sneaker \(KL/);
    expect(summarize(r).findings.join(' ')).toMatch(
      /gan 7 of 10 \(KL [\d.]+ nats, mode dropping: no Trouser, Coat, Sneaker\)/,
    );
  });

  it('gives a GAN its uses by latent search, and says what it lacks: a likelihood, and an encoder’s speed', () => {
    const s = summarize(fakeResults());
    const text = s.findings.join('\n');
    const gan = s.models.find((m) => m.name === 'gan')!;
    const vae = s.models.find((m) => m.name === 'vae')!;
    expect(text).not.toMatch(/no encoder: reconstruction|compression and restoration n\/a|cannot/);
    expect(s.verdict).toMatch(
      /vae reconstructs test images best \(PSNR 19\.2 dB by its encoder vs 16\.1 dB for gan by latent search\)/,
    );
    expect(text).toMatch(
      /^Reconstruction of the first 256 test images, PSNR: vae 19\.2 dB \(SSIM 0\.710\), its codes found by its encoder in 0\.0002 s\/image and gan 16\.1 dB \(SSIM 0\.550\), its codes found by latent search in 0\.85 s\/image; vae finds a code 4,250× faster than gan\.$/m,
    );
    expect(text).toMatch(
      /^Compression as float16 codes: vae 32 B\/image \(24\.5× smaller than the 784 B raw image\) at 19\.2 dB PSNR and gan 128 B\/image \(6\.1×/m,
    );
    expect(text).toMatch(
      /under noise \(std 0\.3\), vae restores better: vae 11\.4 dB to 17\.8 dB \(\+6\.4 dB\), against gan 11\.4 dB to 16\.2 dB \(\+4\.8 dB\)/,
    );
    expect(text).toMatch(
      /inside random holes \(18\.0% of the pixels\), gan restores better: gan 6\.2 dB to 14\.0 dB \(\+7\.8 dB\), against vae 6\.2 dB to 12\.9 dB/,
    );
    expect(text).toMatch(/vae's encoder alone reaches 15\.1 dB under noise and 10\.4 dB inside the holes/);
    expect(gan.weaknesses).toContainEqual(expect.stringMatching(/^no likelihood: NELBO and the IWAE bound are n\/a/));
    expect(gan.weaknesses).toContainEqual(
      "finding a code needs a latent search: 0.85 s/image (vae's encoder: 0.0002 s/image)",
    );
    expect(gan.strengths).toContainEqual('reconstructs test images at 16.1 dB PSNR (SSIM 0.550) by latent search');
    expect(gan.strengths).toContainEqual('inpainting inside holes: 6.2 dB to 14.0 dB PSNR (+7.8 dB)');
    expect(vae.weaknesses.some((w) => /likelihood|latent search/.test(w))).toBe(false);
    expect(vae.strengths).toContainEqual('denoising: 11.4 dB to 17.8 dB PSNR (+6.4 dB)');
  });

  it('compares the codes with JPEG and WebP at equal or fewer bytes, and says where the files win', () => {
    const r = fakeResults();
    const codecText = () => summarize(r).findings.find((f) => f.startsWith('Codes against JPEG and WebP'));
    expect(codecText()).toBe(
      'Codes against JPEG and WebP files on the same 256 test images, PSNR at equal or fewer bytes per image: ' +
        "the codes win where files must be small: vae's 32-bit code reaches 19.3 dB in 64 B/image, and no JPEG or WebP file is that small (the smallest: WebP at quality 5, 160 B, 14.1 dB); " +
        'JPEG and WebP win from 300 B/image: there WebP (quality 50) reaches 21.8 dB where the best code of at most that size reaches 19.3 dB (vae at 32 bits, 64 B), up to 30.2 dB (JPEG at quality 90, 700 B).',
    );
    // A JPEG file as small as the VAE's 32-bit code and better: JPEG wins at equal bytes.
    r.codecs!.push({ scheme: 'jpeg', setting: 1, bytesPerImage: 64, psnr: 22, ssim: 0.75 });
    expect(codecText()).toMatch(
      /JPEG and WebP win from 64 B\/image: there JPEG \(quality 1\) reaches 22\.0 dB where the best code of at most that size reaches 19\.3 dB \(vae at 32 bits, 64 B\)/,
    );
    expect(codecText()).toMatch(
      /the codes win where files must be small: vae's 16-bit code reaches 19\.2 dB in 32 B\/image, and no JPEG or WebP file is that small \(the smallest: JPEG at quality 1, 64 B, 22\.0 dB\)/,
    );
    // A tiny, poor file: the codes win against it at equal or fewer bytes.
    r.codecs = [...codecs(), { scheme: 'jpeg', setting: 1, bytesPerImage: 20, psnr: 12, ssim: 0.3 }];
    expect(codecText()).toMatch(
      /the codes win: at 64 B\/image vae's 32-bit code reaches 19\.3 dB where the best JPEG or WebP file of at most that size reaches 12\.0 dB \(JPEG at quality 1, 20 B\)/,
    );
    // Files that never match the codes.
    r.codecs = codecs().map((p) => ({ ...p, psnr: 10 }));
    expect(codecText()).toMatch(/no JPEG or WebP file beats the best code of at most its size\.$/);
    const gan = summarize(r).models.find((m) => m.name === 'gan')!;
    expect(gan.strengths).toContainEqual(expect.stringMatching(/^its codes are smaller than any JPEG or WebP file/));
    r.codecs = [{ scheme: 'webp', setting: 50, bytesPerImage: 100, psnr: 17, ssim: 0.6 }];
    expect(summarize(r).models.find((m) => m.name === 'gan')!.weaknesses).toContainEqual(
      'its best code is beaten outright: WebP at quality 50, 100 B reaches 17.0 dB, against its 16.1 dB in 128 B (16-bit)',
    );
    delete r.codecs;
    expect(codecText()).toBeUndefined();
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

  it('under several seeds, says whether each difference between models is larger than the seed spread', () => {
    const s = summarize(seeded(withKid(), apartAndTied()));
    expect(s.findings).toContain(
      'Over seeds 1, 2 and 3: FID gan 17.90 to 19.60, vae 38.10 to 44.00: the difference is larger than the seed spread (the ranges do not overlap).',
    );
    expect(s.findings).toContain(
      'Over seeds 1, 2 and 3: reconstruction PSNR vae 19.0 to 19.4 dB, gan 15.8 to 16.5 dB: the difference is larger than the seed spread (the ranges do not overlap).',
    );
    expect(s.findings).toContain(
      'Over seeds 1, 2 and 3: denoising PSNR vae 16.0 to 17.8 dB, gan 15.5 to 16.9 dB: the difference is within the seed spread (the ranges overlap).',
    );
    expect(s.findings).toContain(
      'Over seeds 1, 2 and 3: inpainting PSNR inside the holes gan 13.1 to 14.4 dB, vae 12.5 to 13.2 dB: the difference is within the seed spread (the ranges overlap).',
    );
    expect(s.verdict).toMatch(/^gan draws the most realistic samples \(FID 18\.70 vs 41\.30 for vae\)/);
    expect(s.verdict).toMatch(/vae reconstructs test images best/);
    const gan = s.models.find((m) => m.name === 'gan')!;
    expect(gan.strengths).toContain('lowest FID: 18.70 (next: vae 41.30)');
    for (const m of s.models) expect(m.weaknesses.join('\n')).not.toMatch(/depends on the seed/);
  });

  it('claims no better quality when the FID ranges overlap, and says when a model’s FID depends on the seed', () => {
    const later = apartAndTied();
    later.gan.fid = [40.0, 30.0];
    const s = summarize(seeded(withKid(), later));
    expect(s.verdict).not.toMatch(/most realistic/);
    expect(s.verdict).toMatch(
      /^gan and vae draw samples of comparable quality: FID 18\.70 vs 41\.30, a difference within the seed spread \(gan 18\.70 to 40\.00 and vae 38\.10 to 44\.00 over seeds 1, 2 and 3\);/,
    );
    expect(s.findings).toContain(
      'Over seeds 1, 2 and 3: FID gan 18.70 to 40.00, vae 38.10 to 44.00: the difference is within the seed spread (the ranges overlap).',
    );
    const gan = s.models.find((m) => m.name === 'gan')!;
    const vae = s.models.find((m) => m.name === 'vae')!;
    expect(gan.weaknesses).toContain('quality depends on the seed: FID 18.70 to 40.00 over seeds 1, 2 and 3');
    expect(gan.strengths).toContain('lowest FID: 18.70 (next: vae 41.30, within the seed spread)');
    expect(vae.weaknesses).toContain('highest FID: 41.30 (best: gan 18.70, within the seed spread)');
    expect(vae.weaknesses.join('\n')).not.toMatch(/depends on the seed/);
  });

  it('under several seeds and more than two models, weighs the best two', () => {
    const third = vaeModel();
    third.name = 'vae-b';
    const later = { ...apartAndTied(), 'vae-b': { fid: [50, 55] as [number, number] } };
    const s = summarize(seeded([...withKid(), third], later));
    expect(s.findings).toContain(
      'Over seeds 1, 2 and 3: FID gan 17.90 to 19.60, vae 38.10 to 44.00, vae-b 41.30 to 55.00: the difference between gan and vae, the best two, is larger than the seed spread (the ranges do not overlap).',
    );
  });

  it('says nothing about seeds for a single-seed comparison', () => {
    const s = summarize(fakeResults());
    const text = [s.verdict, ...s.findings, ...s.models.flatMap((m) => [...m.strengths, ...m.weaknesses])].join('\n');
    expect(text).not.toMatch(/seed/);
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
    expect(imageCount).toBe(9);
    expect(srcs).toHaveLength(imageCount);
    for (const src of srcs) expect(src).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/=]+$/);
    expect(html).toMatch(/<svg viewBox/);
    expect(html).toMatch(/Each model trained for the same 150 s of wall-clock time on cpu/);
    expect(html.replace(/data:image\/png;base64,[A-Za-z0-9+/=]+/g, '')).not.toMatch(/NaN|undefined|Infinity/);
  });

  it('opens with the samples side by side under the verdict, then the classes each model covers', () => {
    const at = (id: string) => html.indexOf(`<section id="${id}">`);
    expect(html.indexOf('class="verdict"')).toBeLessThan(at('img-samples'));
    expect(at('img-samples')).toBeGreaterThan(0);
    expect(at('img-samples')).toBeLessThan(at('coverage'));
    expect(at('coverage')).toBeLessThan(at('findings'));
    const part = html.match(/<section id="coverage">(.*?)<\/section>/s)![1];
    expect(part.match(/<svg /g)).toHaveLength(2);
    expect(part.match(/<rect /g)).toHaveLength(20);
    // The GAN's three classes under 5% are red, and named in its caption.
    expect(part.match(/fill="#dc2626"/g)).toHaveLength(3);
    expect(part).toContain('covers 7 of 10: no classes 1, 4, 7');
    expect(part).toContain('covers all 10');
  });

  it("maps each VAE's latent space: its finite points coloured by class, the axes' variance named", () => {
    const part = html.match(/<section id="latent">(.*?)<\/section>/s)![1];
    expect(part.match(/<svg /g)).toHaveLength(1);
    expect(part.match(/<circle /g)).toHaveLength(3);
    expect(part).toContain('principal component 1 (31.0% of the variance)');
    expect([...part.matchAll(/<\/i>([^<]*)<\/span>/g)].map((m) => m[1])).toEqual(['0', '1', '9']);
  });

  it('shows reconstructions and restorations of every model, with notes that say how', () => {
    for (const id of ['img-reconstruction', 'img-restoration']) {
      const part = html.match(new RegExp(`<section id="${id}">(.*?)</section>`, 's'))![1];
      expect(part.match(/<img /g)).toHaveLength(2);
      expect(part).not.toMatch(/placeholder/);
    }
    expect(html).toMatch(/G\(z\*\) for a GAN, with z\* found by latent search/);
    expect(html).toMatch(
      /with Gaussian noise \(std 0\.3\); the noisy ones restored; with random rectangular holes \(18\.0% of the pixels\)/,
    );
  });

  it('measures the uses for both families and says why a VAE-only row is n/a for a GAN', () => {
    const groups = tableGroups(html);
    const uses = groups.get('Uses (every model, by latent search or encoder)')!;
    expect([...uses.keys()]).toEqual([
      'Reconstruction PSNR',
      'Compression',
      'Compression, 8-bit codes',
      'Denoising',
      'Inpainting',
      'Restoration time',
    ]);
    for (const cells of uses.values()) {
      expect(cells).toHaveLength(2);
      for (const cell of cells) expect(cell).toMatch(/^\d/);
      expect(cells.join(' ')).not.toMatch(/n\/a/);
    }
    expect(uses.get('Reconstruction PSNR')).toEqual([
      '19.2 encoder; SSIM 0.710; 0.0002 s/image',
      '16.1 latent search; SSIM 0.550; 0.85 s/image',
    ]);
    expect(uses.get('Compression, 8-bit codes')![0]).toBe('49.0× 16 B/image, 19.0 dB, SSIM 0.700');
    expect(uses.get('Denoising')![0]).toBe('17.8 from 11.4 dB, noise std 0.3; encoder only: 15.1 dB');
    expect(uses.get('Inpainting')![1]).toBe(
      '14.0 inside holes, from 6.2 dB; 18.0% of pixels in random holes; whole image 20.9 dB',
    );
    const vaeOnly = groups.get('Likelihood and latent units (VAE only)')!;
    expect(vaeOnly.get('Negative ELBO')).toEqual(['241.5 recon 225.1 + KL 16.4', 'n/a: a GAN defines no likelihood']);
    expect(vaeOnly.get('IWAE bound')![1]).toBe('n/a: a GAN defines no likelihood');
    expect(vaeOnly.get('Active latent units')![1]).toBe('n/a: a GAN has no encoder, so no posterior');
    expect(groups.get('Stability (second half of training)')!.get('D(x) / D(G(z))')![0]).toBe(
      'n/a: a VAE has no discriminator',
    );
    expect(html).not.toMatch(/Encoder \(VAE only/);
  });

  it('draws the rate-distortion charts, codes beside JPEG and WebP, on a log byte axis', () => {
    const part = html.match(/<section id="rate">(.*?)<\/section>/s)![1];
    expect(html).toContain('<a href="#rate">Compression</a>');
    expect(part.match(/<svg /g)).toHaveLength(2);
    expect(part).toContain('bytes per image (log scale)');
    expect(part).toMatch(/<i class="dot"[^>]*><\/i>JPEG<\/span>/);
    expect(part).toMatch(/<i class="dot"[^>]*><\/i>WebP<\/span>/);
    expect(part).toMatch(/<i class="dot"[^>]*><\/i>vae<\/span>/);
    expect(part).toContain(
      'Bytes a real file needs per image; codes at 32, 16, 8, 6 and 4 bits per coordinate; JPEG and WebP at qualities 5 to 90 through sharp; on the same first 256 test images.',
    );
    // 8 B (the VAE's 4-bit code) to 700 B (JPEG at quality 90): ticks at 5 to 1000.
    expect(xTicks(part.match(/<svg .*?<\/svg>/s)![0])).toEqual(['5', '10', '20', '50', '100', '200', '500', '1000']);
  });

  it('draws no rate-distortion section when nothing was measured', async () => {
    const r = fakeResults();
    delete r.codecs;
    for (const m of r.models) delete m.metrics.compression;
    const bare = await renderReport(r, dir);
    expect(bare).not.toMatch(/id="rate"|href="#rate"/);
    expect(bare).not.toMatch(/<tr><th>Compression/);
  });

  it('says nothing about seeds for a single-seed comparison', () => {
    expect(html).toContain('libtorch 2.9.0, seed 7, 2025-01-01');
    expect(html).toContain('<p class="note">The best value in each row is highlighted; n/a:');
    expect(html).not.toMatch(/seed spread|seeds|class="tie"|Figures are seed/);
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

describe('renderReport under several seeds', () => {
  let dir: string;
  let apart: string;
  let tied: string;

  beforeAll(async () => {
    dir = tempDir('gentorch-report-seeds-');
    const results = seeded(withKid(), apartAndTied());
    await writeImages(dir, results);
    apart = await renderReport(results, dir);
    const later = apartAndTied();
    later.gan.fid = [40.0, 30.0];
    tied = await renderReport(seeded(withKid(), later), dir);
  });

  it('says which seed the figures are and where the spreads are', () => {
    expect(apart).toContain('libtorch 2.9.0, seeds 1, 2, 3 (figures are seed 1&#39;s; spreads in notes), 2025-01-01');
    expect(apart).toContain(
      '<p class="note">Figures are seed 1&#39;s; notes give the spread over seeds 1, 2, 3 (lowest to highest, mean ± sample standard deviation). A best value is highlighted only when its range over the seeds does not overlap the runner-up&#39;s',
    );
    expect(apart.replace(/data:image\/png;base64,[A-Za-z0-9+/=]+/g, '')).not.toMatch(/NaN|undefined|Infinity/);
  });

  it('gives each cell its spread over the seeds, in the row’s own scale and digits', () => {
    expect(rowCells(apart, 'FID')[0][1]).toBe(
      '41.30 judge 91.0%, 5,000 samples; seeds 1, 2, 3: 38.10 to 44.00, mean 41.13 ± 2.95',
    );
    expect(rowCells(apart, 'KID')).toEqual([
      ['', '12.30 seeds 1, 2, 3: 11.80 to 13.10, mean 12.40 ± 0.66'],
      [' class="best"', '4.10 seeds 1, 2, 3: 3.80 to 4.50, mean 4.13 ± 0.35'],
    ]);
    expect(rowCells(apart, 'Classes covered')[0][1]).toBe('10 / 10 seeds 1, 2, 3: 10 to 10, mean 10.0 ± 0.0');
    expect(rowCells(apart, 'Training throughput')[1][1]).toBe('960 seeds 1, 2, 3: 960 to 960, mean 960 ± 0');
    expect(rowCells(apart, 'Reconstruction PSNR')[1][1]).toBe(
      '16.1 latent search; SSIM 0.550; 0.85 s/image; seeds 1, 2, 3: 15.8 to 16.5, mean 16.1 ± 0.4',
    );
  });

  it('highlights a best value beyond the seed spread, and marks one within it instead', () => {
    expect(rowCells(apart, 'FID').map((c) => c[0])).toEqual(['', ' class="best"']);
    expect(rowCells(apart, 'Reconstruction PSNR').map((c) => c[0])).toEqual([' class="best"', '']);
    for (const label of ['Denoising', 'Inpainting']) {
      const cells = rowCells(apart, label);
      expect(cells.map((c) => c[0])).toEqual([' class="tie"', ' class="tie"']);
      for (const [, text] of cells) expect(text).toMatch(/; seeds 1, 2, 3: [^;]*; within the seed spread$/);
    }
    expect(rowCells(apart, 'Denoising')[0][1]).toBe(
      '17.8 from 11.4 dB, noise std 0.3; encoder only: 15.1 dB; seeds 1, 2, 3: 16.0 to 17.8, mean 17.0 ± 0.9; within the seed spread',
    );
    expect(apart).toContain(
      '<li>Over seeds 1, 2 and 3: FID gan 17.90 to 19.60, vae 38.10 to 44.00: the difference is larger than the seed spread (the ranges do not overlap).</li>',
    );
    // Overlapping FID ranges: no best, both cells within the seed spread, and a seed-dependent GAN.
    const fid = rowCells(tied, 'FID');
    expect(fid.map((c) => c[0])).toEqual([' class="tie"', ' class="tie"']);
    expect(fid[1][1]).toMatch(
      /^18\.70 judge 91\.0%, 5,000 samples; seeds 1, 2, 3: 18\.70 to 40\.00, mean 29\.57 ± 10\.66; within the seed spread$/,
    );
    expect(tied).toContain('<li>quality depends on the seed: FID 18.70 to 40.00 over seeds 1, 2 and 3</li>');
    expect(tied).toMatch(/<p class="verdict">gan and vae draw samples of comparable quality/);
  });

  it('lists every seed’s checkpoint in the run details', () => {
    const details = apart.match(/<section id="details">(.*?)<\/section>/s)![1];
    for (const line of [
      'seed 1: checkpoint vae.safetensors',
      'seed 2: checkpoint vae/seed-2/vae.safetensors',
      'seed 3: checkpoint gan/seed-3/gan.safetensors',
    ])
      expect(details).toContain(`<li>${line}</li>`);
  });
});

describe('renderReport (charts)', () => {
  it('puts a log x axis on round 1-2-5 ticks, leaving out x <= 0', () => {
    const svg = lineChart(
      [
        {
          name: 'rate',
          points: [
            [0, 5],
            [-3, 5],
            [8, 10],
            [64, 19],
            [800, 30],
          ],
        },
      ],
      { xLabel: 'bytes', yLabel: 'dB', logX: true, markers: true },
    );
    expect(xTicks(svg)).toEqual(['5', '10', '20', '50', '100', '200', '500', '1000']);
    expect(svg).toContain('bytes (log scale)');
    const cx = [...svg.matchAll(/<circle cx="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(cx).toHaveLength(3);
    // 8, 64 and 800 on a log axis from 5 (px 58) to 1000 (px 506): evenly spaced, inside the frame.
    expect(cx[0]).toBeGreaterThan(58);
    expect(cx[2]).toBeLessThan(506);
    expect(cx[1] - cx[0]).toBeCloseTo(cx[2] - cx[1] - ((506 - 58) * Math.log10(800 / 512)) / Math.log10(200), 0);
    const wide = xTicks(
      lineChart(
        [
          {
            name: 'w',
            points: [
              [2, 1],
              [5e5, 2],
            ],
          },
        ],
        { xLabel: 'x', yLabel: 'y', logX: true },
      ),
    );
    expect(wide).toEqual(['1', '10', '100', '1000', '10k', '100k', '1000k']);
  });

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
