// lib/compare/text-metrics.ts on hand-made cases with known answers, and
// gzip against the n-gram baseline on the real words list.
import { describe, expect, it } from 'vitest';
import { NgramModel } from '../../lib/compare/ngram.js';
import {
  gzipBaseline,
  lengthStats,
  ngramCounts,
  ngramJsd,
  novelty,
  textDiversity,
  textSampleMetrics,
  totalVariation,
  validity,
} from '../../lib/compare/text-metrics.js';
import { words } from '../../lib/data/text.js';
import { caught } from '../helpers/caught.js';

const samples = ['cat', 'dog', 'xyz', 'cat'];

describe('validity, novelty, textDiversity', () => {
  it('are the shares of samples in the reference, not in train, and distinct', () => {
    expect(validity(samples, ['cat', 'dog', 'bird'])).toBe(0.75);
    expect(validity(samples, new Set(['xyz']))).toBe(0.25);
    expect(novelty(samples, ['cat'])).toBe(0.5);
    expect(novelty(samples, new Set(samples))).toBe(0);
    expect(textDiversity(samples)).toBe(0.75);
    expect(textDiversity(['a', 'b'])).toBe(1);
  });

  it('refuses no samples or non-strings with E_DATA', () => {
    expect(caught(() => textDiversity([])).code).toBe('E_DATA');
    expect(caught(() => validity(['a', 1 as unknown as string], ['a'])).message).toMatch(/samples/);
  });
});

describe('n-gram JSD', () => {
  it('counts code-point n-grams within each string', () => {
    expect(Object.fromEntries(ngramCounts(['abab', 'b'], 2))).toEqual({ ab: 2, ba: 1 });
    expect(Object.fromEntries(ngramCounts(['ü😀ü'], 2))).toEqual({ 'ü😀': 1, '😀ü': 1 });
  });

  it('is 0 for the same frequencies, 1 for disjoint ones, and the formula between', () => {
    expect(ngramJsd(['abc', 'abd'], ['abd', 'abc'], 2)).toBe(0);
    expect(ngramJsd(['abab'], ['ab'], 2)).toBeGreaterThan(0);
    expect(ngramJsd(['ab'], ['cd'], 1)).toBe(1);
    // P = {a: 1}, Q = {a: 1/2, b: 1/2}, M = {a: 3/4, b: 1/4}
    const want = 0.5 * Math.log2(4 / 3) + 0.5 * (0.5 * Math.log2(2 / 3) + 0.5 * Math.log2(2));
    expect(ngramJsd(['a'], ['ab'], 1)).toBeCloseTo(want, 12);
    expect(want).toBeCloseTo(0.3112781, 6);
  });

  it('is NaN when one side has no n-gram of that length', () => {
    expect(ngramJsd(['ab', 'c'], ['abcd'], 3)).toBeNaN();
  });
});

describe('lengths', () => {
  it('mean, std and histogram of code-point lengths', () => {
    const s = lengthStats(['a', 'abc', 'ü😀c', '']);
    expect(s.count).toBe(4);
    expect(s.mean).toBe(1.75);
    expect(s.std).toBeCloseTo(Math.sqrt(1.6875), 12);
    expect(s.histogram).toEqual([0.25, 0.25, 0, 0.5]);
  });

  it('total variation: 0 same, 1 disjoint, half the L1 distance', () => {
    expect(totalVariation([0.5, 0.5], [0.5, 0.5])).toBe(0);
    expect(totalVariation([1], [0, 0, 1])).toBe(1);
    expect(totalVariation([0.5, 0.5], [0, 0.5, 0.5])).toBe(0.5);
  });
});

describe('textSampleMetrics', () => {
  it('gathers every measure, validity against train and test by default', () => {
    const m = textSampleMetrics(samples, { train: ['cat', 'bird'], test: ['dog', 'cow'] });
    expect(m.samples).toBe(4);
    expect(m.validity).toBe(0.75);
    expect(m.novelty).toBe(0.5);
    expect(m.diversity).toBe(0.75);
    expect(m.jsd.map((j) => j.n)).toEqual([1, 2, 3, 4]);
    expect(m.jsd[3].bits).toBeNaN(); // no 4-grams in 3-letter words
    expect(m.jsd[0].bits).toBeGreaterThan(0);
    expect(m.length.tvDistance).toBe(0);
    expect(textSampleMetrics(samples, { train: ['bird'], test: ['dog'], valid: ['xyz'] }).validity).toBe(0.25);
  });
});

describe('gzipBaseline', () => {
  it('gzip alone is raw deflate plus its 18 bytes of framing; together it shares the dictionary', () => {
    const g = gzipBaseline(['hello', 'hello', 'help']);
    expect(g.count).toBe(3);
    expect(g.rawBytes).toBeCloseTo(14 / 3, 12);
    expect(g.gzipAlone).toBeCloseTo(g.deflateAlone + 18, 12);
    expect(g.gzipWhole).toBeLessThan(g.gzipAlone);
  });

  it('on the words test split the n-gram model beats gzip', async () => {
    const { train, test } = await words();
    const g = gzipBaseline(test.lines);
    const ngram = NgramModel.fit(train.lines, { order: 5 }).bitsPerChar(test.lines);
    expect(g.bitsPerChar).toBeGreaterThan(ngram);
    expect(g.bitsPerChar).toBeLessThan(8);
    expect(g.gzipWhole).toBeLessThan(g.rawBytes + 1);
  });
});
