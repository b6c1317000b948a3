/**
 * The uses of the text models, measured the same way for every method:
 * repair of masked characters (how many masked characters come back right,
 * how many strings come back whole), the n-gram baseline's own repair, the
 * edit distance that scores lossy codes, and the masks themselves, drawn
 * from a seed so every method repairs the same damage.
 */
import { checkPositiveInt, checkSeed } from '../config/validate.js';
import { mulberry32 } from '../data/synthetic.js';
import { GentorchError, invalid } from '../errors.js';
import { SPECIALS } from '../data/vocabulary.js';
import type { NgramModel } from './ngram.js';

/** Mask characters tried in turn: the first that no line holds marks the unknown characters. */
export const MASK_CANDIDATES = ['_', '#', '*', '~', '\u2047'] as const;

/** The first of MASK_CANDIDATES no line contains (so a mask is never a real character). */
export function freeMask(lines: readonly string[]): string {
  const mask = MASK_CANDIDATES.find((m) => !lines.some((l) => l.includes(m)));
  if (mask === undefined)
    throw new GentorchError('E_DATA', `Every mask character (${MASK_CANDIDATES.join(' ')}) occurs in the lines`);
  return mask;
}

/**
 * Each line with `share` of its characters (at least one, never all of a
 * longer line) replaced by `mask`; the same positions for the same seed.
 */
export function maskLines(lines: readonly string[], share: number, seed: number, mask: string): string[] {
  if (typeof share !== 'number' || !(share > 0 && share < 1)) throw invalid('a number in (0, 1)', 'share', share);
  checkSeed(seed);
  const rand = mulberry32(seed);
  return lines.map((line) => {
    const chars = [...line];
    const k = Math.max(1, Math.min(chars.length - 1, Math.round(share * chars.length)));
    // The first k of a seeded shuffle of the positions.
    const pos = chars.map((_, i) => i);
    for (let i = pos.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [pos[i], pos[j]] = [pos[j], pos[i]];
    }
    for (const p of pos.slice(0, k)) chars[p] = mask;
    return chars.join('');
  });
}

/** Share of masked characters restored exactly, and of strings restored entirely. */
export function repairScores(
  truth: readonly string[],
  masked: readonly string[],
  repaired: readonly string[],
  mask: string,
): { charAccuracy: number; exactShare: number } {
  if (truth.length !== masked.length || truth.length !== repaired.length || truth.length === 0)
    throw invalid(`${truth.length} repaired lines (one per line)`, 'repaired', repaired.length, 'E_SHAPE');
  let hits = 0;
  let total = 0;
  let exact = 0;
  truth.forEach((t, i) => {
    const tc = [...t];
    const mc = [...masked[i]];
    const rc = [...repaired[i]];
    mc.forEach((c, j) => {
      if (c !== mask) return;
      total++;
      if (rc[j] === tc[j]) hits++;
    });
    if (repaired[i] === t) exact++;
  });
  return { charAccuracy: total ? hits / total : NaN, exactShare: exact / truth.length };
}

/**
 * The n-gram baseline's repair: coordinate ascent on the whole line's code
 * length. Masked positions start as the likeliest character after their left
 * context; then, `rounds` times, each masked position takes the character
 * that makes the whole line likeliest with the others fixed (so the right
 * context counts too).
 */
export function ngramRepair(model: NgramModel, masked: readonly string[], mask: string, rounds = 2): string[] {
  checkPositiveInt(rounds, 'rounds');
  const chars = model.vocabulary.chars;
  const argmax = (p: Float64Array): string => {
    let best = -1;
    for (let id = SPECIALS.length; id < p.length; id++) if (best < 0 || p[id] > p[best]) best = id;
    return chars[best - SPECIALS.length];
  };
  return masked.map((line) => {
    const c = [...line];
    const holes = c.flatMap((ch, i) => (ch === mask ? [i] : []));
    if (holes.length === 0) return line;
    for (const i of holes) c[i] = argmax(model.distribution(c.slice(0, i).join('')));
    for (let r = 0; r < rounds; r++) {
      for (const i of holes) {
        let best = c[i];
        let bestBits = Infinity;
        for (const ch of chars) {
          c[i] = ch;
          const bits = model.codeLengthBits(c.join(''));
          if (bits < bestBits) [best, bestBits] = [ch, bits];
        }
        c[i] = best;
      }
    }
    return c.join('');
  });
}

/** Levenshtein distance between two strings, over code points. */
export function editDistance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++)
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[y.length];
}

/** Share of strings decoded exactly, and the character error rate: summed edit distance over summed length. */
export function lossyScores(
  truth: readonly string[],
  decoded: readonly string[],
): { exactShare: number; charErrorRate: number } {
  if (truth.length !== decoded.length || truth.length === 0)
    throw invalid(`${truth.length} decoded lines (one per line)`, 'decoded', decoded.length, 'E_SHAPE');
  let edits = 0;
  let length = 0;
  let exact = 0;
  truth.forEach((t, i) => {
    edits += editDistance(t, decoded[i]);
    length += [...t].length;
    if (t === decoded[i]) exact++;
  });
  return { exactShare: exact / truth.length, charErrorRate: length ? edits / length : NaN };
}
