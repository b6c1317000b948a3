// parseNpy: the dtypes, layouts and versions of .npy files it reads, and the malformed files it rejects.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { caught } from '../helpers/caught.js';
import { expectParsesOrCode, mutate, mutationArb } from '../helpers/fuzz.js';
import { parseNpy } from '../../lib/io/npy.js';
import type { DType, HostTensor } from '../../lib/tensor.js';

/** A .npy file built by hand: magic, version, header length, `header` padded as numpy pads it, payload. */
function npy(header: string, payload: Uint8Array | number[], major = 1, pad = true): Uint8Array {
  const pre = major === 1 ? 10 : 12;
  let text = new TextEncoder().encode(header);
  if (pad) {
    const total = Math.ceil((pre + text.length + 1) / 64) * 64;
    text = new TextEncoder().encode(header + ' '.repeat(total - pre - text.length - 1) + '\n');
  }
  const out = new Uint8Array(pre + text.length + payload.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  out.set(text, pre);
  out.set(payload, pre + text.length);
  return out;
}

const dict = (descr: string, shape: string, fortran = 'False'): string =>
  `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;

/** Bytes of `values` written through a DataView setter (endianness chosen by the caller). */
function bytes(
  width: number,
  values: (number | bigint)[],
  set: (v: DataView, at: number, x: never) => void,
): Uint8Array {
  const out = new Uint8Array(width * values.length);
  const view = new DataView(out.buffer);
  values.forEach((x, i) => set(view, i * width, x as never));
  return out;
}

function asArray(t: HostTensor): (number | bigint)[] {
  return Array.from(t.data as ArrayLike<number | bigint>);
}

describe('parseNpy: dtypes', () => {
  const cases: [string, DType, (number | bigint)[], Uint8Array][] = [
    ['<f4', 'float32', [1.5, -2], bytes(4, [1.5, -2], (v, a, x) => v.setFloat32(a, x, true))],
    ['>f4', 'float32', [1.5, -2], bytes(4, [1.5, -2], (v, a, x) => v.setFloat32(a, x, false))],
    ['<f8', 'float64', [Math.E, -1e300], bytes(8, [Math.E, -1e300], (v, a, x) => v.setFloat64(a, x, true))],
    ['>f8', 'float64', [Math.E, -1e300], bytes(8, [Math.E, -1e300], (v, a, x) => v.setFloat64(a, x, false))],
    ['|u1', 'uint8', [0, 255], Uint8Array.from([0, 255])],
    ['<u1', 'uint8', [7, 200], Uint8Array.from([7, 200])],
    ['|i1', 'int8', [-128, 127], Uint8Array.from([0x80, 0x7f])],
    ['<i1', 'int8', [-1, 1], Uint8Array.from([0xff, 1])],
    ['<i2', 'int16', [-300, 32767], bytes(2, [-300, 32767], (v, a, x) => v.setInt16(a, x, true))],
    ['>i2', 'int16', [-300, 32767], bytes(2, [-300, 32767], (v, a, x) => v.setInt16(a, x, false))],
    ['<i4', 'int32', [-70000, 2 ** 31 - 1], bytes(4, [-70000, 2 ** 31 - 1], (v, a, x) => v.setInt32(a, x, true))],
    ['>i4', 'int32', [-70000, 2 ** 31 - 1], bytes(4, [-70000, 2 ** 31 - 1], (v, a, x) => v.setInt32(a, x, false))],
    ['<i8', 'int64', [-(2n ** 63n), 5n], bytes(8, [-(2n ** 63n), 5n], (v, a, x) => v.setBigInt64(a, x, true))],
    ['>i8', 'int64', [-(2n ** 63n), 5n], bytes(8, [-(2n ** 63n), 5n], (v, a, x) => v.setBigInt64(a, x, false))],
    ['|b1', 'bool', [0, 1], Uint8Array.from([0, 2])], // any non-zero byte is True
    ['<u2', 'int32', [0, 65535], bytes(2, [0, 65535], (v, a, x) => v.setUint16(a, x, true))],
    ['>u2', 'int32', [1, 65535], bytes(2, [1, 65535], (v, a, x) => v.setUint16(a, x, false))],
    ['<u4', 'int32', [3, 2 ** 31 - 1], bytes(4, [3, 2 ** 31 - 1], (v, a, x) => v.setUint32(a, x, true))],
    ['>u4', 'int32', [3, 2 ** 31 - 1], bytes(4, [3, 2 ** 31 - 1], (v, a, x) => v.setUint32(a, x, false))],
  ];
  for (const [descr, dtype, values, payload] of cases) {
    it(`reads ${descr} as ${dtype}`, () => {
      const t = parseNpy(npy(dict(descr, '(2,)'), payload), `${descr}.npy`);
      expect(t.dtype).toBe(dtype);
      expect(t.shape).toEqual([2]);
      expect(asArray(t)).toEqual(values);
    });
  }

  it('rejects <u4 values above 2^31-1', () => {
    const err = caught(() =>
      parseNpy(
        npy(
          dict('<u4', '(2,)'),
          bytes(4, [1, 2 ** 32 - 1], (v, a, x) => v.setUint32(a, x, true)),
        ),
        'u4.npy',
      ),
    );
    expect(err.code).toBe('E_DATA');
    expect(err.message).toBe('u4.npy: uint32 value 4294967295 at element 1 does not fit in int32 (at most 2147483647)');
  });

  it.each(['<c8', '|O', '<U5', '|S3', '<f2', '<M8[ns]', '|f4', '=f4', '<u8', 'f4'])(
    'rejects unsupported dtype %s',
    (descr) => {
      const err = caught(() => parseNpy(npy(dict(descr, '(1,)'), new Uint8Array(8)), 'bad.npy'));
      expect(err.code).toBe('E_DATA');
      expect(err.message).toMatch(
        new RegExp(`^bad\\.npy: unsupported dtype '${descr.replace(/[[\]|]/g, '\\$&')}' \\(supported: <f4, `),
      );
    },
  );

  it('rejects structured dtypes with the unsupported-dtype message', () => {
    const err = caught(() =>
      parseNpy(
        npy(`{'descr': [('x', '<f4'), ('y', '<i4')], 'fortran_order': False, 'shape': (1,), }`, new Uint8Array(8)),
        's.npy',
      ),
    );
    expect(err.message).toMatch(/^s\.npy: unsupported dtype \[\["x","<f4"\],\["y","<i4"\]\] \(supported:/);
  });
});

describe('parseNpy: layout and versions', () => {
  const i32 = (values: number[]): Uint8Array => bytes(4, values, (v, a, x) => v.setInt32(a, x, true));

  it('reads versions 1.0, 2.0 and 3.0 (utf8 header)', () => {
    for (const major of [1, 2, 3]) {
      const t = parseNpy(npy(dict('<i4', '(2, 2)'), i32([1, 2, 3, 4]), major), `v${major}.npy`);
      expect(t).toEqual({ dtype: 'int32', shape: [2, 2], data: new Int32Array([1, 2, 3, 4]) });
    }
  });

  it('reads unpadded headers, double quotes, any key order and Python 2 longs', () => {
    const header = `{"shape": (2L, 1L), "fortran_order": False, "descr": "<i4"}`;
    expect(parseNpy(npy(header, i32([5, 6]), 1, false), 'py2.npy').shape).toEqual([2, 1]);
  });

  it('reads scalars and empty arrays', () => {
    expect(parseNpy(npy(dict('<f8', '()'), new Uint8Array(8)), 's.npy')).toEqual({
      dtype: 'float64',
      shape: [],
      data: new Float64Array([0]),
    });
    const empty = parseNpy(npy(dict('<f4', '(0, 5)'), []), 'e.npy');
    expect(empty.shape).toEqual([0, 5]);
    expect(empty.data.length).toBe(0);
  });

  it('transposes Fortran-ordered 2-D and 3-D data into C order', () => {
    // numpy.asfortranarray(numpy.arange(6).reshape(2, 3)) stores 0 3 1 4 2 5.
    const t2 = parseNpy(npy(dict('<i4', '(2, 3)', 'True'), i32([0, 3, 1, 4, 2, 5])), 'f2.npy');
    expect([...t2.data]).toEqual([0, 1, 2, 3, 4, 5]);
    // numpy.asfortranarray(numpy.arange(24, dtype='>f8').reshape(2, 3, 4)): element (i,j,k) at i + 2j + 6k.
    const fortran: number[] = [];
    for (let k = 0; k < 4; k++)
      for (let j = 0; j < 3; j++) for (let i = 0; i < 2; i++) fortran.push(12 * i + 4 * j + k);
    const t3 = parseNpy(
      npy(
        dict('>f8', '(2, 3, 4)', 'True'),
        bytes(8, fortran, (v, a, x) => v.setFloat64(a, x, false)),
      ),
      'f3.npy',
    );
    expect(t3.shape).toEqual([2, 3, 4]);
    expect([...t3.data]).toEqual(Array.from({ length: 24 }, (_, i) => i));
    const t1 = parseNpy(npy(dict('<i4', '(3,)', 'True'), i32([7, 8, 9])), 'f1.npy');
    expect([...t1.data]).toEqual([7, 8, 9]);
  });

  it('never aliases the input buffer', () => {
    const buf = npy(dict('|u1', '(3,)'), [1, 2, 3]);
    const t = parseNpy(buf, 'a.npy');
    buf[buf.length - 1] = 99;
    expect([...t.data]).toEqual([1, 2, 3]);
  });
});

/** A valid .npy file, and the E_DATA error a bad one must give, for the error blocks. */
const ok = npy(dict('<i4', '(2, 3)'), new Uint8Array(24));
const bad = (buf: Uint8Array, re: RegExp): void => {
  const err = caught(() => parseNpy(buf, 'weights.npy'));
  expect(err.code).toBe('E_DATA');
  expect(err.message).toMatch(re);
};

describe('parseNpy: errors', () => {
  it('names expected and found bytes for truncated data and trailing bytes', () => {
    bad(
      ok.subarray(0, ok.length - 4),
      /^weights\.npy: truncated: expected 24 bytes of data for shape \[2, 3\] of 'i4' but found 20$/,
    );
    bad(Uint8Array.from([...ok, 0]), /^weights\.npy: expected 24 bytes .* but found 25$/);
  });

  it('rejects a bad magic, version or header length', () => {
    bad(
      Uint8Array.from([0x50, 0x4b, 3, 4, 0, 0, 0, 0, 0, 0]),
      /^weights\.npy: expected NPY magic .* but found 50 4b 03 04 00 00$/,
    );
    bad(ok.subarray(0, 9), /truncated: expected at least 10 bytes/);
    for (const [major, minor] of [
      [0, 0],
      [4, 0],
      [1, 1],
    ]) {
      const v = Uint8Array.from(ok);
      v[6] = major;
      v[7] = minor;
      bad(v, new RegExp(`unsupported NPY format version ${major}\\.${minor}`));
    }
    const long = Uint8Array.from(ok);
    new DataView(long.buffer).setUint16(8, 0xffff, true);
    bad(long, /^weights\.npy: header length 65535 does not fit/);
    const v2 = npy(dict('<i4', '(1,)'), new Uint8Array(4), 2);
    new DataView(v2.buffer).setUint32(8, 0xfffffff0, true);
    bad(v2, /header length 4294967280 does not fit/);
    bad(npy(dict('<i4', '(1,)'), [], 2).subarray(0, 11), /truncated: expected at least 12 bytes/);
  });

  it('rejects malformed headers', () => {
    const cases: [string, RegExp][] = [
      [
        `{'descr': '<i4', 'fortran_order': False}`,
        /expected header keys descr, fortran_order, shape but found descr, fortran_order$/,
      ],
      [`{'descr': '<i4', 'fortran_order': False, 'shape': (1,), 'x': 1}`, /expected header keys/],
      [`{'descr': '<i4', 'descr': '<i4', 'fortran_order': False, 'shape': (1,)}`, /duplicate key 'descr'/],
      [`{'descr': '<i4', 'fortran_order': 0, 'shape': (1,)}`, /expected True or False for fortran_order but found 0/],
      [
        `{'descr': '<i4', 'fortran_order': False, 'shape': (1)}`,
        /expected a tuple of non-negative integers for shape but found 1$/,
      ],
      [
        `{'descr': '<i4', 'fortran_order': False, 'shape': (-1,)}`,
        /tuple of non-negative integers for shape but found \[-1\]/,
      ],
      [`{'descr': '<i4', 'fortran_order': False, 'shape': ('1',)}`, /tuple of non-negative integers/],
      [
        `{'descr': '<i4', 'fortran_order': False, 'shape': (99999999999999999999,)}`,
        /integer 99999999999999999999 is too large/,
      ],
      [
        `{'descr': '<i4', 'fortran_order': False, 'shape': (1,), } extra`,
        /malformed header: expected the end of the header/,
      ],
      [`{'descr': '<i4' 'fortran_order': False}`, /malformed header: expected , or \}/],
      [`{'descr: '<i4'}`, /malformed header/],
      [`{descr: 1}`, /malformed header: expected a string key at offset 1/],
      [`{'descr': __import__('os')}`, /malformed header: expected a string, number/],
      [`{'descr': '<i\\x34'}`, /malformed header: expected a backslash before/],
      [`['descr']`, /malformed header: expected \{ at offset 0/],
      [``, /malformed header/],
      [`{'a': ${'('.repeat(5000)}`, /malformed header: expected less deeply nested values/],
    ];
    for (const [header, re] of cases) bad(npy(header, new Uint8Array(4)), re);
  });
});

describe('parseNpy: errors (encoding, size and fuzz)', () => {
  it('rejects a v3 header that is not UTF-8', () => {
    const buf = npy(dict('<i4', '(1,)'), new Uint8Array(4), 3);
    buf[14] = 0xff;
    bad(buf, /^weights\.npy: header is not valid UTF-8$/);
  });

  it('rejects shapes whose size overflows without allocating', () => {
    bad(
      npy(dict('<f8', '(4294967296, 4294967296, 4294967296)'), new Uint8Array(8)),
      /truncated: expected 633825300114114700748351602688 bytes/,
    );
  });

  it('property: any mutation of a valid file parses or throws E_DATA', () => {
    const valid = [
      ok,
      npy(dict('>f8', '(2, 1)', 'True'), new Uint8Array(16)),
      npy(dict('<u4', '(1,)'), new Uint8Array(4), 2),
      npy(`{"shape": (3L,), "fortran_order": True, "descr": "|b1"}`, [1, 0, 1], 3, false),
    ];
    fc.assert(
      fc.property(fc.constantFrom(...valid), fc.array(mutationArb(80), { minLength: 1, maxLength: 4 }), (file, ms) => {
        expectParsesOrCode(() => parseNpy(mutate(file, ms), 'fuzz.npy'), 'E_DATA');
      }),
      { numRuns: 6000 },
    ); // with the header grammar below: 10,000 malformed files
  });

  it('property: headers built from grammar tokens parse or throw E_DATA', () => {
    const token = fc.constantFrom(
      '{',
      '}',
      '(',
      ')',
      '[',
      ']',
      ',',
      ':',
      ' ',
      "'",
      '"',
      '\\',
      '\n',
      "'descr'",
      "'shape'",
      "'fortran_order'",
      'True',
      'False',
      'None',
      "'<f4'",
      "'|b1'",
      '0',
      '3',
      '-1',
      '7L',
      'x',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 30 }), (tokens) => {
        expectParsesOrCode(() => parseNpy(npy(tokens.join(''), new Uint8Array(12)), 'tokens.npy'), 'E_DATA');
      }),
      { numRuns: 4000 },
    );
  });
});
