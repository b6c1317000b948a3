// A GAN fit's fixed-noise samples over time (sampleEvery / onSamples): the
// same codes drawn at the fit's start, every N G steps and at its end, on
// the training thread, without touching what training draws. Real MLP GANs
// on real Fashion-MNIST.
import { beforeAll, describe, expect, it } from 'vitest';
import { GAN, GentorchError, type HostTensor, type ImageDataset } from '../../lib/index.js';
import { caughtAsync } from '../helpers/caught.js';
import { smallTrain } from '../helpers/helpers.js';

let data: ImageDataset;
beforeAll(async () => {
  data = await smallTrain(512);
});

const small = (numClasses = 0) =>
  new GAN({ arch: 'mlp', gHidden: 64, dHidden: 64, latentDim: 16, numClasses, seed: 4, device: 'cpu' });

const differ = (a: HostTensor<'float32'>, b: HostTensor<'float32'>) =>
  a.data.reduce((s, v, i) => s + Math.abs(v - b.data[i]), 0) / a.data.length;

describe('GAN fit sampleEvery', () => {
  it('draws the same codes at the start, every N steps and at the end, leaving training as it was', async () => {
    // 25 steps, 6 codes drawn every 10: at steps 0, 10, 20 and 25.
    const snapshots = async (gan: GAN) => {
      const out: { step: number; images: HostTensor<'float32'> }[] = [];
      await gan.fit(data, { steps: 25, batchSize: 32, sampleEvery: 10, sampleCount: 6, onSamples: (s) => out.push(s) });
      return out;
    };
    using a = small();
    const snaps = await snapshots(a);
    expect(snaps.map((s) => s.step)).toEqual([0, 10, 20, 25]);
    for (const s of snaps) {
      expect(s.images.shape).toEqual([6, 1, 28, 28]);
      expect(s.images.data.every((v) => v >= 0 && v <= 1)).toBe(true);
    }
    // G learns between snapshots: the same codes draw other images.
    expect(differ(snaps[0].images, snaps[3].images)).toBeGreaterThan(1e-3);

    // The same fit without snapshots trains identically, and the same seed redraws the same snapshots.
    using b = small();
    await b.fit(data, { steps: 25, batchSize: 32 });
    expect(differ(await a.sample(8, { seed: 9 }), await b.sample(8, { seed: 9 }))).toBe(0);
    using c = small();
    const again = await snapshots(c);
    expect(again.map((t, i) => differ(t.images, snaps[i].images))).toEqual([0, 0, 0, 0]);
  });

  it('a conditional GAN snapshots too (class i % numClasses in row i); bad values are E_CONFIG naming them', async () => {
    using gan = small(10);
    const snaps: HostTensor<'float32'>[] = [];
    await gan.fit(data, {
      steps: 5,
      batchSize: 32,
      sampleEvery: 5,
      sampleCount: 10,
      onSamples: (s) => void snaps.push(s.images),
    });
    expect(snaps).toHaveLength(2);
    expect(snaps[1].shape).toEqual([10, 1, 28, 28]);
    for (const [key, value] of [
      ['sampleEvery', -1],
      ['sampleCount', 0],
      ['sampleEvery', 1.5],
    ] as const) {
      const err = await caughtAsync(() => gan.fit(data, { steps: 1, [key]: value }));
      expect(err).toBeInstanceOf(GentorchError);
      expect((err as GentorchError).code).toBe('E_CONFIG');
      expect((err as GentorchError).message).toContain(key);
    }
  });
});
