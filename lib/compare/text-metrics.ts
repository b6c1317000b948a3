/**
 * Measures of generated text against real text, for the text VAE, the text
 * GAN and the n-gram baseline alike. Strings are compared whole and
 * characters are code points, as in lib/data/vocabulary.ts.
 * - validity: the share of samples that are entries of a reference set (the
 *   whole dataset by default: a real word is valid even if the model never saw it);
 * - novelty: the share of samples not in the training set;
 * - diversity (textDiversity): distinct samples / samples;
 * - n-gram JSD (Rajeswar et al. 2017, "Adversarial Generation of Natural
 *   Language"): Jensen-Shannon divergence, in bits (0 same, 1 disjoint),
 *   between the character n-gram frequencies of the samples and of the test
 *   lines, n-grams taken within each string (no padding), n = 1..4;
 * - length: mean, standard deviation and histogram of the lengths, and the
 *   total-variation distance between the samples' and the test lines' histograms;
 * - gzip: what a general-purpose compressor needs for the same strings
 *   (node:zlib, level 9), the floor an entropy coder over a model must beat.
 */
import { deflateRawSync, gzipSync } from 'node:zlib';
import { GentorchError, invalid } from '../errors.js';
import type { LengthStats, TextSampleMetrics } from '../report/text-results.js';

export type { LengthStats, TextSampleMetrics };

function checkLines(lines: unknown, name: string, nonEmpty = true): readonly string[] {
  if (!Array.isArray(lines) || lines.some((l) => typeof l !== 'string'))
    throw invalid('an array of strings', name, lines, 'E_DATA');
  if (nonEmpty && lines.length === 0)
    throw new GentorchError('E_DATA', `Expected strings in ${name} but received none`);
  return lines as string[];
}

function asSet(ref: ReadonlySet<string> | readonly string[], name: string): ReadonlySet<string> {
  return ref instanceof Set ? ref : new Set(checkLines(ref, name, false));
}

/** The share of samples that are entries of `reference`. */
export function validity(samples: readonly string[], reference: ReadonlySet<string> | readonly string[]): number {
  const ref = asSet(reference, 'reference');
  const s = checkLines(samples, 'samples');
  return s.filter((x) => ref.has(x)).length / s.length;
}

/** The share of samples not in the training set. */
export function novelty(samples: readonly string[], train: ReadonlySet<string> | readonly string[]): number {
  const seen = asSet(train, 'train');
  const s = checkLines(samples, 'samples');
  return s.filter((x) => !seen.has(x)).length / s.length;
}

/** Distinct samples / samples: 1 when no two are equal. */
export function textDiversity(samples: readonly string[]): number {
  const s = checkLines(samples, 'samples');
  return new Set(s).size / s.length;
}

/** How often each character n-gram occurs within the lines. */
export function ngramCounts(lines: readonly string[], n: number): Map<string, number> {
  if (!Number.isSafeInteger(n) || n < 1) throw invalid('positive integer', 'n', n);
  const counts = new Map<string, number>();
  for (const line of checkLines(lines, 'lines', false)) {
    const cs = [...line];
    for (let i = 0; i + n <= cs.length; i++) {
      const g = n === 1 ? cs[i] : cs.slice(i, i + n).join('');
      counts.set(g, (counts.get(g) ?? 0) + 1);
    }
  }
  return counts;
}

/** Jensen-Shannon divergence in bits (0..1) of two count tables; NaN when either is empty. */
export function jsdBits(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): number {
  const total = (m: ReadonlyMap<string, number>): number => [...m.values()].reduce((s, c) => s + c, 0);
  const [ta, tb] = [total(a), total(b)];
  if (ta === 0 || tb === 0) return NaN;
  let jsd = 0;
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const p = (a.get(key) ?? 0) / ta;
    const q = (b.get(key) ?? 0) / tb;
    const m = (p + q) / 2;
    if (p > 0) jsd += 0.5 * p * Math.log2(p / m);
    if (q > 0) jsd += 0.5 * q * Math.log2(q / m);
  }
  return Math.min(1, Math.max(0, jsd));
}

/**
 * JSD in bits between the character n-gram frequencies of samples and
 * reference lines; NaN when either holds no n-gram (all shorter than n).
 */
export function ngramJsd(samples: readonly string[], reference: readonly string[], n: number): number {
  return jsdBits(ngramCounts(samples, n), ngramCounts(reference, n));
}

/** The length distribution of lines, in characters. */
export function lengthStats(lines: readonly string[]): LengthStats {
  const lengths = checkLines(lines, 'lines').map((l) => [...l].length);
  const mean = lengths.reduce((s, x) => s + x, 0) / lengths.length;
  const std = Math.sqrt(lengths.reduce((s, x) => s + (x - mean) ** 2, 0) / lengths.length);
  const histogram = new Array<number>(Math.max(...lengths) + 1).fill(0);
  for (const x of lengths) histogram[x] += 1 / lengths.length;
  return { count: lengths.length, mean, std, histogram };
}

/** Total-variation distance, 0.5 * sum |p - q|, of two histograms (the shorter padded with zeros): 0..1. */
export function totalVariation(p: readonly number[], q: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < Math.max(p.length, q.length); i++) s += Math.abs((p[i] ?? 0) - (q[i] ?? 0));
  return Math.min(1, s / 2);
}

/** What gzip needs for strings (node:zlib, level 9). */
export interface GzipBaseline {
  count: number;
  /** UTF-8 bytes per string, uncompressed. */
  rawBytes: number;
  /** gzip of each string alone, mean bytes (includes gzip's 18 bytes of header and trailer). */
  gzipAlone: number;
  /** Raw deflate of each string alone, mean bytes (no framing). */
  deflateAlone: number;
  /** gzip of all the strings, each ended by '\n', divided by their count. */
  gzipWhole: number;
  /** gzipWhole in bits per character, the newline counted as the EOS (comparable to bitsPerChar). */
  bitsPerChar: number;
}

/** gzip's cost of strings, alone and together: the compressor baseline for text. */
export function gzipBaseline(lines: readonly string[]): GzipBaseline {
  const s = checkLines(lines, 'lines');
  const options = { level: 9 };
  let raw = 0;
  let alone = 0;
  let deflate = 0;
  let characters = 0;
  for (const line of s) {
    const bytes = Buffer.from(line, 'utf8');
    raw += bytes.length;
    alone += gzipSync(bytes, options).length;
    deflate += deflateRawSync(bytes, options).length;
    characters += [...line].length + 1;
  }
  const whole = gzipSync(Buffer.from(s.map((l) => `${l}\n`).join(''), 'utf8'), options).length;
  return {
    count: s.length,
    rawBytes: raw / s.length,
    gzipAlone: alone / s.length,
    deflateAlone: deflate / s.length,
    gzipWhole: whole / s.length,
    bitsPerChar: (whole * 8) / characters,
  };
}

/** The n of textSampleMetrics' n-gram JSDs. */
export const JSD_ORDERS = [1, 2, 3, 4] as const;

/**
 * Every measure of samples at once: validity against `valid` (default the
 * training and test lines together), novelty against `train`, the n-gram
 * JSDs and the length distance against `test`.
 */
export function textSampleMetrics(
  samples: readonly string[],
  data: { train: readonly string[]; test: readonly string[]; valid?: ReadonlySet<string> | readonly string[] },
): TextSampleMetrics {
  checkLines(samples, 'samples');
  const train = new Set(checkLines(data.train, 'train'));
  const test = checkLines(data.test, 'test');
  const valid = data.valid ?? new Set([...train, ...test]);
  const s = lengthStats(samples);
  const t = lengthStats(test);
  return {
    samples: samples.length,
    validity: validity(samples, valid),
    novelty: novelty(samples, train),
    diversity: textDiversity(samples),
    jsd: JSD_ORDERS.map((n) => ({ n, bits: ngramJsd(samples, test, n) })),
    length: { samples: s, test: t, tvDistance: totalVariation(s.histogram, t.histogram) },
  };
}
