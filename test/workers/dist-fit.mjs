// One rank of the data-parallel tests (test/training/distributed.test.ts): fits a
// model on a .npy with the distributed settings from the environment
// (torchrun's variables) and saves what it ended with to OUT/rank<R>.safetensors.
//   node dist-fit.mjs DATA.npy OUT MODEL(vae|gan) STEPS BATCH [single]
import { join } from 'node:path';
import { GAN, VAE, datasets, distributedFromEnv } from '../../dist/index.js';

const [data, out, model, steps, batch, single] = process.argv.slice(2);
const train = await datasets.fromNpy(data);
const distributed = single ? undefined : distributedFromEnv();
const rank = distributed?.rank ?? 0;
const net = model === 'gan' ? new GAN({ arch: 'mlp', device: 'cpu', seed: 7 }) : new VAE({ device: 'cpu', seed: 7 });
try {
  const h = await net.fit(train, { steps: Number(steps), batchSize: Number(batch), progressEvery: 1, distributed });
  await net.save(join(out, single ? 'single.safetensors' : `rank${rank}.safetensors`));
  process.stdout.write(`${JSON.stringify({ rank, steps: h.steps })}\n`);
} catch (err) {
  process.stderr.write(`gentorch: ${err.code}: ${err.message}\n`);
  process.exitCode = 1;
} finally {
  net.dispose();
}
