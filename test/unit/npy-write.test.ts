// encodeNpy and writeNpy: the .npy files gentorch writes, and reading them back from disk.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { caught } from '../helpers/caught.js';
import { rawBytes, tensorArb } from '../helpers/fuzz.js';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allocate, encodeNpy, parseNpy, readNpy, writeNpy } from '../../lib/io/npy.js';
import type { HostTensor } from '../../lib/tensor.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gentorch-npy-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('encodeNpy and writeNpy', () => {
  it('writes a v1.0 header that numpy reads: 64-byte aligned, newline-terminated', () => {
    const buf = encodeNpy({ dtype: 'float32', shape: [10, 1, 28, 28], data: new Float32Array(7840) });
    const headerLen = new DataView(buf.buffer).getUint16(8, true);
    expect([...buf.subarray(0, 8)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    expect((10 + headerLen) % 64).toBe(0);
    const header = new TextDecoder().decode(buf.subarray(10, 10 + headerLen));
    expect(header).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(10, 1, 28, 28\), \} +\n$/);
    expect(buf.length).toBe(10 + headerLen + 7840 * 4);
  });

  it('writes 1-d shapes as (n,) and scalars as ()', () => {
    const text = (t: HostTensor): string => new TextDecoder().decode(encodeNpy(t).subarray(10, 80));
    expect(text({ dtype: 'int64', shape: [3], data: new BigInt64Array(3) })).toContain(
      "'descr': '<i8', 'fortran_order': False, 'shape': (3,), }",
    );
    expect(text({ dtype: 'bool', shape: [], data: new Uint8Array(1) })).toContain(
      "'descr': '|b1', 'fortran_order': False, 'shape': (), }",
    );
  });

  it('property: encode then parse gives identical dtype, shape and bytes', () => {
    fc.assert(
      fc.property(tensorArb, (t) => {
        const back = parseNpy(encodeNpy(t), 'rt.npy');
        expect(back.dtype).toBe(t.dtype);
        expect(back.shape).toEqual(t.shape);
        expect(rawBytes(back)).toEqual(rawBytes(t));
      }),
      { numRuns: 500 },
    );
  });

  it('rejects malformed tensors with E_CONFIG', () => {
    const cases: [unknown, RegExp][] = [
      [
        { dtype: 'float32', shape: [2, 3], data: new Float32Array(5) },
        /Expected a Float32Array of length 6 \(shape \[2, 3\]\) for tensor\.data but received a Float32Array of length 5/,
      ],
      [{ dtype: 'float32', shape: [2], data: new Float64Array(2) }, /for tensor\.data but received a Float64Array/],
      [{ dtype: 'float16', shape: [2], data: new Float32Array(2) }, /for tensor\.dtype but received "float16"/],
      [{ dtype: 'int32', shape: [-1], data: new Int32Array(0) }, /non-negative integers for tensor\.shape/],
      [null, /HostTensor/],
    ];
    for (const [t, re] of cases) {
      const err = caught(() => encodeNpy(t as HostTensor));
      expect(err.code).toBe('E_CONFIG');
      expect(err.message).toMatch(re);
    }
  });

  it('turns an impossible output size into E_CONFIG instead of a RangeError', () => {
    expect(allocate(16).length).toBe(16);
    const err = caught(() => allocate(2 ** 53));
    expect(err.code).toBe('E_CONFIG');
    expect(err.message).toMatch(/^Cannot encode 9007199254740992 bytes in one buffer/);
  });
});

describe('encodeNpy and writeNpy (files)', () => {
  it('round-trips through a file, and a failed write leaves the old file intact', async () => {
    const p = join(dir, 'x.npy');
    const t: HostTensor = { dtype: 'int16', shape: [2, 2], data: new Int16Array([1, -2, 3, -4]) };
    await writeNpy(p, t);
    expect(await readNpy(p)).toEqual(t);
    const before = await readFile(p);
    await expect(writeNpy(p, { dtype: 'int16', shape: [3], data: new Int16Array(2) })).rejects.toMatchObject({
      code: 'E_CONFIG',
    });
    expect(await readFile(p)).toEqual(before);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('reports missing and malformed files naming the path', async () => {
    const missing = join(dir, 'missing.npy');
    await expect(readNpy(missing)).rejects.toMatchObject({ code: 'E_DATA', message: `File not found: ${missing}` });
    const junk = join(dir, 'junk.npy');
    await writeFile(junk, 'not numpy at all');
    await expect(readNpy(junk)).rejects.toMatchObject({
      code: 'E_DATA',
      message: expect.stringContaining(`${junk}: expected NPY magic`),
    });
    await expect(
      writeNpy(join(dir, 'no', 'x.npy'), { dtype: 'uint8', shape: [1], data: new Uint8Array(1) }),
    ).rejects.toMatchObject({ code: 'E_IO' });
  });
});
