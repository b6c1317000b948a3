// The spread of a model's figures over the seeds of `compare --seeds`.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { seedSpread, spreadOf } from '../../lib/compare/seeds.js';
import type { ModelResult } from '../../lib/report/results.js';

/** A run with the figures the spread reads; `vae` adds a NELBO. */
function run(fid: number, psnr: number, vae: boolean): Pick<ModelResult, 'metrics' | 'timings'> {
  return {
    metrics: {
      quality: {
        fid,
        kid: fid / 1000,
        precision: 0.5,
        recall: 0.4,
        classesCovered: 9,
      } as ModelResult['metrics']['quality'],
      stability: { lossOscillation: 0.1 },
      ...(vae ? { vae: { nelbo: 250 + fid } as ModelResult['metrics']['vae'] } : {}),
      reconstruction: { method: 'search', images: 10, mse: 0.01, psnr, ssim: 0.7, secondsPerImage: 1 },
    },
    timings: { trainImagesPerSecond: 300 } as ModelResult['timings'],
  };
}

describe('spreadOf', () => {
  it('gives the values, their mean, sample std, min and max', () => {
    const s = spreadOf([38, 88, 44]);
    expect(s.values).toEqual([38, 88, 44]);
    expect(s.mean).toBeCloseTo(170 / 3, 12);
    expect(s.std).toBeCloseTo(Math.sqrt(((38 - 170 / 3) ** 2 + (88 - 170 / 3) ** 2 + (44 - 170 / 3) ** 2) / 2), 12);
    expect([s.min, s.max]).toEqual([38, 88]);
    expect(spreadOf([5]).std).toBe(0);
  });

  it('keeps the mean within [min, max] and the std at most half the range times sqrt(n / (n - 1))', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 20 }), (v) => {
        const s = spreadOf(v);
        const n = v.length;
        expect(s.mean).toBeGreaterThanOrEqual(s.min - 1e-6);
        expect(s.mean).toBeLessThanOrEqual(s.max + 1e-6);
        expect(s.std).toBeLessThanOrEqual(((s.max - s.min) / 2) * Math.sqrt(n / (n - 1)) + 1e-6);
      }),
    );
  });
});

describe('seedSpread', () => {
  it("spreads every figure all runs have, leaving out what a family lacks (a GAN's NELBO) or a run misses", () => {
    const vae = seedSpread([run(100, 19, true), run(110, 18.5, true)]);
    expect(vae.fid!.values).toEqual([100, 110]);
    expect(vae.nelbo!.values).toEqual([350, 360]);
    expect(vae.reconstructionPsnr!.values).toEqual([19, 18.5]);
    expect(vae.restoredNoisyPsnr).toBeUndefined();
    const gan = seedSpread([run(40, 21, false), run(80, 20, false)]);
    expect(gan.nelbo).toBeUndefined();
    expect(gan.fid).toMatchObject({ min: 40, max: 80, mean: 60 });
    const broken = seedSpread([run(40, 21, false), run(NaN, 20, false)]);
    expect(broken.fid).toBeUndefined();
    expect(broken.reconstructionPsnr!.values).toEqual([21, 20]);
  });
});
