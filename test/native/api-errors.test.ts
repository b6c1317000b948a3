// Bad input to the API gets a GentorchError with the documented code (the CLI's side: errors.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { GentorchError, VAE, datasets, installInfo, isGentorchError, load } from '../../lib/index.js';
import { CPP_MARKERS, writeCheckpointFixtures } from '../helpers/error-fixtures.js';
import { tempDir } from '../helpers/helpers.js';

const HAS_CUDA = installInfo().devices.some((d) => d.startsWith('cuda'));

const dir = tempDir('gentorch-errors-');
const at = (name: string): string => join(dir, name);

// The load() test reads gan.safetensors and random.safetensors.
beforeAll(async () => {
  await writeCheckpointFixtures(at);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The GentorchError that `f` throws or rejects with. */
async function caught(f: () => unknown): Promise<GentorchError> {
  try {
    await f();
  } catch (err) {
    expect(err).toBeInstanceOf(GentorchError);
    expect(isGentorchError(err)).toBe(true);
    expect((err as Error).name).toBe('GentorchError');
    return err as GentorchError;
  }
  throw new Error('expected a GentorchError but nothing was thrown');
}

/** n grey images (every pixel 128) of shape [n, c, h, w]. */
const images = (n: number, h = 28, w = 28, c = 1) => ({
  data: new Uint8Array(n * c * h * w).fill(128),
  shape: [n, c, h, w],
});

describe('API: bad input gets a GentorchError with the documented code', () => {
  it('new VAE: unknown key -> E_CONFIG with a did-you-mean; latentDim 0 -> the documented message', async () => {
    const typo = await caught(() => new VAE({ latentDims: 3 } as never));
    expect(typo.code).toBe('E_CONFIG');
    expect(typo.message).toContain('"latentDims"');
    expect(typo.message).toContain('did you mean "latentDim"');
    const zero = await caught(() => new VAE({ latentDim: 0 }));
    expect(zero.code).toBe('E_CONFIG');
    expect(zero.message).toBe('Expected positive integer for latentDim but received 0 of type number');
    expect((await caught(() => new VAE({ arch: 'rnn' } as never))).code).toBe('E_CONFIG');
    expect((await caught(() => new VAE({ beta: -1 }))).code).toBe('E_CONFIG');
    expect((await caught(() => new VAE({ seed: 1.5 }))).code).toBe('E_CONFIG');
    expect((await caught(() => new VAE(null as never))).code).toBe('E_CONFIG');
  });

  it.skipIf(HAS_CUDA)(
    'new VAE({ device: "cuda" }) without a GPU -> E_DEVICE; a misspelt device -> E_CONFIG',
    async () => {
      const e = await caught(() => new VAE({ device: 'cuda' }));
      expect(e.code).toBe('E_DEVICE');
      expect((await caught(() => new VAE({ device: 'gpu' }))).code).toBe('E_CONFIG');
    },
  );

  it('fit: bad options -> E_CONFIG, images of the wrong size -> E_SHAPE; the model stays usable', async () => {
    using vae = new VAE({ device: 'cpu', hiddenDim: 16, latentDim: 4 });
    const data = images(10);
    const epochs0 = await caught(() => vae.fit(data, { epochs: 0 }));
    expect(epochs0.code).toBe('E_CONFIG');
    expect(epochs0.message).toBe('Expected positive integer for epochs but received 0 of type number');
    const batch = await caught(() => vae.fit(data, { batchSize: 1.5 }));
    expect(batch.code).toBe('E_CONFIG');
    expect(batch.message).toContain('batchSize');
    const unknown = await caught(() => vae.fit(data, { epoch: 1 } as never));
    expect(unknown.code).toBe('E_CONFIG');
    expect(unknown.message).toContain('did you mean "epochs"');
    expect((await caught(() => vae.fit(data, { lr: Number.NaN }))).code).toBe('E_CONFIG');
    const every = await caught(() => vae.fit(data, { epochs: 1, checkpointEvery: 2 }));
    expect(every.code).toBe('E_CONFIG');
    expect(every.message).toContain('checkpointPath');
    const size = await caught(() => vae.fit(images(10, 32, 32), { epochs: 1 }));
    expect(size.code).toBe('E_SHAPE');
    expect(size.message).toContain('32');
    expect((await caught(() => vae.fit(images(10, 28, 28, 3), { epochs: 1 }))).code).toBe('E_SHAPE');
    for (const CPP of CPP_MARKERS) expect(size.message).not.toContain(CPP);
    expect(vae.trainingState.step).toBe(0);
    expect((await vae.sample(2)).shape).toEqual([2, 1, 28, 28]);
  });
});

describe('API: bad input gets a GentorchError with the documented code (inference, data and load)', () => {
  it('evaluate, encode, reconstruct of the wrong image size -> E_SHAPE; decode of z of the wrong width -> E_SHAPE', async () => {
    using vae = new VAE({ device: 'cpu', hiddenDim: 16, latentDim: 4 });
    const wrong = images(3, 32, 32);
    expect((await caught(() => vae.evaluate(wrong))).code).toBe('E_SHAPE');
    expect((await caught(() => vae.encode(wrong))).code).toBe('E_SHAPE');
    expect((await caught(() => vae.reconstruct(wrong))).code).toBe('E_SHAPE');
    const z = await caught(() => vae.decode({ data: new Float32Array(2 * 5), shape: [2, 5] }));
    expect(z.code).toBe('E_SHAPE');
    expect(z.message).toContain('4');
    expect((await caught(() => vae.decode({ data: new Float32Array(8), shape: [8] }))).code).toBe('E_SHAPE');
    expect((await caught(() => vae.decode({ data: [0, 0, 0, 0] as never, shape: [1, 4] }))).code).toBe('E_SHAPE');
    expect((await vae.decode({ data: new Float32Array(2 * 4), shape: [2, 4] })).shape).toEqual([2, 1, 28, 28]);
    expect((await caught(() => vae.sample(0))).code).toBe('E_CONFIG');
  });

  it('datasets.fromArrays: a length that does not match the shape -> E_SHAPE; NaN or out-of-range floats -> E_DATA', async () => {
    const len = await caught(() => datasets.fromArrays({ data: new Uint8Array(100), shape: [1, 28, 28] }));
    expect(len.code).toBe('E_SHAPE');
    expect(len.message).toContain('784');
    const nan = new Float32Array(2 * 784).fill(0.5);
    nan[5] = Number.NaN;
    const e = await caught(() => datasets.fromArrays({ data: nan, shape: [2, 28, 28] }));
    expect(e.code).toBe('E_DATA');
    expect(e.message).toContain('NaN');
    expect(
      (await caught(() => datasets.fromArrays({ data: new Float32Array(784).fill(2), shape: [1, 28, 28] }))).code,
    ).toBe('E_DATA');
    expect((await caught(() => datasets.fromArrays({ data: [1, 2, 3] as never, shape: [3] }))).code).toBe('E_DATA');
    expect((await caught(() => datasets.fromArrays({ data: new Uint8Array(4), shape: [2, -2] }))).code).toBe('E_SHAPE');
  });

  it('load() of a missing path or a non-checkpoint -> E_CHECKPOINT; a disposed model -> E_DISPOSED', async () => {
    const missing = await caught(() => load(at('does-not-exist.safetensors')));
    expect(missing.code).toBe('E_CHECKPOINT');
    expect(missing.message).toContain(at('does-not-exist.safetensors'));
    expect((await caught(() => load(at('gan.safetensors')))).code).toBe('E_CHECKPOINT');
    expect((await caught(() => VAE.load(at('random.safetensors')))).code).toBe('E_CHECKPOINT');
    const vae = new VAE({ device: 'cpu', hiddenDim: 16, latentDim: 4 });
    vae.dispose();
    expect((await caught(() => vae.sample(1))).code).toBe('E_DISPOSED');
  });
});
