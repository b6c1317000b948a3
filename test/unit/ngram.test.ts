// lib/compare/ngram.ts: the Kneser-Ney character n-gram baseline, by hand
// on a tiny corpus and on the real words list's hash split.
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { NgramModel, chooseOrder } from '../../lib/compare/ngram.js';
import { fnv1a32, isTestLine, words, type TextDataset } from '../../lib/data/text.js';
import { EOS, UNK, Vocabulary } from '../../lib/data/vocabulary.js';
import { caught } from '../helpers/caught.js';

describe('NgramModel by hand', () => {
  // Order 1 on ['ab', 'a']: counts a 2, b 1, EOS 2 (total 5); counts of counts
  // n1 = 1, n2 = 2, n3 = 0, so plain KN's D = n1 / (n1 + 2 n2) = 0.2 for all;
  // the freed mass 0.2 * 3 / 5 = 0.12 is spread over a, b, EOS and UNK.
  const m = NgramModel.fit(['ab', 'a'], { order: 1 });
  const pA = 1.8 / 5 + 0.12 / 4;
  const pB = 0.8 / 5 + 0.12 / 4;
  const pUnk = 0.12 / 4;

  it('gives interpolated Kneser-Ney probabilities', () => {
    const p = m.distribution('');
    expect(p[EOS]).toBeCloseTo(pA, 12);
    expect(p[m.vocabulary.id('a')]).toBeCloseTo(pA, 12);
    expect(p[m.vocabulary.id('b')]).toBeCloseTo(pB, 12);
    expect(p[UNK]).toBeCloseTo(pUnk, 12);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('costs a line -log2 of its characters and its EOS; EOS counts as a character', () => {
    expect(m.codeLengthBits('a')).toBeCloseTo(-2 * Math.log2(pA), 12);
    expect(m.codeLengthBits('')).toBeCloseTo(-Math.log2(pA), 12);
    const cost = m.evaluate(['ab', 'a']);
    expect(cost.characters).toBe(5);
    expect(cost.bits).toBeCloseTo(-(3 * Math.log2(pA) + Math.log2(pB) + Math.log2(pA)), 10);
    expect(m.bitsPerChar(['ab', 'a'])).toBeCloseTo(cost.bits / 5, 12);
  });

  it('gives finite bits to unknown characters and unseen contexts', () => {
    expect(m.codeLengthBits('z')).toBeCloseTo(-Math.log2(pUnk) - Math.log2(pA), 12);
    const m3 = NgramModel.fit(['abc', 'abd', 'bca'], { order: 3 });
    for (const line of ['zzz', 'cba', 'dddd', 'xa\u00fc']) {
      expect(Number.isFinite(m3.codeLengthBits(line))).toBe(true);
      expect(m3.codeLengthBits(line)).toBeGreaterThan(m3.codeLengthBits('abc'));
    }
  });

  it('sums to 1 after any prefix, at any order (property)', () => {
    const corpus = ['hello', 'help', 'yellow', 'low', 'he', 'o'];
    const models = [1, 2, 3, 4, 5].map((order) => NgramModel.fit(corpus, { order }));
    fc.assert(
      fc.property(
        fc.constantFrom(...models),
        fc.string({ unit: fc.constantFrom(...'helowyzq'), maxLength: 8 }),
        (mm, prefix) => {
          const p = mm.distribution(prefix);
          expect(p[0] + p[1]).toBe(0); // PAD, BOS
          expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
        },
      ),
    );
  });

  it('refuses bad orders and empty data', () => {
    expect(caught(() => NgramModel.fit(['a'], { order: 0 })).code).toBe('E_CONFIG');
    expect(caught(() => NgramModel.fit(['a'], { order: 13 })).message).toMatch(/order of 1 to 12/);
    expect(caught(() => NgramModel.fit([])).code).toBe('E_DATA');
    expect(caught(() => NgramModel.fit(['a', 3 as unknown as string])).code).toBe('E_DATA');
    expect(caught(() => m.sample(0, 1)).message).toMatch(/for n/);
  });
});

describe('NgramModel on words', () => {
  let train: TextDataset;
  let test: TextDataset;
  beforeAll(async () => {
    ({ train, test } = await words());
  });

  it('bits per char on the test split fall as the order rises from 1 to 5', () => {
    const bpc = [1, 2, 3, 4, 5].map((order) => NgramModel.fit(train.lines, { order }).bitsPerChar(test.lines));
    for (let i = 1; i < bpc.length; i++) expect(bpc[i]).toBeLessThan(bpc[i - 1] - 0.1);
    expect(bpc[0]).toBeLessThan(Math.log2(69 + 2)); // better than uniform over the characters, EOS, UNK
  });

  it('chooseOrder picks the order of least held-out bits, held out from train only', () => {
    const choice = chooseOrder(train.lines);
    expect(choice.scores.map((s) => s.order)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const least = Math.min(...choice.scores.map((s) => s.bitsPerChar));
    expect(choice.scores.find((s) => s.order === choice.order)?.bitsPerChar).toBe(least);
    expect(choice.order).toBeGreaterThanOrEqual(4);
    expect(choice.heldOut + choice.fitOn).toBe(train.lines.length);
    expect(choice.heldOut / train.lines.length).toBeCloseTo(1 / 9, 2);
    expect(choice.model.order).toBe(choice.order);
    // the chosen model is fit on all the training lines: it scores them better than the held-out ones
    expect(choice.model.bitsPerChar(train.lines.filter((w) => fnv1a32(w) % 10 === 1))).toBeLessThan(least);
    expect(test.lines.every(isTestLine)).toBe(true);
  });

  it('samples strings of its vocabulary, the same for a seed', () => {
    const m = NgramModel.fit(train.lines, { order: 5 });
    const a = m.sample(200, 7);
    expect(a).toHaveLength(200);
    expect(m.sample(200, 7)).toEqual(a);
    expect(m.sample(200, 8)).not.toEqual(a);
    const vocab = Vocabulary.fromLines(train.lines);
    for (const s of a) {
      expect([...s].length).toBeLessThanOrEqual(m.longestLine);
      expect(vocab.unknownShare([s]).unknown).toBe(0);
    }
    expect(new Set(a).size).toBeGreaterThan(150);
    expect(m.sample(50, 1, { maxLength: 3 }).every((s) => [...s].length <= 3)).toBe(true);
  });
});
