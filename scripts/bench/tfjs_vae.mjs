#!/usr/bin/env node
// The MLP VAE of pytorch/examples (784-400-20, ReLU; Bernoulli likelihood:
// binary cross-entropy summed over pixels and batch, plus the closed-form KL;
// Adam 1e-3, batch 128) on TensorFlow.js with its WebAssembly backend: the
// Node peer a user would otherwise pick. One epoch of Fashion-MNIST, timed
// around the training loop as the other cases are.
//   node scripts/bench/tfjs_vae.mjs [--steps N] [--seed 1]
// With --steps N it times N steps and extrapolates to an epoch (the output
// says measured: "steps"). The .wasm binaries come from the
// @tensorflow/tfjs-backend-wasm package in node_modules (setWasmPaths);
// nothing is fetched. In Node the backend runs single-threaded (SIMD): its
// multi-threaded binary needs browser workers.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';

const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs');
const wasm = require('@tensorflow/tfjs-backend-wasm');

const { values } = parseArgs({
  options: { steps: { type: 'string', default: '0' }, seed: { type: 'string', default: '1' } },
});
const steps = Number(values.steps);
const seed = Number(values.seed);
const BATCH = 128;
const DATA = process.env.GENTORCH_FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';

/** Fashion-MNIST train images as floats in [0, 1], [N, 784] (IDX: magic, dims, bytes). */
function readImages() {
  const buf = gunzipSync(readFileSync(join(DATA, 'train-images-idx3-ubyte.gz')));
  if (buf.readUInt32BE(0) !== 0x803) throw new Error('not an IDX image file');
  const n = buf.readUInt32BE(4);
  const pixels = buf.subarray(16);
  const x = new Float32Array(pixels.length);
  for (let i = 0; i < x.length; i++) x[i] = pixels[i] / 255;
  return { x, n };
}

/** nn.Linear's default initialisation: weight and bias U(-1/sqrt(fanIn), 1/sqrt(fanIn)). */
function linear(fanIn, fanOut, name, s) {
  const bound = 1 / Math.sqrt(fanIn);
  return {
    w: tf.variable(tf.randomUniform([fanIn, fanOut], -bound, bound, 'float32', s), true, `${name}.weight`),
    b: tf.variable(tf.randomUniform([fanOut], -bound, bound, 'float32', s + 1), true, `${name}.bias`),
  };
}

const dense = (x, l) => tf.add(tf.matMul(x, l.w), l.b);

function makeVae() {
  const fc1 = linear(784, 400, 'fc1', seed * 10 + 1);
  const fc21 = linear(400, 20, 'fc21', seed * 10 + 3);
  const fc22 = linear(400, 20, 'fc22', seed * 10 + 5);
  const fc3 = linear(20, 400, 'fc3', seed * 10 + 7);
  const fc4 = linear(400, 784, 'fc4', seed * 10 + 9);
  /** Summed BCE (on the decoder's logits, the stable form) + KL, for one batch. */
  const loss = (x) => {
    const h1 = tf.relu(dense(x, fc1));
    const mu = dense(h1, fc21);
    const logvar = dense(h1, fc22);
    const z = tf.add(mu, tf.mul(tf.exp(tf.mul(logvar, 0.5)), tf.randomNormal(mu.shape)));
    const logits = dense(tf.relu(dense(z, fc3)), fc4);
    const bce = tf.sum(tf.sub(tf.softplus(logits), tf.mul(x, logits)));
    const kl = tf.mul(-0.5, tf.sum(tf.sub(tf.sub(tf.add(1, logvar), tf.square(mu)), tf.exp(logvar))));
    return tf.add(bce, kl);
  };
  return { loss, vars: [fc1, fc21, fc22, fc3, fc4].flatMap((l) => [l.w, l.b]) };
}

wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs wasm backend did not initialise');
await tf.ready();
const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
const multithread = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');

const t0 = performance.now();
const { x, n } = readImages();
const data = tf.tensor2d(x, [n, 784]);
const loadSeconds = (performance.now() - t0) / 1000;
const { loss, vars } = makeVae();
const optimizer = tf.train.adam(1e-3, 0.9, 0.999, 1e-8); // PyTorch's Adam defaults

const stepsPerEpoch = Math.ceil(n / BATCH);
const order = Int32Array.from({ length: n }, (_, i) => i);
tf.util.shuffle(order);
let done = 0;
let lastLoss = NaN;
const start = performance.now();
for (let s = 0; s < stepsPerEpoch && !(steps > 0 && done >= steps); s++) {
  const idx = order.subarray(s * BATCH, Math.min(n, (s + 1) * BATCH));
  const cost = tf.tidy(() => {
    const xb = tf.gather(data, tf.tensor1d(idx, 'int32'));
    return optimizer.minimize(() => loss(xb), true, vars);
  });
  lastLoss = cost.dataSync()[0] / idx.length; // one read per step, as pytorch/examples' loss.item()
  cost.dispose();
  done++;
}
const loopSeconds = (performance.now() - start) / 1000;
const measured = done === stepsPerEpoch ? 'epoch' : 'steps';
console.log(
  JSON.stringify({
    epochSeconds: measured === 'epoch' ? loopSeconds : (loopSeconds / done) * stepsPerEpoch,
    measured,
    steps: done,
    stepsPerEpoch,
    loopSeconds,
    lastLoss,
    loadSeconds,
    case: 'vae',
    impl: 'tfjs-wasm',
    backend: tf.getBackend(),
    simd,
    multithread,
    threads: wasm.getThreadsCount(),
    tfjsVersion: tf.version_core,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  }),
);
