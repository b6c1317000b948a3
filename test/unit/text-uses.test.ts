// lib/compare/text-uses.ts: the masks, scores and n-gram repair every text
// method is measured with, by hand and on the real words list.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { NgramModel } from '../../lib/compare/ngram.js';
import {
  editDistance,
  freeMask,
  lossyScores,
  maskLines,
  ngramRepair,
  repairScores,
} from '../../lib/compare/text-uses.js';
import { words } from '../../lib/data/text.js';
import { caught } from '../helpers/caught.js';

describe('maskLines', () => {
  it('masks the share of each line, at least one, never all of a longer line, the same for a seed', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 20 }), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 0, max: 1e6 }),
        (raw, seed) => {
          const lines = raw.map((l) => l.replaceAll('_', 'x'));
          const a = maskLines(lines, 0.25, seed, '_');
          expect(maskLines(lines, 0.25, seed, '_')).toEqual(a);
          a.forEach((m, i) => {
            const c = [...m];
            const t = [...lines[i]];
            expect(c).toHaveLength(t.length);
            const k = c.filter((x) => x === '_').length;
            expect(k).toBeGreaterThanOrEqual(1);
            if (t.length > 1) expect(k).toBeLessThan(t.length);
            expect(k).toBe(Math.max(1, Math.min(t.length - 1, Math.round(0.25 * t.length))) || 1);
            c.forEach((x, j) => x !== '_' && expect(x).toBe(t[j]));
          });
        },
      ),
    );
  });

  it('draws other positions for another seed', () => {
    const lines = Array.from({ length: 50 }, () => 'abcdefghijkl');
    expect(maskLines(lines, 0.25, 1, '_')).not.toEqual(maskLines(lines, 0.25, 2, '_'));
  });

  it('rejects a share outside (0, 1) naming it', () => {
    expect(caught(() => maskLines(['ab'], 1, 1, '_'))).toMatchObject({
      code: 'E_CONFIG',
      message: expect.stringContaining('share'),
    });
  });
});

describe('freeMask', () => {
  it('takes the first mask character no line holds', () => {
    expect(freeMask(['ab', 'cd'])).toBe('_');
    expect(freeMask(['a_b', 'c#'])).toBe('*');
    expect(caught(() => freeMask(['_#*~\u2047']))).toMatchObject({ code: 'E_DATA' });
  });
});

describe('scores', () => {
  it('counts masked characters restored and whole strings', () => {
    const s = repairScores(['cat', 'dog'], ['c_t', '_o_'], ['cat', 'dot'], '_');
    expect(s.charAccuracy).toBeCloseTo(2 / 3, 12);
    expect(s.exactShare).toBe(0.5);
    expect(caught(() => repairScores(['a'], ['_'], [], '_'))).toMatchObject({ code: 'E_SHAPE' });
  });

  it('edit distance is Levenshtein over code points', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('café', 'cafe')).toBe(1);
    expect(editDistance('naïve', 'naïve')).toBe(0);
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        expect(editDistance(a, b)).toBe(editDistance(b, a));
        expect(editDistance(a, b)).toBeLessThanOrEqual(Math.max([...a].length, [...b].length));
      }),
    );
  });

  it('scores lossy decodings by exact share and character error rate', () => {
    const s = lossyScores(['abcd', 'xy'], ['abcd', 'xz']);
    expect(s.exactShare).toBe(0.5);
    expect(s.charErrorRate).toBeCloseTo(1 / 6, 12);
  });
});

describe('ngramRepair on the words list', () => {
  it('keeps every known character and restores most masked characters of test words', async () => {
    const { train, test } = await words();
    const model = NgramModel.fit(train.lines, { order: 5 });
    const truth = test.lines.slice(0, 300);
    const masked = maskLines(truth, 0.25, 7, '_');
    const repaired = ngramRepair(model, masked, '_');
    repaired.forEach((r, i) => {
      expect([...r]).toHaveLength([...truth[i]].length);
      [...masked[i]].forEach((c, j) => c !== '_' && expect([...r][j]).toBe(c));
    });
    const s = repairScores(truth, masked, repaired, '_');
    // Against filling every hole with the commonest training character.
    const counts = new Map<string, number>();
    for (const l of train.lines) for (const c of l) counts.set(c, (counts.get(c) ?? 0) + 1);
    const common = [...counts].sort((a, b) => b[1] - a[1])[0][0];
    const blind = repairScores(
      truth,
      masked,
      masked.map((m) => m.replaceAll('_', common)),
      '_',
    );
    expect(s.charAccuracy).toBeGreaterThan(0.3);
    expect(s.charAccuracy).toBeGreaterThan(2.5 * blind.charAccuracy);
    expect(s.exactShare).toBeGreaterThan(blind.exactShare + 0.05);
  });
});
