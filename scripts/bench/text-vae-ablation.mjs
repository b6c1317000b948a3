#!/usr/bin/env node
// One text VAE trained on words for a fixed number of seconds, then its test
// and training bits per character (IWAE, 10 samples): the runs behind README
// "Text VAE"'s figures on the decoder's n-gram features. Options as JSON:
// model (TextVAE options), batch, lr, seconds. Needs an idle machine.
//   node scripts/bench/text-vae-ablation.mjs '{"seconds":100,"model":{"ngramOrder":0}}'
import { TextVAE, datasets } from '../../dist/index.js';

const o = { model: {}, batch: 64, lr: 2e-3, seconds: 100, chunk: 200, ...JSON.parse(process.argv[2] ?? '{}') };
const { train, test } = await datasets.words();
const m = new TextVAE({ charDropout: 0, klWarmupSteps: 1000, ...o.model, seed: 1, device: 'cpu' });
let seconds = 0;
let steps = 0;
while (seconds < o.seconds) {
  const t0 = performance.now();
  await m.fit(train, { batchSize: o.batch, lr: o.lr, steps: o.chunk });
  seconds += (performance.now() - t0) / 1000;
  steps += o.chunk;
}
const e = await m.evaluate(test, { samples: 10 });
const tr = await m.evaluate({ ...train, lines: train.lines.filter((_, i) => i % 9 === 0) }, { samples: 10 });
console.log(
  JSON.stringify({
    ...o,
    steps,
    seconds: +seconds.toFixed(1),
    testBitsPerChar: +e.iwaeBitsPerChar.toFixed(3),
    trainBitsPerChar: +tr.iwaeBitsPerChar.toFixed(3),
    kl: +e.kl.toFixed(2),
    activeUnits: e.activeUnits,
  }),
);
m.dispose();
