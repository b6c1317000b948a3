import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { caught } from '../helpers/caught.js';
import { expectParsesOrCode, mutate, mutationArb, rawBytes, tensorArb } from '../helpers/fuzz.js';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSafetensors, parseSafetensors, readSafetensors, writeSafetensors } from '../../lib/io/safetensors.js';
import type { HostTensor } from '../../lib/tensor.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gentorch-st-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A safetensors file built by hand from a header (object or raw text) and a data buffer. */
function st(header: unknown, data: Uint8Array | number[] = [], pad = true): Uint8Array {
  let json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  if (pad && json.length % 8 !== 0)
    json = new TextEncoder().encode(new TextDecoder().decode(json).padEnd(Math.ceil(json.length / 8) * 8));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function f32(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

const sample: Record<string, HostTensor> = {
  'encoder.weight': { dtype: 'float32', shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) },
  'encoder.bias': { dtype: 'float64', shape: [2], data: new Float64Array([0.5, -0.5]) },
  step: { dtype: 'int64', shape: [], data: new BigInt64Array([123n]) },
  mask: { dtype: 'bool', shape: [3], data: new Uint8Array([1, 0, 1]) },
  empty: { dtype: 'int16', shape: [0, 4], data: new Int16Array(0) },
  labels: { dtype: 'uint8', shape: [2], data: new Uint8Array([9, 0]) },
  i8: { dtype: 'int8', shape: [1], data: new Int8Array([-7]) },
  i32: { dtype: 'int32', shape: [1, 1], data: new Int32Array([-70000]) },
};

describe('encodeSafetensors', () => {
  it('round-trips tensors and metadata exactly', () => {
    const meta = { format: 'pt', 'gentorch.config': '{"latent":16}', note: 'héllo ✓' };
    const { tensors, metadata } = parseSafetensors(encodeSafetensors(sample, meta), 'rt.safetensors');
    expect(metadata).toEqual(meta);
    expect([...tensors.keys()]).toEqual(Object.keys(sample));
    for (const [k, t] of Object.entries(sample)) expect(tensors.get(k)).toEqual(t);
  });

  it('pads the header with spaces to 8 bytes, puts __metadata__ first and lays tensors out in key order', () => {
    const buf = encodeSafetensors({ b: sample.labels, a: sample['encoder.bias'] }, { k: 'v' });
    const n = Number(new DataView(buf.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const text = new TextDecoder().decode(buf.subarray(8, 8 + n));
    expect(text).toMatch(
      /^\{"__metadata__":\{"k":"v"\},"b":\{"dtype":"U8","shape":\[2\],"data_offsets":\[0,2\]\},"a":\{"dtype":"F64","shape":\[2\],"data_offsets":\[2,18\]\}\} *$/,
    );
    expect(buf.length).toBe(8 + n + 18);
    // Data starts 8-aligned, so the float64 tensor at offset 2 must be copied to be readable.
    const a = parseSafetensors(buf, 'x').tensors.get('a')!;
    expect(a.data.byteOffset % 8).toBe(0);
    expect([...a.data]).toEqual([0.5, -0.5]);
  });

  it('omits empty metadata and accepts no tensors', () => {
    const buf = encodeSafetensors({}, {});
    expect(new TextDecoder().decode(buf.subarray(8))).toBe('{}      ');
    expect(parseSafetensors(buf, 'e')).toEqual({ tensors: new Map(), metadata: {} });
  });

  it('rejects malformed tensors and metadata with E_CONFIG', () => {
    const cases: [() => unknown, RegExp][] = [
      [
        () => encodeSafetensors({ w: { dtype: 'float32', shape: [2, 3], data: new Float32Array(5) } }, {}),
        /Expected a Float32Array of length 6 \(shape \[2, 3\]\) for tensors\["w"\]\.data but received a Float32Array of length 5/,
      ],
      [
        () => encodeSafetensors({ w: { dtype: 'int32', shape: [1], data: new Float32Array(1) } as never }, {}),
        /tensors\["w"\]\.data/,
      ],
      [
        () => encodeSafetensors({ w: { dtype: 'complex64', shape: [1], data: new Float32Array(1) } as never }, {}),
        /tensors\["w"\]\.dtype/,
      ],
      [
        () => encodeSafetensors({ w: sample.step }, { epoch: 3 as never }),
        /Expected a string for metadata\["epoch"\] but received 3 of type number/,
      ],
      [() => encodeSafetensors({ __metadata__: sample.step }, {}), /other than __metadata__/],
    ];
    for (const [f, re] of cases) {
      const err = caught(f);
      expect(err.code).toBe('E_CONFIG');
      expect(err.message).toMatch(re);
    }
  });

  it('property: encode then parse gives identical tensors and metadata', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ minLength: 1 }), tensorArb, { maxKeys: 4 }),
        fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
        (tensors, metadata) => {
          fc.pre(!('__metadata__' in tensors));
          const back = parseSafetensors(encodeSafetensors(tensors, metadata), 'rt');
          expect(back.metadata).toEqual(metadata);
          expect([...back.tensors.keys()].sort()).toEqual(Object.keys(tensors).sort());
          for (const [k, t] of Object.entries(tensors)) {
            const b = back.tensors.get(k)!;
            expect(b.dtype).toBe(t.dtype);
            expect(b.shape).toEqual(t.shape);
            expect(rawBytes(b)).toEqual(rawBytes(t));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** A tensor entry, with fields of `o` in place of the valid ones. */
const entry = (o: object = {}): object => ({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8], ...o } });
/** Malformed files: what is wrong, the file, and what the E_CHECKPOINT message must say. */
const malformed: [string, Uint8Array, RegExp][] = [
  ['short', Uint8Array.from([1, 0, 0]), /truncated: expected at least 8 bytes for the header length but found 3/],
  [
    'huge header',
    Uint8Array.from([0, 0, 0, 0, 0, 1, 0, 0]),
    /header length 1099511627776 exceeds the limit of 104857600 bytes/,
  ],
  ['header past end', st('{}').subarray(0, 12), /truncated: header length is 8 bytes but only 4 bytes follow/],
  ['bad utf8', st('{"\xff":1}').map((b, i) => (i === 10 ? 0xff : b)), /header is not valid UTF-8/],
  ['bad json', st('{"w": '), /header is not valid JSON/],
  ['array header', st('[1, 2]'), /expected the header to be a JSON object but found an array of length 2/],
  [
    'entry not object',
    st({ w: 3 }),
    /expected tensor "w" to be an object with dtype, shape and data_offsets but found 3 of type number/,
  ],
  [
    'missing dtype',
    st(entry({ dtype: undefined }), f32([1, 2])),
    /expected a string dtype for tensor "w" but found undefined/,
  ],
  [
    'F16',
    st(entry({ dtype: 'F16' }), f32([1, 2])),
    /unsupported dtype "F16" for tensor "w" \(supported: F64, F32, I64, I32, I16, I8, U8, BOOL\)/,
  ],
  ['BF16', st(entry({ dtype: 'BF16' }), f32([1, 2])), /unsupported dtype "BF16"/],
  ['proto dtype', st(entry({ dtype: 'toString' }), f32([1, 2])), /unsupported dtype "toString"/],
  [
    'negative shape',
    st(entry({ shape: [-2] }), f32([1, 2])),
    /non-negative integers for the shape of tensor "w" but found \[-2\]/,
  ],
  ['fractional shape', st(entry({ shape: [1.5] }), f32([1, 2])), /shape of tensor "w"/],
  ['string shape', st(entry({ shape: '2' }), f32([1, 2])), /shape of tensor "w" but found "2"/],
  [
    'short offsets',
    st(entry({ data_offsets: [0] }), f32([1, 2])),
    /data_offsets \[begin, end\] with 0 <= begin <= end <= 8 for tensor "w" but found \[0\]/,
  ],
  ['reversed offsets', st(entry({ data_offsets: [8, 0] }), f32([1, 2])), /but found \[8,0\]/],
  ['offsets past end', st(entry({ data_offsets: [0, 16] }), f32([1, 2])), /<= 8 for tensor "w" but found \[0,16\]/],
  [
    'size mismatch',
    st(entry({ shape: [3] }), f32([1, 2])),
    /tensor "w" of dtype F32 and shape \[3\] needs 12 bytes but its data_offsets span 8/,
  ],
  [
    'overflowing shape',
    st(entry({ shape: [2 ** 52, 2 ** 52] }), f32([1, 2])),
    /needs 81129638414606681695789005144064 bytes/,
  ],
  [
    'overlap',
    st(
      { a: { dtype: 'U8', shape: [4], data_offsets: [0, 4] }, b: { dtype: 'U8', shape: [4], data_offsets: [2, 6] } },
      new Uint8Array(6),
    ),
    /tensor "b" starts at byte 2 but tensor "a" ends at byte 4 \(tensors must not overlap\)/,
  ],
  [
    'gap',
    st(
      { a: { dtype: 'U8', shape: [2], data_offsets: [0, 2] }, b: { dtype: 'U8', shape: [2], data_offsets: [4, 6] } },
      new Uint8Array(6),
    ),
    /tensor "b" starts at byte 4 but tensor "a" ends at byte 2 \(the data buffer must not have gaps\)/,
  ],
  [
    'leading gap',
    st({ a: { dtype: 'U8', shape: [2], data_offsets: [2, 4] } }, new Uint8Array(4)),
    /starts at byte 2 but the start of the data ends at byte 0/,
  ],
  ['trailing bytes', st(entry(), f32([1, 2, 3])), /the data buffer has 12 bytes but the tensors cover only 8/],
  [
    'metadata not object',
    st({ __metadata__: ['x'] }),
    /expected __metadata__ to be an object of strings but found an array of length 1/,
  ],
  [
    'metadata value',
    st({ __metadata__: { epoch: 3 } }),
    /expected a string for __metadata__\["epoch"\] but found 3 of type number/,
  ],
];

describe('parseSafetensors', () => {
  it('returns aligned views on the input, and aligned copies where the offset is unaligned', () => {
    const aligned = st({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, f32([1, 2]));
    const w = parseSafetensors(aligned, 'a').tensors.get('w')!;
    expect(w.data.buffer).toBe(aligned.buffer);
    expect([...w.data]).toEqual([1, 2]);
    // An unpadded 54-byte header puts the data at byte 62: not 4-aligned.
    const raw = st(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, f32([3, 4]), false);
    expect(raw.length - 8).toBe(62);
    const u = parseSafetensors(raw, 'u').tensors.get('w')!;
    expect(u.data.buffer).not.toBe(raw.buffer);
    expect(u.data.byteOffset % 4).toBe(0);
    expect([...u.data]).toEqual([3, 4]);
  });

  it('normalises bool bytes to 0/1 and accepts null metadata', () => {
    const r = parseSafetensors(
      st({ __metadata__: null, m: { dtype: 'BOOL', shape: [3], data_offsets: [0, 3] } }, [0, 7, 1]),
      'b',
    );
    expect([...r.tensors.get('m')!.data]).toEqual([0, 1, 1]);
    expect(r.metadata).toEqual({});
  });

  it('keeps a "__proto__" metadata key as plain data', () => {
    const r = parseSafetensors(st('{"__metadata__":{"__proto__":"x"}}'), 'p');
    expect(Object.getPrototypeOf(r.metadata)).toBe(Object.prototype);
    expect(Object.keys(r.metadata)).toEqual(['__proto__']);
  });

  for (const [what, buf, re] of malformed) {
    it(`rejects ${what} with E_CHECKPOINT naming the file`, () => {
      const err = caught(() => parseSafetensors(buf, 'model.safetensors'));
      expect(err.code).toBe('E_CHECKPOINT');
      expect(err.message).toMatch(/^model\.safetensors: /);
      expect(err.message).toMatch(re);
    });
  }

  it('property: any mutation of a valid file parses or throws E_CHECKPOINT', () => {
    const valid = encodeSafetensors({ a: sample['encoder.weight'], s: sample.step, m: sample.mask }, { format: 'pt' });
    fc.assert(
      fc.property(fc.array(mutationArb(200), { minLength: 1, maxLength: 4 }), (ms) => {
        expectParsesOrCode(() => parseSafetensors(mutate(valid, ms), 'fuzz.safetensors'), 'E_CHECKPOINT');
      }),
      { numRuns: 6000 },
    ); // with the JSON headers below: 10,000 malformed files
  });

  it('property: arbitrary JSON headers parse or throw E_CHECKPOINT', () => {
    const entryArb = fc.record(
      {
        dtype: fc.oneof(fc.constantFrom('F32', 'U8', 'I64', 'BOOL', 'F16'), fc.jsonValue()),
        shape: fc.oneof(fc.array(fc.integer({ min: -1, max: 4 }), { maxLength: 3 }), fc.jsonValue()),
        data_offsets: fc.oneof(
          fc.array(fc.integer({ min: -1, max: 40 }), { minLength: 2, maxLength: 2 }),
          fc.jsonValue(),
        ),
      },
      { requiredKeys: [] },
    );
    const headerArb = fc.oneof(
      fc.dictionary(fc.string(), fc.oneof(entryArb, fc.jsonValue()), { maxKeys: 4 }),
      fc.jsonValue(),
    );
    fc.assert(
      fc.property(headerArb, fc.nat({ max: 40 }), (header, dataLen) => {
        expectParsesOrCode(
          () => parseSafetensors(st(header ?? null, new Uint8Array(dataLen)), 'json.safetensors'),
          'E_CHECKPOINT',
        );
      }),
      { numRuns: 4000 },
    );
  });
});

describe('readSafetensors and writeSafetensors', () => {
  it('round-trips through a file', async () => {
    const p = join(dir, 'model.safetensors');
    await writeSafetensors(p, sample, { epoch: '3' });
    const back = await readSafetensors(p);
    expect(back.metadata).toEqual({ epoch: '3' });
    expect(Object.fromEntries(back.tensors)).toEqual(sample);
  });

  it('a failed write leaves the old file intact and no temp file', async () => {
    const p = join(dir, 'keep.safetensors');
    await writeSafetensors(p, { w: sample.step }, {});
    const before = await readFile(p);
    await expect(
      writeSafetensors(p, { w: { dtype: 'float32', shape: [4], data: new Float32Array(3) } }, {}),
    ).rejects.toMatchObject({ code: 'E_CONFIG' });
    expect(await readFile(p)).toEqual(before);
    await expect(writeSafetensors(join(dir, 'missing-dir', 'x.safetensors'), sample, {})).rejects.toMatchObject({
      code: 'E_IO',
    });
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('reports missing files, directories and corrupt files as E_CHECKPOINT', async () => {
    const missing = join(dir, 'missing.safetensors');
    await expect(readSafetensors(missing)).rejects.toMatchObject({
      code: 'E_CHECKPOINT',
      message: `File not found: ${missing}`,
    });
    await expect(readSafetensors(dir)).rejects.toMatchObject({
      code: 'E_CHECKPOINT',
      message: `Expected a file but ${dir} is a directory`,
    });
    const junk = join(dir, 'junk.safetensors');
    await writeFile(junk, 'PK\x03\x04');
    await expect(readSafetensors(junk)).rejects.toMatchObject({
      code: 'E_CHECKPOINT',
      message: expect.stringContaining(junk),
    });
  });
});
