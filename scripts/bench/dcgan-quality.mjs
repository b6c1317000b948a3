#!/usr/bin/env node
// Sample quality of gentorch's DCGAN against PyTorch's, trained the same way
// (Adam 2e-4, betas 0.5/0.999, batch 128, one epoch of Fashion-MNIST, seed 1),
// judged by an independent classifier: domain-feature FID against the 10,000
// test images, and class coverage, over 10,000 samples each.
//   node scripts/bench/dcgan-quality.mjs [--epochs N] [--out DIR]
// Needs Debian's python3-torch (/usr/bin/python3) for the PyTorch side.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Classifier, datasets, featureFid, classCoverage, readNpy } from '../../dist/index.js';

const { values } = parseArgs({
  options: { epochs: { type: 'string', default: '1' }, out: { type: 'string', default: 'runs/dcgan-quality' } },
});
const root = new URL('../..', import.meta.url).pathname;
const out = values.out;
mkdirSync(out, { recursive: true });
const run = (cmd, args) =>
  execFileSync(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

const t0 = performance.now();
run(process.execPath, [
  'bin/gentorch.js',
  'train',
  'gan',
  '--arch',
  'dcgan',
  '--data',
  'fashion-mnist',
  '--epochs',
  values.epochs,
  '--seed',
  '1',
  '--device',
  'cpu',
  '--out',
  join(out, 'gentorch'),
  '--force',
  '--no-progress',
]);
const gentorchSeconds = (performance.now() - t0) / 1000;
run(process.execPath, [
  'bin/gentorch.js',
  'sample',
  join(out, 'gentorch', 'model.safetensors'),
  '--n',
  '10000',
  '--device',
  'cpu',
  '--out',
  join(out, 'gentorch.npy'),
  '--force',
]);
const t1 = performance.now();
const ref = JSON.parse(
  run('/usr/bin/python3', [
    'scripts/reference/gan.py',
    'train',
    '--arch',
    'dcgan',
    '--epochs',
    values.epochs,
    '--out',
    join(out, 'pytorch.npy'),
  ]),
);
const pytorchSeconds = (performance.now() - t1) / 1000;

const [train, test] = await Promise.all([
  datasets.fashionMnist({ split: 'train' }),
  datasets.fashionMnist({ split: 'test' }),
]);
const { classifier, testAccuracy } = await Classifier.forDataset(train, test, { device: 'cpu' });
const real = await classifier.features(test.images);
const rows = [];
for (const [name, file, seconds] of [
  ['gentorch', join(out, 'gentorch.npy'), gentorchSeconds],
  ['pytorch', join(out, 'pytorch.npy'), pytorchSeconds],
]) {
  const samples = await readNpy(file);
  const fid = await featureFid(classifier, samples, real);
  const cov = await classCoverage(classifier, samples, test.labels);
  rows.push({
    name,
    fid,
    classesCovered: cov.classesCovered,
    klFromData: cov.klFromData,
    histogram: cov.histogram,
    trainSeconds: seconds,
  });
}
console.log(
  `judge: CNN classifier, test accuracy ${(100 * testAccuracy).toFixed(2)}%; FID on its 128-d features vs the 10,000 test images; 10,000 samples each`,
);
console.log('model     FID      classes>=5%  KL(data||samples)  train s (incl. start-up)');
for (const r of rows)
  console.log(
    `${r.name.padEnd(9)} ${r.fid.toFixed(3).padStart(7)}  ${String(r.classesCovered).padStart(11)}  ${r.klFromData.toFixed(4).padStart(17)}  ${r.trainSeconds.toFixed(1).padStart(8)}`,
  );
console.log(
  JSON.stringify({ testAccuracy, epochs: Number(values.epochs), pytorchEpochSeconds: ref.epoch_seconds, rows }),
);
