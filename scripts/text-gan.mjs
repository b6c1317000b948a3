// The text GAN's figure in the README ("Text GAN"): trains a TextGAN on the
// words dataset for a wall-clock budget, then measures 1,000 samples against
// the test split (character n-gram JSD n = 1..4, validity, novelty, lengths)
// beside the untrained generator's, and inverts and repairs test words.
//   npm run build && node scripts/text-gan.mjs [--minutes 5 | --steps N] [--hidden 128] [--blocks 3]
//     [--latent 64] [--lr 1e-4] [--batch 64] [--critic 5]
// Prints wall-clock and CPU seconds per generator step (the CPU seconds of all
// threads: on shared cores the wall clock depends on the other jobs).
import { performance } from 'node:perf_hooks';
import { TextGAN, Vocabulary, datasets, textSampleMetrics } from '../dist/index.js';

function arg(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}
const minutes = arg('minutes', 5);
const steps = arg('steps', 0);
const { train, test } = await datasets.words();
console.log(`words: ${train.lines.length} train and ${test.lines.length} test lines`);

const gan = new TextGAN({
  device: 'cpu',
  seed: 1,
  vocabulary: Vocabulary.fromLines(train.lines),
  hiddenDim: arg('hidden', 128),
  blocks: arg('blocks', 3),
  latentDim: arg('latent', 64),
  nCritic: arg('critic', 5),
});
const measure = async (label) => {
  const m = textSampleMetrics(await gan.sample(1000, { seed: 1 }), { train: train.lines, test: test.lines });
  const jsd = m.jsd.map((j) => j.bits.toFixed(3)).join(' ');
  console.log(
    `${label}: JSD n=1..4 ${jsd}; validity ${m.validity.toFixed(3)}, novelty ${m.novelty.toFixed(3)}, ` +
      `diversity ${m.diversity.toFixed(3)}, length ${m.length.samples.mean.toFixed(2)} ± ${m.length.samples.std.toFixed(2)} ` +
      `(TV ${m.length.tvDistance.toFixed(3)})`,
  );
};
await measure('untrained');
const signal = steps > 0 ? undefined : AbortSignal.timeout(minutes * 60_000);
const t0 = performance.now();
const cpu0 = process.cpuUsage();
try {
  await gan.fit(train, {
    epochs: 1000,
    steps,
    batchSize: arg('batch', 64),
    lr: arg('lr', 1e-4),
    progressEvery: 50,
    signal,
    onProgress: (p) =>
      console.log(
        `step ${p.step} dLoss ${p.losses.dLoss.toFixed(3)} gLoss ${p.losses.gLoss.toFixed(3)} ` +
          `W ${p.losses.wasserstein.toFixed(3)} gp ${p.losses.gp.toFixed(4)} ${p.imagesPerSecond.toFixed(0)} lines/s`,
      ),
  });
} catch (err) {
  if (err.code !== 'E_ABORTED') throw err;
}
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const { step } = gan.trainingState;
console.log(
  `trained ${step} generator steps in ${seconds.toFixed(0)} s (${(seconds / step).toFixed(3)} s a step; ` +
    `${(cpuSeconds / step).toFixed(3)} CPU s a step, ${gan.parameterCount} parameters)`,
);
await measure('trained');
console.log('samples:', (await gan.sample(16, { seed: 1 })).join(' '));
const words = test.lines.filter((_, i) => i % 500 === 0).slice(0, 8);
const masked = words.map((w) => [...w].map((c, j) => (j % 3 === 1 ? '_' : c)).join(''));
console.log('repair:', (await gan.repair(masked, { mask: '_' })).join(' '), '<-', masked.join(' '));
const start = await gan.invert(words, { steps: 0 });
const found = await gan.invert(words, { steps: 200 });
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(
  `invert: mean CE ${mean(start.loss).toFixed(3)} -> ${mean(found.loss).toFixed(3)} nats a position;`,
  (await gan.decode(found.z)).join(' '),
  '<-',
  words.join(' '),
);
gan.dispose();
