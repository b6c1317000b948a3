#!/usr/bin/env node
// Does the comparison rank the models as an independent judge would? Reads
// DIR/results.json of `gentorch compare`, draws 10,000 samples from each
// DIR/<name>/model.safetensors, and computes the FID on the features of a
// second classifier that compare never used (another seed, 64-d features,
// 5 epochs), against the 10,000 test images. Prints both orders.
//   node scripts/bench/compare-order.mjs DIR [--samples N]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Classifier, datasets, featureFid, load } from '../../dist/index.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { samples: { type: 'string', default: '10000' } },
});
if (positionals.length !== 1) {
  console.error('usage: node scripts/bench/compare-order.mjs DIR [--samples N]');
  process.exit(2);
}
const dir = positionals[0];
const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
const [train, test] = await Promise.all([
  datasets.fashionMnist({ split: 'train' }),
  datasets.fashionMnist({ split: 'test' }),
]);
const judge = new Classifier({ device: 'cpu', seed: 20261125, featureDim: 64 });
await judge.fit(train, { epochs: 5 });
const accuracy = await judge.accuracy(test);
const real = await judge.features(test.images);
const rows = [];
for (const m of results.models) {
  const model = await load(join(dir, m.checkpoint), { device: 'cpu' });
  const samples = await model.sample(Number(values.samples), { seed: results.seed + 2 });
  model.dispose();
  rows.push({
    name: m.name,
    compareFid: m.metrics.quality.fid,
    independentFid: await featureFid(judge, samples, real),
  });
}
judge.dispose();
const order = (key) => [...rows].sort((a, b) => a[key] - b[key]).map((r) => r.name);
console.log(
  `independent judge: 64-d features, test accuracy ${(100 * accuracy).toFixed(2)}% (compare's judge: ${(100 * results.judge.testAccuracy).toFixed(2)}%)`,
);
console.log('model        compare FID  independent FID');
for (const r of rows)
  console.log(
    `${r.name.padEnd(12)} ${r.compareFid.toFixed(2).padStart(11)}  ${r.independentFid.toFixed(2).padStart(15)}`,
  );
const same = order('compareFid').join(',') === order('independentFid').join(',');
console.log(
  `order by compare's FID: ${order('compareFid').join(' < ')}; by the independent FID: ${order('independentFid').join(' < ')}: ${same ? 'the same' : 'DIFFERENT'}`,
);
console.log(JSON.stringify({ accuracy, rows, same }));
process.exit(same ? 0 : 1);
