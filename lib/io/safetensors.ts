/**
 * Hugging Face safetensors (https://github.com/huggingface/safetensors): an
 * 8-byte little-endian header length, a UTF-8 JSON header naming each
 * tensor's dtype, shape and byte range, then one buffer of little-endian,
 * C-ordered data. Checkpoints are read from untrusted places, so the reader
 * checks everything the reference implementation checks before it allocates.
 */

import { GentorchError, describe, invalid } from '../errors.js';
import { readFileChecked, writeFileAtomic } from './fsutil.js';
import { allocate, tensorBytes } from './npy.js';
import { DTYPE_BYTES, TYPED_ARRAY, type AnyTypedArray, type DType, type HostTensor } from '../tensor.js';

/** safetensors dtype names and the gentorch dtypes they map to. */
const DTYPE_OF: Readonly<Record<string, DType>> = {
  F64: 'float64',
  F32: 'float32',
  I64: 'int64',
  I32: 'int32',
  I16: 'int16',
  I8: 'int8',
  U8: 'uint8',
  BOOL: 'bool',
};
const NAME_OF = Object.fromEntries(Object.entries(DTYPE_OF).map(([k, v]) => [v, k])) as Record<DType, string>;
/** The reference implementation's cap on the header, against a hostile length. */
const MAX_HEADER = 100 * 1024 * 1024;

function ckptError(name: string, message: string): GentorchError {
  return new GentorchError('E_CHECKPOINT', `${name}: ${message}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Encode tensors (laid out in the order of `tensors`' keys) and string
 * metadata as a safetensors file. The header is padded with spaces to a
 * multiple of 8 bytes, as the reference writer does, so that 8-byte data
 * stays aligned when the file is mapped.
 *
 * @throws GentorchError E_CONFIG when a tensor is malformed (data length not
 *   the product of its shape, unknown dtype) or a metadata value is not a string.
 */
export function encodeSafetensors(
  tensors: Record<string, HostTensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  if (!isObject(tensors)) throw invalid('an object of HostTensors', 'tensors', tensors);
  if (!isObject(metadata)) throw invalid('an object of strings', 'metadata', metadata);
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw invalid('a string', `metadata[${JSON.stringify(k)}]`, v);
  }
  // Built by hand, not JSON.stringify(object), so integer-like names keep their place.
  const parts: string[] = Object.keys(metadata).length > 0 ? [`"__metadata__":${JSON.stringify(metadata)}`] : [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const key of Object.keys(tensors)) {
    if (key === '__metadata__') throw invalid('a tensor name other than __metadata__', 'tensors', key);
    const { dtype, shape, bytes } = tensorBytes(tensors[key], `tensors[${JSON.stringify(key)}]`);
    const info = { dtype: NAME_OF[dtype], shape, data_offsets: [offset, offset + bytes.length] };
    parts.push(`${JSON.stringify(key)}:${JSON.stringify(info)}`);
    chunks.push(bytes);
    offset += bytes.length;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLen = Math.ceil(json.length / 8) * 8;
  const out = allocate(8 + headerLen + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let at = 8 + headerLen;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Decode and JSON-parse the header, which must be a JSON object. */
function readHeader(buf: Uint8Array, name: string): { header: Record<string, unknown>; dataStart: number } {
  if (buf.length < 8)
    throw ckptError(name, `truncated: expected at least 8 bytes for the header length but found ${buf.length}`);
  const n = new DataView(buf.buffer, buf.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER)) throw ckptError(name, `header length ${n} exceeds the limit of ${MAX_HEADER} bytes`);
  if (n > BigInt(buf.length - 8)) {
    throw ckptError(name, `truncated: header length is ${n} bytes but only ${buf.length - 8} bytes follow`);
  }
  const dataStart = 8 + Number(n);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(buf.subarray(8, dataStart));
  } catch {
    throw ckptError(name, 'header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    throw ckptError(name, `header is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(header)) throw ckptError(name, `expected the header to be a JSON object but found ${describe(header)}`);
  return { header, dataStart };
}

function readMetadata(v: unknown, name: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) throw ckptError(name, `expected __metadata__ to be an object of strings but found ${describe(v)}`);
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string')
      throw ckptError(name, `expected a string for __metadata__[${JSON.stringify(k)}] but found ${describe(x)}`);
  }
  // fromEntries defines own properties, so a "__proto__" key stays a plain key.
  return Object.fromEntries(Object.entries(v)) as Record<string, string>;
}

interface Entry {
  key: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

/** Check one tensor's header entry against the size of the data buffer. */
function readEntry(key: string, v: unknown, dataLen: number, name: string): Entry {
  const what = `tensor ${JSON.stringify(key)}`;
  if (!isObject(v))
    throw ckptError(
      name,
      `expected ${what} to be an object with dtype, shape and data_offsets but found ${describe(v)}`,
    );
  const { dtype, shape, data_offsets: offsets } = v;
  if (typeof dtype !== 'string')
    throw ckptError(name, `expected a string dtype for ${what} but found ${describe(dtype)}`);
  if (!Object.hasOwn(DTYPE_OF, dtype)) {
    throw ckptError(
      name,
      `unsupported dtype ${JSON.stringify(dtype)} for ${what} (supported: ${Object.keys(DTYPE_OF).join(', ')})`,
    );
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    throw ckptError(
      name,
      `expected an array of non-negative integers for the shape of ${what} but found ${JSON.stringify(shape)}`,
    );
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every(isCount) ||
    offsets[0] > offsets[1] ||
    offsets[1] > dataLen
  ) {
    throw ckptError(
      name,
      `expected data_offsets [begin, end] with 0 <= begin <= end <= ${dataLen} for ${what} but found ${JSON.stringify(offsets)}`,
    );
  }
  const [begin, end] = offsets as [number, number];
  const gdtype = DTYPE_OF[dtype];
  const expected = (shape as number[]).reduce((p, d) => p * BigInt(d), BigInt(DTYPE_BYTES[gdtype]));
  if (expected !== BigInt(end - begin)) {
    throw ckptError(
      name,
      `${what} of dtype ${dtype} and shape [${shape.join(', ')}] needs ${expected} bytes but its data_offsets span ${end - begin}`,
    );
  }
  return { key, dtype: gdtype, shape: [...(shape as number[])], begin, end };
}

/** Like the reference: tensors must tile the data buffer exactly, without overlaps or gaps. */
function checkLayout(entries: Entry[], dataLen: number, name: string): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let prev = 'the start of the data';
  for (const e of sorted) {
    if (e.begin !== at) {
      const why = e.begin < at ? 'tensors must not overlap' : 'the data buffer must not have gaps';
      throw ckptError(
        name,
        `tensor ${JSON.stringify(e.key)} starts at byte ${e.begin} but ${prev} ends at byte ${at} (${why})`,
      );
    }
    at = e.end;
    prev = `tensor ${JSON.stringify(e.key)}`;
  }
  if (at !== dataLen) {
    throw ckptError(
      name,
      `the data buffer has ${dataLen} bytes but the tensors cover only ${at} (the data buffer must not have gaps)`,
    );
  }
}

/** A typed array over the bytes: a view when aligned, else an aligned copy. */
function tensorData(buf: Uint8Array, at: number, n: number, dtype: DType): AnyTypedArray {
  const size = DTYPE_BYTES[dtype];
  if (dtype === 'bool') {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = buf[at + i] !== 0 ? 1 : 0; // libtorch bools must be 0 or 1
    return out;
  }
  const abs = buf.byteOffset + at;
  if (abs % size === 0) return new TYPED_ARRAY[dtype](buf.buffer, abs, n);
  const out = new TYPED_ARRAY[dtype](n);
  new Uint8Array(out.buffer).set(buf.subarray(at, at + n * size));
  return out;
}

/**
 * Parse the bytes of a safetensors file. Tensors are views on `buf` where
 * their offset is aligned for their type, copies where it is not (and for
 * bool, normalised to 0/1).
 *
 * @param name - the file name used in error messages.
 * @throws GentorchError E_CHECKPOINT on a bad header length, invalid UTF-8 or
 *   JSON, a malformed entry, an unsupported dtype, offsets that do not match
 *   the shape, or tensors that overlap or leave gaps in the data buffer.
 */
export function parseSafetensors(
  buf: Uint8Array,
  name: string,
): { tensors: Map<string, HostTensor>; metadata: Record<string, string> } {
  if (!(buf instanceof Uint8Array))
    throw ckptError(name, `expected the file contents as a Uint8Array but received ${describe(buf)}`);
  const { header, dataStart } = readHeader(buf, name);
  const dataLen = buf.length - dataStart;
  const metadata = readMetadata(header.__metadata__, name);
  const entries: Entry[] = [];
  for (const [key, v] of Object.entries(header)) {
    if (key !== '__metadata__') entries.push(readEntry(key, v, dataLen, name));
  }
  checkLayout(entries, dataLen, name);
  const tensors = new Map<string, HostTensor>();
  for (const e of entries) {
    const n = (e.end - e.begin) / DTYPE_BYTES[e.dtype];
    tensors.set(e.key, {
      dtype: e.dtype,
      shape: e.shape,
      data: tensorData(buf, dataStart + e.begin, n, e.dtype),
    } as HostTensor);
  }
  return { tensors, metadata };
}

/**
 * Read a safetensors file.
 *
 * @throws GentorchError E_CHECKPOINT when the file is missing, is a directory
 *   or is malformed; E_IO when it cannot be read.
 */
export async function readSafetensors(
  path: string,
): Promise<{ tensors: Map<string, HostTensor>; metadata: Record<string, string> }> {
  return parseSafetensors(await readFileChecked(path, 'E_CHECKPOINT'), path);
}

/**
 * Write tensors and metadata to a safetensors file atomically: a failed
 * write leaves any existing file untouched.
 *
 * @throws GentorchError E_CONFIG for malformed tensors or metadata (nothing
 *   is written); E_IO when the file cannot be written.
 */
export async function writeSafetensors(
  path: string,
  tensors: Record<string, HostTensor>,
  metadata: Record<string, string> = {},
): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}
