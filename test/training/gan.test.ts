// The GAN family on real libtorch: the 2-D mixtures of VEEGAN/PacGAN, conditional
// sampling, checkpoints, resume and bad input.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  Classifier,
  GAN,
  GAN_PRESETS,
  GentorchError,
  SYNTHETIC,
  classCoverage,
  datasets,
  featureFid,
  load,
  modeCoverage,
} from '../../lib/index.js';
import { hasPythonTorch, smallTrain, tempDir } from '../helpers/helpers.js';

const ring8 = datasets.synthetic('ring8', { n: 50_000, seed: 1 });
const points = GAN_PRESETS.points;

async function ringRun(
  loss: 'ns' | 'minimax' | 'wgan-gp' | 'hinge',
  steps = 3000,
  seed = 1,
): Promise<ReturnType<typeof modeCoverage>> {
  using gan = new GAN({ ...points.model, loss, device: 'cpu', seed });
  await gan.fit(ring8, { ...points.fit, steps });
  return modeCoverage(await gan.sample(2500, { seed: 2 }), SYNTHETIC.ring8);
}

describe('GAN on ring8 (8 Gaussians, std 0.01)', () => {
  // These runs are chaotic: the high-quality share of one seed flips between
  // about 45% and 88% with the BLAS kernel's rounding (seed 1 gives 88% on one
  // EPYC's OpenBLAS kernels, 44% on another's), and one seed's coverage moves
  // by a mode with the libtorch version (seed 3: 8 of 8 on 1.13, 6 of 8 on
  // 2.6). What holds on both is the distribution over seeds: the test takes
  // five and asserts the median run's coverage and quality, and that no run
  // collapses (the minimax GAN below keeps 1 to 4 modes).
  it('NS-GAN over seeds 1 to 5: the median run covers at least 7 of 8 modes with at least 70% high-quality samples, none fewer than 6, in 3000 steps', async () => {
    const runs = [];
    for (const seed of [1, 2, 3, 4, 5]) runs.push(await ringRun('ns', 3000, seed));
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[2];
    const said = runs.map((m) => `${m.covered}/8 ${(m.highQualityRate * 100).toFixed(0)}%`).join(', ');
    for (const m of runs) {
      expect(m.total).toBe(8);
      expect(m.covered, said).toBeGreaterThanOrEqual(6);
    }
    expect(median(runs.map((m) => m.covered)), said).toBeGreaterThanOrEqual(7);
    expect(median(runs.map((m) => m.highQualityRate)), said).toBeGreaterThanOrEqual(0.7);
  }, 480_000);

  it('WGAN-GP (nCritic 5, lambda 1 for 2-D data) covers at least 7 of 8 modes with at least 70% high quality in 3000 steps', async () => {
    const m = await ringRun('wgan-gp');
    expect(m.covered).toBeGreaterThanOrEqual(7);
    expect(m.highQualityRate).toBeGreaterThanOrEqual(0.7);
  }, 900_000); // 15,000 critic steps of batch 512: about 2 minutes on 2 free cores

  it("the article's minimax GAN, same networks and steps, drops modes that the NS-GAN keeps", async () => {
    // Measured, not assumed, over seeds 1 to 5 (batch 512): the saturating G
    // loss log(1 - D(G(z))) leaves G on 1 to 4 of the 8 modes (seed 1: 3),
    // where the NS-GAN covers 7 or 8. At batch 256 the outcome was chaotic
    // (1 to 8 modes, moved by rounding alone), see README.
    const m = await ringRun('minimax');
    expect(m.covered).toBeLessThanOrEqual(5);
  });

  it('a conditional GAN samples the asked mode', async () => {
    using gan = new GAN({ ...points.model, numClasses: 8, device: 'cpu', seed: 1 });
    await gan.fit(ring8, { ...points.fit, steps: 1500 });
    for (const k of [0, 3, 6]) {
      const s = await gan.sample(400, { seed: 2, labels: new Int32Array(400).fill(k) });
      const [mx, my] = SYNTHETIC.ring8.means[k];
      let near = 0;
      for (let i = 0; i < 400; i++) if (Math.hypot(s.data[2 * i] - mx, s.data[2 * i + 1] - my) < 0.2) near++;
      expect(near / 400).toBeGreaterThan(0.9);
    }
  });
});

describe('GAN training', () => {
  it('trains a DCGAN on 28x28 images: D and G losses move and progress carries D(x), D(G(z)) and gradient norms', async () => {
    const train = await smallTrain(512);
    using gan = new GAN({ arch: 'dcgan', device: 'cpu', seed: 1, features: 16 });
    const events: Record<string, number>[] = [];
    const h = await gan.fit(train, {
      epochs: 2,
      batchSize: 64,
      progressEvery: 4,
      onProgress: (p) => events.push(p.losses),
    });
    expect(h.epochs).toHaveLength(2);
    expect(gan.trainingState.step).toBe(16);
    for (const key of ['dLoss', 'gLoss', 'dReal', 'dFake', 'gradNormD', 'gradNormG']) {
      expect(events.every((e) => Number.isFinite(e[key]))).toBe(true);
    }
    expect(events.every((e) => e.dReal >= 0 && e.dReal <= 1)).toBe(true);
    expect(events.some((e) => e.gradNormG > 0)).toBe(true);
    const s = await gan.sample(6);
    expect(s.shape).toEqual([6, 1, 28, 28]);
    expect(s.data.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('hinge loss with label smoothing trains and reports finite gradient norms', async () => {
    using gan = new GAN({ ...points.model, loss: 'hinge', labelSmoothing: 0.1, device: 'cpu', seed: 3 });
    const norms: number[] = [];
    await gan.fit(ring8, {
      ...points.fit,
      steps: 200,
      progressEvery: 10,
      onProgress: (p) => norms.push(p.losses.gradNormD),
    });
    expect(norms.length).toBe(20);
    expect(norms.every((n) => Number.isFinite(n) && n > 0)).toBe(true);
  });

  it('gradient-norm clipping scales the gradients Adam sees', async () => {
    // Clipped to 1e-12, gradients fall far below Adam's eps (1e-8): G barely moves.
    const moved = async (clipGrad: number): Promise<number> => {
      using gan = new GAN({ ...points.model, emaDecay: 0, clipGrad, device: 'cpu', seed: 3 });
      const before = await gan.sample(256, { seed: 1 });
      await gan.fit(ring8, { ...points.fit, steps: 50 });
      const after = await gan.sample(256, { seed: 1 });
      return Math.max(...after.data.map((v, i) => Math.abs(v - before.data[i])));
    };
    expect(await moved(1e-12)).toBeLessThan(1e-2);
    expect(await moved(0)).toBeGreaterThan(0.1);
  });
});

describe('DCGAN on Fashion-MNIST', () => {
  it('one epoch (seed 1) gives samples spread over the classes, as judged by the domain classifier', async () => {
    const [train, test] = await Promise.all([
      datasets.fashionMnist({ split: 'train' }),
      datasets.fashionMnist({ split: 'test' }),
    ]);
    using gan = new GAN({ arch: 'dcgan', device: 'cpu', seed: 1 });
    await gan.fit(train, { epochs: 1 });
    const { classifier, testAccuracy } = await Classifier.forDataset(train, test, { device: 'cpu' });
    using judge = classifier;
    expect(testAccuracy).toBeGreaterThan(0.85);
    const samples = await gan.sample(5000);
    const c = await classCoverage(judge, samples, test.labels);
    // Measured (10,000 samples, scripts/bench/dcgan-quality.mjs): FID 14.9
    // against 17.3 for PyTorch's same networks trained the same way (PyTorch
    // over seeds 1-3: 15.6 to 24.3); all 10 classes with at least 5% (the
    // rarest, coat, 6.4%). On another EPYC's kernels the same seed gives FID
    // 22.7 and 8 classes over 5% (5,000 samples: pullover 2.0%, coat 4.9%):
    // a class count at a 5% line moves with rounding, so the test asserts 8 and
    // that every class keeps more than 1.5% of the samples.
    expect(c.classesCovered, c.histogram.map((h) => h.toFixed(3)).join(', ')).toBeGreaterThanOrEqual(8);
    expect(Math.min(...c.histogram)).toBeGreaterThan(0.015);
    const fid = await featureFid(judge, samples, test.images);
    expect(fid).toBeLessThan(45);
    const noise = {
      dtype: 'float32' as const,
      shape: [5000, 1, 28, 28],
      data: Float32Array.from({ length: 5000 * 784 }, () => Math.random()),
    };
    expect(fid).toBeLessThan((await featureFid(judge, noise, test.images)) / 3);
  }, 900_000);

  it("batchStats sampling uses the samples' own BatchNorm statistics and leaves the running ones alone", async () => {
    const train = await smallTrain(256);
    using gan = new GAN({ arch: 'dcgan', features: 8, device: 'cpu', seed: 7 });
    await gan.fit(train, { epochs: 1, batchSize: 64 });
    const before = await gan.sample(16, { seed: 3 });
    const batch = await gan.sample(16, { seed: 3, batchStats: true });
    expect(batch.data).not.toEqual(before.data);
    expect(await gan.sample(16, { seed: 3 })).toEqual(before);
  });
});

describe('GAN generate', () => {
  it('maps given latent codes through G: the same code gives the same image, and a line of codes a path', async () => {
    using gan = new GAN({ ...points.model, device: 'cpu', seed: 4 });
    await gan.fit(ring8, { ...points.fit, steps: 100 });
    const d = gan.config.latentDim;
    const z = Float32Array.from({ length: 3 * d }, (_, i) => Math.sin(i));
    const out = await gan.generate({ data: z, shape: [3, d] });
    expect(out.shape[0]).toBe(3);
    expect(out.data).toHaveLength(6);
    const again = await gan.generate({ data: z.slice(d, 2 * d), shape: [1, d] });
    expect(Array.from(again.data)).toEqual(Array.from(out.data.subarray(2, 4)));
    await expect(gan.generate({ data: z, shape: [1, 3 * d] })).rejects.toMatchObject({ code: 'E_SHAPE' });
    await expect(gan.generate({ data: new Float32Array(0), shape: [0, d] })).rejects.toMatchObject({ code: 'E_DATA' });
  });
});

describe('GAN checkpoints', () => {
  it('save then load gives identical samples, and load() rebuilds a GAN', async () => {
    const dir = tempDir();
    using gan = new GAN({ ...points.model, device: 'cpu', seed: 4 });
    await gan.fit(ring8, { ...points.fit, steps: 100 });
    const file = join(dir, 'gan.safetensors');
    await gan.save(file);
    const loaded = await load(file, { device: 'cpu' });
    expect(loaded).toBeInstanceOf(GAN);
    using again = loaded as GAN;
    expect(again.config).toEqual(gan.config);
    expect(again.trainingState).toEqual(gan.trainingState);
    expect(await again.sample(64, { seed: 5 })).toEqual(await gan.sample(64, { seed: 5 }));
  });

  it('a resumed run restores both networks, both optimizers and the data order', async () => {
    const dir = tempDir();
    const train = await smallTrain(256);
    const opts = { arch: 'dcgan' as const, features: 8, device: 'cpu', seed: 6 };
    using straight = new GAN(opts);
    await straight.fit(train, { epochs: 2, batchSize: 64 });
    using first = new GAN(opts);
    await first.fit(train, { epochs: 1, batchSize: 64 });
    const file = join(dir, 'half.safetensors');
    await first.save(file);
    using resumed = await GAN.load(file, { device: 'cpu' });
    await resumed.fit(train, { epochs: 1, batchSize: 64 });
    expect(resumed.trainingState).toEqual(straight.trainingState);
    const a = await straight.sample(4, { seed: 1 });
    const b = await resumed.sample(4, { seed: 1 });
    for (let i = 0; i < a.data.length; i += 37) expect(b.data[i]).toBeCloseTo(a.data[i], 4);
  });
});

describe('GAN checkpoints in PyTorch', async () => {
  it.skipIf(!(await hasPythonTorch()))(
    'load strictly into the reference modules of scripts/reference/gan.py',
    async () => {
      const dir = tempDir();
      const train = await smallTrain(256);
      for (const arch of ['mlp', 'dcgan'] as const) {
        using gan = new GAN({ arch, device: 'cpu', seed: 2 });
        await gan.fit(train, { epochs: 1 });
        const file = join(dir, `${arch}.safetensors`);
        await gan.save(file);
        const r = spawnSync('/usr/bin/python3', ['scripts/reference/gan.py', 'load', file], { encoding: 'utf8' });
        expect(r.stderr).toBe('');
        const out = JSON.parse(r.stdout) as { arch: string; d_of_g: number; sample_min: number; sample_max: number };
        expect(out.arch).toBe(arch);
        expect(out.d_of_g).toBeGreaterThan(0);
        expect(out.sample_max).toBeLessThanOrEqual(1);
      }
    },
  );
});

describe('GAN bad input', () => {
  it('gets typed errors naming the bad value', async () => {
    expect(() => new GAN({ arch: 'dcgan', height: 30, width: 30 })).toThrow(/28x28, 32x32 or 64x64/);
    expect(() => new GAN({ loss: 'wasserstein' as never })).toThrow(GentorchError);
    expect(() => new GAN({ arch: 'dcgan', loss: 'wgan-gp', dBatchnorm: true })).toThrow(/dBatchnorm false/);
    expect(() => new GAN({ emaDecay: 1 })).toThrow(
      'Expected number in [0, 1) for emaDecay but received 1 of type number',
    );
    expect(() => new GAN({ nCritc: 5 } as never)).toThrow(/did you mean "nCritic"/);
    using cond = new GAN({ ...points.model, numClasses: 8, device: 'cpu' });
    const unlabelled = { ...ring8, labels: undefined };
    await expect(cond.fit(unlabelled, { steps: 1 })).rejects.toMatchObject({ code: 'E_DATA' });
    await expect(cond.sample(2, { labels: Int32Array.from([0, 9]) })).rejects.toThrow(/label in \[0, 7\]/);
    using gan = new GAN({ device: 'cpu' });
    await expect(gan.fit(ring8, { steps: 1 })).rejects.toMatchObject({ code: 'E_SHAPE' });
    await expect(gan.fit(await smallTrain(64), { lrG: 0 })).rejects.toMatchObject({ code: 'E_CONFIG' });
    await expect(gan.fit(await smallTrain(64), { steps: 1, cudaGraphs: 'on' })).rejects.toThrow(
      /CUDA device for cudaGraphs "on"/,
    );
  });
});
