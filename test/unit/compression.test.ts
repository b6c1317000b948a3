// lib/compare/compression.ts: float16 rounding, code quantisation, SSIM and
// the JPEG/WebP round trips through sharp, on real Fashion-MNIST test images.
import { describe, expect, it } from 'vitest';
import { codeBytes, codecCurves, codecRoundTrip, quantizeCodes, ssim } from '../../lib/compare/compression.js';
import { maskedPsnr } from '../../lib/compare/restore.js';
import { oscillation, roundToFloat16 } from '../../lib/compare/metrics.js';
import { take, toFloat } from '../../lib/data/datasets.js';
import { fashionTest } from '../helpers/helpers.js';
import type { HostTensor } from '../../lib/tensor.js';

const constant = (v: number, n = 1): HostTensor<'float32'> => ({
  dtype: 'float32',
  shape: [n, 1, 16, 16],
  data: new Float32Array(n * 256).fill(v),
});

describe('roundToFloat16 and quantizeCodes', () => {
  it('rounds to float16 as numpy does, ties to even', () => {
    // numpy.float16(x).item() for each x
    const cases: [number, number][] = [
      [1 / 3, 0.333251953125],
      [1e-6, 1.0132789611816406e-6],
      [65519, 65504],
      [2049, 2048],
      [2051, 2052],
      [-0.1, -0.0999755859375],
    ];
    for (const [x, want] of cases) expect(roundToFloat16(x)).toBe(want);
    expect(roundToFloat16(70000)).toBe(Infinity);
  });

  it('b-bit codes take 2^b uniform levels over [-4, 4] and ceil(d b / 8) bytes', () => {
    const z = Float32Array.from([-9, -4, -0.01, 0, 0.3, 3.99, 12]);
    const q4 = quantizeCodes(z, 4);
    const levels = new Set(Array.from({ length: 16 }, (_, k) => Math.fround(-4 + (k * 8) / 15)));
    for (const v of q4) expect(levels.has(v)).toBe(true);
    expect(q4[0]).toBe(-4);
    expect(q4[6]).toBe(4);
    for (let i = 1; i < 6; i++) expect(Math.abs(q4[i] - z[i])).toBeLessThanOrEqual(4 / 15 + 1e-6);
    expect(quantizeCodes(z, 32)).toEqual(z);
    expect(codeBytes(20, 4)).toBe(10);
    expect(codeBytes(20, 6)).toBe(15);
    expect(codeBytes(100, 16)).toBe(200);
  });
});

describe('ssim', () => {
  it('is 1 for equal images and (2ab + c1) / (a^2 + b^2 + c1) for constant ones', () => {
    const x = constant(0.4);
    expect(ssim(x, x)).toBeCloseTo(1, 12);
    const c1 = 0.01 ** 2;
    expect(ssim(constant(0.2), constant(0.7))).toBeCloseTo((2 * 0.2 * 0.7 + c1) / (0.04 + 0.49 + c1), 6); // float32 inputs
  });

  it('falls as noise grows, on real images', async () => {
    const clean = toFloat(take(await fashionTest(), 20).images);
    const noisy = (std: number): HostTensor<'float32'> => ({
      ...clean,
      data: clean.data.map((v, i) => Math.min(1, Math.max(0, v + std * Math.sin(i * 12.9898) * 1.7))),
    });
    const s = [0.05, 0.1, 0.2].map((std) => ssim(clean, noisy(std)));
    expect(s[0]).toBeLessThan(1);
    expect(s[1]).toBeLessThan(s[0]);
    expect(s[2]).toBeLessThan(s[1]);
  });

  it('refuses images smaller than its window or of another shape with E_SHAPE', () => {
    const small: HostTensor<'float32'> = { dtype: 'float32', shape: [1, 1, 8, 8], data: new Float32Array(64) };
    expect(() => ssim(small, small)).toThrow(/11 x 11/);
    expect(() => ssim(constant(0, 1), constant(0, 2))).toThrow(/shape/);
  });
});

describe('JPEG and WebP through sharp', () => {
  it('real files: more bytes and less error as the quality rises, and a PNG-exact decode shape', async () => {
    const images = toFloat(take(await fashionTest(), 30).images);
    const low = await codecRoundTrip(images, 'jpeg', 10);
    expect(low.decoded.shape).toEqual(images.shape);
    const points = await codecCurves(images);
    for (const codec of ['jpeg', 'webp']) {
      const curve = points.filter((p) => p.scheme === codec);
      expect(curve.length).toBeGreaterThanOrEqual(5);
      for (let i = 1; i < curve.length; i++) {
        expect(curve[i].bytesPerImage).toBeGreaterThan(curve[i - 1].bytesPerImage);
        expect(curve[i].psnr).toBeGreaterThan(curve[i - 1].psnr - 0.05);
      }
      expect(curve.at(-1)!.psnr).toBeGreaterThan(curve[0].psnr + 5);
      expect(curve.at(-1)!.ssim).toBeGreaterThan(curve[0].ssim);
    }
    expect(maskedPsnr(images, low.decoded)).toBeCloseTo(
      points.find((p) => p.scheme === 'jpeg' && p.setting === 10)!.psnr,
      6,
    );
  });
});

describe('oscillation', () => {
  it('is 0 for a steadily falling or rising curve, however steep, and r / mean for a reversal of r', () => {
    expect(oscillation([200, 120, 80, 61, 60])).toBe(0);
    expect(oscillation([10, 30, 31])).toBe(0);
    // 100 -> 60 -> 80: 20 back on a mean of 80.
    expect(oscillation([100, 60, 80])).toBeCloseTo(20 / 80, 12);
    expect(oscillation([50, 70, 50, 70])).toBeCloseTo(20 / 60, 12);
    expect(oscillation([1, 2])).toBeNaN();
    expect(oscillation([1, NaN, 2])).toBeNaN();
  });
});
