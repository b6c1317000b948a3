// The bad inputs (and one good checkpoint) that the error tests hand the CLI and the API, written into a temp folder.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { VAE } from '../../lib/index.js';
import { readIdx } from '../../lib/io/idx.js';
import { encodeNpy } from '../../lib/io/npy.js';
import { encodeSafetensors, readSafetensors } from '../../lib/io/safetensors.js';
import type { HostTensor } from '../../lib/tensor.js';
import { FASHION_DIR } from './helpers.js';

/** Text that must never reach a user: libtorch's C++ exception dumps. */
export const CPP_MARKERS = ['c10', '.cpp', '.h:', 'Exception raised from', 'terminate'];

/** Where a fixture of the given name goes. */
export type At = (name: string) => string;

/** Writes the bad (and one good) inputs the cases name. */
export async function writeFixtures(at: At): Promise<void> {
  await writeDataFixtures(at);
  writeConfigFixtures(at);
  await writeCheckpointFixtures(at);
}

/** Data: a small good .npy, and bad .npy and IDX files and folders. */
export async function writeDataFixtures(at: At): Promise<void> {
  const images = await readIdx(join(FASHION_DIR, 'train-images-idx3-ubyte.gz'));
  const small = encodeNpy({
    dtype: 'uint8',
    shape: [100, 28, 28],
    data: (images.data as Uint8Array).slice(0, 100 * 784),
  });
  writeFileSync(at('small.npy'), small);
  writeFileSync(at('precision.json'), JSON.stringify({ precision: 'fp8' }));
  writeFileSync(at('truncated.npy'), small.subarray(0, small.length - 1000));
  const rawNpy = (descr: string, payload: Uint8Array): Uint8Array => {
    const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (4, 28, 28), }`;
    const header = dict.padEnd(Math.ceil((10 + dict.length + 1) / 64) * 64 - 10 - 1, ' ') + '\n';
    const out = new Uint8Array(10 + header.length + payload.length);
    out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    new DataView(out.buffer).setUint16(8, header.length, true);
    out.set(new TextEncoder().encode(header), 10);
    out.set(payload, 10 + header.length);
    return out;
  };
  writeFileSync(at('complex.npy'), rawNpy('<c8', new Uint8Array(4 * 784 * 8)));
  writeFileSync(at('object.npy'), rawNpy('|O', new Uint8Array(4 * 784 * 8)));
  const floats = (i: number, v: number): HostTensor => {
    const data = new Float32Array(4 * 784).fill(0.5);
    data[i] = v;
    return { dtype: 'float32', shape: [4, 28, 28], data };
  };
  writeFileSync(at('nan.npy'), encodeNpy(floats(100, NaN)));
  writeFileSync(at('above-one.npy'), encodeNpy(floats(7, 1.5)));
  writeFileSync(at('negative.npy'), encodeNpy(floats(3, -0.25)));
  writeFileSync(
    at('five-d.npy'),
    encodeNpy({ dtype: 'uint8', shape: [2, 1, 1, 28, 28], data: new Uint8Array(2 * 784) }),
  );
  writeFileSync(at('one.npy'), encodeNpy({ dtype: 'uint8', shape: [1, 28, 28], data: new Uint8Array(784) }));
  writeFileSync(at('text.npy'), 'id,pixel0,pixel1\n1,0,0\n');
  const idx = Buffer.alloc(16 + 4 * 784);
  idx.set([0, 0, 0x08, 3]);
  idx.writeUInt32BE(4, 4);
  idx.writeUInt32BE(28, 8);
  idx.writeUInt32BE(28, 12);
  const badMagic = Buffer.from(idx);
  badMagic[0] = 0x12;
  writeFileSync(at('bad-magic-idx3-ubyte'), badMagic);
  const gz = gzipSync(idx);
  writeFileSync(at('truncated-idx3-ubyte.gz'), gz.subarray(0, gz.length >> 1));
  mkdirSync(at('idx-folder'));
  writeFileSync(join(at('idx-folder'), 'train-images-idx3-ubyte.gz'), gz.subarray(0, gz.length >> 1));
  writeFileSync(join(at('idx-folder'), 't10k-images-idx3-ubyte.gz'), gz);
  mkdirSync(at('empty-folder'));
}

/** Config files. */
export function writeConfigFixtures(at: At): void {
  writeFileSync(at('invalid.json'), '{"latentDim": 4,');
  writeFileSync(at('array.json'), '[{"latentDim": 4}]');
  writeFileSync(at('typo.json'), JSON.stringify({ latentDims: 4 }));
  writeFileSync(at('bad-value.json'), JSON.stringify({ latentDim: '4' }));
  writeFileSync(at('epochs-abc.json'), JSON.stringify({ epochs: 'abc' }));
  writeFileSync(at('epochs-0.json'), JSON.stringify({ epochs: 0 }));
}

/** Checkpoints, from a real one: good.safetensors, broken copies of it, and bytes that are no checkpoint. */
export async function writeCheckpointFixtures(at: At): Promise<void> {
  const good = at('good.safetensors');
  {
    using vae = new VAE({ device: 'cpu', seed: 2, hiddenDim: 32, latentDim: 4 });
    await vae.save(good);
  }
  const { tensors, metadata } = await readSafetensors(good);
  const real = Object.fromEntries(tensors) as Record<string, HostTensor>;
  const ckpt = (name: string, t: Record<string, HostTensor>, meta: Record<string, string>): void =>
    writeFileSync(at(name), encodeSafetensors(t, meta));
  const config = JSON.parse(metadata.config) as Record<string, unknown>;
  const training = JSON.parse(metadata.training) as Record<string, unknown>;
  ckpt('gan.safetensors', real, { ...metadata, model: 'gan' });
  ckpt('version2.safetensors', real, { ...metadata, format_version: '2' });
  ckpt('plain.safetensors', real, {});
  const { 'fc4.weight': _dropped, ...noFc4 } = real;
  ckpt('no-fc4.safetensors', noFc4, metadata);
  ckpt(
    'wrong-shape.safetensors',
    { ...real, 'fc4.weight': { dtype: 'float32', shape: [784, 31], data: new Float32Array(784 * 31) } },
    metadata,
  );
  ckpt('mismatch.safetensors', real, { ...metadata, config: JSON.stringify({ ...config, latentDim: 10 }) });
  ckpt('bad-config.safetensors', real, { ...metadata, config: JSON.stringify({ ...config, latentDim: 0 }) });
  ckpt('bad-state.safetensors', real, { ...metadata, training: JSON.stringify({ ...training, step: -1 }) });
  const bytes = readFileSync(good);
  writeFileSync(at('truncated.safetensors'), bytes.subarray(0, bytes.length >> 1));
  // Deterministic "random" bytes (an LCG), so the header length they spell is the same every run.
  const noise = Buffer.alloc(4096);
  for (let i = 0, s = 12345; i < noise.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    noise[i] = s >>> 24;
  }
  writeFileSync(at('random.safetensors'), noise);
  const huge = Buffer.alloc(64, 0x20);
  huge.writeBigUInt64LE(1n << 60n, 0);
  writeFileSync(at('huge-header.safetensors'), huge);
}
