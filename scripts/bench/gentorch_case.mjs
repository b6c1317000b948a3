#!/usr/bin/env node
// One gentorch benchmark case in one process, for scripts/bench/run.mjs; the
// same cases, settings and JSON keys as scripts/bench/torch_case.py.
//   node scripts/bench/gentorch_case.mjs CASE [--steps N] [--device cpu|cuda] [--seed 1]
// CASE: vae (MLP VAE, Adam 1e-3, batch 128), dcgan and mlp-gan (Adam 2e-4,
// betas 0.5/0.999, batch 128), load (Fashion-MNIST train into the training
// tensor), sample (10,000 images from an untrained MLP VAE and MLP GAN).
// Epoch seconds come from the epoch record (training loop only, as PyTorch's
// timer around its loop); with --steps N, from the progress event after N
// steps, extrapolated to an epoch.
import { parseArgs } from 'node:util';
import { GAN, VAE, datasets } from '../../dist/index.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    steps: { type: 'string', default: '0' },
    device: { type: 'string', default: 'cpu' },
    seed: { type: 'string', default: '1' },
  },
});
const steps = Number(values.steps);
const device = values.device;
const seed = Number(values.seed);
const peakRssBytes = () => process.resourceUsage().maxRSS * 1024; // maxRSS is in KiB

async function timed(fn) {
  const t0 = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - t0) / 1000 };
}

/**
 * Fits one epoch, or `steps` steps with one progress event at the end, and
 * reads the loop's own clock: the epoch record, else the last progress event.
 */
async function timedFit(model, train, fitOptions) {
  let last;
  const opts = steps > 0 ? { ...fitOptions, steps, progressEvery: steps } : { ...fitOptions, epochs: 1 };
  const history = await model.fit(train, {
    ...opts,
    onProgress: (p) => {
      last = p;
    },
  });
  const stepsPerEpoch = last.stepsPerEpoch;
  const epoch = history.epochs[0];
  const measured = epoch && steps === 0 ? 'epoch' : 'steps';
  const loopSeconds = measured === 'epoch' ? epoch.seconds : last.elapsedSeconds;
  return {
    epochSeconds: measured === 'epoch' ? loopSeconds : (loopSeconds / history.steps) * stepsPerEpoch,
    measured,
    steps: history.steps,
    stepsPerEpoch,
    loopSeconds,
    // fit() wall time minus its loop: copying the data into the training tensor, thread start, events
    startupSeconds: history.seconds - last.elapsedSeconds,
    lastLosses: last.losses,
  };
}

async function vaeCase() {
  const vae = new VAE({ arch: 'mlp', seed, device }); // loads the addon before the load timer starts
  const { value: train, seconds: loadSeconds } = await timed(() => datasets.fashionMnist({ split: 'train' }));
  const rec = await timedFit(vae, train, { batchSize: 128, lr: 1e-3 });
  vae.dispose();
  return { ...rec, loadSeconds };
}

async function ganCase(arch) {
  const gan = new GAN({ arch, seed, device });
  const train = await datasets.fashionMnist({ split: 'train' });
  const rec = await timedFit(gan, train, { batchSize: 128, lrG: 2e-4, lrD: 2e-4, beta1: 0.5, beta2: 0.999 });
  gan.dispose();
  return rec;
}

async function loadCase() {
  const vae = new VAE({ arch: 'mlp', seed, device });
  const { value: train, seconds: loadSeconds } = await timed(() => datasets.fashionMnist({ split: 'train' }));
  // gentorch has no public "dataset to tensor" call: fit() copies the images into
  // one float tensor on the device when it starts. A one-step fit measures that
  // start-up as fit()'s wall time minus the step's own clock.
  let last;
  const history = await vae.fit(train, {
    steps: 1,
    progressEvery: 1,
    onProgress: (p) => {
      last = p;
    },
  });
  const toTensorSeconds = history.seconds - last.elapsedSeconds;
  vae.dispose();
  return { loadSeconds, toTensorSeconds, totalSeconds: loadSeconds + toTensorSeconds, shape: train.images.shape };
}

async function twice(fn) {
  const a = await timed(fn);
  const b = await timed(fn);
  return [a.seconds, b.seconds];
}

async function sampleCase(n = 10_000) {
  const vae = new VAE({ arch: 'mlp', seed, device });
  const gan = new GAN({ arch: 'mlp', seed, device });
  const [v0, v1] = await twice(() => vae.sample(n));
  const [g0, g1] = await twice(() => gan.sample(n));
  vae.dispose();
  gan.dispose();
  return { n, vaeSampleSeconds: v0, vaeSampleWarmSeconds: v1, ganSampleSeconds: g0, ganSampleWarmSeconds: g1 };
}

const CASES = {
  vae: vaeCase,
  dcgan: () => ganCase('dcgan'),
  'mlp-gan': () => ganCase('mlp'),
  load: loadCase,
  sample: sampleCase,
};
const name = positionals[0];
if (!CASES[name] || !(steps >= 0)) {
  console.error(
    `usage: node scripts/bench/gentorch_case.mjs ${Object.keys(CASES).join('|')} [--steps N] [--device D] [--seed N]`,
  );
  process.exit(2);
}
let out;
try {
  out = await CASES[name]();
} catch (err) {
  console.error(`gentorch_case ${name}: ${err.code ? `${err.code}: ` : ''}${err.message}`);
  process.exit(1);
}
console.log(JSON.stringify({ ...out, case: name, impl: 'gentorch', device, peakRssBytes: peakRssBytes() }));
