import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { caught, caughtAsync } from '../helpers/caught.js';
import { expectParsesOrCode, mutate, mutationArb } from '../helpers/fuzz.js';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { GentorchError, isGentorchError } from '../../lib/errors.js';
import { decodeIdx, parseIdx, readIdx } from '../../lib/io/idx.js';

const FASHION = '/usr/share/datasets/fashion-mnist';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gentorch-idx-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** An IDX file: magic, big-endian dims, then `payload` as given (already big-endian). */
function idx(type: number, dims: number[], payload: Uint8Array | number[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + payload.length);
  const view = new DataView(out.buffer);
  out[2] = type;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(payload, 4 + 4 * dims.length);
  return out;
}

/** Big-endian bytes of `values` written by `set` with the given element width. */
function be(width: number, values: number[], set: (v: DataView, at: number, x: number) => void): Uint8Array {
  const out = new Uint8Array(width * values.length);
  const view = new DataView(out.buffer);
  values.forEach((x, i) => set(view, i * width, x));
  return out;
}

describe('parseIdx', () => {
  it('reads uint8 as a view on the input (no copy)', () => {
    const buf = idx(0x08, [2, 3], [0, 1, 2, 253, 254, 255]);
    const t = parseIdx(buf, 'u8.idx');
    expect(t.dtype).toBe('uint8');
    expect(t.shape).toEqual([2, 3]);
    expect(t.data).toBeInstanceOf(Uint8Array);
    expect([...t.data]).toEqual([0, 1, 2, 253, 254, 255]);
    expect(t.data.buffer).toBe(buf.buffer);
  });

  it('reads int8', () => {
    const t = parseIdx(idx(0x09, [3], [0x80, 0xff, 0x7f]), 'i8.idx');
    expect(t.dtype).toBe('int8');
    expect([...t.data]).toEqual([-128, -1, 127]);
  });

  it('converts big-endian int16, int32, float32 and float64 to host order', () => {
    const i16 = parseIdx(
      idx(
        0x0b,
        [3],
        be(2, [-2, 300, 32767], (v, a, x) => v.setInt16(a, x, false)),
      ),
      'a.idx',
    );
    expect(i16.dtype).toBe('int16');
    expect([...i16.data]).toEqual([-2, 300, 32767]);
    const i32 = parseIdx(
      idx(
        0x0c,
        [1, 2],
        be(4, [-70000, 2 ** 31 - 1], (v, a, x) => v.setInt32(a, x, false)),
      ),
      'b.idx',
    );
    expect(i32.dtype).toBe('int32');
    expect(i32.shape).toEqual([1, 2]);
    expect([...i32.data]).toEqual([-70000, 2 ** 31 - 1]);
    const f32 = parseIdx(
      idx(
        0x0d,
        [2],
        be(4, [1.5, -0.25], (v, a, x) => v.setFloat32(a, x, false)),
      ),
      'c.idx',
    );
    expect(f32.data).toEqual(new Float32Array([1.5, -0.25]));
    const f64 = parseIdx(
      idx(
        0x0e,
        [2],
        be(8, [Math.PI, -1e300], (v, a, x) => v.setFloat64(a, x, false)),
      ),
      'd.idx',
    );
    expect(f64.data).toEqual(new Float64Array([Math.PI, -1e300]));
  });

  it('reads a view with a non-zero byteOffset and empty tensors', () => {
    const inner = idx(
      0x0b,
      [2],
      be(2, [1, -1], (v, a, x) => v.setInt16(a, x, false)),
    );
    const outer = new Uint8Array(inner.length + 3);
    outer.set(inner, 3);
    expect([...parseIdx(outer.subarray(3), 'off.idx').data]).toEqual([1, -1]);
    const empty = parseIdx(idx(0x0d, [0, 28, 28], []), 'empty.idx');
    expect(empty.shape).toEqual([0, 28, 28]);
    expect(empty.data.length).toBe(0);
  });
});

describe('parseIdx (errors and fuzz)', () => {
  it('rejects a bad magic naming the file and the bytes found', () => {
    const err = caught(() => parseIdx(Uint8Array.from([0x1f, 0x8b, 8, 1, 0, 0, 0, 0]), 'fashion.idx'));
    expect(err.code).toBe('E_DATA');
    expect(err.message).toBe('fashion.idx: expected IDX magic 0x0000 but found 0x1f8b');
  });

  it('rejects unknown type codes and dimension counts outside 1..8', () => {
    expect(caught(() => parseIdx(idx(0x0a, [1], [0]), 'x.idx')).message).toMatch(/^x\.idx: unknown IDX type code 0x0a/);
    const zero = caught(() => parseIdx(Uint8Array.from([0, 0, 8, 0]), 'x.idx'));
    expect(zero.message).toBe('x.idx: expected 1 to 8 IDX dimensions but found 0');
    const nine = caught(() => parseIdx(idx(0x08, [1, 1, 1, 1, 1, 1, 1, 1, 1], [0]), 'x.idx'));
    expect(nine.message).toBe('x.idx: expected 1 to 8 IDX dimensions but found 9');
  });

  it('rejects truncated headers', () => {
    expect(caught(() => parseIdx(Uint8Array.from([0, 0]), 'h.idx')).message).toBe(
      'h.idx: truncated: expected at least 4 bytes of IDX header but found 2',
    );
    const err = caught(() => parseIdx(idx(0x08, [5, 5, 5], []).subarray(0, 10), 'h.idx'));
    expect(err.code).toBe('E_DATA');
    expect(err.message).toBe('h.idx: truncated: expected 16 bytes of header for 3 dimensions but found 10');
  });

  it('rejects truncated data and trailing bytes', () => {
    const short = caught(() => parseIdx(idx(0x0c, [2, 3], new Uint8Array(20)), 'short.idx'));
    expect(short.code).toBe('E_DATA');
    expect(short.message).toBe('short.idx: truncated: expected 24 bytes of data for shape [2, 3] but found 20');
    const long = caught(() => parseIdx(idx(0x08, [2], [1, 2, 3]), 'long.idx'));
    expect(long.message).toMatch(/^long\.idx: expected 2 bytes of data .* found 1 trailing bytes/);
  });

  it('rejects dims whose product overflows without allocating', () => {
    const err = caught(() => parseIdx(idx(0x0e, [0xffffffff, 0xffffffff, 0xffffffff], [1, 2, 3]), 'huge.idx'));
    expect(err.message).toContain(`truncated: expected ${(2n ** 32n - 1n) ** 3n * 8n} bytes`);
  });

  it('property: any mutation of a valid file parses or throws E_DATA', () => {
    const valid = [
      idx(0x08, [2, 3], [1, 2, 3, 4, 5, 6]),
      idx(
        0x0d,
        [2],
        be(4, [1, 2], (v, a, x) => v.setFloat32(a, x, false)),
      ),
      idx(0x0e, [1, 1, 1], new Uint8Array(8)),
    ];
    fc.assert(
      fc.property(fc.constantFrom(...valid), fc.array(mutationArb(40), { minLength: 1, maxLength: 4 }), (file, ms) => {
        expectParsesOrCode(() => parseIdx(mutate(file, ms), 'fuzz.idx'), 'E_DATA');
      }),
      { numRuns: 8000 },
    ); // with the gzip property: 10,000 mutated files
  });

  it('property: any mutation of a gzipped file decodes or rejects with E_DATA', async () => {
    const gz = gzipSync(
      idx(
        0x08,
        [4, 4],
        Array.from({ length: 16 }, (_, i) => i),
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(mutationArb(40), { minLength: 1, maxLength: 3 }), async (ms) => {
        try {
          await decodeIdx(mutate(gz, ms), 'fuzz.idx.gz');
        } catch (err) {
          expect(isGentorchError(err) && (err as GentorchError).code === 'E_DATA').toBe(true);
          expect((err as Error).message).toMatch(/^fuzz\.idx\.gz: /);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('readIdx', () => {
  const labels = idx(0x08, [5], [3, 1, 4, 1, 5]);

  it('reads raw and gzipped files, whatever their extension', async () => {
    const cases: [string, Uint8Array][] = [
      ['raw-idx1-ubyte', labels],
      ['raw.gz', labels],
      ['zipped-idx1-ubyte.gz', gzipSync(labels)],
      ['zipped-no-ext', gzipSync(labels)],
    ];
    for (const [file, bytes] of cases) {
      const p = join(dir, file);
      await writeFile(p, bytes);
      const t = await readIdx(p);
      expect(t).toMatchObject({ dtype: 'uint8', shape: [5] });
      expect([...t.data]).toEqual([3, 1, 4, 1, 5]);
    }
  });

  it('reads a multi-byte gzipped file', async () => {
    const p = join(dir, 'f64.gz');
    await writeFile(
      p,
      gzipSync(
        idx(
          0x0e,
          [2],
          be(8, [0.5, -3], (v, a, x) => v.setFloat64(a, x, false)),
        ),
      ),
    );
    expect((await readIdx(p)).data).toEqual(new Float64Array([0.5, -3]));
  });

  it('reports corrupt and truncated gzip data as E_DATA naming the file', async () => {
    const gz = gzipSync(labels);
    const truncated = join(dir, 'trunc.gz');
    await writeFile(truncated, gz.subarray(0, gz.length - 6));
    const err = await caughtAsync(() => readIdx(truncated));
    expect(err.code).toBe('E_DATA');
    expect(err.message).toMatch(/^.*trunc\.gz: corrupt gzip data: /);
    const corrupt = join(dir, 'corrupt.gz');
    const bad = Uint8Array.from(gz);
    bad[12] ^= 0xff;
    await writeFile(corrupt, bad);
    expect((await caughtAsync(() => readIdx(corrupt))).message).toContain(corrupt);
  });

  it('stops inflating a gzip bomb at the size its header declares', async () => {
    const bomb = Buffer.concat([Buffer.from(idx(0x08, [10], new Uint8Array(10))), Buffer.alloc(50 << 20)]);
    const err = await caughtAsync(() => decodeIdx(gzipSync(bomb), 'bomb.gz'));
    expect(err.code).toBe('E_DATA');
    expect(err.message).toBe('bomb.gz: decompressed data exceeds the 18 bytes its IDX header declares');
  });

  it('reports a bad magic inside a gzip file', async () => {
    const err = await caughtAsync(() => decodeIdx(gzipSync(Buffer.from('PK\x03\x04 not an idx file')), 'zip.gz'));
    expect(err.message).toBe('zip.gz: expected IDX magic 0x0000 but found 0x504b');
  });

  it('reports missing files and directories as E_DATA', async () => {
    const p = join(dir, 'nope.idx');
    const err = await caughtAsync(() => readIdx(p));
    expect(err.code).toBe('E_DATA');
    expect(err.message).toBe(`File not found: ${p}`);
    expect((await caughtAsync(() => readIdx(dir))).message).toBe(`Expected a file but ${dir} is a directory`);
  });
});

describe('readIdx (Fashion-MNIST)', () => {
  it.skipIf(!existsSync(`${FASHION}/t10k-images-idx3-ubyte.gz`))('reads the Fashion-MNIST test images', async () => {
    const t = await readIdx(`${FASHION}/t10k-images-idx3-ubyte.gz`);
    expect(t.dtype).toBe('uint8');
    expect(t.shape).toEqual([10000, 28, 28]);
    expect(t.data.length).toBe(10000 * 28 * 28);
    const labels10k = await readIdx(`${FASHION}/t10k-labels-idx1-ubyte.gz`);
    expect(labels10k.shape).toEqual([10000]);
    expect(Math.max(...(labels10k.data as Uint8Array))).toBe(9);
  });

  it.skipIf(!existsSync(`${FASHION}/train-images-idx3-ubyte.gz`))(
    'reads the 60k Fashion-MNIST training images (speed is a benchmark, not a test: timing here would fail under load)',
    async () => {
      const t = await readIdx(`${FASHION}/train-images-idx3-ubyte.gz`);
      expect(t.shape).toEqual([60000, 28, 28]);
      expect(t.dtype).toBe('uint8');
      // Real pixels: not all zero, and the full range used.
      let max = 0;
      for (const v of t.data as Uint8Array) max = Math.max(max, v);
      expect(max).toBe(255);
    },
  );
});
