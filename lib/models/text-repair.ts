/**
 * Repair of strings, shared by the text models: a mask character marks each
 * unknown character of a line; the line's length and every other character
 * are known. A model fills the unknown ones (its own latent search) and
 * keepKnown() puts every known character back as given, so a repair never
 * changes what was known, not even a character outside the vocabulary.
 */
import { invalid } from '../errors.js';
import { checkPositiveInt, rejectUnknownKeys } from '../config/validate.js';
import type { HostTensor } from '../tensor.js';
import { UNK, type Vocabulary } from '../data/vocabulary.js';

export interface TextRepairOptions {
  /** The character that marks an unknown one (one code point); default '_'. */
  mask?: string;
  /** Rounds of the latent search (TextVAE: encode, then decode with the known characters forced); default 3. */
  rounds?: number;
}

export const TEXT_REPAIR_DEFAULTS = Object.freeze({ mask: '_', rounds: 3 });

/**
 * The `mask` option of every text model's repair() (and the text GAN's
 * invert()): one character (code point) that marks the unknown positions.
 */
export function checkMaskChar(value: unknown): string {
  if (typeof value !== 'string' || [...value].length !== 1) throw invalid('a single character', 'mask', value);
  return value;
}

export function resolveRepairOptions(options: TextRepairOptions): { mask: string; rounds: number } {
  if (options === null || typeof options !== 'object') throw invalid('an object', 'options', options);
  rejectUnknownKeys(options, ['mask', 'rounds'], 'repair');
  const mask = checkMaskChar(options.mask ?? TEXT_REPAIR_DEFAULTS.mask);
  const rounds = checkPositiveInt(options.rounds ?? TEXT_REPAIR_DEFAULTS.rounds, 'rounds');
  if (rounds > 100) throw invalid('an integer in [1, 100]', 'rounds', rounds);
  return { mask, rounds };
}

/** Token rows of lines (vocabulary.encode) with UNK at each mask character: what a model fills. */
export function maskTokens(vocabulary: Vocabulary, lines: readonly string[], mask: string, maxLength: number) {
  const tokens: HostTensor<'int32'> = vocabulary.encode(lines, maxLength);
  const width = maxLength + 1;
  lines.forEach((line, i) => {
    [...line].forEach((c, j) => {
      if (c === mask) tokens.data[i * width + j] = UNK;
    });
  });
  return tokens;
}

/** Each filled line with the known characters of its line put back: only mask positions take the model's. */
export function keepKnown(lines: readonly string[], filled: readonly string[], mask: string): string[] {
  return lines.map((line, i) => {
    const f = [...filled[i]];
    return [...line].map((c, j) => (c === mask ? (f[j] ?? c) : c)).join('');
  });
}
