// The text VAE through the public API, on the real words list and real
// libtorch: a small model on a few thousand words, so the file stays short.
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { TextVAE, Vocabulary, datasets, load, type FitHistory, type FitProgress } from '../../lib/index.js';
import { loadGenerative } from '../../lib/models/load.js';
import { readCheckpoint, writeCheckpoint } from '../../lib/models/checkpoint.js';
import { TEXT_VAE_DEFAULTS, resolveTextVaeConfig } from '../../lib/config/text-vae.js';
import { TEXT_MAX_LENGTH } from '../../lib/data/text.js';
import { native } from '../../lib/native.js';
import { caught, caughtAsync } from '../helpers/caught.js';
import { tempDir } from '../helpers/helpers.js';
import { maskLines, repairScores } from '../../lib/compare/text-uses.js';

/** Every `step`-th line: a spread over the (alphabetical) list, not its first letters. */
const spread = (lines: string[], n: number): string[] =>
  lines.filter((_, i) => i % Math.floor(lines.length / n) === 0).slice(0, n);

const SMALL = { embedDim: 32, hiddenDim: 96, latentDim: 8, klWarmupSteps: 200, charDropout: 0.5 } as const;

let trainLines: string[];
let testLines: string[];
let vae: TextVAE;
let progress: FitProgress[];
let history: FitHistory;

beforeAll(async () => {
  const { train, test } = await datasets.words();
  trainLines = spread(train.lines, 3000);
  testLines = spread(test.lines, 300);
  vae = new TextVAE({ ...SMALL, device: 'cpu', seed: 1 });
  progress = [];
  history = await vae.fit(trainLines, {
    epochs: 6,
    batchSize: 64,
    lr: 3e-3,
    progressEvery: 10,
    validationData: testLines,
    onProgress: (p) => void progress.push(p),
  });
});

describe('TextVAE training on words', () => {
  it('lowers the loss per word well below the untrained one, with the KL weight annealed from 0 to beta', async () => {
    // Batches hold words of like length, so a progress window's mean depends
    // on which lengths it saw: the test words measure before and after.
    using untrained = new TextVAE({ ...SMALL, vocabulary: vae.vocabulary, device: 'cpu', seed: 1 });
    expect((await untrained.evaluate(testLines, { samples: 1 })).recon).toBeGreaterThan(30); // about ln(73) nats a character, 9.1 with the EOS: 39
    expect((await vae.evaluate(testLines, { samples: 1 })).recon).toBeLessThan(25); // measured 22.3
    const last = progress.at(-1)!.losses;
    // beta_t rises linearly over klWarmupSteps, then stays at beta.
    const betas = progress.map((p) => p.losses.beta);
    expect(betas[0]).toBeLessThan(0.1);
    for (let i = 1; i < betas.length; i++) expect(betas[i]).toBeGreaterThanOrEqual(betas[i - 1] - 1e-9);
    expect(betas.at(-1)).toBeCloseTo(1, 9);
    expect(last.loss).toBeCloseTo(last.recon + last.kl, 3);
    expect(vae.vocabulary!.size).toBe(vae.config.vocabSize);
  });

  it('samples non-empty strings over the vocabulary, the same for a seed', async () => {
    const s = await vae.sample(40, { seed: 7 });
    expect(s).toHaveLength(40);
    const vocab = vae.vocabulary!;
    for (const w of s) {
      expect(w.length).toBeGreaterThan(0);
      expect(w.length).toBeLessThanOrEqual(vae.config.maxLength);
      for (const ch of w) expect(vocab.has(ch)).toBe(true);
    }
    expect(await vae.sample(40, { seed: 7 })).toEqual(s);
    expect(await vae.sample(40, { seed: 8 })).not.toEqual(s);
    const greedy = await vae.sample(5, { seed: 7, temperature: 0 });
    expect(await vae.sample(5, { seed: 7, greedy: true })).toEqual(greedy);
    expect((await vae.sample(20, { seed: 3, maxLength: 4 })).every((w) => [...w].length <= 4)).toBe(true);
  });

  it('bounds -log p(x) on test words: the IWAE bound below the negative ELBO, both in bits per character', async () => {
    const ev = await vae.evaluate(testLines, { samples: 20 });
    expect(ev.iwae).toBeLessThan(ev.nelbo);
    expect(ev.nelbo).toBeCloseTo(ev.recon + ev.kl, 6);
    const characters = testLines.reduce((n, w) => n + [...w].length, 0);
    expect(ev.characters).toBe(characters);
    expect(ev.strings).toBe(testLines.length);
    expect(ev.iwaeBitsPerChar).toBeCloseTo((ev.iwae * ev.strings) / Math.LN2 / (characters + ev.strings), 9);
    expect(Number.isFinite(ev.nelboBitsPerChar)).toBe(true);
    expect(ev.iwaeBitsPerChar).toBeGreaterThan(1);
    expect(ev.iwaeBitsPerChar).toBeLessThan(3.8);
    expect(ev.activeUnits).toBeGreaterThanOrEqual(1);
    expect(ev.activeUnits).toBe(ev.muVariance.filter((v) => v > 0.01).length);
    // Seeded: the same numbers again.
    expect(await vae.evaluate(testLines, { samples: 20 })).toEqual(ev);
  });

  it('takes more samples than one chunk decodes (k = 5000, in groups of 4096)', async () => {
    const lines = testLines.slice(0, 3);
    const few = await vae.evaluate(lines, { samples: 20 });
    const many = await vae.evaluate(lines, { samples: 5000 });
    // The same bound, estimated with more samples (measured: 22.003 and 22.047 nats).
    expect(Number.isFinite(many.iwae)).toBe(true);
    expect(Math.abs(many.iwae - few.iwae)).toBeLessThan(0.5);
    // The KL in closed form does not depend on k; the reconstruction term is averaged over the k draws.
    expect(many.kl).toBeCloseTo(few.kl, 6); // summed in other chunks
    expect(Math.abs(many.nelbo - few.nelbo)).toBeLessThan(0.5);
    expect(many.iwae).toBeLessThan(many.nelbo);
  });

  it('encodes, decodes and reconstructs', async () => {
    const { mu, logvar } = await vae.encode(testLines.slice(0, 5));
    expect(mu.shape).toEqual([5, SMALL.latentDim]);
    expect(logvar.shape).toEqual([5, SMALL.latentDim]);
    const back = await vae.decode(mu);
    expect(back).toEqual(await vae.reconstruct(testLines.slice(0, 5)));
    expect(back.every((w) => w.length > 0)).toBe(true);
  });

  it('repairs masked characters by latent search: known characters kept, holes filled better than blindly', async () => {
    const truth = trainLines.slice(0, 200);
    const masked = maskLines(truth, 0.25, 3, '_');
    const repaired = await vae.repair(masked, { rounds: 2 });
    repaired.forEach((r, i) => {
      expect([...r]).toHaveLength([...truth[i]].length);
      [...masked[i]].forEach((c, j) => {
        if (c !== '_') expect([...r][j]).toBe(c);
        else expect(r[j]).not.toBe('_');
      });
    });
    // Filling every hole with 'e', the commonest letter, gets about 11% right.
    const blind = repairScores(
      truth,
      masked,
      masked.map((m) => m.replaceAll('_', 'e')),
      '_',
    );
    expect(repairScores(truth, masked, repaired, '_').charAccuracy).toBeGreaterThan(2 * blind.charAccuracy);
    // A character outside the vocabulary stays as given; a bad mask is E_CONFIG naming it.
    expect(await vae.repair(['ab_\u263a'])).toEqual([expect.stringMatching(/^ab.\u263a$/)]);
    expect(await caughtAsync(() => vae.repair(['a_'], { mask: '__' }))).toMatchObject({
      code: 'E_CONFIG',
      message: expect.stringContaining('mask'),
    });
    expect((await caughtAsync(() => vae.repair(['a_'], { rounds: 0 }))).code).toBe('E_CONFIG');
  });

  it('keeps z in use: KL annealing and input dropout hold off posterior collapse', async () => {
    // Measured 0.084 to 0.122 nats and 5 to 7 units over seeds 1 to 3; with
    // charDropout 0.2 and a 120-step warm-up the KL falls to 0.02 nats and
    // no unit is active.
    const ev = await vae.evaluate(testLines, { samples: 1 });
    expect(ev.kl).toBeGreaterThan(0.05);
    expect(ev.activeUnits).toBeGreaterThanOrEqual(4);
  });

  it('reports the validation losses of every epoch', () => {
    expect(history.epochs).toHaveLength(6);
    expect(history.steps).toBe(6 * Math.ceil(3000 / 64));
    const val = history.epochs.map((e) => e.valLosses!);
    for (const v of val) expect(Object.keys(v).sort()).toEqual(['kl', 'loss', 'recon']);
    expect(val[5].loss).toBeLessThan(val[0].loss);
    expect(history.epochs[5].losses.beta).toBeCloseTo(1, 9);
  });
});

describe('TextVAE checkpoints', () => {
  it('round-trips: the same evaluation, samples and vocabulary after load()', async () => {
    const dir = tempDir();
    const path = join(dir, 'text.safetensors');
    await vae.save(path);
    using again = (await load(path, { device: 'cpu' })) as TextVAE;
    expect(again).toBeInstanceOf(TextVAE);
    expect(again.vocabulary!.chars).toEqual(vae.vocabulary!.chars);
    expect(again.config).toEqual(vae.config);
    const lines = testLines.slice(0, 60);
    expect(await again.evaluate(lines, { samples: 5 })).toEqual(await vae.evaluate(lines, { samples: 5 }));
    expect(await again.sample(10, { seed: 4 })).toEqual(await vae.sample(10, { seed: 4 }));
    const e = await caughtAsync(() => loadGenerative(path));
    expect(e.code).toBe('E_CHECKPOINT');
    expect(e.message).toMatch(/text VAE/);
  });

  it('resumes exactly: the KL schedule and the random streams continue from the checkpoint', async () => {
    const dir = tempDir();
    const path = join(dir, 'resume.safetensors');
    const lines = trainLines.slice(0, 640);
    const opts = { steps: 12, batchSize: 32, progressEvery: 4, ...{} };
    // Every noise of a step drawn: z, character, decoder and n-gram dropout.
    using a = new TextVAE({ ...SMALL, dropout: 0.2, ngramDropout: 0.5, klWarmupSteps: 40, device: 'cpu', seed: 5 });
    await a.fit(lines, opts);
    await a.save(path);
    const pa: FitProgress[] = [];
    await a.fit(lines, { ...opts, onProgress: (p) => void pa.push(p) });
    using b = await TextVAE.load(path, { device: 'cpu' });
    const pb: FitProgress[] = [];
    await b.fit(lines, { ...opts, onProgress: (p) => void pb.push(p) });
    expect(pb.map((p) => p.losses)).toEqual(pa.map((p) => p.losses));
    expect(pb[0].losses.beta).toBeCloseTo((13 + 14 + 15 + 16) / 4 / 40, 6); // steps 13..16 of a 40-step warm-up
    expect(b.trainingState).toEqual(a.trainingState);
    expect(await b.sample(8, { seed: 2 })).toEqual(await a.sample(8, { seed: 2 }));
  });

  it('drops n-gram rows while training (ngramDropout): another fit than without, the same for a seed', async () => {
    const lines = trainLines.slice(0, 640);
    const fitted = async (ngramDropout: number) => {
      using m = new TextVAE({ ...SMALL, ngramDropout, vocabulary: vae.vocabulary, device: 'cpu', seed: 3 });
      const before = (await m.evaluate(testLines, { samples: 1 })).recon;
      await m.fit(lines, { steps: 30, batchSize: 64, lr: 3e-3 });
      return { before, after: await m.evaluate(testLines, { samples: 1 }) };
    };
    const [plain, dropped, again] = [await fitted(0), await fitted(0.5), await fitted(0.5)];
    expect(dropped.after.recon).toBeLessThan(dropped.before - 3); // it trains (measured about 32 to 27 nats a word)
    expect(again.after).toEqual(dropped.after);
    expect(dropped.after.recon).not.toBe(plain.after.recon);
  });

  it("holds the decoder's n-gram table and its moments, and a model without the features has none", async () => {
    const dir = tempDir();
    const path = join(dir, 'ngram.safetensors');
    await vae.save(path);
    const names = (await readCheckpoint(path)).tensors.map((t) => t.name);
    const table = (await readCheckpoint(path)).tensors.find((t) => t.name.endsWith('ngram_table'))!;
    expect(table.shape).toEqual([TEXT_VAE_DEFAULTS.ngramBuckets, TEXT_VAE_DEFAULTS.ngramDim]);
    // Trained rows moved (the table starts at zero); rows no context hashed to stayed.
    const nonzero = Array.from(table.data as Float32Array).filter((x) => x !== 0).length;
    expect(nonzero).toBeGreaterThan(1000);
    expect(nonzero).toBeLessThan(table.data.length);
    expect(names.some((n) => n.includes('ngram_table') && n.includes('exp_avg'))).toBe(true);
    using plain = new TextVAE({ ...SMALL, ngramOrder: 0, vocabulary: vae.vocabulary, device: 'cpu', seed: 2 });
    const plainPath = join(dir, 'plain.safetensors');
    await plain.save(plainPath);
    expect((await readCheckpoint(plainPath)).tensors.some((t) => t.name.includes('ngram'))).toBe(false);
    using again = await TextVAE.load(plainPath, { device: 'cpu' });
    const lines = testLines.slice(0, 40);
    expect(await again.evaluate(lines, { samples: 3 })).toEqual(await plain.evaluate(lines, { samples: 3 }));
  });

  it('a checkpoint without its vocabulary is E_CHECKPOINT', async () => {
    const dir = tempDir();
    const path = join(dir, 'novocab.safetensors');
    await writeCheckpoint(
      path,
      {
        model: 'textvae',
        config: { ...vae.config },
        training: { seed: 1, step: 0, epoch: 0, epochStep: 0, permSeed: '0' },
      },
      [],
    );
    const e = await caughtAsync(() => TextVAE.load(path));
    expect(e.code).toBe('E_CHECKPOINT');
    expect(e.message).toMatch(/vocabulary/);
  });
});

describe('TextVAE errors and abort', () => {
  const config = { ...resolveTextVaeConfig(SMALL), vocabSize: 10, maxLength: 4 };
  const rows = (data: number[], shape: number[]) => ({ data: Int32Array.from(data), shape });

  it('rejects bad token tensors in C++ with codes naming the value', async () => {
    const h = new (native().TextVaeHandle)(config, 'cpu', 1);
    const out = await caughtAsync(() => h.evaluate(rows([4, 5, 12, 2, 0], [1, 5]), 1));
    expect(out.code).toBe('E_DATA');
    expect(out.message).toMatch(/\[0, 10\).*\[0\]\[2\] is 12/);
    const neg = await caughtAsync(() => h.encode(rows([4, -1, 2, 0, 0], [1, 5])));
    expect(neg.code).toBe('E_DATA');
    const rank = await caughtAsync(() => h.encode(rows([4, 5, 2, 0, 0], [5])));
    expect(rank.code).toBe('E_SHAPE');
    const width = await caughtAsync(() => h.encode(rows([4, 5, 2, 0], [1, 4])));
    expect(width.code).toBe('E_SHAPE');
    expect(width.message).toMatch(/\[N, 5\]/);
    const empty = await caughtAsync(() => h.encode(rows([], [0, 5])));
    expect(empty.code).toBe('E_DATA');
    const noEos = await caughtAsync(() => h.encode(rows([4, 5, 6, 7, 8], [1, 5])));
    expect(noEos.code).toBe('E_DATA');
    expect(noEos.message).toMatch(/EOS/);
    const padInside = await caughtAsync(() => h.encode(rows([4, 0, 5, 2, 0], [1, 5])));
    expect(padInside.code).toBe('E_DATA');
    const z = await caughtAsync(() => h.decode({ data: new Float32Array(3), shape: [1, 3] }, 0, 4, 1));
    expect(z.code).toBe('E_SHAPE');
    h.dispose();
  });

  it("takes lines as long as the text readers' default", () => {
    expect(TEXT_VAE_DEFAULTS.maxLength).toBe(TEXT_MAX_LENGTH);
  });

  it('rejects bad options, lines and calls through the API', async () => {
    expect(caught(() => new TextVAE({ hiddenDim: 0 })).message).toMatch(/hiddenDim/);
    expect(caught(() => new TextVAE({ charDropout: 1 })).code).toBe('E_CONFIG');
    expect(caught(() => new TextVAE({ ngramOrder: 17 })).message).toMatch(/ngramOrder/);
    expect(caught(() => new TextVAE({ dropout: 1 })).message).toMatch(/dropout/);
    expect(caught(() => new TextVAE({ encoderHiddenDim: 0 })).message).toMatch(/encoderHiddenDim/);
    expect(caught(() => new TextVAE({ ngramBuckets: 0 })).message).toMatch(/ngramBuckets/);
    expect(caught(() => new TextVAE({ ngramDropout: 1 })).message).toMatch(/\[0, 1\) for ngramDropout/);
    const native1 = caught(() => new (native().TextVaeHandle)({ ...config, ngramDropout: -0.5 }, 'cpu', 1));
    expect(native1.code).toBe('E_CONFIG');
    expect(native1.message).toMatch(/ngramDropout in \[0, 1\) but received -0.5/);
    using fresh = new TextVAE({ ...SMALL, device: 'cpu' });
    expect((await caughtAsync(() => fresh.sample(3))).code).toBe('E_CONFIG'); // no vocabulary yet
    const long = await caughtAsync(() => fresh.fit(['a'.repeat(40)], { epochs: 1 }));
    expect(long.code).toBe('E_DATA');
    expect(long.message).toMatch(/maxLength/);
    expect((await caughtAsync(() => fresh.fit([], { epochs: 1 }))).code).toBe('E_DATA');
    expect((await caughtAsync(() => fresh.fit(['ab', 3 as unknown as string]))).code).toBe('E_DATA');
    const dist = await caughtAsync(() => fresh.fit(['ab'], { distributed: {} }));
    expect(dist.code).toBe('E_CONFIG');
    expect(dist.message).toMatch(/worldSize/);
    expect((await caughtAsync(() => vae.sample(2, { temperature: -1 }))).message).toMatch(/temperature/);
    expect((await caughtAsync(() => vae.sample(2, { maxLength: 99 }))).message).toMatch(/maxLength/);
    const z = await caughtAsync(() => vae.decode({ data: new Float32Array(3), shape: [1, 3] }));
    expect(z.code).toBe('E_SHAPE');
    const vocab = Vocabulary.fromLines(['abc']);
    expect(caught(() => new TextVAE({ vocabSize: 9, vocabulary: vocab })).message).toMatch(/vocabSize/);
  });

  it('stops on abort with E_ABORTED and stays usable', async () => {
    using m = new TextVAE({ ...SMALL, device: 'cpu', seed: 2 });
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
    expect((await m.sample(3, { seed: 1 })).length).toBe(3);
    m.dispose();
    expect((await caughtAsync(() => m.sample(1))).code).toBe('E_DISPOSED');
  });

  it('dispose() during a fit ends it with E_ABORTED', async () => {
    const m = new TextVAE({ ...SMALL, device: 'cpu', seed: 2 });
    const e = await caughtAsync(() =>
      m.fit(trainLines, { epochs: 50, batchSize: 32, progressEvery: 2, onProgress: () => m.dispose() }),
    );
    expect(e.code).toBe('E_ABORTED');
    expect((await caughtAsync(() => m.evaluate(testLines))).code).toBe('E_DISPOSED');
  });
});
