// The text VAE's figure in the README ("Text VAE"): trains a TextVAE on the
// words dataset for a wall-clock budget, then measures the test split (bits
// per character by the negative ELBO and by the IWAE bound, EOS counted as
// the n-gram baseline counts it) beside the n-gram baseline of order 7.
//   npm run build && node scripts/text-vae.mjs [--minutes 5] [--train N] [--test N] [--hidden 256] [--latent 32]
import { performance } from 'node:perf_hooks';
import { TextVAE, datasets, NgramModel } from '../dist/index.js';

function arg(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}
const minutes = arg('minutes', 5);
const nTrain = arg('train', 0);
const nTest = arg('test', 0);
const every = (lines, n) =>
  n > 0 && n < lines.length ? lines.filter((_, i) => i % Math.floor(lines.length / n) === 0).slice(0, n) : lines;

const { train, test } = await datasets.words();
const trainLines = every(train.lines, nTrain);
const testLines = every(test.lines, nTest);
console.log(`words: ${trainLines.length} train and ${testLines.length} test lines`);

const vae = new TextVAE({
  device: 'cpu',
  seed: 1,
  hiddenDim: arg('hidden', 256),
  latentDim: arg('latent', 32),
  embedDim: arg('embed', 64),
  klWarmupSteps: arg('warmup', 2000),
  charDropout: arg('dropout', 0.25),
});
const signal = AbortSignal.timeout(minutes * 60_000);
const t0 = performance.now();
try {
  await vae.fit(trainLines, {
    epochs: arg('epochs', 1000),
    batchSize: arg('batch', 128),
    lr: arg('lr', 1e-3),
    progressEvery: 100,
    signal,
    onProgress: (p) =>
      console.log(
        `step ${p.step} epoch ${p.epoch} loss ${p.losses.loss.toFixed(2)} recon ${p.losses.recon.toFixed(2)} ` +
          `kl ${p.losses.kl.toFixed(2)} beta ${p.losses.beta.toFixed(3)} ${p.imagesPerSecond.toFixed(0)} strings/s`,
      ),
  });
} catch (err) {
  if (err.code !== 'E_ABORTED') throw err;
}
const { step, epoch } = vae.trainingState;
console.log(`trained ${step} steps (${epoch} epochs) in ${((performance.now() - t0) / 1000).toFixed(0)} s`);

const t1 = performance.now();
const ev = await vae.evaluate(testLines, { samples: arg('k', 50) });
console.log(
  `test: -ELBO ${ev.nelbo.toFixed(2)} nats/word (recon ${ev.recon.toFixed(2)}, kl ${ev.kl.toFixed(2)}), ` +
    `IWAE(k=${ev.samples}) ${ev.iwae.toFixed(2)}; bits/char ${ev.nelboBitsPerChar.toFixed(3)} by -ELBO, ` +
    `${ev.iwaeBitsPerChar.toFixed(3)} by IWAE; active units ${ev.activeUnits}/${vae.config.latentDim} ` +
    `(${((performance.now() - t1) / 1000).toFixed(0)} s)`,
);
const ngram = NgramModel.fit(train.lines, { order: 7 });
console.log(
  `n-gram order 7 (all train lines): ${ngram.bitsPerChar(testLines).toFixed(3)} bits/char on the same test lines`,
);
console.log('samples:', (await vae.sample(12, { seed: 1 })).join(' '));
console.log('greedy: ', (await vae.sample(6, { seed: 1, temperature: 0 })).join(' '));
console.log(
  'reconstructions:',
  (await vae.reconstruct(testLines.slice(0, 8))).join(' '),
  '<-',
  testLines.slice(0, 8).join(' '),
);
vae.dispose();
