/**
 * A character vocabulary for the text models. Characters are Unicode code
 * points (so 'ü' is one character, and so is an emoji outside the BMP); text
 * read by readTextFile is NFC-normalised first, so a decomposed 'u' + U+0308
 * arrives as the one code point 'ü'. Ids 0..3 are the special symbols PAD,
 * BOS, EOS and UNK; the training lines' characters follow in code point order,
 * so the same character set always gets the same ids, whatever their counts.
 * A character the training lines never had encodes as UNK and decodes as
 * U+FFFD (the replacement character).
 */
import { GentorchError, describe, invalid } from '../errors.js';
import type { HostTensor } from '../tensor.js';

/** Padding after EOS; never predicted. */
export const PAD = 0;
/** Begin of line: the context before the first character. */
export const BOS = 1;
/** End of line: predicted after the last character. */
export const EOS = 2;
/** A character the vocabulary does not hold. */
export const UNK = 3;
/** The special symbols' names, by id. */
export const SPECIALS = ['<pad>', '<bos>', '<eos>', '<unk>'] as const;

/** What UNK decodes to. */
export const REPLACEMENT = '\uFFFD';

/** The metadata form of a vocabulary (checkpoints keep it). */
export interface VocabularyJson {
  format: 'gentorch-vocabulary';
  version: 1;
  specials: string[];
  /** The characters for ids 4, 5, ...: one code point each. */
  chars: string[];
}

/** How many characters of some lines the vocabulary does not hold. */
export interface UnknownShare {
  /** Characters mapped to UNK. */
  unknown: number;
  /** All characters (EOS not counted). */
  characters: number;
  /** unknown / characters; 0 for no characters. */
  share: number;
}

function isOneCodePoint(s: unknown): s is string {
  if (typeof s !== 'string' || s.length === 0 || s.length > 2) return false;
  const cp = s.codePointAt(0) as number;
  return String.fromCodePoint(cp) === s && !(cp >= 0xd800 && cp <= 0xdfff);
}

function checkLines(lines: unknown, name: string): string[] {
  if (!Array.isArray(lines)) throw invalid('an array of strings', name, lines, 'E_DATA');
  for (let i = 0; i < lines.length; i++) {
    if (typeof lines[i] !== 'string') throw invalid('a string', `${name}[${i}]`, lines[i], 'E_DATA');
  }
  return lines as string[];
}

export class Vocabulary {
  /** The characters for ids 4, 5, ... */
  readonly chars: readonly string[];
  readonly #ids: Map<string, number>;

  private constructor(chars: string[]) {
    this.chars = Object.freeze([...chars]);
    this.#ids = new Map(chars.map((c, i) => [c, SPECIALS.length + i]));
  }

  /** Every character of `lines`, in code point order after the specials. */
  static fromLines(lines: readonly string[]): Vocabulary {
    const seen = new Set<string>();
    for (const line of checkLines(lines, 'lines')) for (const ch of line) seen.add(ch);
    const chars = [...seen].sort((a, b) => (a.codePointAt(0) as number) - (b.codePointAt(0) as number));
    return new Vocabulary(chars);
  }

  /**
   * Rebuilds a vocabulary from toJSON()'s object (or its JSON text), as a
   * checkpoint's metadata holds it.
   * @throws GentorchError E_CHECKPOINT naming what is malformed.
   */
  static fromJSON(json: unknown): Vocabulary {
    let obj = json;
    if (typeof json === 'string') {
      try {
        obj = JSON.parse(json);
      } catch {
        throw invalid('vocabulary JSON', 'vocabulary', json, 'E_CHECKPOINT');
      }
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj))
      throw invalid('a vocabulary object', 'vocabulary', obj, 'E_CHECKPOINT');
    const v = obj as Partial<VocabularyJson>;
    if (v.format !== 'gentorch-vocabulary' || v.version !== 1)
      throw invalid('format gentorch-vocabulary version 1', 'vocabulary', `${v.format} ${v.version}`, 'E_CHECKPOINT');
    if (!Array.isArray(v.specials) || v.specials.join() !== SPECIALS.join())
      throw invalid(`specials ${SPECIALS.join(', ')}`, 'vocabulary.specials', v.specials, 'E_CHECKPOINT');
    if (!Array.isArray(v.chars)) throw invalid('an array', 'vocabulary.chars', v.chars, 'E_CHECKPOINT');
    const seen = new Set<string>();
    v.chars.forEach((c, i) => {
      if (!isOneCodePoint(c)) throw invalid('one code point', `vocabulary.chars[${i}]`, c, 'E_CHECKPOINT');
      if (seen.has(c))
        throw new GentorchError('E_CHECKPOINT', `Expected distinct characters in vocabulary.chars but ${c} repeats`);
      seen.add(c);
    });
    return new Vocabulary(v.chars);
  }

  /** Ids in all: the 4 specials plus the characters. */
  get size(): number {
    return SPECIALS.length + this.chars.length;
  }

  /** The id of one character (code point); UNK when the vocabulary lacks it. */
  id(char: string): number {
    return this.#ids.get(char) ?? UNK;
  }

  /** Is `char` one of the vocabulary's characters? */
  has(char: string): boolean {
    return this.#ids.has(char);
  }

  /** The ids of a line's characters, without BOS or EOS. */
  ids(line: string): number[] {
    const out: number[] = [];
    for (const ch of line) out.push(this.id(ch));
    return out;
  }

  /**
   * Lines as a [N, maxLength + 1] int32 tensor: each row is the line's
   * character ids, then EOS, then PAD up to the end.
   * @throws GentorchError E_DATA naming a line longer than maxLength characters.
   */
  encode(lines: readonly string[], maxLength: number): HostTensor<'int32'> {
    checkLines(lines, 'lines');
    if (!Number.isSafeInteger(maxLength) || maxLength < 1) throw invalid('positive integer', 'maxLength', maxLength);
    const width = maxLength + 1;
    const data = new Int32Array(lines.length * width); // PAD = 0
    lines.forEach((line, i) => {
      const ids = this.ids(line);
      if (ids.length > maxLength) {
        throw new GentorchError(
          'E_DATA',
          `Expected lines of at most ${maxLength} characters (maxLength) but lines[${i}] has ${ids.length}: ${describe(line)}`,
        );
      }
      data.set(ids, i * width);
      data[i * width + ids.length] = EOS;
    });
    return { dtype: 'int32', shape: [lines.length, width], data };
  }

  /**
   * Rows of ids back to strings: each row ends at its first EOS; PAD and BOS
   * are skipped, UNK becomes U+FFFD. A flat array is one row.
   * @throws GentorchError E_DATA for an id outside 0..size-1, E_SHAPE for a bad shape.
   */
  decode(ids: HostTensor<'int32'> | Int32Array | readonly number[]): string[] {
    const data = Array.isArray(ids) || ArrayBuffer.isView(ids) ? (ids as ArrayLike<number>) : (ids as HostTensor).data;
    const shape = Array.isArray(ids) || ArrayBuffer.isView(ids) ? [1, data.length] : (ids as HostTensor).shape;
    if (shape.length !== 2 || shape[0] * shape[1] !== data.length)
      throw new GentorchError('E_SHAPE', `Expected ids of shape [N, L] but received [${shape.join(', ')}]`);
    const [n, width] = shape;
    const out: string[] = [];
    for (let r = 0; r < n; r++) {
      let s = '';
      for (let j = 0; j < width; j++) {
        const id = Number(data[r * width + j]);
        if (!Number.isInteger(id) || id < 0 || id >= this.size)
          throw invalid(`an id in 0..${this.size - 1}`, `ids[${r}][${j}]`, id, 'E_DATA');
        if (id === EOS) break;
        if (id === UNK) s += REPLACEMENT;
        else if (id >= SPECIALS.length) s += this.chars[id - SPECIALS.length];
      }
      out.push(s);
    }
    return out;
  }

  /** How many characters of `lines` would encode as UNK. */
  unknownShare(lines: readonly string[]): UnknownShare {
    let unknown = 0;
    let characters = 0;
    for (const line of checkLines(lines, 'lines')) {
      for (const ch of line) {
        characters++;
        if (!this.#ids.has(ch)) unknown++;
      }
    }
    return { unknown, characters, share: characters === 0 ? 0 : unknown / characters };
  }

  toJSON(): VocabularyJson {
    return { format: 'gentorch-vocabulary', version: 1, specials: [...SPECIALS], chars: [...this.chars] };
  }
}
