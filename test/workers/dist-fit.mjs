// One rank of the data-parallel tests (test/training/distributed.test.ts): fits a
// model on a .npy (images) or a text file (lines) with the distributed
// settings from the environment (torchrun's variables) and saves what it
// ended with to OUT/rank<R>.safetensors.
//   node dist-fit.mjs DATA OUT MODEL(vae|gan|textvae|textgan) STEPS BATCH [single]
import { join } from 'node:path';
import { GAN, TextGAN, TextVAE, VAE, datasets, distributedFromEnv } from '../../dist/index.js';

const [data, out, model, steps, batch, single] = process.argv.slice(2);
const text = model.startsWith('text');
const train = text ? (await datasets.readTextFile(data)).lines : await datasets.fromNpy(data);
const distributed = single ? undefined : distributedFromEnv();
const rank = distributed?.rank ?? 0;
const made = {
  vae: () => new VAE({ device: 'cpu', seed: 7 }),
  gan: () => new GAN({ arch: 'mlp', device: 'cpu', seed: 7 }),
  // Every noise the text VAE draws while training: KL warm-up, character, decoder and n-gram dropout.
  textvae: () =>
    new TextVAE({ device: 'cpu', seed: 7, hiddenDim: 64, charDropout: 0.2, dropout: 0.2, ngramDropout: 0.3 }),
  textgan: () => new TextGAN({ device: 'cpu', seed: 7 }),
};
const net = made[model]();
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
