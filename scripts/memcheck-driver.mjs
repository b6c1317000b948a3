// What scripts/memcheck.mjs runs under valgrind: every native path a user
// reaches (fit, sample, encode, save, load, errors, cancel, dispose) on a
// few steps of small models, so memcheck can see each allocation freed.
import { GAN, VAE, datasets, load } from '../dist/index.js';
import { take } from '../dist/data/datasets.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'gentorch-memcheck-'));
const expectCode = async (what, promise, code) => {
  try {
    await promise;
  } catch (err) {
    if (err.code === code) return;
    throw new Error(`${what}: expected ${code} but got ${err.code}: ${err.message}`);
  }
  throw new Error(`${what}: expected ${code} but it succeeded`);
};

try {
  const train = take(await datasets.fashionMnist({ split: 'train' }), 256);
  // Plain JS on Node 20 has no `using`: dispose in finally blocks.
  const vae = new VAE({ device: 'cpu', hiddenDim: 64, latentDim: 4 });
  try {
    await vae.fit(train, { steps: 4, batchSize: 32, checkpointEvery: 2, checkpointPath: join(dir, 'vae.safetensors') });
    await vae.sample(8);
    await vae.encode(take(train, 8));
    await vae.evaluate(take(train, 32));
    await vae.save(join(dir, 'vae2.safetensors'));
    const again = await load(join(dir, 'vae2.safetensors'), { device: 'cpu' });
    try {
      await again.reconstruct(take(train, 4));
    } finally {
      again.dispose();
    }
    await expectCode(
      'decode of a bad shape',
      vae.decode({ dtype: 'float32', shape: [2, 3], data: new Float32Array(6) }),
      'E_SHAPE',
    );
    await expectCode(
      'fit of NaN steps',
      vae.fit(train, { steps: 200, lr: 1e7, batchSize: 32, onNan: 'skip' }),
      'E_NUMERIC',
    );
  } finally {
    vae.dispose();
  }
  const cancelled = new VAE({ device: 'cpu', hiddenDim: 64, latentDim: 4 });
  const running = cancelled.fit(train, {
    epochs: 100,
    batchSize: 32,
    progressEvery: 1,
    onProgress: () => cancelled.dispose(),
  });
  await expectCode('dispose during a fit', running, 'E_ABORTED');
  const gan = new GAN({ arch: 'mlp', device: 'cpu', gHidden: 32, dHidden: 32, latentDim: 8 });
  try {
    await gan.fit(train, { steps: 3, batchSize: 32 });
    await gan.sample(8);
    await gan.save(join(dir, 'gan.safetensors'));
    const again = await load(join(dir, 'gan.safetensors'), { device: 'cpu' });
    try {
      await again.sample(2);
    } finally {
      again.dispose();
    }
  } finally {
    gan.dispose();
  }
  console.log('memcheck-driver: done');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
