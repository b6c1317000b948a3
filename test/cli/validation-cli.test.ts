// `gentorch train vae|gan --validation`: the data's test split measured after
// every epoch, into metrics.jsonl, summary.json and curves.svg, as a user runs it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readIdx } from '../../lib/io/idx.js';
import { writeNpy } from '../../lib/io/npy.js';
import { FASHION_DIR, tempDir } from '../helpers/helpers.js';
import { expectOk, gentorch, readJson, readJsonLines } from '../helpers/run-cli.js';

let work: string;
let smallNpy: string;
beforeAll(async () => {
  work = tempDir('gentorch-cli-val-');
  smallNpy = join(work, 'small.npy');
  const images = await readIdx(join(FASHION_DIR, 'train-images-idx3-ubyte.gz'));
  await writeNpy(smallNpy, {
    dtype: 'uint8',
    shape: [600, 28, 28],
    data: (images.data as Uint8Array).slice(0, 600 * 784),
  });
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Whether curves.svg has a series named `name` (its legend entry). */
const hasSeries = (svg: string, name: string): boolean => svg.includes(`>${name}</text>`);

describe('train --validation', () => {
  it('vae: the held-out loss of every epoch in metrics.jsonl, summary.json and curves.svg', async () => {
    const out = join(work, 'vae');
    const r = await gentorch([
      'train',
      'vae',
      '--data',
      smallNpy,
      '--device',
      'cpu',
      '--epochs',
      '3',
      '--validation',
      '--no-progress',
      '--out',
      out,
    ]);
    expectOk(r);
    expect(r.stderr).toMatch(/^epoch 1: loss [\d.]+ nats, validation [\d.]+ nats/m);
    const epochs = readJsonLines(join(out, 'metrics.jsonl')).filter((l) => l.type === 'epoch');
    expect(epochs).toHaveLength(3);
    for (const e of epochs)
      for (const k of ['val_loss', 'val_recon', 'val_kl']) expect(Number.isFinite(e[k])).toBe(true);
    const summary = readJson(join(out, 'summary.json'));
    expect(summary.validationLosses).toHaveLength(3);
    // The last epoch's validation loss is the test loss measured after it (the same images, weights and noise).
    expect(summary.validationLosses[2].loss).toBeCloseTo(summary.test.nelbo, 3);
    const svg = readFileSync(join(out, 'curves.svg'), 'utf8');
    for (const name of ['loss', 'val_loss', 'val_recon', 'val_kl', 'test nelbo'])
      expect(hasSeries(svg, name)).toBe(true);
    // Without --validation: none of it.
    const plain = join(work, 'vae-plain');
    expectOk(
      await gentorch([
        'train',
        'vae',
        '--data',
        smallNpy,
        '--device',
        'cpu',
        '--epochs',
        '1',
        '--no-progress',
        '--out',
        plain,
      ]),
    );
    expect(hasSeries(readFileSync(join(plain, 'curves.svg'), 'utf8'), 'val_loss')).toBe(false);
  });

  it("gan: D's and G's held-out losses of every epoch in curves.svg", async () => {
    const out = join(work, 'gan');
    const r = await gentorch([
      'train',
      'gan',
      '--arch',
      'mlp',
      '--data',
      'ring8',
      '--device',
      'cpu',
      '--epochs',
      '2',
      '--batch-size',
      '2048',
      '--validation',
      '--no-progress',
      '--out',
      out,
    ]);
    expectOk(r);
    expect(r.stderr).toMatch(/^epoch 2: D [\d.]+, G [\d.]+; validation D [\d.]+, G [\d.]+/m);
    const epochs = readJsonLines(join(out, 'metrics.jsonl')).filter((l) => l.type === 'epoch');
    expect(epochs.map((e) => Number.isFinite(e.val_dLoss) && Number.isFinite(e.val_gLoss))).toEqual([true, true]);
    const svg = readFileSync(join(out, 'curves.svg'), 'utf8');
    for (const name of ['dLoss', 'gLoss', 'val_dLoss', 'val_gLoss']) expect(hasSeries(svg, name)).toBe(true);
  });
});
