/**
 * NumPy .npy files, versions 1.0, 2.0 and 3.0
 * (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html).
 *
 * The header is a Python dict literal; it is read by a small strict parser
 * for exactly the literals numpy writes, never by anything like eval.
 * Like the rest of gentorch this assumes a little-endian host (x64, arm64).
 */

import { GentorchError, invalid } from '../errors.js';
import { readFileChecked, writeFileAtomic } from './fsutil.js';
import { PyLiteralReader, type PyValue } from './pyliteral.js';
import {
  DTYPE_BYTES,
  TYPED_ARRAY,
  dtypeOf,
  numel,
  type AnyTypedArray,
  type DType,
  type HostTensor,
} from '../tensor.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** Far above any header this reader accepts; stops a hostile length before decoding it. */
const MAX_HEADER = 1 << 20;

/** Supported descr kinds (without the byte-order char) and where they land. */
const KINDS: Readonly<Record<string, { dtype: DType; size: number }>> = {
  f4: { dtype: 'float32', size: 4 },
  f8: { dtype: 'float64', size: 8 },
  u1: { dtype: 'uint8', size: 1 },
  i1: { dtype: 'int8', size: 1 },
  i2: { dtype: 'int16', size: 2 },
  i4: { dtype: 'int32', size: 4 },
  i8: { dtype: 'int64', size: 8 },
  b1: { dtype: 'bool', size: 1 },
  // libtorch has no uint16/uint32: widen (u2) or range-check (u4) into int32.
  u2: { dtype: 'int32', size: 2 },
  u4: { dtype: 'int32', size: 4 },
};
const SUPPORTED = "<f4, <f8, |u1, |i1, <i2, <i4, <i8, |b1, <u2, <u4 and their big-endian '>' forms";

/** The descr numpy writes for each gentorch dtype. */
const DESCR_OF: Readonly<Record<DType, string>> = {
  float32: '<f4',
  float64: '<f8',
  uint8: '|u1',
  int8: '|i1',
  int16: '<i2',
  int32: '<i4',
  int64: '<i8',
  bool: '|b1',
};

function dataError(name: string, message: string): GentorchError {
  return new GentorchError('E_DATA', `${name}: ${message}`);
}

interface Descr {
  kind: string;
  dtype: DType;
  size: number;
  littleEndian: boolean;
}

function parseDescr(descr: PyValue, name: string): Descr {
  const shown = typeof descr === 'string' ? `'${descr}'` : (JSON.stringify(descr) ?? String(descr));
  const order = typeof descr === 'string' ? descr[0] : '';
  const kind = typeof descr === 'string' ? descr.slice(1) : '';
  const spec = Object.hasOwn(KINDS, kind) ? KINDS[kind] : undefined;
  const orderOk = order === '<' || order === '>' || (order === '|' && spec?.size === 1);
  if (spec === undefined || !orderOk) throw dataError(name, `unsupported dtype ${shown} (supported: ${SUPPORTED})`);
  return { kind, dtype: spec.dtype, size: spec.size, littleEndian: order !== '>' };
}

/** Element readers for the slow paths (big-endian data and unsigned widening). */
const READ: Readonly<Record<string, (v: DataView, at: number, le: boolean) => number | bigint>> = {
  f4: (v, at, le) => v.getFloat32(at, le),
  f8: (v, at, le) => v.getFloat64(at, le),
  i2: (v, at, le) => v.getInt16(at, le),
  i4: (v, at, le) => v.getInt32(at, le),
  i8: (v, at, le) => v.getBigInt64(at, le),
  u2: (v, at, le) => v.getUint16(at, le),
  u4: (v, at, le) => v.getUint32(at, le),
};

/** Decode `n` elements into a fresh array in the file's element order. */
function decodeData(bytes: Uint8Array, n: number, d: Descr, name: string): AnyTypedArray {
  const out = new TYPED_ARRAY[d.dtype](n);
  if (d.kind === 'b1') {
    const o = out as Uint8Array;
    for (let i = 0; i < n; i++) o[i] = bytes[i] !== 0 ? 1 : 0; // numpy treats any non-zero byte as True
  } else if (d.size === 1 || (d.littleEndian && d.kind !== 'u2' && d.kind !== 'u4')) {
    new Uint8Array(out.buffer).set(bytes.subarray(0, n * d.size)); // host order already: one memcpy
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    const read = READ[d.kind];
    const o = out as unknown as { [i: number]: number | bigint };
    for (let i = 0; i < n; i++) {
      const v = read(view, i * d.size, d.littleEndian);
      if (d.kind === 'u4' && (v as number) > 0x7fffffff) {
        throw dataError(name, `uint32 value ${v} at element ${i} does not fit in int32 (at most 2147483647)`);
      }
      o[i] = v;
    }
  }
  return out;
}

/** Reorder Fortran-ordered (column-major) data into C order (row-major). */
function fortranToC(src: AnyTypedArray, shape: number[]): AnyTypedArray {
  const nd = shape.length;
  if (nd < 2 || src.length === 0) return src;
  const out = new (src.constructor as new (n: number) => AnyTypedArray)(src.length);
  const from = src as unknown as { [i: number]: number | bigint };
  const to = out as unknown as { [i: number]: number | bigint };
  const stride: number[] = [];
  for (let d = 0, s = 1; d < nd; d++) {
    stride.push(s);
    s *= shape[d];
  }
  const idx = new Array<number>(nd).fill(0);
  let at = 0;
  for (let i = 0; i < src.length; i++) {
    to[i] = from[at];
    // Step a C-order odometer (last axis fastest), tracking the Fortran offset.
    for (let d = nd - 1; d >= 0; d--) {
      at += stride[d];
      if (++idx[d] < shape[d]) break;
      at -= stride[d] * shape[d];
      idx[d] = 0;
    }
  }
  return out;
}

/** Read the preamble; returns the header text and where the data starts. */
function readPreamble(buf: Uint8Array, name: string): { text: string; dataStart: number } {
  if (buf.length < 10)
    throw dataError(name, `truncated: expected at least 10 bytes of NPY preamble but found ${buf.length}`);
  if (MAGIC.some((b, i) => buf[i] !== b)) {
    const found = Array.from(buf.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw dataError(name, `expected NPY magic 93 4e 55 4d 50 59 (\\x93NUMPY) but found ${found}`);
  }
  const major = buf[6];
  const minor = buf[7];
  if (major < 1 || major > 3 || minor !== 0) {
    throw dataError(name, `unsupported NPY format version ${major}.${minor} (expected 1.0, 2.0 or 3.0)`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  if (major > 1 && buf.length < 12)
    throw dataError(name, `truncated: expected at least 12 bytes of NPY ${major}.0 preamble but found ${buf.length}`);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (headerLen > MAX_HEADER || start + headerLen > buf.length) {
    throw dataError(
      name,
      `header length ${headerLen} does not fit (expected at most ${Math.min(MAX_HEADER, buf.length - start)} bytes)`,
    );
  }
  const raw = buf.subarray(start, start + headerLen);
  let text: string;
  try {
    // v1/v2 headers are latin1; v3 exists only to allow utf8.
    text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1', { fatal: true }).decode(raw);
  } catch {
    throw dataError(name, 'header is not valid UTF-8');
  }
  return { text, dataStart: start + headerLen };
}

/** Check the header dict and pull out dtype, order and shape. */
function readHeaderDict(text: string, name: string): { descr: Descr; fortran: boolean; shape: number[] } {
  const dict = new PyLiteralReader(text, (msg) => dataError(name, `malformed header: ${msg}`)).dict();
  const keys = [...dict.keys()].sort().join(', ');
  if (keys !== 'descr, fortran_order, shape') {
    throw dataError(name, `expected header keys descr, fortran_order, shape but found ${keys || 'none'}`);
  }
  const descr = parseDescr(dict.get('descr') as PyValue, name);
  const fortran = dict.get('fortran_order');
  if (typeof fortran !== 'boolean')
    throw dataError(name, `expected True or False for fortran_order but found ${JSON.stringify(fortran)}`);
  const shape = dict.get('shape');
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    throw dataError(name, `expected a tuple of non-negative integers for shape but found ${JSON.stringify(shape)}`);
  }
  return { descr, fortran, shape: shape as number[] };
}

/**
 * Parse the bytes of a .npy file into a C-ordered host tensor (a copy: the
 * result never aliases `buf`). Big-endian data is converted to host order,
 * Fortran-ordered data is transposed, `<u2` is widened and `<u4`
 * range-checked into int32.
 *
 * @param name - the file name used in error messages.
 * @throws GentorchError E_DATA on a bad magic, version, header or dtype, or
 *   when the payload is not exactly the size the shape declares.
 */
export function parseNpy(buf: Uint8Array, name: string): HostTensor {
  if (!(buf instanceof Uint8Array))
    throw dataError(name, `expected the file contents as a Uint8Array but received ${typeof buf}`);
  const { text, dataStart } = readPreamble(buf, name);
  const { descr, fortran, shape } = readHeaderDict(text, name);
  const expected = shape.reduce((p, d) => p * BigInt(d), BigInt(descr.size));
  const found = BigInt(buf.length - dataStart);
  if (found !== expected) {
    const what = found < expected ? 'truncated: expected' : 'expected';
    throw dataError(
      name,
      `${what} ${expected} bytes of data for shape [${shape.join(', ')}] of '${descr.kind}' but found ${found}`,
    );
  }
  const n = Number(expected) / descr.size;
  let data = decodeData(buf.subarray(dataStart), n, descr, name);
  if (fortran) data = fortranToC(data, shape);
  return { dtype: descr.dtype, shape, data } as HostTensor;
}

/**
 * Check that `t` is a well-formed HostTensor and view its elements as
 * little-endian bytes (bool copied and normalised to 0/1).
 *
 * @internal Shared by the .npy and safetensors writers.
 * @param what - how error messages name the tensor, e.g. `tensors["w"]`.
 * @throws GentorchError E_CONFIG naming `what` and the bad field.
 */
export function tensorBytes(t: unknown, what: string): { dtype: DType; shape: number[]; bytes: Uint8Array } {
  if (typeof t !== 'object' || t === null) throw invalid('a HostTensor { dtype, shape, data }', what, t);
  const { dtype, shape, data } = t as Partial<HostTensor>;
  if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, dtype)) {
    throw invalid(`one of ${Object.keys(DTYPE_BYTES).join(', ')}`, `${what}.dtype`, dtype);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw invalid('an array of non-negative integers', `${what}.shape`, shape);
  }
  const n = numel(shape);
  if (dtypeOf(data) !== (dtype === 'bool' ? 'uint8' : dtype) || (data as AnyTypedArray).length !== n) {
    const ctor = TYPED_ARRAY[dtype as DType].name;
    throw invalid(`a ${ctor} of length ${n} (shape [${shape.join(', ')}])`, `${what}.data`, data);
  }
  const arr = data as AnyTypedArray;
  const bytes =
    dtype === 'bool'
      ? Uint8Array.from(arr as Uint8Array, (v) => (v !== 0 ? 1 : 0))
      : new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
  return { dtype: dtype as DType, shape: [...shape], bytes };
}

/**
 * Allocate an output buffer, turning the RangeError for a size beyond what a
 * typed array can hold into a GentorchError.
 *
 * @internal Shared by the .npy and safetensors writers.
 * @throws GentorchError E_CONFIG when `bytes` is too large.
 */
export function allocate(bytes: number): Uint8Array {
  try {
    return new Uint8Array(bytes);
  } catch (err) {
    throw new GentorchError('E_CONFIG', `Cannot encode ${bytes} bytes in one buffer: ${(err as Error).message}`);
  }
}

/**
 * Encode a host tensor as a version 1.0 .npy file (2.0 only if the header
 * outgrows 64 KiB), its data aligned to 64 bytes as numpy writes it.
 *
 * @throws GentorchError E_CONFIG when `t` is not a well-formed HostTensor.
 */
export function encodeNpy(t: HostTensor): Uint8Array {
  const { dtype, shape, bytes } = tensorBytes(t, 'tensor');
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${DESCR_OF[dtype]}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  let preamble = 10;
  if (Math.ceil((preamble + dict.length + 1) / 64) * 64 - preamble > 0xffff) preamble = 12;
  const dataStart = Math.ceil((preamble + dict.length + 1) / 64) * 64;
  const header = dict.padEnd(dataStart - preamble - 1, ' ') + '\n';
  const out = allocate(dataStart + bytes.length);
  out.set(MAGIC, 0);
  out[6] = preamble === 10 ? 1 : 2;
  const view = new DataView(out.buffer);
  if (preamble === 10) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[preamble + i] = header.charCodeAt(i); // ASCII only
  out.set(bytes, dataStart);
  return out;
}

/**
 * Read a .npy file.
 *
 * @throws GentorchError E_DATA when the file is missing, is a directory or is
 *   malformed; E_IO when it cannot be read.
 */
export async function readNpy(path: string): Promise<HostTensor> {
  return parseNpy(await readFileChecked(path, 'E_DATA'), path);
}

/**
 * Write a host tensor to a .npy file atomically.
 *
 * @throws GentorchError E_CONFIG for a malformed tensor (nothing is written);
 *   E_IO when the file cannot be written.
 */
export async function writeNpy(path: string, t: HostTensor): Promise<void> {
  await writeFileAtomic(path, encodeNpy(t));
}
