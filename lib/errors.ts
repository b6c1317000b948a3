/**
 * Typed errors. Every failure gentorch reports, from argument validation in
 * TypeScript to a c10::Error deep in libtorch, arrives as a GentorchError
 * with a stable `code` a program can switch on.
 */

/** Stable error codes. New codes may be added; existing ones never change meaning. */
export type ErrorCode =
  | 'E_CONFIG' // a bad option or argument
  | 'E_DATA' // unreadable or malformed data (IDX, NPY, arrays)
  | 'E_SHAPE' // data of the wrong shape for the model
  | 'E_DEVICE' // the asked device is absent
  | 'E_CHECKPOINT' // unreadable, malformed or incompatible checkpoint
  | 'E_NUMERIC' // NaN or Inf in training
  | 'E_ABORTED' // cancelled through an AbortSignal or dispose()
  | 'E_BUSY' // the model is already running a job
  | 'E_DISPOSED' // the model was disposed
  | 'E_IO' // a file could not be read or written
  | 'E_NATIVE' // the addon could not load, or an unexpected native failure
  | 'E_DISTRIBUTED' // a data-parallel job failed: a peer missing, gone or too slow
  | 'E_CALLBACK' // a fit callback (onProgress, onEpoch, onCheckpoint) threw or rejected; the fit stopped
  | 'E_INTERNAL'; // a bug in gentorch

export const ERROR_CODES: readonly ErrorCode[] = [
  'E_CONFIG',
  'E_DATA',
  'E_SHAPE',
  'E_DEVICE',
  'E_CHECKPOINT',
  'E_NUMERIC',
  'E_ABORTED',
  'E_BUSY',
  'E_DISPOSED',
  'E_IO',
  'E_NATIVE',
  'E_DISTRIBUTED',
  'E_CALLBACK',
  'E_INTERNAL',
];

/** The one error class gentorch throws. */
export class GentorchError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GentorchError';
    this.code = code;
  }
}

/** Is `err` a GentorchError (also across module copies)? */
export function isGentorchError(err: unknown): err is GentorchError {
  return (
    err instanceof GentorchError ||
    (err instanceof Error &&
      err.name === 'GentorchError' &&
      ERROR_CODES.includes((err as { code?: ErrorCode }).code as ErrorCode))
  );
}

/** Describe a received value for an error message: `0 of type number`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string')
    return `${JSON.stringify(value.length > 80 ? value.slice(0, 80) + '…' : value)} of type string`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${String(value)} of type ${typeof value}`;
  }
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value))
    return `a ${value.constructor.name} of length ${(value as unknown as { length: number }).length}`;
  if (typeof value === 'function') return 'a function';
  return `a value of type ${typeof value}`;
}

/**
 * The one message template for bad arguments:
 * "Expected positive integer for batchSize but received 0 of type number".
 */
export function invalid(expected: string, name: string, value: unknown, code: ErrorCode = 'E_CONFIG'): GentorchError {
  return new GentorchError(code, `Expected ${expected} for ${name} but received ${describe(value)}`);
}

/**
 * Re-throw a native or unknown failure as a GentorchError whose stack points
 * at the caller's own call site (captured before the native call, as sharp does).
 */
export function graft(err: unknown, callSite: Error): GentorchError {
  let out: GentorchError;
  if (isGentorchError(err)) {
    out = err as GentorchError;
  } else if (err instanceof Error) {
    out = new GentorchError('E_INTERNAL', err.message, { cause: err });
  } else {
    out = new GentorchError('E_INTERNAL', String(err));
  }
  if (callSite.stack) {
    const frames = callSite.stack.split('\n').slice(1).join('\n');
    out.stack = `${out.name}: ${out.code}: ${out.message}\n${frames}`;
  }
  return out;
}
