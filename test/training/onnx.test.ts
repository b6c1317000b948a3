// ONNX export: each exported part, run by onnxruntime-node and by
// onnxruntime-web (its wasm build, in Node), gives what gentorch's own
// decode / encode / generate give for the same inputs, within 1e-4. Real
// models trained a few steps on real Fashion-MNIST (so BatchNorm's running
// statistics and G's moving average are not their initial values).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import onnxProto from 'onnx-proto';
import { GAN, GentorchError, VAE, type GanConfig, type HostTensor, type ImageDataset } from '../../lib/index.js';
import { caughtAsync } from '../helpers/caught.js';
import { smallTrain, tempDir } from '../helpers/helpers.js';
import { expectFailure, expectOk, gentorch } from '../helpers/run-cli.js';

ortWeb.env.wasm.numThreads = 1;

let work: string;
let data: ImageDataset;
beforeAll(async () => {
  work = tempDir('gentorch-onnx-');
  data = await smallTrain(256);
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

type Ort = typeof ortNode;
type Feeds = Record<string, { type: 'float32' | 'int64'; data: Float32Array | BigInt64Array; dims: number[] }>;

/** Runs an ONNX file in one runtime; outputs by name as plain float arrays. */
async function run(
  ort: Ort,
  file: string,
  feeds: Feeds,
): Promise<Record<string, { data: Float32Array; dims: number[] }>> {
  const session = await ort.InferenceSession.create(readFileSync(file), {
    executionProviders: [ort === ortNode ? 'cpu' : 'wasm'],
  });
  const tensors = Object.fromEntries(
    Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor(v.type, v.data, v.dims)]),
  );
  const out = await session.run(tensors);
  await session.release();
  return Object.fromEntries(
    Object.entries(out).map(([k, v]) => [k, { data: v.data as Float32Array, dims: [...v.dims] }]),
  );
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Deterministic latent codes, spread like N(0, 1) draws. */
function codes(n: number, d: number): { data: Float32Array; shape: number[] } {
  return { data: Float32Array.from({ length: n * d }, (_, i) => 1.5 * Math.sin(i * 2.39 + 0.3)), shape: [n, d] };
}

function firstImages(n: number): HostTensor<'float32'> {
  const [, c, h, w] = data.images.shape;
  const per = c * h * w;
  return {
    dtype: 'float32',
    shape: [n, c, h, w],
    data: Float32Array.from(data.images.data.subarray(0, n * per), (v) => v / 255),
  };
}

const RUNTIMES: [string, Ort][] = [
  ['onnxruntime-node', ortNode],
  ['onnxruntime-web (wasm)', ortWeb as unknown as Ort],
];

describe('VAE.exportOnnx', () => {
  for (const arch of ['mlp', 'conv'] as const) {
    it(`${arch}: the decoder and the encoder match decode() and encode() in both runtimes`, async () => {
      using vae = new VAE({ arch, latentDim: 6, hiddenDim: 64, seed: 3, device: 'cpu' });
      await vae.fit(data, { steps: 20, batchSize: 32 });
      const dec = join(work, `vae-${arch}-decoder.onnx`);
      const info = await vae.exportOnnx(dec);
      expect(info).toMatchObject({ path: dec, part: 'decoder' });
      expect(info.inputs).toEqual([{ name: 'z', dtype: 'float32', shape: ['batch', 6] }]);
      expect(info.outputs).toEqual([{ name: 'image', dtype: 'float32', shape: ['batch', 1, 28, 28] }]);
      const enc = join(work, `vae-${arch}-encoder.onnx`);
      await vae.exportOnnx(enc, { part: 'encoder' });
      const z = codes(5, 6);
      const want = await vae.decode(z);
      const x = firstImages(4);
      const { mu, logvar } = await vae.encode(x);
      for (const [name, ort] of RUNTIMES) {
        const out = await run(ort, dec, { z: { type: 'float32', data: z.data, dims: z.shape } });
        expect(out.image.dims, name).toEqual([5, 1, 28, 28]);
        expect(maxDiff(out.image.data, want.data), name).toBeLessThan(1e-4);
        const e = await run(ort, enc, { image: { type: 'float32', data: x.data, dims: x.shape } });
        expect(maxDiff(e.mu.data, mu.data), name).toBeLessThan(1e-4);
        expect(maxDiff(e.logvar.data, logvar.data), name).toBeLessThan(1e-4);
      }
      // The model is not one constant image: two codes decode differently.
      expect(maxDiff(want.data.subarray(0, 784), want.data.subarray(784, 1568))).toBeGreaterThan(1e-2);
    });
  }

  it('records what it holds in the ONNX metadata and refuses a part the model has not', async () => {
    using vae = new VAE({ latentDim: 4, hiddenDim: 32, seed: 1, device: 'cpu' });
    const file = join(work, 'meta.onnx');
    await vae.exportOnnx(file);
    const model = onnxProto.onnx.ModelProto.decode(readFileSync(file));
    const meta = Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]));
    expect(meta['gentorch.model']).toBe('vae');
    expect(meta['gentorch.part']).toBe('decoder');
    expect(JSON.parse(meta['gentorch.config'])).toMatchObject({ latentDim: 4, hiddenDim: 32 });
    expect(Number(model.opsetImport[0].version)).toBe(17);
    const err = await caughtAsync(() => vae.exportOnnx(join(work, 'x.onnx'), { part: 'generator' as never }));
    expect(err).toBeInstanceOf(GentorchError);
    expect((err as GentorchError).code).toBe('E_CONFIG');
    expect((err as GentorchError).message).toContain('"generator"');
    expect(existsSync(join(work, 'x.onnx'))).toBe(false);
    writeFileSync(join(work, 'keep.onnx'), 'mine');
    const kept = await caughtAsync(() => vae.exportOnnx(join(work, 'keep.onnx'), { overwrite: false }));
    expect((kept as GentorchError).code).toBe('E_IO');
    expect(readFileSync(join(work, 'keep.onnx'), 'utf8')).toBe('mine');
  });
});

describe('GAN.exportOnnx', () => {
  const cases: [string, Partial<GanConfig>][] = [
    ['MLP', { arch: 'mlp', gHidden: 64, dHidden: 64 }],
    ['DCGAN 28x28', { arch: 'dcgan', features: 8 }],
    ['conditional DCGAN with a moving average of G', { arch: 'dcgan', features: 8, numClasses: 10, emaDecay: 0.5 }],
    ['conditional MLP', { arch: 'mlp', gHidden: 64, dHidden: 64, numClasses: 10 }],
  ];
  for (const [name, config] of cases) {
    it(`${name}: the generator matches generate() in both runtimes`, async () => {
      using gan = new GAN({ ...config, latentDim: 12, seed: 5, device: 'cpu' });
      await gan.fit(data, { steps: 6, batchSize: 32 });
      const file = join(work, `gan-${name.replace(/\W+/g, '-')}.onnx`);
      const info = await gan.exportOnnx(file);
      expect(info.part).toBe('generator');
      const z = codes(6, 12);
      const conditional = (config.numClasses ?? 0) > 0;
      const labels = Int32Array.of(0, 3, 9, 3, 7, 1);
      expect(info.inputs.map((v) => v.name)).toEqual(conditional ? ['z', 'label'] : ['z']);
      const want = await gan.generate(z, conditional ? { labels } : {});
      const feeds: Feeds = { z: { type: 'float32', data: z.data, dims: z.shape } };
      if (conditional) feeds.label = { type: 'int64', data: BigInt64Array.from(labels, BigInt), dims: [6] };
      for (const [runtime, ort] of RUNTIMES) {
        const out = await run(ort, file, feeds);
        expect(out.image.dims, runtime).toEqual([6, 1, 28, 28]);
        expect(maxDiff(out.image.data, want.data), runtime).toBeLessThan(1e-4);
      }
      if (conditional && config.arch === 'mlp') {
        // The label is an input that matters: another label, another image.
        // (Not measurable on the DCGAN this early: BatchNorm's running
        // variance still near 1 flattens its images to nearly one.)
        const other = await run(ortNode, file, {
          ...feeds,
          label: { type: 'int64', data: BigInt64Array.from([5n, 5n, 5n, 5n, 5n, 5n]), dims: [6] },
        });
        const wantOther = await gan.generate(z, { labels: new Int32Array(6).fill(5) });
        expect(maxDiff(other.image.data, wantOther.data)).toBeLessThan(1e-4);
        expect(maxDiff(other.image.data, want.data)).toBeGreaterThan(1e-3);
      }
    });
  }

  it('DCGAN 32x32 (transposed convolutions from a 1x1 map)', async () => {
    const n = 64;
    const images = Uint8Array.from({ length: n * 32 * 32 }, (_, i) => (Math.floor(i / 32) * 37 + (i % 32) * 11) % 256);
    using gan = new GAN({ arch: 'dcgan', features: 4, height: 32, width: 32, latentDim: 8, seed: 1, device: 'cpu' });
    await gan.fit({ data: images, shape: [n, 1, 32, 32] }, { steps: 3, batchSize: 16 });
    const file = join(work, 'dcgan32.onnx');
    await gan.exportOnnx(file);
    const z = codes(3, 8);
    const want = await gan.generate(z);
    const out = await run(ortNode, file, { z: { type: 'float32', data: z.data, dims: z.shape } });
    expect(out.image.dims).toEqual([3, 1, 32, 32]);
    expect(maxDiff(out.image.data, want.data)).toBeLessThan(1e-4);
  });
});

describe('gentorch export', () => {
  it('exports a VAE decoder and a DCGAN generator from checkpoints; onnxruntime-node matches gentorch', async () => {
    using vae = new VAE({ latentDim: 5, hiddenDim: 48, seed: 2, device: 'cpu' });
    await vae.fit(data, { steps: 10, batchSize: 32 });
    const vaeCkpt = join(work, 'vae.safetensors');
    await vae.save(vaeCkpt);
    using gan = new GAN({ arch: 'dcgan', features: 8, latentDim: 10, seed: 2, device: 'cpu' });
    await gan.fit(data, { steps: 4, batchSize: 32 });
    const ganCkpt = join(work, 'gan.safetensors');
    await gan.save(ganCkpt);

    const dec = join(work, 'cli-decoder.onnx');
    const r = await gentorch(['export', vaeCkpt, '--format', 'onnx', '--part', 'decoder', '--out', dec]);
    expectOk(r);
    expect(r.stdout).toContain(`wrote the decoder of ${vaeCkpt} to ${dec}`);
    expect(r.stdout).toContain('z [batch, 5] -> image [batch, 1, 28, 28]');
    const z = codes(4, 5);
    const out = await run(ortNode, dec, { z: { type: 'float32', data: z.data, dims: z.shape } });
    expect(maxDiff(out.image.data, (await vae.decode(z)).data)).toBeLessThan(1e-4);

    const gen = join(work, 'cli-generator.onnx');
    expectOk(await gentorch(['export', ganCkpt, '--out', gen]));
    const zg = codes(4, 10);
    const g = await run(ortNode, gen, { z: { type: 'float32', data: zg.data, dims: zg.shape } });
    expect(maxDiff(g.image.data, (await gan.generate(zg)).data)).toBeLessThan(1e-4);

    // An existing file stays unless --force; a GAN has no encoder; only onnx is a format.
    const again = await gentorch(['export', ganCkpt, '--out', gen]);
    expectFailure(again, 'E_IO');
    expect(again.stderr).toContain('--force');
    expectOk(await gentorch(['export', ganCkpt, '--out', gen, '--force']));
    const noEncoder = await gentorch(['export', ganCkpt, '--part', 'encoder', '--out', join(work, 'e.onnx')]);
    expectFailure(noEncoder, 'E_CONFIG');
    expect(noEncoder.stderr).toContain('"encoder"');
    expectFailure(
      await gentorch(['export', vaeCkpt, '--format', 'torchscript', '--out', join(work, 't.pt')]),
      'E_CONFIG',
    );
    expect(existsSync(join(work, 'e.onnx'))).toBe(false);
  });
});
