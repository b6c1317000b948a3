/**
 * The Python literals of a .npy header (npy.ts): a small strict reader, never
 * anything like eval.
 */
import type { GentorchError } from '../errors.js';

/** A Python literal as it can appear in a .npy header. */
export type PyValue = string | number | boolean | null | PyValue[];

const WORD = /True|False|None|-?\d+L?/y;
const MAX_DEPTH = 8;

/**
 * A reader for Python dict literals with string keys and string, int, bool,
 * None, tuple or list values: the whole grammar of a .npy header (lists and
 * None only so that structured dtypes get a clear "unsupported dtype" message).
 */
export class PyLiteralReader {
  private i = 0;

  constructor(
    private readonly text: string,
    private readonly fail: (msg: string) => GentorchError,
  ) {}

  /** Parse the whole text as one dict. */
  dict(): Map<string, PyValue> {
    if (!this.eat('{')) throw this.err('{');
    const dict = new Map<string, PyValue>();
    while (!this.eat('}')) {
      this.ws();
      if (this.text[this.i] !== "'" && this.text[this.i] !== '"') throw this.err('a string key');
      const key = this.str();
      if (dict.has(key)) throw this.fail(`duplicate key '${key}'`);
      if (!this.eat(':')) throw this.err(':');
      dict.set(key, this.value(0));
      if (this.eat(',')) continue;
      if (this.eat('}')) break;
      throw this.err(', or }');
    }
    this.ws();
    if (this.i !== this.text.length) throw this.err('the end of the header');
    return dict;
  }

  private err(what: string): GentorchError {
    const t = this.text;
    return this.fail(
      `expected ${what} at offset ${this.i} of ${JSON.stringify(t.length > 120 ? t.slice(0, 120) + '…' : t)}`,
    );
  }

  private ws(): void {
    while (this.i < this.text.length && ' \t\r\n'.includes(this.text[this.i])) this.i++;
  }

  /** Skip whitespace, then consume `c` if it comes next. */
  private eat(c: string): boolean {
    this.ws();
    return this.text[this.i] === c ? (this.i++, true) : false;
  }

  private str(): string {
    const quote = this.text[this.i++];
    let s = '';
    for (let c = this.text[this.i++]; c !== quote; c = this.text[this.i++]) {
      if (c === undefined || c === '\n') throw this.err(`a closing ${quote}`);
      if (c === '\\') {
        c = this.text[this.i++];
        if (c === undefined || !'\\\'"'.includes(c)) throw this.err('a backslash before \\, \' or "');
      }
      s += c;
    }
    return s;
  }

  private seq(close: string, depth: number): PyValue {
    const items: PyValue[] = [];
    let comma = false;
    while (!this.eat(close)) {
      items.push(this.value(depth));
      comma = this.eat(',');
      if (comma) continue;
      if (this.eat(close)) break;
      throw this.err(`, or ${close}`);
    }
    // As in Python, (3) is just 3 (so a shape written that way is rejected); (3,) is a tuple.
    return close === ')' && items.length === 1 && !comma ? items[0] : items;
  }

  private value(depth: number): PyValue {
    if (depth > MAX_DEPTH) throw this.err('less deeply nested values'); // no stack overflow on (((((...
    this.ws();
    const c = this.text[this.i];
    if (c === "'" || c === '"') return this.str();
    if (c === '(' || c === '[') {
      this.i++;
      return this.seq(c === '(' ? ')' : ']', depth + 1);
    }
    WORD.lastIndex = this.i;
    const m = WORD.exec(this.text);
    if (m === null) throw this.err('a string, number, True, False, tuple or list');
    this.i += m[0].length;
    if (m[0] === 'True' || m[0] === 'False') return m[0] === 'True';
    if (m[0] === 'None') return null;
    const n = Number(m[0].replace('L', '')); // Python 2 numpy wrote longs as 3L
    if (!Number.isSafeInteger(n)) throw this.fail(`integer ${m[0]} is too large`);
    return n || 0; // -0 becomes 0
  }
}
