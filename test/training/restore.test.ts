// Latent search (native/train/latent_search.h): GAN inversion, and
// restoration of damaged images by either family (lib/compare/restore.ts),
// on real Fashion-MNIST test images the models never saw.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GAN,
  VAE,
  damage,
  maskedPsnr,
  randomHoles,
  restore,
  type HostTensor,
  type ImageDataset,
} from '../../lib/index.js';
import { take, toFloat } from '../../lib/data/datasets.js';
import { caughtAsync } from '../helpers/caught.js';
import { fashionTest, fashionTrain } from '../helpers/helpers.js';

let vae: VAE;
let gan: GAN;
let test: ImageDataset;
let clean: HostTensor<'float32'>;

// The bar, on smaller models: the MLP VAE after 5 epochs and a
// DCGAN of half the width after one (83 s on 2 cores). Measured 2026-12-02
// (libtorch 1.13): VAE +11 dB inside holes, +5 dB under noise; this GAN
// +8 dB and +5 dB, its own samples inverted at 27 dB.
beforeAll(async () => {
  const train = await fashionTrain();
  vae = new VAE({ device: 'cpu', seed: 1 });
  await vae.fit(train, { epochs: 5 });
  gan = new GAN({ arch: 'dcgan', features: 32, device: 'cpu', seed: 1 });
  await gan.fit(train, { epochs: 1 });
  test = take(await fashionTest(), 50);
  clean = toFloat(test.images);
}, 900_000);

afterAll(() => {
  vae?.dispose();
  gan?.dispose();
});

describe('GAN inversion', () => {
  it("recovers the GAN's own samples closely, and test images better than a random sample does", async () => {
    const own = await gan.sample(50, { seed: 9 });
    const inv = await gan.invert({ data: own.data, shape: own.shape });
    expect(inv.codes.shape).toEqual([50, gan.config.latentDim]);
    expect(inv.images.shape).toEqual(own.shape);
    expect(maskedPsnr(own, inv.images)).toBeGreaterThan(22);
    const onTest = await gan.invert(test);
    const random = await gan.sample(50, { seed: 10 });
    expect(maskedPsnr(clean, onTest.images)).toBeGreaterThan(maskedPsnr(clean, random) + 3);
    expect(onTest.secondsPerImage).toBeGreaterThan(0);
  });

  it('takes no mask, and a conditional GAN needs its labels', async () => {
    const e = await caughtAsync(() => gan.invert(test, { mask: randomHoles(50, 28, 28) } as never));
    expect(e.code).toBe('E_CONFIG');
    using cgan = new GAN({ arch: 'mlp', numClasses: 10, device: 'cpu' });
    const f = await caughtAsync(() => cgan.invert({ data: clean.data, shape: clean.shape }));
    expect(f.code).toBe('E_DATA');
    expect(f.message).toMatch(/labels/);
  });
});

describe('restore() by latent search', () => {
  const mask = randomHoles(50, 28, 28, { seed: 3 });

  for (const family of ['vae', 'gan'] as const) {
    it(`${family}: fills random holes far better than the damaged input, keeping every known pixel`, async () => {
      const model = family === 'vae' ? vae : gan;
      const holed = damage(clean, { mask });
      const r = await restore(model, { name: 'holed', images: holed }, { mask });
      expect(r.restored.shape).toEqual(clean.shape);
      const before = maskedPsnr(clean, holed, { mask, value: 0 });
      const after = maskedPsnr(clean, r.restored, { mask, value: 0 });
      expect(after).toBeGreaterThan(before + (family === 'vae' ? 8 : 6));
      // No noise declared: the pixels that survived come back exactly.
      for (let i = 0; i < mask.data.length; i++) if (mask.data[i] === 1) expect(r.restored.data[i]).toBe(holed.data[i]);
    });

    it(`${family}: denoises (std 0.3) above the noisy input`, async () => {
      const model = family === 'vae' ? vae : gan;
      const noisy = damage(clean, { noiseStd: 0.3, seed: 4 });
      const r = await restore(model, { name: 'noisy', images: noisy }, { noiseStd: 0.3 });
      expect(maskedPsnr(clean, r.restored)).toBeGreaterThan(maskedPsnr(clean, noisy) + (family === 'vae' ? 4 : 2));
      expect(r.restored.data.every((v) => v >= 0 && v <= 1)).toBe(true);
    });
  }

  it('a mask of the wrong shape is E_SHAPE, a mask of other values E_DATA, both naming the mask', async () => {
    const bad = await caughtAsync(() => restore(vae, test, { mask: randomHoles(49, 28, 28) }));
    expect(bad.code).toBe('E_SHAPE');
    expect(bad.message).toMatch(/mask/);
    const twos = { data: new Uint8Array(50 * 784).fill(2), shape: [50, 1, 28, 28] };
    const e = await caughtAsync(() => restore(vae, test, { mask: twos }));
    expect(e.code).toBe('E_DATA');
    expect(e.message).toMatch(/mask/);
    const neg = await caughtAsync(() => restore(gan, test, { noiseStd: -1 }));
    expect(neg.code).toBe('E_CONFIG');
    expect(neg.message).toMatch(/noiseStd/);
  });
});

describe('latent search progress', () => {
  it('reports done/total Adam steps up to the end, with an ETA; a throwing onProgress is E_CALLBACK', async () => {
    const seen: { done: number; total: number; fraction: number; etaSeconds: number }[] = [];
    // 50 images in chunks of 16 (4 chunks), 3 starts of 10 steps each, then 300 steps.
    const r = await restore(gan, test, {
      noiseStd: 0.3,
      chunk: 16,
      starts: 3,
      startSteps: 10,
      steps: 300,
      onProgress: (p) => seen.push(p),
    });
    expect(r.restored.shape).toEqual([50, 1, 28, 28]);
    expect(seen.length).toBeGreaterThan(1);
    const total = 4 * (10 + 300);
    expect(seen.every((p) => p.total === total)).toBe(true);
    expect(seen.at(-1)).toMatchObject({ done: total, fraction: 1, etaSeconds: 0 });
    for (let i = 1; i < seen.length; i++) expect(seen[i].done).toBeGreaterThan(seen[i - 1].done);
    expect(seen.slice(0, -1).every((p) => p.etaSeconds > 0)).toBe(true);

    const boom = new Error('boom');
    const err = await caughtAsync(() =>
      vae.search(test, {
        steps: 200,
        onProgress: () => {
          throw boom;
        },
      }),
    );
    expect(err.code).toBe('E_CALLBACK');
    expect(err.cause).toBe(boom);
    const bad = await caughtAsync(() => vae.search(test, { onProgress: 3 as never }));
    expect(bad.code).toBe('E_CONFIG');
  });
});
