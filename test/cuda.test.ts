// CUDA against the CPU: the same weights give the same outputs on both, a
// short training on CUDA reaches the CPU's losses, and the GPU fast paths
// (bf16 autocast, channels-last, cuDNN autotuning) train. Skipped where this
// addon has no CUDA device (every CPU machine, CI included).
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { GAN, VAE, installInfo, type HostTensor } from '../lib/index.js';
import { take } from '../lib/data.js';
import { fashionTest, fashionTrain, smallTrain, tempDir } from './helpers.js';

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
    expect(info.cudaDevices[0]).toMatchObject({ device: 'cuda:0', name: expect.stringMatching(/\S/), capability: expect.stringMatching(/^\d+\.\d+$/) });
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

  it('an MLP VAE epoch on CUDA (float32) reaches the CPU epoch\'s test loss within 1%', async () => {
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
    await gan.fit(data, { epochs: 2, batchSize: 64, progressEvery: 8, onProgress: (p) => losses.push(p.losses.dLoss, p.losses.gLoss) });
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
