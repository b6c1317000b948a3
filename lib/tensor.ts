/**
 * Host tensors: how numbers cross the API. Tensors never leave C++; callers
 * get `{ dtype, shape, data }` with a typed array, as onnxruntime-node does.
 */

/** Element types gentorch moves across the boundary. */
export type DType = 'float32' | 'float64' | 'uint8' | 'int8' | 'int16' | 'int32' | 'int64' | 'bool';

/** The typed array that holds each dtype. `bool` is one byte per element (0 or 1). */
export interface TypedArrayOf {
  float32: Float32Array;
  float64: Float64Array;
  uint8: Uint8Array;
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  int64: BigInt64Array;
  bool: Uint8Array;
}

export type AnyTypedArray = TypedArrayOf[DType];

/** A dense, C-ordered (row-major) tensor in host memory. */
export interface HostTensor<D extends DType = DType> {
  dtype: D;
  shape: number[];
  data: TypedArrayOf[D];
}

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Readonly<Record<DType, number>> = {
  float32: 4,
  float64: 8,
  uint8: 1,
  int8: 1,
  int16: 2,
  int32: 4,
  int64: 8,
  bool: 1,
};

/** Constructors for each dtype's typed array. */
export const TYPED_ARRAY: Readonly<
  Record<
    DType,
    {
      new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): AnyTypedArray;
      new (length: number): AnyTypedArray;
    }
  >
> = {
  float32: Float32Array,
  float64: Float64Array,
  uint8: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  int64: BigInt64Array,
  bool: Uint8Array,
} as never;

/** Number of elements of a shape (1 for a scalar shape []). */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** The dtype of a typed array, or undefined if gentorch does not take it. */
export function dtypeOf(data: unknown): DType | undefined {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) return 'uint8';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof BigInt64Array) return 'int64';
  return undefined;
}
