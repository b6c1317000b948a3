// Text, compared and applied from the command line: compareText() on a few
// thousand real words (the text VAE and the text GAN for one epoch each,
// beside the n-gram baseline), then `gentorch compare --data FILE.txt`,
// `train textvae|textgan`, `sample --out FILE.txt` and `eval` on a text file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareText, type TextResults } from '../../lib/compare/text-compare.js';
import { datasets, load, TextGAN, TextVAE } from '../../lib/index.js';
import type { TextDataset } from '../../lib/data/text.js';
import { caughtAsync } from '../helpers/caught.js';
import { tempDir } from '../helpers/helpers.js';
import { expectFailure, expectOk, gentorch, readJson } from '../helpers/run-cli.js';

/** Every k-th line: a spread over the (alphabetical) list. */
const spread = (lines: readonly string[], n: number): string[] =>
  lines.filter((_, i) => i % Math.floor(lines.length / n) === 0).slice(0, n);

let work: string;
let data: { train: TextDataset; test: TextDataset };
let results: TextResults;
let out: string;

beforeAll(async () => {
  work = tempDir('gentorch-text-compare-');
  const { train, test } = await datasets.words();
  data = {
    train: { name: 'words:train', lines: spread(train.lines, 3000) },
    test: { name: 'words:test', lines: spread(test.lines, 400) },
  };
  out = join(work, 'api');
  results = await compareText({
    data,
    out,
    device: 'cpu',
    epochs: 1,
    evalPoints: 2,
    samples: 300,
    testStrings: 200,
    iwaeSamples: 5,
    usesStrings: 24,
  });
}, 600_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('compareText', () => {
  it('trains both families for the same epoch and puts the n-gram baseline beside them', () => {
    expect(results.models.map((m) => m.family)).toEqual(['vae', 'gan', 'ngram']);
    for (const m of results.models.slice(0, 2)) {
      expect(m.timings.epochs).toBeCloseTo(1, 1);
      expect(m.curve.length).toBeGreaterThanOrEqual(2);
      expect(m.losses.length).toBeGreaterThan(0);
      expect(existsSync(join(out, m.checkpoint!))).toBe(true);
    }
    expect(results.budget).toEqual({ kind: 'epochs', value: 1 });
    expect(results.data).toMatchObject({ train: 3000, test: 400 });
  });

  it('holds the models to the best n-gram of any order, the chosen one among them', () => {
    const { ngram } = results;
    expect(ngram.test.map((s) => s.order)).toEqual(ngram.heldOut.map((s) => s.order));
    expect(ngram.best.bitsPerChar).toBe(Math.min(...ngram.test.map((s) => s.bitsPerChar)));
    const row = results.models.find((m) => m.family === 'ngram')!;
    expect(row.bitsPerChar!.exact).toBe(ngram.test.find((s) => s.order === ngram.chosen)!.bitsPerChar);
    const vae = results.models[0];
    // The IWAE bound is tighter than the ELBO; after one epoch on 3000 words both are far above the n-gram.
    expect(vae.bitsPerChar!.iwae!).toBeLessThan(vae.bitsPerChar!.nelbo!);
    expect(vae.vae!.latentDim).toBeGreaterThan(0);
  });

  it('measures every sampler the same way', () => {
    for (const m of results.models) {
      expect(m.samples.samples).toBe(300);
      for (const k of ['validity', 'novelty', 'diversity'] as const) {
        expect(m.samples[k]).toBeGreaterThanOrEqual(0);
        expect(m.samples[k]).toBeLessThanOrEqual(1);
      }
      expect(m.samples.jsd.map((j) => j.n)).toEqual([1, 2, 3, 4]);
      expect(m.examples.length).toBeGreaterThan(0);
    }
    // The n-gram draws real-looking words: closer to the test set than anything
    // trained for one epoch (a GAN that far in may draw no 3-gram at all: NaN).
    const jsd2 = (i: number) => results.models[i].samples.jsd[1].bits;
    expect(jsd2(2)).toBeLessThan(jsd2(0));
    expect(Number.isNaN(jsd2(1)) || jsd2(2) < jsd2(1)).toBe(true);
  });

  it('compresses, repairs and interpolates the same test strings with every method', () => {
    const methods = results.compression.rows.map((r) => r.method);
    expect(methods.filter((m) => /gzip/.test(m))).toHaveLength(2);
    expect(methods.some((m) => /n-gram/.test(m))).toBe(true);
    expect(methods.some((m) => /text VAE bits-back/.test(m))).toBe(true);
    expect(results.compression.rows.filter((r) => !r.lossless)).toHaveLength(4);
    for (const r of results.compression.rows.filter((r) => !r.lossless)) {
      expect(r.exactShare).toBeGreaterThanOrEqual(0);
      expect(r.charErrorRate).toBeGreaterThanOrEqual(0);
    }
    expect(results.repair.rows.map((r) => r.method)).toEqual([
      expect.stringMatching(/^n-gram/),
      'text VAE',
      'text GAN',
    ]);
    for (const ex of results.repair.examples) {
      for (const repaired of Object.values(ex.repaired)) {
        expect([...repaired]).toHaveLength([...ex.truth].length);
        [...ex.masked].forEach((c, j) => c !== results.repair.mask && expect([...repaired][j]).toBe(c));
      }
    }
    expect(results.interpolation.map((i) => i.model)).toEqual([
      ...Array(3).fill('text VAE'),
      ...Array(3).fill('text GAN'),
    ]);
    for (const line of results.interpolation) expect(line.path).toHaveLength(7);
  });

  it('writes text.json and the report', () => {
    expect(JSON.parse(readFileSync(join(out, 'text.json'), 'utf8'))).toMatchObject({ kind: 'text', seed: 1 });
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('n-gram');
    expect(html).not.toContain('NaN');
  });

  it('rejects bad options naming them', async () => {
    expect(
      await caughtAsync(() => compareText({ data, out: join(work, 'bad'), models: ['vae' as 'textvae'] })),
    ).toMatchObject({
      code: 'E_CONFIG',
      message: expect.stringContaining('vae'),
    });
    expect((await caughtAsync(() => compareText({ data, out: join(work, 'bad'), seconds: 1, epochs: 1 }))).code).toBe(
      'E_CONFIG',
    );
    expect(
      (await caughtAsync(() => compareText({ data: join(work, 'missing.txt'), out: join(work, 'bad') }))).code,
    ).toBe('E_DATA');
  });
});

describe('gentorch with text', () => {
  let file: string;
  beforeAll(() => {
    file = join(work, 'words.txt');
    writeFileSync(file, `${[...data.train.lines, ...data.test.lines].join('\n')}\n`);
  });

  it('train textvae and textgan write a checkpoint, samples.txt and summary.json; sample writes FILE.txt', async () => {
    for (const kind of ['textvae', 'textgan']) {
      const dir = join(work, kind);
      expectOk(
        await gentorch([
          'train',
          kind,
          '--data',
          file,
          '--steps',
          '20',
          '--samples',
          '50',
          '--device',
          'cpu',
          '--out',
          dir,
          '--no-progress',
        ]),
      );
      const summary = readJson(join(dir, 'summary.json')) as { steps: number; samples: { samples: number } };
      expect(summary.steps).toBe(20);
      expect(summary.samples.samples).toBe(50);
      expect(readFileSync(join(dir, 'samples.txt'), 'utf8').split('\n').filter(Boolean).length).toBeGreaterThan(0);
      const txt = join(work, `${kind}-samples.txt`);
      expectOk(
        await gentorch(['sample', join(dir, 'model.safetensors'), '--n', '17', '--out', txt, '--device', 'cpu']),
      );
      expect(readFileSync(txt, 'utf8').split('\n')).toHaveLength(18); // 17 lines, each ended
      expectFailure(await gentorch(['sample', join(dir, 'model.safetensors'), '--n', '3', '--out', txt]), 'E_IO');
      expectFailure(
        await gentorch(['sample', join(dir, 'model.safetensors'), '--n', '3', '--out', join(work, 'x.png')]),
        'E_CONFIG',
      );
    }
  }, 300_000);

  it('--resume goes on to the steps in all; bad numbers are E_CONFIG naming them', async () => {
    const dir = join(work, 'textvae');
    expectOk(
      await gentorch([
        'train',
        'textvae',
        '--data',
        file,
        '--steps',
        '30',
        '--samples',
        '20',
        '--resume',
        '--out',
        dir,
        '--no-progress',
      ]),
    );
    expect((readJson(join(dir, 'summary.json')) as { steps: number }).steps).toBe(30);
    const bad = await gentorch(['train', 'textgan', '--data', file, '--steps', '-3', '--out', join(work, 'bad')]);
    expectFailure(bad, 'E_CONFIG');
    expect(bad.stderr).toContain('steps');
  }, 120_000);

  it('eval of a text checkpoint measures it on the text file, with the n-gram beside', async () => {
    const r = await gentorch([
      'eval',
      join(work, 'textvae', 'model.safetensors'),
      '--data',
      file,
      '--samples',
      '100',
      '--json',
    ]);
    expectOk(r);
    const e = JSON.parse(r.stdout) as {
      test: { iwaeBitsPerChar: number };
      samples: { samples: number };
      ngram: { bitsPerChar: number };
    };
    expect(e.test.iwaeBitsPerChar).toBeGreaterThan(0);
    expect(e.samples.samples).toBe(100);
    expect(e.ngram.bitsPerChar).toBeGreaterThan(0);
    expect(await load(join(work, 'textgan', 'model.safetensors'))).toBeInstanceOf(TextGAN);
    expect(await load(join(work, 'textvae', 'model.safetensors'))).toBeInstanceOf(TextVAE);
  }, 120_000);

  it('compare --data FILE.txt writes text.json and report.html; image-only flags are E_CONFIG', async () => {
    const dir = join(work, 'cli');
    expectOk(
      await gentorch([
        'compare',
        '--data',
        file,
        '--epochs',
        '1',
        '--models',
        'textvae',
        '--samples',
        '100',
        '--device',
        'cpu',
        '--out',
        dir,
        '--no-progress',
      ]),
    );
    const r = readJson(join(dir, 'text.json')) as TextResults;
    expect(r.models.map((m) => m.family)).toEqual(['vae', 'ngram']);
    expect(existsSync(join(dir, 'report.html'))).toBe(true);
    expectFailure(
      await gentorch(['compare', '--data', file, '--uses-images', '5', '--out', join(work, 'x')]),
      'E_CONFIG',
    );
    expectFailure(await gentorch(['compare', '--data', file, '--models', 'vae', '--out', join(work, 'x')]), 'E_CONFIG');
  }, 300_000);
});
