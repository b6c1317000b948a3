// lib/data/text.ts and vocabulary.ts: the character vocabulary, text files
// written to a temp folder, and the fixed hash split of the real words list.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  TEST_MODULUS,
  WORDS_FILE,
  fnv1a32,
  fromLines,
  isTestLine,
  loadTextSpec,
  readTextFile,
  splitText,
  words,
} from '../../lib/data/text.js';
import { BOS, EOS, PAD, UNK, Vocabulary } from '../../lib/data/vocabulary.js';
import { caught, caughtAsync } from '../helpers/caught.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gentorch-text-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, data: string | Uint8Array): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, data);
  return p;
}

describe('Vocabulary', () => {
  const vocab = Vocabulary.fromLines(['über', 'cab', 'a😀']);

  it('holds the specials then each code point once, in code point order', () => {
    expect([PAD, BOS, EOS, UNK]).toEqual([0, 1, 2, 3]);
    expect(vocab.chars).toEqual(['a', 'b', 'c', 'e', 'r', 'ü', '😀']);
    expect(vocab.size).toBe(11);
    expect(vocab.id('a')).toBe(4);
    expect(vocab.id('😀')).toBe(10);
    expect(vocab.id('z')).toBe(UNK);
  });

  it('encodes chars, EOS, then PAD, and decodes back', () => {
    const t = vocab.encode(['cab', 'ü', ''], 4);
    expect(t.dtype).toBe('int32');
    expect(t.shape).toEqual([3, 5]);
    expect([...t.data]).toEqual([6, 4, 5, EOS, PAD, 9, EOS, PAD, PAD, PAD, EOS, PAD, PAD, PAD, PAD]);
    expect(vocab.decode(t)).toEqual(['cab', 'ü', '']);
  });

  it('maps unknown characters to UNK, decoded as U+FFFD, and counts them', () => {
    const t = vocab.encode(['czb'], 3);
    expect([...t.data]).toEqual([6, UNK, 5, EOS]);
    expect(vocab.decode(t)).toEqual(['c\uFFFDb']);
    expect(vocab.unknownShare(['czb', 'xy', 'a'])).toEqual({ unknown: 3, characters: 6, share: 0.5 });
  });

  it('decode stops at EOS and skips PAD and BOS', () => {
    expect(vocab.decode([BOS, 4, PAD, 5, EOS, 6])).toEqual(['ab']);
    expect(caught(() => vocab.decode([4, 99])).code).toBe('E_DATA');
    expect(caught(() => vocab.decode({ dtype: 'int32', shape: [2, 2], data: new Int32Array(3) })).code).toBe('E_SHAPE');
  });

  it('refuses a line longer than maxLength with E_DATA naming it', () => {
    const err = caught(() => vocab.encode(['ab', 'abcab'], 4));
    expect(err.code).toBe('E_DATA');
    expect(err.message).toContain('lines[1] has 5');
    expect(err.message).toContain('"abcab"');
  });

  it('round-trips any string over its characters (property)', () => {
    const char = fc.constantFrom(...vocab.chars);
    fc.assert(
      fc.property(fc.array(fc.array(char, { maxLength: 12 }).map((cs) => cs.join(''))), (lines) => {
        expect(vocab.decode(vocab.encode(lines, 12))).toEqual(lines);
      }),
    );
  });

  it('round-trips through JSON text, as checkpoint metadata holds it', () => {
    const again = Vocabulary.fromJSON(JSON.stringify(vocab));
    expect(again.chars).toEqual(vocab.chars);
    expect(again.encode(['über'], 6)).toEqual(vocab.encode(['über'], 6));
  });

  it('refuses malformed JSON with E_CHECKPOINT naming the bad part', () => {
    const good = vocab.toJSON();
    const bad: [unknown, RegExp][] = [
      ['{not json', /vocabulary JSON/],
      [null, /vocabulary object/],
      [{ ...good, format: 'x' }, /format/],
      [{ ...good, specials: ['<pad>'] }, /specials/],
      [{ ...good, chars: 'abc' }, /vocabulary\.chars/],
      [{ ...good, chars: ['a', 'bc'] }, /vocabulary\.chars\[1\]/],
      [{ ...good, chars: ['a', '\uD800'] }, /vocabulary\.chars\[1\]/],
      [{ ...good, chars: ['a', 'b', 'a'] }, /a repeats/],
    ];
    for (const [json, message] of bad) {
      const err = caught(() => Vocabulary.fromJSON(json));
      expect(err.code).toBe('E_CHECKPOINT');
      expect(err.message).toMatch(message);
    }
  });
});

describe('readTextFile', () => {
  it('strips CR, skips blank lines, NFC-normalises and counts what it skipped', async () => {
    const p = await file('crlf.txt', 'one\r\n\r\n  \r\ntwo words\r\nu\u0308ber\r\n' + 'x'.repeat(33) + '\r\n');
    const read = await readTextFile(p);
    expect(read.lines).toEqual(['one', 'two words', 'über']);
    expect([...read.lines[2]].length).toBe(4);
    expect(read.skipped).toEqual({ blank: 2, tooLong: 1 });
    expect(read.name).toBe(p);
    expect((await readTextFile(p, { maxLength: 40 })).lines).toHaveLength(4);
  });

  it('counts characters as code points for maxLength', async () => {
    const p = await file('emoji.txt', '😀😀😀\nabcd\n');
    expect((await readTextFile(p, { maxLength: 3 })).lines).toEqual(['😀😀😀']);
  });

  it('refuses non-UTF-8 bytes with E_DATA naming the file and the line', async () => {
    const p = await file('latin1.txt', Buffer.from([0x61, 0x0a, 0x62, 0x0a, 0x63, 0xfc, 0x0a]));
    const err = await caughtAsync(() => readTextFile(p));
    expect(err.code).toBe('E_DATA');
    expect(err.message).toContain(p);
    expect(err.message).toContain('line 3');
  });

  it('refuses a binary file (NUL bytes) with E_DATA naming it', async () => {
    const p = await file('bin.dat', Buffer.from([0x61, 0x62, 0x00, 0x63]));
    const err = await caughtAsync(() => readTextFile(p));
    expect(err.code).toBe('E_DATA');
    expect(err.message).toContain(`${p} is binary`);
  });

  it('refuses an empty file and one of blank or too long lines with E_DATA naming it', async () => {
    for (const [name, text] of [
      ['empty.txt', ''],
      ['blank.txt', '\n  \n\t\r\n\n'],
      ['long.txt', 'abcdef\n'],
    ]) {
      const p = await file(name, text);
      const err = await caughtAsync(() => readTextFile(p, { maxLength: 5 }));
      expect(err.code).toBe('E_DATA');
      expect(err.message).toContain(p);
      expect(err.message).toMatch(/has none/);
    }
  });

  it('fails with E_IO for a missing file, E_CONFIG for a bad maxLength', async () => {
    const missing = join(dir, 'no-such.txt');
    const err = await caughtAsync(() => readTextFile(missing));
    expect(err.code).toBe('E_IO');
    expect(err.message).toContain(missing);
    const p = await file('ok.txt', 'a\n');
    expect((await caughtAsync(() => readTextFile(p, { maxLength: 0 }))).message).toMatch(/maxLength/);
  });
});

describe('the hash split', () => {
  it('is FNV-1a 32 of the UTF-8 bytes', () => {
    // Reference values of the FNV-1a 32-bit test suite (isthe.com/chongo/tech/comp/fnv).
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
    expect(fnv1a32('ü')).toBe(fnv1a32('\u00fc'));
  });

  it('dedupes, keeps each line on its side, whatever the order', () => {
    const lines = Array.from({ length: 500 }, (_, i) => `line ${i}`);
    const a = splitText(fromLines([...lines, ...lines.slice(0, 50)], 'x'));
    const b = splitText(fromLines([...lines].reverse(), 'x'));
    expect(a.train.lines.length + a.test.lines.length).toBe(500);
    expect(new Set(a.test.lines)).toEqual(new Set(b.test.lines));
    expect(new Set(a.train.lines)).toEqual(new Set(b.train.lines));
    for (const line of a.test.lines) expect(fnv1a32(line) % TEST_MODULUS).toBe(0);
    expect(a.test.lines.length).toBeGreaterThan(25);
    expect(a.test.lines.length).toBeLessThan(75);
    expect(a.train.name).toBe('x:train');
  });

  it('words: the distinct non-possessive entries, about 10% test', async () => {
    const text = await readFile(WORDS_FILE, 'utf8');
    const entries = new Set(text.split('\n').filter((w) => w !== '' && !w.endsWith("'s")));
    const { train, test } = await words();
    expect(train.lines.length + test.lines.length).toBe(entries.size);
    expect(entries.size).toBe(74_837); // wamerican 2020.12.07
    expect(test.lines.length / entries.size).toBeCloseTo(0.1, 2);
    expect(train.lines.some(isTestLine)).toBe(false);
    expect(test.lines.every(isTestLine)).toBe(true);
    expect([...train.lines, ...test.lines].some((w) => w.endsWith("'s"))).toBe(false);
    const withPossessives = await words({ possessives: true });
    expect(withPossessives.test.lines.length).toBeGreaterThan(test.lines.length);
  });

  it('loadTextSpec: words, a file, or E_DATA for neither', async () => {
    expect((await loadTextSpec('words')).train.name).toBe('words:train');
    const p = await file('spec.txt', Array.from({ length: 200 }, (_, i) => `w${i}`).join('\n') + '\n\n');
    const fromFile = await loadTextSpec(p);
    expect(fromFile.train.lines.length + fromFile.test.lines.length).toBe(200);
    expect(fromFile.skipped).toEqual({ blank: 1, tooLong: 0 });
    expect((await caughtAsync(() => loadTextSpec(join(dir, 'nope.txt')))).code).toBe('E_DATA');
    const one = await file('one.txt', 'a\n');
    expect((await caughtAsync(() => loadTextSpec(one))).message).toMatch(/both sides/);
  });

  it('words: E_DATA with the install command when the list is missing', async () => {
    const err = await caughtAsync(() => words({ file: join(dir, 'no-dict') }));
    expect(err.code).toBe('E_DATA');
    expect(err.message).toContain('apt-get install wamerican');
  });
});
