// Memory of a phase (lib/compare/memory.ts) and inference in chunks
// (native/train/images.h in_chunks): sampling thousands of DCGAN images
// must not hold all their activations at once.
import { describe, expect, it } from 'vitest';
import { GAN, VAE } from '../../lib/index.js';
import { measurePhase } from '../../lib/compare/memory.js';
import { native } from '../../lib/native.js';

const MiB = 2 ** 20;

describe('measurePhase', () => {
  it('sees a phase that holds 200 MiB, and not one that holds nothing', async () => {
    const big = await measurePhase(async () => {
      const a = new Float64Array((200 * MiB) / 8).fill(1); // touched, so resident
      await new Promise((r) => setTimeout(r, 100));
      return a.length;
    });
    expect(big.peakRssBytes - big.startRssBytes).toBeGreaterThan(150 * MiB);
    const idle = await measurePhase(() => new Promise((r) => setTimeout(r, 100)));
    expect(idle.peakRssBytes - idle.startRssBytes).toBeLessThan(50 * MiB);
    expect(typeof native().releaseMemory()).toBe('boolean');
  });
});

describe('inference in chunks', () => {
  it("a DCGAN samples 4000 images with far less memory than one batch's activations (about 1.6 GB)", async () => {
    using gan = new GAN({ arch: 'dcgan', device: 'cpu' });
    const m = await measurePhase(() => gan.sample(4000, { seed: 3 }));
    expect(m.value.shape).toEqual([4000, 1, 28, 28]);
    expect(m.peakRssBytes - m.startRssBytes).toBeLessThan(700 * MiB);
    // Chunks give the images one batch would (running BatchNorm statistics),
    // up to the rounding of other batch sizes.
    const few = await gan.sample(600, { seed: 3 });
    const head = m.value.data.subarray(0, 600 * 784);
    expect(few.data.every((v, i) => Math.abs(v - head[i]) < 1e-4)).toBe(true);
  });

  it("a VAE's encode, decode and reconstruct of 1200 images agree with their parts", async () => {
    using vae = new VAE({ arch: 'conv', device: 'cpu' });
    const data = Float32Array.from({ length: 1200 * 784 }, (_, i) => (i % 251) / 251);
    const all = await vae.encode({ data, shape: [1200, 1, 28, 28] });
    const tail = await vae.encode({ data: data.subarray(700 * 784), shape: [500, 1, 28, 28] });
    expect(all.mu.shape).toEqual([1200, vae.config.latentDim]);
    const d = vae.config.latentDim;
    const near = (a: Float32Array, b: Float32Array) => a.every((v, i) => Math.abs(v - b[i]) < 1e-4);
    expect(near(all.mu.data.subarray(700 * d), tail.mu.data)).toBe(true);
    expect(near(all.logvar.data.subarray(700 * d), tail.logvar.data)).toBe(true);
    const rec = await vae.reconstruct({ data, shape: [1200, 1, 28, 28] });
    expect(rec.shape).toEqual([1200, 1, 28, 28]);
    const dec = await vae.decode(all.mu);
    expect(near(dec.data, rec.data)).toBe(true);
  });
});
