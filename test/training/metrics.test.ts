// The judge classifier, domain-feature FID and class coverage.
import { describe, expect, it } from 'vitest';
import { Classifier, classCoverage, featureFid, frechetDistance } from '../../lib/index.js';
import {
  activeUnits,
  frechetInterval,
  kernelDistance,
  lossOscillation,
  precisionRecall,
  psnr,
  roundToFloat16,
} from '../../lib/compare/metrics.js';
import { holdOut, take } from '../../lib/data/datasets.js';
import type { HostTensor } from '../../lib/tensor.js';
import { smallTrain, tempDir } from '../helpers/helpers.js';

function gaussian(n: number, d: number, scale: number, shift: number[] = [], seed = 1): HostTensor<'float64'> {
  let s = seed;
  const rand = (): number => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  const data = new Float64Array(n * d);
  for (let i = 0; i < n * d; i += 2) {
    const r = Math.sqrt(-2 * Math.log(rand())),
      t = 2 * Math.PI * rand();
    data[i] = r * Math.cos(t) * scale + (shift[i % d] ?? 0);
    if (i + 1 < n * d) data[i + 1] = r * Math.sin(t) * scale + (shift[(i + 1) % d] ?? 0);
  }
  return { dtype: 'float64', shape: [n, d], data };
}

describe('Frechet distance', () => {
  it('is |mu_a - mu_b|^2 for equal covariances, and D(1 + s^2 - 2s) for N(0, I) against N(0, s^2 I)', () => {
    const a = gaussian(20_000, 4, 1, [], 1);
    expect(frechetDistance(a, gaussian(20_000, 4, 1, [], 2))).toBeLessThan(0.01);
    expect(frechetDistance(a, gaussian(20_000, 4, 1, [1, 2, 0, 0], 3))).toBeCloseTo(5, 1);
    expect(frechetDistance(a, gaussian(20_000, 4, 2, [], 4))).toBeCloseTo(4, 1);
  });

  it('rejects feature sets of different widths with E_SHAPE', () => {
    expect(() => frechetDistance(gaussian(10, 4, 1), gaussian(10, 3, 1))).toThrow(/Expected two feature sets/);
  });
});

describe('precision and recall', () => {
  it('are high for two draws of one distribution, and fall with the share of the other one covered', async () => {
    const a = gaussian(2000, 4, 1, [], 1);
    const same = await precisionRecall(a, gaussian(2000, 4, 1, [], 2));
    expect(same.precision).toBeGreaterThan(0.9);
    expect(same.recall).toBeGreaterThan(0.9);
    const far = await precisionRecall(a, gaussian(2000, 4, 1, [50, 0, 0, 0], 3));
    expect(far).toEqual({ precision: 0, recall: 0 });
    // Generated points squeezed into a tenth of the spread: faithful but not diverse.
    const narrow = await precisionRecall(a, gaussian(2000, 4, 0.1, [], 4));
    expect(narrow.precision).toBeGreaterThan(0.9);
    expect(narrow.recall).toBeLessThan(0.3);
  });

  it('reject mismatched widths with E_SHAPE and too few points with E_DATA', async () => {
    await expect(precisionRecall(gaussian(10, 4, 1), gaussian(10, 3, 1))).rejects.toMatchObject({ code: 'E_SHAPE' });
    await expect(precisionRecall(gaussian(3, 4, 1), gaussian(10, 4, 1), 3)).rejects.toMatchObject({ code: 'E_DATA' });
  });
});

describe('intervals and KID', () => {
  it('the FID interval holds the FID and narrows with more samples', async () => {
    const real = gaussian(4000, 4, 1, [], 1);
    const small = gaussian(300, 4, 1, [0.5, 0, 0, 0], 2);
    const large = gaussian(4000, 4, 1, [0.5, 0, 0, 0], 3);
    const [lo, hi] = await frechetInterval(small, real, 50, 1);
    const fid = frechetDistance(small, real);
    expect(lo).toBeLessThan(fid);
    expect(hi).toBeGreaterThan(fid);
    const [lo2, hi2] = await frechetInterval(large, real, 50, 1);
    expect(hi2 - lo2).toBeLessThan((hi - lo) / 2);
    expect(lo2).toBeLessThan(0.25 + 0.05);
    expect(hi2).toBeGreaterThan(0.25 - 0.05);
  });

  it('KID is near 0 for two draws of one distribution, unbiased (negative values allowed), and grows with the shift', async () => {
    const real = gaussian(3000, 8, 1, [], 1);
    const same = await kernelDistance(real, gaussian(3000, 8, 1, [], 2), { subsets: 20, subsetSize: 500 });
    expect(Math.abs(same.kid)).toBeLessThan(0.01);
    expect(same.interval[0]).toBeLessThan(0); // unbiased: subsets of equal distributions fall on both sides of 0
    const near = await kernelDistance(real, gaussian(3000, 8, 1, [0.5], 3), { subsets: 20, subsetSize: 500 });
    const far = await kernelDistance(real, gaussian(3000, 8, 1, [2], 4), { subsets: 20, subsetSize: 500 });
    expect(near.kid).toBeGreaterThan(same.kid);
    expect(far.kid).toBeGreaterThan(4 * near.kid);
    expect(near.interval[0]).toBeLessThanOrEqual(near.kid);
    expect(near.interval[1]).toBeGreaterThanOrEqual(near.kid);
  });

  it('precision and recall intervals hold their values', async () => {
    const pr = await precisionRecall(gaussian(1500, 4, 1, [], 1), gaussian(1500, 4, 0.5, [], 2), 3, {
      rounds: 100,
      seed: 1,
    });
    expect(pr.precisionInterval![0]).toBeLessThanOrEqual(pr.precision);
    expect(pr.precisionInterval![1]).toBeGreaterThanOrEqual(pr.precision);
    expect(pr.recallInterval![0]).toBeLessThanOrEqual(pr.recall);
    expect(pr.recallInterval![1]).toBeGreaterThanOrEqual(pr.recall);
    expect(pr.recallInterval![1] - pr.recallInterval![0]).toBeGreaterThan(0);
  });
});

describe('image and latent measures', () => {
  it('PSNR, active units, loss oscillation and half-precision rounding', () => {
    expect(psnr(0.01)).toBeCloseTo(20, 10);
    expect(psnr(0)).toBe(Infinity);
    const mu = {
      dtype: 'float32' as const,
      shape: [4, 3],
      data: Float32Array.from([0, 1, 5, 0, -1, 5, 0, 1, 5, 0, -1, 5.001]),
    };
    expect(activeUnits(mu)).toBe(1);
    expect(lossOscillation(Array(50).fill(3))).toBe(0);
    expect(lossOscillation(Array.from({ length: 50 }, (_, i) => (i % 2 ? 2 : 4)))).toBeCloseTo(1 / 3, 5);
    expect(lossOscillation([1, 2])).toBeNaN();
    for (const v of [0, 1, -2.5, 1024, 65504]) expect(roundToFloat16(v)).toBe(v);
    expect(roundToFloat16(1 + 2 ** -12)).toBe(1);
    expect(roundToFloat16(0.1)).toBeCloseTo(0.0999755859375, 12);
    expect(roundToFloat16(1e-7)).toBeCloseTo(5.960464477539063e-8 * 2, 15);
  });
});

describe('judge classifier', () => {
  it('learns the classes, and its FID and coverage tell real images from noise and from one class', async () => {
    const { train, test } = holdOut(await smallTrain(6000), 0.2);
    using judge = new Classifier({ device: 'cpu' });
    const h = await judge.fit(train, { epochs: 3 });
    expect(h.epochs).toHaveLength(3);
    expect(h.epochs[2].losses.loss).toBeLessThan(h.epochs[0].losses.loss);
    const acc = await judge.accuracy(test);
    expect(acc).toBeGreaterThan(0.7);

    const real = await judge.features(test.images);
    const half = take(train, 1200).images;
    const noise: HostTensor<'float32'> = {
      dtype: 'float32',
      shape: [1200, 1, 28, 28],
      data: Float32Array.from({ length: 1200 * 784 }, () => Math.random()),
    };
    const fidReal = await featureFid(judge, half, real);
    const fidNoise = await featureFid(judge, noise, real);
    expect(fidNoise).toBeGreaterThan(10 * fidReal);
    expect(fidReal).toBeLessThan(0.05 * fidNoise);
    const prReal = await precisionRecall(real, await judge.features(half));
    expect(prReal.precision).toBeGreaterThan(0.6);
    expect(prReal.recall).toBeGreaterThan(0.6);
    const prNoise = await precisionRecall(real, await judge.features(noise));
    // Noise collapses to one spot of feature space: no diversity at all. (Its
    // precision need not be low: that spot may lie inside an outlier's ball.)
    expect(prNoise.recall).toBeLessThan(0.05);

    const spread = await classCoverage(judge, test.images, test.labels);
    expect(spread.classesCovered).toBeGreaterThanOrEqual(9);
    expect(spread.klFromData).toBeLessThan(0.1);
    const ones = train.labels!.reduce<number[]>((idx, y, i) => (y === 1 ? [...idx, i] : idx), []).slice(0, 100);
    const trousers = new Uint8Array(ones.length * 784);
    ones.forEach((i, k) => trousers.set(train.images.data.subarray(i * 784, (i + 1) * 784) as Uint8Array, k * 784));
    const one = await classCoverage(
      judge,
      { dtype: 'uint8', shape: [ones.length, 1, 28, 28], data: trousers },
      test.labels,
    );
    expect(one.classesCovered).toBe(1);
    expect(one.histogram[1]).toBeGreaterThan(0.9);
    expect(one.klFromData).toBeGreaterThan(1);
  });

  it('is cached per dataset: a second forDataset loads the same judge', async () => {
    const { train, test } = holdOut(await smallTrain(1000), 0.2);
    const cacheDir = tempDir();
    const first = await Classifier.forDataset(train, test, { device: 'cpu', cacheDir, epochs: 1 });
    const second = await Classifier.forDataset(train, test, { device: 'cpu', cacheDir, epochs: 1 });
    expect(second.path).toBe(first.path);
    expect(second.testAccuracy).toBe(first.testAccuracy);
    const x = take(test, 8).images;
    expect(await second.classifier.probabilities(x)).toEqual(await first.classifier.probabilities(x));
    first.classifier.dispose();
    second.classifier.dispose();
  });
});
