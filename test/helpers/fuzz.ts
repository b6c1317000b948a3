// Shared generators for the parsers' property tests: random tensors, and
// random byte mutations (set, truncate, insert, delete) of valid files.
import fc from 'fast-check';
import { GentorchError, isGentorchError } from '../../lib/errors.js';
import { numel, type DType, type HostTensor } from '../../lib/tensor.js';

export function rawBytes(t: HostTensor): number[] {
  return [...new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)];
}

const DATA: Record<DType, (n: number) => fc.Arbitrary<HostTensor['data']>> = {
  float32: (n) => fc.float32Array({ minLength: n, maxLength: n }),
  float64: (n) => fc.float64Array({ minLength: n, maxLength: n }),
  uint8: (n) => fc.uint8Array({ minLength: n, maxLength: n }),
  int8: (n) => fc.int8Array({ minLength: n, maxLength: n }),
  int16: (n) => fc.int16Array({ minLength: n, maxLength: n }),
  int32: (n) => fc.int32Array({ minLength: n, maxLength: n }),
  int64: (n) => fc.bigInt64Array({ minLength: n, maxLength: n }),
  bool: (n) => fc.array(fc.integer({ min: 0, max: 1 }), { minLength: n, maxLength: n }).map((a) => Uint8Array.from(a)),
};
export const tensorArb: fc.Arbitrary<HostTensor> = fc
  .record({
    dtype: fc.constantFrom(...(Object.keys(DATA) as DType[])),
    shape: fc.array(fc.nat({ max: 4 }), { maxLength: 4 }),
  })
  .chain(({ dtype, shape }) => DATA[dtype](numel(shape)).map((data) => ({ dtype, shape, data }) as HostTensor));

export type Mutation =
  | { kind: 'set'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number };

/** Mutations at positions biased towards the first `headerBytes`, where the interesting checks are. */
export function mutationArb(headerBytes: number): fc.Arbitrary<Mutation> {
  const position = fc.oneof(fc.nat({ max: headerBytes }), fc.nat());
  return fc.oneof(
    fc.record({ kind: fc.constant('set' as const), at: position, value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: position }),
    fc.record({
      kind: fc.constant('insert' as const),
      at: position,
      bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
    }),
    fc.record({ kind: fc.constant('delete' as const), at: position, count: fc.integer({ min: 1, max: 8 }) }),
  );
}

export function mutate(file: Uint8Array, ms: Mutation[]): Uint8Array {
  let b = Uint8Array.from(file);
  for (const m of ms) {
    const at = m.at % (b.length + 1);
    if (m.kind === 'set' && b.length > 0) b[at % b.length] = m.value;
    else if (m.kind === 'truncate') b = b.slice(0, at);
    else if (m.kind === 'insert') b = Uint8Array.from([...b.subarray(0, at), ...m.bytes, ...b.subarray(at)]);
    else if (m.kind === 'delete') b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + m.count)]);
  }
  return b;
}

export function expectParsesOrCode(f: () => unknown, code: string): void {
  try {
    f();
  } catch (err) {
    if (!isGentorchError(err) || (err as GentorchError).code !== code) {
      throw new Error(`expected a GentorchError ${code} but got ${String(err)}`);
    }
  }
}
