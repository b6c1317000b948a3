// The n-gram baseline's numbers on the words dataset, as the README's
// "Text data" gives them: bits per character on the test split for orders
// 1..8, chooseOrder's held-out scores and choice, gzip on the same lines, and
// the measures of 1,000 samples of the chosen model. Needs no addon:
//   npm run build:ts && node scripts/text-baseline.mjs [--data words|FILE]
import { performance } from 'node:perf_hooks';
import { loadTextSpec } from '../dist/data/text.js';
import { NgramModel, chooseOrder } from '../dist/compare/ngram.js';
import { gzipBaseline, textSampleMetrics } from '../dist/compare/text-metrics.js';

const at = process.argv.indexOf('--data');
const spec = at > 0 ? process.argv[at + 1] : 'words';
const { train, test } = await loadTextSpec(spec);
console.log(`${spec}: ${train.lines.length} train and ${test.lines.length} test lines`);

console.log('\norder  test bits/char  fit s');
for (let order = 1; order <= 8; order++) {
  const t0 = performance.now();
  const model = NgramModel.fit(train.lines, { order });
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `${String(order).padStart(5)}  ${model.bitsPerChar(test.lines).toFixed(3).padStart(14)}  ${seconds.toFixed(2)}`,
  );
}

const t0 = performance.now();
const choice = chooseOrder(train.lines);
console.log(
  `\nchooseOrder (${choice.fitOn} lines fit, ${choice.heldOut} held out, ` +
    `${((performance.now() - t0) / 1000).toFixed(1)} s): order ${choice.order}`,
);
console.log(choice.scores.map((s) => `${s.order}: ${s.bitsPerChar.toFixed(3)}`).join('  '));

const cost = choice.model.evaluate(test.lines);
const gzip = gzipBaseline(test.lines);
console.log(
  `\ntest split: n-gram order ${choice.order} ${cost.bitsPerChar.toFixed(3)} bits/char ` +
    `(${(cost.bits / 8 / test.lines.length).toFixed(2)} bytes a line); ` +
    `gzip -9 of the whole split ${gzip.bitsPerChar.toFixed(3)} bits/char (${gzip.gzipWhole.toFixed(2)} bytes a line), ` +
    `each line alone ${gzip.gzipAlone.toFixed(2)} bytes (raw deflate ${gzip.deflateAlone.toFixed(2)}), ` +
    `uncompressed ${gzip.rawBytes.toFixed(2)} bytes + newline`,
);

const samples = choice.model.sample(1000, 1);
const m = textSampleMetrics(samples, { train: train.lines, test: test.lines });
console.log(`\n1,000 samples of order ${choice.order} (seed 1): ${samples.slice(0, 12).join(' ')}`);
console.log(
  `validity ${m.validity.toFixed(3)}  novelty ${m.novelty.toFixed(3)}  diversity ${m.diversity.toFixed(3)}  ` +
    `JSD bits ${m.jsd.map((j) => `n=${j.n} ${j.bits.toFixed(3)}`).join(', ')}  ` +
    `length ${m.length.samples.mean.toFixed(2)} ± ${m.length.samples.std.toFixed(2)} ` +
    `(test ${m.length.test.mean.toFixed(2)} ± ${m.length.test.std.toFixed(2)}, TV ${m.length.tvDistance.toFixed(3)})`,
);
// The floor of the measures at 1,000 samples: real test lines, evenly spaced over the (sorted) split.
const real = Array.from({ length: 1000 }, (_, i) => test.lines[Math.floor((i * test.lines.length) / 1000)]);
const tm = textSampleMetrics(real, { train: train.lines, test: test.lines });
console.log(
  `reference, 1,000 test lines as samples: validity ${tm.validity.toFixed(3)}  novelty ${tm.novelty.toFixed(3)}  ` +
    `diversity ${tm.diversity.toFixed(3)}  JSD bits ${tm.jsd.map((j) => `n=${j.n} ${j.bits.toFixed(3)}`).join(', ')}  ` +
    `length ${tm.length.samples.mean.toFixed(2)} ± ${tm.length.samples.std.toFixed(2)}, TV ${tm.length.tvDistance.toFixed(3)}`,
);
