// The typed array <-> tensor bridge of native/binding/bridge.cc.
import { describe, expect, it } from 'vitest';
import { native } from '../../lib/native.js';
import { GentorchError } from '../../lib/errors.js';

describe('typed array <-> tensor bridge', () => {
  const cases: [string, () => ArrayBufferView & { length: number }][] = [
    ['float32', () => Float32Array.from([0.5, -1.25, 3e-8, 1e30, -0, 7, 8, 9])],
    ['float64', () => Float64Array.from([Math.PI, -1e-300, 2 ** 60, 0, 1, 2, 3, 4])],
    ['uint8', () => Uint8Array.from([0, 1, 127, 128, 254, 255, 9, 10])],
    ['int8', () => Int8Array.from([-128, -1, 0, 1, 127, 5, 6, 7])],
    ['int16', () => Int16Array.from([-32768, -1, 0, 1, 32767, 5, 6, 7])],
    ['int32', () => Int32Array.from([-(2 ** 31), -1, 0, 1, 2 ** 31 - 1, 5, 6, 7])],
    ['int64', () => BigInt64Array.from([-(2n ** 63n), -1n, 0n, 1n, 2n ** 63n - 1n, 2n ** 53n + 1n, 6n, 7n])],
  ];
  for (const [dtype, make] of cases) {
    it(`round-trips ${dtype} values and shape exactly`, () => {
      const data = make();
      const out = native().tensorRoundTrip({ data: data as never, shape: [2, 2, 2] });
      expect(out.dtype).toBe(dtype);
      expect(out.shape).toEqual([2, 2, 2]);
      expect(out.data.constructor).toBe(data.constructor);
      expect(Array.from(out.data as never)).toEqual(Array.from(data as never));
    });
  }

  it('copies the input: later writes to the source do not reach the tensor', () => {
    const data = Float32Array.from([1, 2, 3, 4]);
    const out = native().tensorRoundTrip({ data, shape: [4] });
    data[0] = 99;
    expect(out.data[0]).toBe(1);
  });

  it('takes views at an offset into a larger buffer', () => {
    const big = Float32Array.from({ length: 10 }, (_, i) => i);
    const out = native().tensorRoundTrip({ data: big.subarray(3, 7), shape: [2, 2] });
    expect(Array.from(out.data as Float32Array)).toEqual([3, 4, 5, 6]);
  });

  it('handles empty tensors and scalars', () => {
    expect(native().tensorRoundTrip({ data: new Float32Array(0), shape: [0, 3] }).shape).toEqual([0, 3]);
    const s = native().tensorRoundTrip({ data: Float32Array.from([2.5]), shape: [] });
    expect(s.shape).toEqual([]);
    expect(s.data[0]).toBe(2.5);
  });

  it('rejects a shape that does not match the data with E_SHAPE', () => {
    expect(() => native().tensorRoundTrip({ data: new Float32Array(5), shape: [2, 2] })).toThrow(GentorchError);
    try {
      native().tensorRoundTrip({ data: new Float32Array(5), shape: [2, 2] });
    } catch (err) {
      expect((err as GentorchError).code).toBe('E_SHAPE');
      expect((err as GentorchError).message).toContain('Expected 4 elements');
    }
    expect(() => native().tensorRoundTrip({ data: new Float32Array(4), shape: [2, -2] })).toThrow(
      /non-negative integer sizes/,
    );
  });

  it('rejects data that is not a typed array with E_DATA', () => {
    try {
      native().tensorRoundTrip({ data: [1, 2] as never, shape: [2] });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(GentorchError);
      expect((err as GentorchError).code).toBe('E_DATA');
    }
  });
});
