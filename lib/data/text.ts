/**
 * Text datasets: lines of characters (one item a line) for the text models
 * and the n-gram baseline. Sources: any UTF-8 text file, lines the caller
 * holds, and the built-in `words` list (Debian's wamerican dictionary).
 *
 * Rules, the same for every source:
 * - a line's trailing '\r' is stripped (CRLF files read as LF ones) and the
 *   line is NFC-normalised, so 'ü' is one character however it was typed;
 *   otherwise lines are kept verbatim (inner and edge spaces too);
 * - empty and whitespace-only lines are skipped and counted;
 * - lines longer than `maxLength` characters (code points; default 32) are
 *   dropped and counted: the models take a fixed width. No usable line left
 *   is E_DATA naming the file;
 * - the split into train and test is fixed by each line's FNV-1a 32-bit hash
 *   of its UTF-8 bytes: test when hash % 10 === 0 (about 10%). Duplicates are
 *   removed first (the first occurrence kept), so a line lands on one side
 *   only, the same side on every machine, whatever the order of the lines.
 */
import { existsSync } from 'node:fs';
import { GentorchError, describe, invalid } from '../errors.js';
import { readFileChecked } from '../io/fsutil.js';

/** Lines of text, one item each. */
export interface TextDataset {
  /** Where it came from, for reports: "words:train", a path. */
  name: string;
  lines: string[];
}

/** The lines a read skipped, by reason. */
export interface SkippedLines {
  /** Empty or whitespace-only lines. */
  blank: number;
  /** Lines longer than maxLength characters. */
  tooLong: number;
}

/** A text file's usable lines and what was skipped. */
export interface TextFile extends TextDataset {
  skipped: SkippedLines;
}

export interface TextReadOptions {
  /** Longest usable line, in characters (code points); longer ones are dropped and counted. Default 32. */
  maxLength?: number;
  /** The dataset's name; default the path. */
  name?: string;
}

/** The default longest line, in characters (the longest `words` entry has 22). */
export const TEXT_MAX_LENGTH = 32;

/** Default location of the words list (Debian's wamerican package). */
export const WORDS_FILE = '/usr/share/dict/american-english';

/** 1 line in TEST_MODULUS goes to the test split. */
export const TEST_MODULUS = 10;

function checkMaxLength(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)
    throw invalid('positive integer', 'maxLength', value);
  return value;
}

/** The 1-based number of the first line of `bytes` that is not UTF-8. */
function firstBadLine(bytes: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let start = 0;
  for (let n = 1; ; n++) {
    const end = bytes.indexOf(0x0a, start);
    try {
      decoder.decode(bytes.subarray(start, end < 0 ? bytes.length : end));
    } catch {
      return n;
    }
    if (end < 0) return n;
    start = end + 1;
  }
}

/** Text's usable lines by this file's rules, and the counts of skipped ones. */
function usableLines(text: string, maxLength: number): { lines: string[]; skipped: SkippedLines } {
  const lines: string[] = [];
  const skipped: SkippedLines = { blank: 0, tooLong: 0 };
  const raw = text.split('\n');
  if (raw.length > 0 && raw[raw.length - 1] === '') raw.pop(); // the final newline ends a line, it does not start one
  for (const r of raw) {
    const line = (r.endsWith('\r') ? r.slice(0, -1) : r).normalize('NFC');
    if (line.trim() === '') skipped.blank++;
    else if (line.length > maxLength && [...line].length > maxLength) skipped.tooLong++;
    else lines.push(line);
  }
  return { lines, skipped };
}

/**
 * Reads a UTF-8 text file, one item a line (see the rules above).
 * @throws GentorchError E_IO when the file cannot be read (missing, a
 *   directory); E_DATA naming it when it is binary (holds a NUL byte), is not
 *   UTF-8 (the first bad line named), or has no usable line.
 */
export async function readTextFile(path: string, options: TextReadOptions = {}): Promise<TextFile> {
  if (typeof path !== 'string' || path.length === 0) throw invalid('a file path', 'path', path);
  const maxLength = checkMaxLength(options.maxLength ?? TEXT_MAX_LENGTH);
  const bytes = await readFileChecked(path, 'E_IO');
  const nul = bytes.indexOf(0);
  if (nul >= 0)
    throw new GentorchError('E_DATA', `Expected a text file but ${path} is binary (a NUL byte at offset ${nul})`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes); // drops a leading BOM
  } catch {
    throw new GentorchError('E_DATA', `Expected UTF-8 text in ${path} but line ${firstBadLine(bytes)} is not UTF-8`);
  }
  const { lines, skipped } = usableLines(text, maxLength);
  if (lines.length === 0) {
    throw new GentorchError(
      'E_DATA',
      `Expected at least one line of 1 to ${maxLength} characters in ${path} but it has none ` +
        `(${skipped.blank} blank, ${skipped.tooLong} longer than maxLength ${maxLength})`,
    );
  }
  return { name: options.name ?? path, lines, skipped };
}

/** Lines the caller holds, checked (strings without '\n') and named. */
export function fromLines(lines: readonly string[], name = 'lines'): TextDataset {
  if (!Array.isArray(lines)) throw invalid('an array of strings', 'lines', lines, 'E_DATA');
  lines.forEach((line, i) => {
    if (typeof line !== 'string' || line.includes('\n'))
      throw invalid('a string without newlines', `lines[${i}]`, line, 'E_DATA');
  });
  return { name, lines: [...lines] };
}

/** FNV-1a, 32 bits, of a string's UTF-8 bytes: the split's fixed hash. */
export function fnv1a32(text: string): number {
  const bytes = Buffer.from(text, 'utf8');
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
  return h >>> 0;
}

/** Is this line in the test split? */
export function isTestLine(line: string): boolean {
  return fnv1a32(line) % TEST_MODULUS === 0;
}

/** The fixed hash split of a dataset's distinct lines (first occurrences kept, in order). */
export function splitText(ds: TextDataset): { train: TextDataset; test: TextDataset } {
  const train: string[] = [];
  const test: string[] = [];
  for (const line of new Set(ds.lines)) (isTestLine(line) ? test : train).push(line);
  if (train.length === 0 || test.length === 0) {
    throw new GentorchError(
      'E_DATA',
      `Expected distinct lines on both sides of the train/test split of ${ds.name} but it has ` +
        `${train.length} train and ${test.length} test lines (a line is test when its FNV-1a hash % ${TEST_MODULUS} is 0)`,
    );
  }
  return { train: { name: `${ds.name}:train`, lines: train }, test: { name: `${ds.name}:test`, lines: test } };
}

export interface WordsOptions extends TextReadOptions {
  /** The list; default $GENTORCH_WORDS_FILE, else /usr/share/dict/american-english. */
  file?: string;
  /** Keep the possessive entries ("Aaron's", 29,497 of the 104,334); default false. */
  possessives?: boolean;
}

/**
 * The words dataset: Debian's American English word list, one word a line,
 * without the possessives ("'s" entries) unless `possessives` is true. Of
 * /usr/share/dict/american-english (wamerican 2020.12.07) that leaves 74,837
 * distinct words, 69 characters.
 * @throws GentorchError E_DATA with the install command when the list is missing.
 */
export async function words(options: WordsOptions = {}): Promise<{ train: TextDataset; test: TextDataset }> {
  const file = options.file ?? process.env.GENTORCH_WORDS_FILE ?? WORDS_FILE;
  if (!existsSync(file)) {
    throw new GentorchError(
      'E_DATA',
      `The words list was not found at ${file}: install it with ` +
        '`sudo apt-get install wamerican`, or set GENTORCH_WORDS_FILE',
    );
  }
  const read = await readTextFile(file, { maxLength: options.maxLength, name: 'words' });
  const keep = options.possessives ? read.lines : read.lines.filter((w) => !w.endsWith("'s"));
  return splitText({ name: options.name ?? 'words', lines: keep });
}

/**
 * Resolves a text `--data` spec: "words" or a UTF-8 text file, into the
 * fixed hash split (and, for a file, the counts of skipped lines).
 */
export async function loadTextSpec(
  spec: string,
  options: TextReadOptions = {},
): Promise<{ train: TextDataset; test: TextDataset; skipped?: SkippedLines }> {
  if (typeof spec !== 'string' || spec.length === 0) throw invalid('words or a text file', 'data', spec);
  if (spec === 'words') return words(options);
  if (!existsSync(spec))
    throw new GentorchError('E_DATA', `Expected words or a text file for data but ${describe(spec)} does not exist`);
  const read = await readTextFile(spec, options);
  return { ...splitText(read), skipped: read.skipped };
}
