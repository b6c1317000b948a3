/**
 * The IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/):
 * two zero bytes, a type code, the number of dimensions, that many big-endian
 * uint32 sizes, then big-endian data. Files usually ship gzipped.
 */

import { constants as bufferConstants } from 'node:buffer';
import { createGunzip } from 'node:zlib';
import { GentorchError } from '../errors.js';
import { readFileChecked } from './fsutil.js';
import type { DType, HostTensor } from '../tensor.js';

type IdxDType = Extract<DType, 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64'>;

/** IDX type codes (byte 2 of the magic). */
const IDX_TYPES: ReadonlyMap<number, { dtype: IdxDType; bytes: number }> = new Map([
  [0x08, { dtype: 'uint8', bytes: 1 }],
  [0x09, { dtype: 'int8', bytes: 1 }],
  [0x0b, { dtype: 'int16', bytes: 2 }],
  [0x0c, { dtype: 'int32', bytes: 4 }],
  [0x0d, { dtype: 'float32', bytes: 4 }],
  [0x0e, { dtype: 'float64', bytes: 8 }],
]);

const MAX_DIMS = 8;
/** Decompressed data larger than this cannot become one Buffer anyway. */
const MAX_DECOMPRESSED = bufferConstants.MAX_LENGTH;
/** Bounds on one gunzip output chunk (zlib's default of 16 KiB is ~2x slower on 47 MB). */
const MIN_CHUNK = 1 << 16;
const MAX_CHUNK = 1 << 26; // 64 MiB: the 47 MB Fashion-MNIST training set still fits one chunk
/** Deflate cannot expand data by more than about 1032:1. */
const MAX_DEFLATE_RATIO = 1032;

function dataError(name: string, message: string): GentorchError {
  return new GentorchError('E_DATA', `${name}: ${message}`);
}

function hex(bytes: Uint8Array, n: number): string {
  return '0x' + Array.from(bytes.subarray(0, n), (b) => b.toString(16).padStart(2, '0')).join('');
}

interface IdxHeader {
  dtype: IdxDType;
  elemBytes: number;
  shape: number[];
  headerBytes: number;
  /** Payload bytes the dims declare; a bigint because 8 uint32 dims overflow a double. */
  dataBytes: bigint;
}

/** Parse and check the header; returns undefined when `buf` is too short to hold it yet. */
function readHeader(buf: Uint8Array, name: string, partial: boolean): IdxHeader | undefined {
  if (buf.length < 4) {
    if (partial) return undefined;
    throw dataError(name, `truncated: expected at least 4 bytes of IDX header but found ${buf.length}`);
  }
  if (buf[0] !== 0 || buf[1] !== 0) {
    throw dataError(name, `expected IDX magic 0x0000 but found ${hex(buf, 2)}`);
  }
  const type = IDX_TYPES.get(buf[2]);
  if (type === undefined) {
    throw dataError(
      name,
      `unknown IDX type code 0x${buf[2].toString(16).padStart(2, '0')} ` +
        '(expected 0x08 uint8, 0x09 int8, 0x0b int16, 0x0c int32, 0x0d float32 or 0x0e float64)',
    );
  }
  const ndim = buf[3];
  if (ndim < 1 || ndim > MAX_DIMS) {
    throw dataError(name, `expected 1 to ${MAX_DIMS} IDX dimensions but found ${ndim}`);
  }
  const headerBytes = 4 + 4 * ndim;
  if (buf.length < headerBytes) {
    if (partial) return undefined;
    throw dataError(
      name,
      `truncated: expected ${headerBytes} bytes of header for ${ndim} dimensions but found ${buf.length}`,
    );
  }
  const view = new DataView(buf.buffer, buf.byteOffset, headerBytes);
  const shape: number[] = [];
  let dataBytes = BigInt(type.bytes);
  for (let i = 0; i < ndim; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    shape.push(d);
    dataBytes *= BigInt(d);
  }
  return { dtype: type.dtype, elemBytes: type.bytes, shape, headerBytes, dataBytes };
}

/** Copy big-endian elements into a fresh host-order typed array. */
function decodeBigEndian(buf: Uint8Array, offset: number, n: number, dtype: IdxDType): HostTensor['data'] {
  const src = new DataView(buf.buffer, buf.byteOffset + offset, buf.length - offset);
  switch (dtype) {
    case 'int16': {
      const out = new Int16Array(n);
      for (let i = 0; i < n; i++) out[i] = src.getInt16(2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = src.getInt32(4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = src.getFloat32(4 * i, false);
      return out;
    }
    default: {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = src.getFloat64(8 * i, false);
      return out;
    }
  }
}

/**
 * Parse an uncompressed IDX file.
 *
 * For uint8 and int8 the returned `data` is a view on `buf` (no copy: a
 * dataset of 47 MB is loaded once and never mutated); wider types are
 * converted from big-endian into fresh arrays.
 *
 * @param name - the file name used in error messages.
 * @throws GentorchError E_DATA on a bad magic, type code or dimension count,
 *   a truncated header or payload, or trailing bytes after the payload.
 */
export function parseIdx(buf: Uint8Array, name: string): HostTensor {
  if (!(buf instanceof Uint8Array)) {
    throw dataError(name, `expected the file contents as a Uint8Array but received ${typeof buf}`);
  }
  const h = readHeader(buf, name, false) as IdxHeader;
  const found = BigInt(buf.length - h.headerBytes);
  if (found < h.dataBytes) {
    throw dataError(
      name,
      `truncated: expected ${h.dataBytes} bytes of data for shape [${h.shape.join(', ')}] but found ${found}`,
    );
  }
  if (found > h.dataBytes) {
    throw dataError(
      name,
      `expected ${h.dataBytes} bytes of data for shape [${h.shape.join(', ')}] ` +
        `but found ${found - h.dataBytes} trailing bytes after them`,
    );
  }
  // dataBytes <= buf.length here, so the element count is a safe integer.
  const n = Number(h.dataBytes) / h.elemBytes;
  const at = buf.byteOffset + h.headerBytes;
  let data: HostTensor['data'];
  if (h.dtype === 'uint8') data = new Uint8Array(buf.buffer, at, n);
  else if (h.dtype === 'int8') data = new Int8Array(buf.buffer, at, n);
  else data = decodeBigEndian(buf, h.headerBytes, n, h.dtype);
  return { dtype: h.dtype, shape: h.shape, data } as HostTensor;
}

/**
 * Pick the gunzip output chunk size from the gzip trailer, which records the
 * uncompressed size (mod 2^32): one chunk of the right size means inflate
 * writes straight into the final buffer with no concatenation. The trailer
 * is untrusted, so the hint is clamped to what the input could inflate to.
 */
function chunkSizeFor(gz: Uint8Array): number {
  const isize = gz.length >= 18 ? new DataView(gz.buffer, gz.byteOffset + gz.length - 4, 4).getUint32(0, true) : 0;
  // +1 so zlib sees the stream end with output space left and allocates no second chunk.
  return Math.max(MIN_CHUNK, Math.min(isize + 1, MAX_CHUNK, gz.length * MAX_DEFLATE_RATIO));
}

/**
 * Gunzip IDX data, stopping as soon as the output outgrows what its own
 * header declares, so a gzip bomb costs no more memory than an honest file.
 */
function gunzipIdx(gz: Uint8Array, name: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const z = createGunzip({ chunkSize: chunkSizeFor(gz) });
    const chunks: Buffer[] = [];
    let total = 0;
    let limit = MAX_DECOMPRESSED;
    let sized = false;
    let failed = false;
    const fail = (err: GentorchError): void => {
      if (failed) return;
      failed = true;
      z.destroy();
      reject(err);
    };
    z.on('data', (chunk: Buffer) => {
      if (failed) return;
      chunks.push(chunk);
      total += chunk.length;
      if (!sized) {
        try {
          const h = readHeader(Buffer.concat(chunks, Math.min(total, 4 + 4 * MAX_DIMS)), name, true);
          if (h !== undefined) {
            sized = true;
            limit = Math.min(MAX_DECOMPRESSED, Number(BigInt(h.headerBytes) + h.dataBytes));
          }
        } catch (err) {
          fail(err as GentorchError); // a bad magic: no point inflating the rest
          return;
        }
      }
      // One byte past the declared size is enough for parseIdx to report trailing bytes.
      if (total > limit + 1)
        fail(dataError(name, `decompressed data exceeds the ${limit} bytes its IDX header declares`));
    });
    z.on('error', (err: Error) => fail(dataError(name, `corrupt gzip data: ${err.message}`)));
    z.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total));
    });
    z.end(gz);
  });
}

/**
 * Decode the bytes of an IDX file, gunzipping them first when they start
 * with the gzip magic 0x1f 0x8b (whatever the file is called).
 *
 * @param name - the file name used in error messages.
 * @throws GentorchError E_DATA on corrupt gzip data or a malformed IDX file.
 */
export async function decodeIdx(buf: Uint8Array, name: string): Promise<HostTensor> {
  if (buf instanceof Uint8Array && buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    return parseIdx(await gunzipIdx(buf, name), name);
  }
  return parseIdx(buf, name);
}

/**
 * Read an IDX file such as `train-images-idx3-ubyte.gz`, gzipped or not.
 *
 * @throws GentorchError E_DATA when the file is missing, is a directory or is
 *   malformed; E_IO when it cannot be read.
 */
export async function readIdx(path: string): Promise<HostTensor> {
  return decodeIdx(await readFileChecked(path, 'E_DATA'), path);
}
