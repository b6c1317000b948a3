// The uses of a trained model (lib/compare/apply.ts): corruption, restoration,
// interpolation and latent traversal. Small models trained for a few steps
// (or not at all): these check the geometry of the latent paths, not quality.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GAN,
  VAE,
  corrupt,
  interpolation,
  restoreByEncoder,
  traversal,
  type Corruption,
  type HostTensor,
  type ImageDataset,
} from '../../lib/index.js';
import { take, toFloat } from '../../lib/data/datasets.js';
import { caught, caughtAsync } from '../helpers/caught.js';
import { smallTrain } from '../helpers/helpers.js';

const images = (n: number, c: number, value: number): HostTensor<'float32'> => ({
  dtype: 'float32',
  shape: [n, c, 28, 28],
  data: new Float32Array(n * c * 784).fill(value),
});

/** The largest absolute difference of two equally long arrays. */
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Image i of a batch. */
function image(t: HostTensor<'float32'>, i: number): Float32Array {
  const per = t.shape.slice(1).reduce((a, b) => a * b, 1);
  return t.data.subarray(i * per, (i + 1) * per);
}

describe('corrupt()', () => {
  it('with no noise and no mask is a copy of the images', () => {
    const clean = toFloat({
      dtype: 'uint8',
      shape: [2, 1, 28, 28],
      data: Uint8Array.from({ length: 2 * 784 }, (_, i) => i % 256),
    });
    for (const c of [{}, { noiseStd: 0, maskShare: 0 }]) {
      const out = corrupt(clean, c);
      expect(out.shape).toEqual(clean.shape);
      expect(out.data).toEqual(clean.data);
      expect(out.data).not.toBe(clean.data);
    }
  });

  it('maskShare 0.25 on 28x28 zeroes the centred 14x14 square of every channel and nothing else', () => {
    const out = corrupt(images(2, 3, 0.5), { maskShare: 0.25 });
    for (let i = 0; i < 2 * 3; i++) {
      for (let y = 0; y < 28; y++) {
        for (let x = 0; x < 28; x++) {
          const inside = y >= 7 && y < 21 && x >= 7 && x < 21;
          expect(out.data[i * 784 + y * 28 + x]).toBe(inside ? 0 : 0.5);
        }
      }
    }
    expect(out.data.filter((v) => v === 0).length).toBe(6 * 14 * 14);
  });

  it('adds noise of the given std, the same for a seed, clipped to [0, 1]', () => {
    const clean = images(4, 1, 0.5);
    const a = corrupt(clean, { noiseStd: 0.1, seed: 7 });
    expect(corrupt(clean, { noiseStd: 0.1, seed: 7 }).data).toEqual(a.data);
    expect(maxDiff(corrupt(clean, { noiseStd: 0.1, seed: 8 }).data, a.data)).toBeGreaterThan(0.1);
    expect(corrupt(clean, { noiseStd: 0.1 }).data).toEqual(corrupt(clean, { noiseStd: 0.1, seed: 1 }).data);
    const n = a.data.length;
    const mean = a.data.reduce((s, v) => s + v, 0) / n;
    const std = Math.sqrt(a.data.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
    expect(mean).toBeCloseTo(0.5, 2);
    expect(std).toBeGreaterThan(0.09);
    expect(std).toBeLessThan(0.11);

    const loud = corrupt(images(4, 1, 0.9), { noiseStd: 1, seed: 3 });
    expect(Math.min(...loud.data)).toBe(0);
    expect(Math.max(...loud.data)).toBe(1);
    expect(loud.data.filter((v) => v === 1).length).toBeGreaterThan(n / 4);
    // Noise, then the mask: the square stays 0.
    const both = corrupt(clean, { noiseStd: 0.3, maskShare: 0.25, seed: 2 });
    expect(both.data[14 * 28 + 14]).toBe(0);
    expect(both.data[0]).not.toBe(0.5);
  });

  it('rejects a negative or non-finite noiseStd and a maskShare outside [0, 1] with E_CONFIG naming them', () => {
    const clean = images(1, 1, 0.5);
    for (const [c, name, value] of [
      [{ noiseStd: -0.1 }, 'noiseStd', '-0.1'],
      [{ noiseStd: Infinity }, 'noiseStd', 'Infinity'],
      [{ noiseStd: NaN }, 'noiseStd', 'NaN'],
      [{ maskShare: 1.5 }, 'maskShare', '1.5'],
      [{ maskShare: -0.25 }, 'maskShare', '-0.25'],
      [{ maskShare: NaN }, 'maskShare', 'NaN'],
      [{ maskShare: '0.25' }, 'maskShare', '0.25'],
      [{ seed: -1 }, 'seed', '-1'],
      [{ noise: 0.3 }, 'noise', 'noiseStd'],
    ] as const) {
      const err = caught(() => corrupt(clean, c as Corruption));
      expect(err.code).toBe('E_CONFIG');
      expect(err.message).toContain(name);
      expect(err.message).toContain(value);
    }
  });
});

/** The data and the two models that the interpolation, traversal and restoration blocks share. */
let data: ImageDataset;
let vae: VAE;
let gan: GAN;
let trained: Promise<void> | undefined;

/** Trains the shared models once, for whichever of the blocks below starts first. */
function trainModels(): Promise<void> {
  trained ??= (async () => {
    data = await smallTrain(512);
    vae = new VAE({ device: 'cpu', seed: 3 });
    await vae.fit(data, { steps: 20, batchSize: 64 });
    // A few steps of training: an untrained DCGAN (N(0, 0.02) weights) maps every z to almost the same image.
    gan = new GAN({ arch: 'dcgan', device: 'cpu', seed: 5, latentDim: 16, features: 16 });
    await gan.fit(data, { steps: 20, batchSize: 64 });
  })();
  return trained;
}

afterAll(() => {
  vae?.dispose();
  gan?.dispose();
});

describe('interpolation, traversal and restoration', () => {
  beforeAll(async () => {
    await trainModels();
  });

  it("VAE interpolation: rows x steps images whose row ends decode the given images' posterior means", async () => {
    const out = await interpolation(vae, { images: data, rows: 2, steps: 5 });
    expect(out.shape).toEqual([10, 1, 28, 28]);
    const { mu } = await vae.encode(take(data, 4));
    const ends = await vae.decode(mu);
    for (const [row, a, b] of [
      [0, 0, 1],
      [1, 2, 3],
    ]) {
      expect(maxDiff(image(out, row * 5), image(ends, a))).toBeLessThan(1e-5);
      expect(maxDiff(image(out, row * 5 + 4), image(ends, b))).toBeLessThan(1e-5);
    }
    // The midpoint of row 0 decodes the mean of its ends' codes.
    const d = vae.config.latentDim;
    const mid = Float32Array.from({ length: d }, (_, j) => 0.5 * mu.data[j] + 0.5 * mu.data[d + j]);
    expect(maxDiff(image(out, 2), (await vae.decode({ data: mid, shape: [1, d] })).data)).toBeLessThan(1e-5);
    // The default grid: 4 rows of 10.
    expect((await interpolation(vae, { images: data })).shape).toEqual([40, 1, 28, 28]);
  });

  it('VAE interpolation without images rejects with E_CONFIG, with too few images with E_DATA', async () => {
    expect((await caughtAsync(() => interpolation(vae))).code).toBe('E_CONFIG');
    const err = await caughtAsync(() => interpolation(vae, { images: take(data, 3), rows: 2 }));
    expect(err.code).toBe('E_DATA');
    expect(err.message).toContain('4');
  });

  it("GAN interpolation: rows x steps images, the same for a seed (the model's by default), others for another", async () => {
    const a = await interpolation(gan, { rows: 3, steps: 4, seed: 9 });
    expect(a.shape).toEqual([12, 1, 28, 28]);
    expect((await interpolation(gan, { rows: 3, steps: 4, seed: 9 })).data).toEqual(a.data);
    expect(maxDiff((await interpolation(gan, { rows: 3, steps: 4, seed: 10 })).data, a.data)).toBeGreaterThan(1e-3);
    expect((await interpolation(gan, { rows: 3, steps: 4 })).data).toEqual(
      (await interpolation(gan, { rows: 3, steps: 4, seed: gan.seed })).data,
    );
    // Neighbouring steps along a row differ less than the row's two ends.
    expect(maxDiff(image(a, 0), image(a, 1))).toBeLessThan(maxDiff(image(a, 0), image(a, 3)) + 1e-6);

    using mlp = new GAN({ arch: 'mlp', device: 'cpu', seed: 2 });
    expect((await interpolation(mlp, { rows: 2, steps: 5 })).shape).toEqual([10, 1, 28, 28]);
  });
});

describe('interpolation, traversal and restoration (traversal and restore)', () => {
  beforeAll(async () => {
    await trainModels();
  });

  it('VAE traversal: the dimensions whose posterior means vary most, each swept over [-3, 3] from z = 0', async () => {
    const { images: out, dims } = await traversal(vae, { images: data, dims: 3 });
    expect(out.shape).toEqual([30, 1, 28, 28]);
    const { mu } = await vae.encode(data);
    const [n, d] = mu.shape;
    const variance = Array.from({ length: d }, (_, j) => {
      let mean = 0;
      for (let i = 0; i < n; i++) mean += mu.data[i * d + j] / n;
      let v = 0;
      for (let i = 0; i < n; i++) v += (mu.data[i * d + j] - mean) ** 2 / n;
      return v;
    });
    const expected = variance
      .map((v, j) => ({ v, j }))
      .sort((x, y) => y.v - x.v)
      .slice(0, 3)
      .map((x) => x.j);
    expect(dims).toEqual(expected);
    // Row 1 starts at -3 and ends at +3 on dims[1], 0 elsewhere.
    const z = new Float32Array(2 * d);
    z[dims[1]] = -3;
    z[d + dims[1]] = 3;
    const ends = await vae.decode({ data: z, shape: [2, d] });
    expect(maxDiff(image(out, 10), image(ends, 0))).toBeLessThan(1e-5);
    expect(maxDiff(image(out, 19), image(ends, 1))).toBeLessThan(1e-5);
    // Without images the dimensions are taken in order; at most latentDim of them.
    expect((await traversal(vae, { dims: 3 })).dims).toEqual([0, 1, 2]);
    const all = await traversal(vae, { images: data, dims: 50 });
    expect([...all.dims].sort((x, y) => x - y)).toEqual(Array.from({ length: d }, (_, j) => j));
    expect(all.images.shape[0]).toBe(10 * d);
  });

  it('GAN traversal: the first k dimensions, k rows of 10, the same for a seed', async () => {
    const a = await traversal(gan, { dims: 3, seed: 4 });
    expect(a.dims).toEqual([0, 1, 2]);
    expect(a.images.shape).toEqual([30, 1, 28, 28]);
    expect((await traversal(gan, { dims: 3, seed: 4 })).images.data).toEqual(a.images.data);
    const byDefault = await traversal(gan);
    expect(byDefault.dims).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(byDefault.images.shape).toEqual([80, 1, 28, 28]);
  });

  it('rejects bad rows, steps, dims and seeds with E_CONFIG naming them', async () => {
    for (const [call, name] of [
      [() => interpolation(gan, { rows: 1.5 }), 'rows'],
      [() => interpolation(gan, { steps: -2 }), 'steps'],
      [() => interpolation(gan, { seed: -1 }), 'seed'],
      [() => interpolation(vae, { images: data, rows: 0 }), 'rows'],
      [() => traversal(vae, { images: data, dims: -1 }), 'dims'],
      [() => traversal(gan, { dims: 2.5 }), 'dims'],
      [() => traversal(gan, { steps: 0 }), 'steps'],
    ] as const) {
      const err = await caughtAsync(call as () => Promise<unknown>);
      expect(err.code).toBe('E_CONFIG');
      expect(err.message).toContain(name);
    }
  });

  it('restoreByEncoder(): clean, corrupted and restored images of equal shape; restored is the reconstruction of the corrupted', async () => {
    const some = take(data, 8);
    const { clean, corrupted, restored } = await restoreByEncoder(vae, some, { noiseStd: 0.3 });
    for (const t of [clean, corrupted, restored]) expect(t.shape).toEqual([8, 1, 28, 28]);
    expect(clean.data).toEqual(toFloat(some.images).data);
    expect(corrupted.data).toEqual(corrupt(clean, { noiseStd: 0.3 }).data);
    expect(maxDiff(restored.data, (await vae.reconstruct({ name: 'x', images: corrupted })).data)).toBeLessThan(1e-5);
    expect(restored.data.every((v) => v >= 0 && v <= 1)).toBe(true);
  });
});
