// The image-to-image report from made-up TranslationResults: what its findings
// say for each outcome, the perception-distortion plane's axes, the table and
// a missing examples image. No addon, no training.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderTranslationReport, translationFindings } from '../../lib/report/translation.js';
import type { TranslationPoint, TranslationResults } from '../../lib/report/results.js';
import { tempDir } from '../helpers/helpers.js';

const point = (name: string, psnr: number, fid: number, extra: Partial<TranslationPoint> = {}): TranslationPoint => ({
  name,
  kind: name === 'bicubic' ? 'baseline' : 'family',
  ...(name === 'bicubic' ? {} : { family: name as 'regressor' | 'gan' | 'vae', steps: 100, epochs: 0.5 }),
  psnr,
  ssim: psnr / 30,
  fid,
  precision: 0.9,
  recall: 0.8,
  secondsPerImage: 0.01,
  ...extra,
});

function results(points: TranslationPoint[]): TranslationResults {
  return {
    gentorch: '0.1.0',
    torch: '2.6.0',
    createdAt: '2026-01-01T00:00:00Z',
    device: 'cpu',
    seed: 1,
    task: {
      task: 'superres',
      factor: 2,
      noiseStd: 0.3,
      holesMin: 1,
      holesMax: 2,
      sideMin: 0.2,
      sideMax: 0.4,
      strokes: 1,
      strokeWidth: 1.5,
    },
    data: { name: 'fashion-mnist', train: 60000, test: 10000, shape: [1, 28, 28] },
    budget: { kind: 'seconds', value: 300 },
    testImages: 10000,
    diversityImages: 200,
    judge: { testAccuracy: 0.9, featureDim: 128 },
    points,
    examples: { image: 'examples.png', rows: ['input', 'target', ...points.map((p) => p.name)] },
  };
}

const usual = () =>
  results([
    point('bicubic', 19, 92),
    point('regressor', 24.3, 1.8),
    point('gan', 23.4, 0.8),
    point('vae', 23.8, 1.9, { diversity: 0.05 }),
  ]);

let dir: string;
beforeAll(async () => {
  dir = tempDir('gentorch-translation-report-');
  writeFileSync(
    join(dir, 'examples.png'),
    await sharp(Buffer.alloc(30 * 20, 128), { raw: { width: 30, height: 20, channels: 1 } })
      .png()
      .toBuffer(),
  );
});

describe('translationFindings', () => {
  it('names the least distortion and the most realistic, the trade-off, and who beats the baseline', () => {
    const f = translationFindings(usual());
    expect(f).toContain('Least distortion: regressor, 24.3 dB PSNR (SSIM 0.810).');
    expect(f[1]).toMatch(/^Most realistic outputs: gan, FID 0.80/);
    expect(f.some((s) => s.startsWith('The trade-off shows'))).toBe(true);
    expect(f).toContain('Above bicubic on PSNR (19.0 dB): regressor, gan, vae.');
    expect(f.some((s) => s.startsWith('gan is more realistic than the L1 regressor'))).toBe(true);
    expect(f.some((s) => s.startsWith('vae is not more realistic than the L1 regressor'))).toBe(true);
    expect(f.some((s) => s.startsWith('vae gives a different output for each code'))).toBe(true);
  });

  it('says when a family does not beat the baseline, when there is no trade-off, and when the VAE ignores its code', () => {
    const f = translationFindings(
      results([point('bicubic', 19, 92), point('regressor', 24, 0.5), point('vae', 18, 3, { diversity: 0.001 })]),
    );
    expect(f).toContain('Not above bicubic on PSNR (19.0 dB): vae.');
    expect(f.some((s) => s.startsWith('The trade-off shows'))).toBe(false);
    expect(f.some((s) => s.includes("vae's outputs barely depend on its code") && s.includes('0.001'))).toBe(true);
  });
});

describe('renderTranslationReport', () => {
  it('draws the plane with FID on a log axis when bicubic is far off, the table and the inlined examples', async () => {
    const html = await renderTranslationReport(usual(), dir);
    expect(html).toContain('<h1>Image to image: super-resolution ×2 on fashion-mnist</h1>');
    expect(html).toContain('FID (log scale)');
    expect(html).toContain('data:image/png;base64,');
    expect(html).toContain('<td class="best">0.80</td>'); // the GAN's FID, the lowest
    expect(html).toContain('<td class="na">n/a</td>'); // bicubic has no diversity
    expect(html).not.toContain('<script');
  });

  it('a missing examples image is E_IO naming it', async () => {
    await expect(renderTranslationReport(usual(), join(dir, 'nowhere'))).rejects.toMatchObject({
      code: 'E_IO',
      message: expect.stringContaining('examples.png'),
    });
  });
});
