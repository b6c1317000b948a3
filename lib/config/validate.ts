/**
 * The checks every config family shares: each bad value becomes an E_CONFIG
 * naming it and what was expected (the message of errors.ts invalid()), and
 * unknown keys get a did-you-mean. The records and their defaults live beside
 * it, one file per family (vae.ts, fit.ts, gan.ts), the presets in presets.ts.
 */
import { GentorchError, invalid } from '../errors.js';

/** Levenshtein distance, for did-you-mean suggestions. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

/** Rejects keys of `obj` not in `known`, suggesting the nearest one. */
export function rejectUnknownKeys(obj: object, known: readonly string[], what: string): void {
  for (const key of Object.keys(obj)) {
    if (known.includes(key)) continue;
    const best = [...known].sort((x, y) => distance(key, x) - distance(key, y))[0];
    const hint =
      best !== undefined && distance(key, best) <= Math.max(2, key.length / 3) ? ` (did you mean "${best}"?)` : '';
    throw new GentorchError('E_CONFIG', `Unknown ${what} option "${key}"${hint}; known options: ${known.join(', ')}`);
  }
}

export function checkPositiveInt(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)
    throw invalid('positive integer', name, value);
  return value;
}

export function checkNonNegativeInt(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw invalid('non-negative integer', name, value);
  return value;
}

export function checkPositiveNumber(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw invalid('positive number', name, value);
  return value;
}

export function checkNonNegativeNumber(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw invalid('non-negative number', name, value);
  return value;
}

/** A probability below 1 (a dropout rate, a decay): a number in [0, 1). */
export function checkProbability(value: unknown, name: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) throw invalid('number in [0, 1)', name, value);
  return value;
}

export function checkOneOf<T extends string>(value: unknown, choices: readonly T[], name: string): T {
  if (typeof value !== 'string' || !choices.includes(value as T))
    throw invalid(`one of ${choices.join(', ')}`, name, value);
  return value as T;
}

export function checkSeed(value: unknown, name = 'seed'): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw invalid('non-negative integer', name, value);
  return value;
}

/** Checks a device spec's spelling ('auto', 'cpu', 'cuda', 'cuda:N'); presence is checked natively. */
export function checkDeviceSpec(value: unknown): string {
  if (typeof value !== 'string' || !/^(auto|cpu|cuda(:\d{1,4})?)$/.test(value)) {
    throw invalid('device auto, cpu, cuda or cuda:N', 'device', value);
  }
  return value;
}

export function checkBoolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw invalid('boolean', name, value);
  return value;
}

export function stripUndefined<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}
