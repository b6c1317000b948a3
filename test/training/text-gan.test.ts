// The text GAN through the public API, on the real words list and real
// libtorch: small networks on a few thousand short words, so the file stays
// well under a minute and a half on two cores.
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { TextGAN, Vocabulary, datasets, load, ngramJsd, type FitHistory, type FitProgress } from '../../lib/index.js';
import { loadGenerative } from '../../lib/models/load.js';
import { TEXT_GAN_DEFAULTS } from '../../lib/config/text-gan.js';
import { TEXT_MAX_LENGTH } from '../../lib/data/text.js';
import { native } from '../../lib/native.js';
import { caught, caughtAsync } from '../helpers/caught.js';
import { tempDir } from '../helpers/helpers.js';

/** Every `step`-th line: a spread over the (alphabetical) list, not its first letters. */
const spread = (lines: string[], n: number): string[] =>
  lines.filter((_, i) => i % Math.floor(lines.length / n) === 0).slice(0, n);

const MAX = 12;
const SMALL = { maxLength: MAX, latentDim: 32, hiddenDim: 64, blocks: 1 } as const;
// lr 2e-3, not the paper's 1e-4: 200 steps must show learning (measured JSD n=1 0.42 -> 0.18, n=2 0.83 -> 0.52).
const FIT = { steps: 200, batchSize: 64, lr: 2e-3, progressEvery: 20 } as const;
const SAMPLES = 500;

let trainLines: string[];
let testLines: string[];
let vocabulary: Vocabulary;
let gan: TextGAN;
let untrained: string[];
let progress: FitProgress[];
let history: FitHistory;

beforeAll(async () => {
  const { train, test } = await datasets.words({ maxLength: MAX });
  trainLines = spread(train.lines, 3000);
  testLines = spread(test.lines, 500);
  vocabulary = Vocabulary.fromLines(trainLines);
  gan = new TextGAN({ ...SMALL, vocabulary, device: 'cpu', seed: 1 });
  untrained = await gan.sample(SAMPLES, { seed: 9 });
  progress = [];
  history = await gan.fit(trainLines, { ...FIT, onProgress: (p) => void progress.push(p) });
});

describe('TextGAN training on words', () => {
  it("brings the samples' character n-grams close to the test words'", async () => {
    const trained = await gan.sample(SAMPLES, { seed: 9 });
    for (const [n, factor] of [
      [1, 0.6],
      [2, 0.8],
    ]) {
      const before = ngramJsd(untrained, testLines, n);
      const after = ngramJsd(trained, testLines, n);
      expect(after).toBeLessThan(factor * before);
    }
    expect(history.steps).toBe(FIT.steps);
  });

  it('reports the critic: a positive Wasserstein estimate, the penalty, and dLoss = -W + lambda * gp', () => {
    const last = progress.at(-1)!.losses;
    expect(Object.keys(last).sort()).toEqual(['dLoss', 'gLoss', 'gp', 'wasserstein']);
    expect(last.wasserstein).toBeGreaterThan(0);
    expect(Number.isFinite(last.gp)).toBe(true);
    expect(last.dLoss).toBeCloseTo(-last.wasserstein + TEXT_GAN_DEFAULTS.gpLambda * last.gp, 3);
    // The critic learns to tell them apart from an untrained start near 0.
    expect(Math.max(...progress.map((p) => p.losses.wasserstein))).toBeGreaterThan(progress[0].losses.wasserstein);
  });

  it('samples strings of vocabulary characters, at most maxLength long, the same for a seed', async () => {
    const s = await gan.sample(100, { seed: 3 });
    expect(s).toHaveLength(100);
    for (const w of s) {
      expect([...w].length).toBeLessThanOrEqual(MAX);
      for (const ch of w) expect(vocabulary.has(ch)).toBe(true);
    }
    expect(s.filter((w) => w.length > 0).length).toBeGreaterThan(90);
    expect(await gan.sample(100, { seed: 3 })).toEqual(s);
    expect(await gan.sample(100, { seed: 4 })).not.toEqual(s);
  });

  it('inverts training words: the loss falls well below that of the random starts', async () => {
    const lines = trainLines.slice(0, 40);
    const start = await gan.invert(lines, { steps: 0 });
    const found = await gan.invert(lines, { steps: 200 });
    expect(found.z.shape).toEqual([40, SMALL.latentDim]);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(found.loss)).toBeLessThan(0.7 * mean(start.loss));
    const decoded = await gan.decode(found.z);
    expect(decoded).toHaveLength(40);
    // Closer to the targets than the starts' strings, position by position.
    const agree = (a: string[]) => a.reduce((n, w, i) => n + [...w].filter((c, j) => c === lines[i][j]).length, 0);
    expect(agree(decoded)).toBeGreaterThan(agree(await gan.decode(start.z)));
  });

  it('repairs masked characters and keeps every known one', async () => {
    const lines = testLines.slice(0, 30);
    const masked = lines.map((w) => [...w].map((c, j) => (j % 3 === 1 ? '_' : c)).join(''));
    const repaired = await gan.repair(masked, { mask: '_', steps: 100 });
    repaired.forEach((r, i) => {
      const m = [...masked[i]];
      expect([...r]).toHaveLength(m.length);
      [...r].forEach((c, j) => {
        if (m[j] === '_') expect(vocabulary.has(c)).toBe(true);
        else expect(c).toBe(m[j]);
      });
    });
  });
});

describe('TextGAN checkpoints', () => {
  it('round-trips with its vocabulary: the same samples for the same seed after load()', async () => {
    const path = join(tempDir(), 'textgan.safetensors');
    await gan.save(path);
    using again = (await load(path, { device: 'cpu' })) as TextGAN;
    expect(again).toBeInstanceOf(TextGAN);
    expect(again.vocabulary!.chars).toEqual(vocabulary.chars);
    expect(again.config).toEqual(gan.config);
    expect(again.trainingState).toEqual(gan.trainingState);
    expect(await again.sample(50, { seed: 5 })).toEqual(await gan.sample(50, { seed: 5 }));
    const e = await caughtAsync(() => loadGenerative(path));
    expect(e.code).toBe('E_CHECKPOINT');
    expect(e.message).toMatch(/text GAN/);
  });

  it('resumes exactly: optimizer moments and random streams continue from the checkpoint', async () => {
    const path = join(tempDir(), 'resume.safetensors');
    const lines = trainLines.slice(0, 640);
    const opts = { steps: 6, batchSize: 32, progressEvery: 2, lr: 1e-3 };
    using a = new TextGAN({ ...SMALL, device: 'cpu', seed: 5 });
    await a.fit(lines, opts);
    await a.save(path);
    const pa: FitProgress[] = [];
    await a.fit(lines, { ...opts, onProgress: (p) => void pa.push(p) });
    using b = await TextGAN.load(path, { device: 'cpu' });
    const pb: FitProgress[] = [];
    await b.fit(lines, { ...opts, onProgress: (p) => void pb.push(p) });
    expect(pb.map((p) => p.losses)).toEqual(pa.map((p) => p.losses));
    expect(b.trainingState).toEqual(a.trainingState);
    expect(await b.sample(8, { seed: 2 })).toEqual(await a.sample(8, { seed: 2 }));
  });
});

describe('TextGAN errors and abort', () => {
  it('rejects bad config values with E_CONFIG naming them', () => {
    expect(TEXT_GAN_DEFAULTS.maxLength).toBe(TEXT_MAX_LENGTH);
    for (const [key, value] of [
      ['hiddenDim', 0],
      ['blocks', 0],
      ['nCritic', 1.5],
      ['gpLambda', -1],
      ['latentDim', 'x'],
    ] as const) {
      const e = caught(() => new TextGAN({ [key]: value }));
      expect(e.code).toBe('E_CONFIG');
      expect(e.message).toMatch(new RegExp(key));
    }
    expect(caught(() => new TextGAN({ beta: 1 } as object)).code).toBe('E_CONFIG');
    const vocab = Vocabulary.fromLines(['abc']);
    expect(caught(() => new TextGAN({ vocabSize: 9, vocabulary: vocab })).message).toMatch(/vocabSize/);
  });

  it('rejects bad masks, lines and calls with typed errors', async () => {
    for (const mask of ['', '__', 3, undefined]) {
      const e = await caughtAsync(() => gan.repair(['a_c'], { mask } as { mask: string }));
      expect(e.code).toBe('E_CONFIG');
      expect(e.message).toMatch(/mask/);
    }
    expect((await caughtAsync(() => gan.invert(['ab'], { mask: 'xy' }))).message).toMatch(/mask/);
    expect((await caughtAsync(() => gan.invert([]))).code).toBe('E_DATA');
    expect((await caughtAsync(() => gan.repair([], { mask: '_' }))).code).toBe('E_DATA');
    const long = await caughtAsync(() => gan.invert(['a'.repeat(MAX + 1)]));
    expect(long.code).toBe('E_DATA');
    expect(long.message).toMatch(/maxLength/);
    expect((await caughtAsync(() => gan.invert(['ab'], { steps: -1 }))).message).toMatch(/steps/);
    expect((await caughtAsync(() => gan.invert(['ab'], { lr: 0 }))).message).toMatch(/lr/);
    const z = await caughtAsync(() => gan.decode({ data: new Float32Array(3), shape: [1, 3] }));
    expect(z.code).toBe('E_SHAPE');
    expect((await caughtAsync(() => gan.sample(0))).code).toBe('E_CONFIG');
    using fresh = new TextGAN({ ...SMALL, device: 'cpu' });
    expect((await caughtAsync(() => fresh.sample(3))).code).toBe('E_CONFIG'); // no vocabulary yet
    expect((await caughtAsync(() => fresh.fit([], { steps: 1 }))).code).toBe('E_DATA');
    expect((await caughtAsync(() => fresh.fit(['ab', 3 as unknown as string]))).code).toBe('E_DATA');
    expect((await caughtAsync(() => fresh.fit(['ab'], { precision: 'bfloat16' }))).message).toMatch(/precision/);
    expect((await caughtAsync(() => fresh.fit(['ab'], { beta2: 1 }))).message).toMatch(/beta2/);
    const dist = await caughtAsync(() => fresh.fit(['ab'], { distributed: {} }));
    expect(dist.code).toBe('E_CONFIG');
    expect(dist.message).toMatch(/worldSize/);
  });

  it('rejects bad token rows in C++ with codes naming the value', async () => {
    const config = { ...TEXT_GAN_DEFAULTS, ...SMALL, vocabSize: 10, maxLength: 4 };
    const h = new (native().TextGanHandle)(config, 'cpu', 1);
    const rows = (data: number[]) => ({ data: Int32Array.from(data), shape: [1, 5] });
    const known = { data: new Int32Array(5).fill(1), shape: [1, 5] };
    const opts = { steps: 1, lr: 0.05, seed: 1 };
    const out = await caughtAsync(() => h.invert(rows([4, 5, 12, 2, 0]), known, opts));
    expect(out.code).toBe('E_DATA');
    expect(out.message).toMatch(/\[0, 10\).*\[0\]\[2\] is 12/);
    expect((await caughtAsync(() => h.invert(rows([4, 5, 6, 7, 8]), known, opts))).message).toMatch(/EOS/);
    const badKnown = { data: Int32Array.from([1, 2, 1, 1, 1]), shape: [1, 5] };
    expect((await caughtAsync(() => h.invert(rows([4, 5, 2, 0, 0]), badKnown, opts))).code).toBe('E_DATA');
    const e = await caughtAsync(() => h.fit(rows([4, 0, 5, 2, 0]), { steps: 1 }, () => undefined));
    expect(e.code).toBe('E_CONFIG'); // the binding requires every fit option
    h.dispose();
  });

  it('stops on abort with E_ABORTED and stays usable; dispose() ends a fit', async () => {
    using m = new TextGAN({ ...SMALL, device: 'cpu', seed: 2 });
    const ac = new AbortController();
    const e = await caughtAsync(() =>
      m.fit(trainLines, {
        epochs: 50,
        batchSize: 32,
        progressEvery: 2,
        signal: ac.signal,
        onProgress: () => ac.abort(),
      }),
    );
    expect(e.code).toBe('E_ABORTED');
    expect(m.trainingState.step).toBeLessThan(10);
    expect(await m.sample(3, { seed: 1 })).toHaveLength(3);
    const ac2 = new AbortController();
    ac2.abort();
    expect((await caughtAsync(() => m.invert(['abc'], { signal: ac2.signal }))).code).toBe('E_ABORTED');
    const d = new TextGAN({ ...SMALL, device: 'cpu', seed: 2 });
    const e2 = await caughtAsync(() =>
      d.fit(trainLines, { epochs: 50, batchSize: 32, progressEvery: 2, onProgress: () => d.dispose() }),
    );
    expect(e2.code).toBe('E_ABORTED');
    expect((await caughtAsync(() => d.sample(1))).code).toBe('E_DISPOSED');
  });
});
