// CUDA against the CPU: the same weights give the same outputs on both, a
// short training on CUDA reaches the CPU's losses, and the GPU fast paths
// (bf16 autocast, channels-last, cuDNN autotuning, CUDA graphs) train, the
// graphs to the same numbers as eager steps. Skipped where this addon has no
// CUDA device (every CPU machine, CI included).
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { GAN, VAE, installInfo, type HostTensor } from '../../lib/index.js';
import { take } from '../../lib/data/datasets.js';
import { fashionTest, fashionTrain, smallTrain, tempDir } from '../helpers/helpers.js';

const HAS_CUDA = installInfo().devices.includes('cuda:0');
const work = tempDir('gentorch-cuda-');
afterAll(() => rmSync(work, { recursive: true, force: true }));

function maxAbsDiff(a: HostTensor<'float32'>, b: HostTensor<'float32'>): number {
  expect(a.shape).toEqual(b.shape);
  let worst = 0;
  for (let i = 0; i < a.data.length; i++) worst = Math.max(worst, Math.abs(a.data[i] - b.data[i]));
  return worst;
}

describe.skipIf(!HAS_CUDA)('CUDA', () => {
  it('gentorch info names the CUDA device, its memory and compute capability', () => {
    const info = installInfo();
    expect(info.flavour).toBe('cuda');
    expect(info.cudaDevices.length).toBeGreaterThan(0);
    expect(info.cudaDevices[0]).toMatchObject({
      device: 'cuda:0',
      name: expect.stringMatching(/\S/),
      capability: expect.stringMatching(/^\d+\.\d+$/),
    });
    expect(info.cudaDevices[0].memoryGiB).toBeGreaterThan(1);
  });

  it('the same MLP VAE weights reconstruct the same images on CUDA and on the CPU', async () => {
    const data = await smallTrain(1024);
    using cpu = new VAE({ device: 'cpu', seed: 1 });
    await cpu.fit(data, { steps: 20, batchSize: 64 });
    const path = join(work, 'vae-mlp.safetensors');
    await cpu.save(path);
    using gpu = await VAE.load(path, { device: 'cuda' });
    const images = take(data, 64);
    expect(maxAbsDiff(await gpu.reconstruct(images), await cpu.reconstruct(images))).toBeLessThan(1e-4);
  });

  it("an MLP VAE epoch on CUDA (float32) reaches the CPU epoch's test loss within 1%", async () => {
    const [train, test] = [await fashionTrain(), await fashionTest()];
    const nelbo = async (device: string): Promise<number> => {
      using vae = new VAE({ device, seed: 1 });
      await vae.fit(train, { epochs: 1 });
      return (await vae.evaluate(test)).nelbo;
    };
    const [cpu, gpu] = [await nelbo('cpu'), await nelbo('cuda')];
    expect(gpu).toBeLessThanOrEqual(264);
    expect(Math.abs(gpu - cpu) / cpu).toBeLessThan(0.01);
  });
});

describe.skipIf(!HAS_CUDA)('CUDA (conv VAE and DCGAN)', () => {
  it('the conv VAE with precision auto (bf16 autocast, channels-last on CUDA) trains to within 2% of float32 on the CPU', async () => {
    const data = await smallTrain(8192);
    const lastLoss = async (device: string): Promise<number> => {
      using vae = new VAE({ arch: 'conv', device, seed: 2 });
      const h = await vae.fit(data, { epochs: 3, batchSize: 64 });
      return h.epochs.at(-1)!.losses.loss;
    };
    const [cpu, gpu] = [await lastLoss('cpu'), await lastLoss('cuda')];
    expect(Math.abs(gpu - cpu) / cpu).toBeLessThan(0.02);
  });

  it('a conv VAE trained on CUDA (channels-last weights) saves and loads on the CPU with the same outputs', async () => {
    const data = await smallTrain(1024);
    using gpu = new VAE({ arch: 'conv', device: 'cuda', seed: 3 });
    await gpu.fit(data, { steps: 30, batchSize: 64 });
    const path = join(work, 'vae-conv.safetensors');
    await gpu.save(path);
    using cpu = await VAE.load(path, { device: 'cpu' });
    const images = take(data, 32);
    // cuDNN may use TF32 for float32 convolutions: agree to about 1e-3.
    expect(maxAbsDiff(await cpu.reconstruct(images), await gpu.reconstruct(images))).toBeLessThan(5e-3);
  });

  it('a DCGAN with precision auto trains on CUDA: finite losses, samples in [0, 1], loadable on the CPU', async () => {
    const data = await smallTrain(4096);
    using gan = new GAN({ arch: 'dcgan', device: 'cuda', seed: 1 });
    const losses: number[] = [];
    await gan.fit(data, {
      epochs: 2,
      batchSize: 64,
      progressEvery: 8,
      onProgress: (p) => losses.push(p.losses.dLoss, p.losses.gLoss),
    });
    expect(losses.length).toBeGreaterThan(10);
    expect(losses.every(Number.isFinite)).toBe(true);
    const samples = await gan.sample(64);
    expect(Math.min(...samples.data)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...samples.data)).toBeLessThanOrEqual(1);
    const path = join(work, 'dcgan.safetensors');
    await gan.save(path);
    using cpu = await GAN.load(path, { device: 'cpu' });
    const z = { data: new Float32Array(16 * 100).map((_, i) => Math.sin(i)), shape: [16, 100] };
    expect(maxAbsDiff(await cpu.generate(z), await gan.generate(z))).toBeLessThan(5e-3);
  });
});

describe.skipIf(!HAS_CUDA)('CUDA (graphs)', () => {
  // 1000 images in batches of 64: 15 replayed steps and one short, eager one per epoch.
  const epochLosses = (h: { epochs: { losses: Record<string, number> }[] }, key: string): number[] =>
    h.epochs.map((e) => e.losses[key]);

  it("CUDA graphs (auto for the MLP VAE) give the eager steps' losses, and a graphed run resumes exactly", async () => {
    const data = await smallTrain(1000);
    const run = async (
      cudaGraphs: 'auto' | 'off',
      epochs: number,
      from?: string,
    ): Promise<{ losses: number[]; graphs: boolean; vae: VAE }> => {
      const vae = from ? await VAE.load(from, { device: 'cuda' }) : new VAE({ device: 'cuda', seed: 4 });
      const h = await vae.fit(data, { epochs, batchSize: 64, cudaGraphs });
      return { losses: epochLosses(h, 'loss'), graphs: h.cudaGraphs, vae };
    };
    const eager = await run('off', 3);
    const graphed = await run('auto', 3);
    expect([eager.graphs, graphed.graphs]).toEqual([false, true]);
    for (let e = 0; e < 3; e++)
      expect(Math.abs(graphed.losses[e] - eager.losses[e]) / eager.losses[e]).toBeLessThan(1e-4);
    // Adam's host step count followed the replays: 2 graphed epochs, saved, loaded, a third matches the 3-epoch run.
    const two = await run('auto', 2);
    const path = join(work, 'vae-graphs.safetensors');
    await two.vae.save(path);
    const third = await run('auto', 1, path);
    expect(third.vae.trainingState.step).toBe(48);
    expect(Math.abs(third.losses[0] - graphed.losses[2]) / graphed.losses[2]).toBeLessThan(1e-4);
    for (const r of [eager, graphed, two, third]) r.vae.dispose();
  });

  it("CUDA graphs replay the MLP GAN's whole step (2 critic steps with gradient penalty, G step, EMA) as eager steps do", async () => {
    const data = await smallTrain(1000);
    const run = async (
      cudaGraphs: 'auto' | 'off',
    ): Promise<{ d: number[]; g: number[]; graphs: boolean; samples: HostTensor<'float32'> }> => {
      using gan = new GAN({ device: 'cuda', seed: 5, loss: 'wgan-gp', nCritic: 2, emaDecay: 0.9 });
      const h = await gan.fit(data, { epochs: 2, batchSize: 64, cudaGraphs });
      return {
        d: epochLosses(h, 'dLoss'),
        g: epochLosses(h, 'gLoss'),
        graphs: h.cudaGraphs,
        samples: await gan.sample(16, { seed: 1 }),
      };
    };
    const [eager, graphed] = [await run('off'), await run('auto')];
    expect([eager.graphs, graphed.graphs]).toEqual([false, true]);
    for (let e = 0; e < 2; e++) {
      expect(Math.abs(graphed.d[e] - eager.d[e])).toBeLessThan(1e-3 * Math.max(1, Math.abs(eager.d[e])));
      expect(Math.abs(graphed.g[e] - eager.g[e])).toBeLessThan(1e-3 * Math.max(1, Math.abs(eager.g[e])));
    }
    expect(maxAbsDiff(graphed.samples, eager.samples)).toBeLessThan(1e-3);
  });

  it('cudaGraphs "on" captures the conv VAE under bf16 autocast and trains as its eager steps do; onNan skip with "on" is E_CONFIG', async () => {
    const data = await smallTrain(2048);
    const last = async (cudaGraphs: 'on' | 'off'): Promise<number> => {
      using vae = new VAE({ arch: 'conv', device: 'cuda', seed: 6 });
      const h = await vae.fit(data, { epochs: 2, batchSize: 64, cudaGraphs });
      expect(h.cudaGraphs).toBe(cudaGraphs === 'on');
      return h.epochs.at(-1)!.losses.loss;
    };
    const [on, off] = [await last('on'), await last('off')];
    expect(Math.abs(on - off) / off).toBeLessThan(0.01);
    using vae = new VAE({ device: 'cuda', seed: 1 });
    await expect(vae.fit(data, { steps: 1, cudaGraphs: 'on', onNan: 'skip' })).rejects.toThrow(
      /onNan "skip".*cudaGraphs "on"/,
    );
  });
});
