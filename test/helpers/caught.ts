// The GentorchError a call must throw.
import { expect } from 'vitest';
import { GentorchError } from '../../lib/errors.js';

/** Runs `f` and returns the GentorchError it must throw synchronously. */
export function caught(f: () => unknown): GentorchError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(GentorchError);
    return err as GentorchError;
  }
  throw new Error('expected a GentorchError but nothing was thrown');
}

/** Awaits `f` and returns the GentorchError it must throw or reject with. */
export async function caughtAsync(f: () => unknown): Promise<GentorchError> {
  try {
    await f();
  } catch (err) {
    expect(err).toBeInstanceOf(GentorchError);
    return err as GentorchError;
  }
  throw new Error('expected a GentorchError but nothing was thrown');
}
