// `gentorch train gan` and `gentorch sample` of GAN checkpoints, as a user runs them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { GAN, load } from '../../lib/index.js';
import { readNpy } from '../../lib/io/npy.js';
import { tempDir } from '../helpers/helpers.js';
import { expectFailure, expectOk, expectPng, gentorch, readJson, readJsonLines } from '../helpers/run-cli.js';

let work: string;
beforeAll(() => {
  work = tempDir('gentorch-cli-gan-');
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const trainRing = (out: string, ...extra: string[]) =>
  gentorch(['train', 'gan', '--arch', 'mlp', '--data', 'ring8', '--device', 'cpu', '--out', out, ...extra]);

describe('gentorch train gan --data ring8', () => {
  it('writes model, metrics, a scatter plot and a summary with final losses and mode measures', async () => {
    const out = join(work, 'ring');
    const r = await trainRing(out, '--steps', '400', '--seed', '2');
    expectOk(r);
    expect(r.stdout).toMatch(/trained 400 steps; \d\/8 modes, [\d.]+% high quality/);
    const summary = readJson(join(out, 'summary.json'));
    expect(summary.model).toBe('gan');
    expect(summary.steps).toBe(400);
    expect(summary.config).toMatchObject({ arch: 'mlp', output: 'linear', loss: 'ns', hiddenLayers: 3 });
    expect(Object.keys(summary.final).sort()).toEqual(['dFake', 'dLoss', 'dReal', 'gLoss']);
    expect(Number.isFinite(summary.final.dLoss) && Number.isFinite(summary.final.gLoss)).toBe(true);
    expect(summary.modes.total).toBe(8);
    expect(summary.modes.covered).toBeGreaterThanOrEqual(0);
    expect(summary.modes.highQualityRate).toBeGreaterThanOrEqual(0);
    expect(Array.isArray(summary.epochSeconds)).toBe(true);
    const lines = readJsonLines(join(out, 'metrics.jsonl'));
    expect(lines.filter((l) => l.type === 'progress').length).toBe(8);
    expect(lines.at(-1)).toMatchObject({ type: 'modes', step: 400 });
    await expectPng(join(out, 'samples.png'), 256, 256);
    // curves.svg: D's and G's losses over the steps, a standalone SVG.
    const svg = readFileSync(join(out, 'curves.svg'), 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toContain('>dLoss</text>');
    expect(svg).toContain('>gLoss</text>');
    expect(svg.match(/<polyline /g)?.length).toBeGreaterThanOrEqual(4);
    using gan = await load(join(out, 'model.safetensors'), { device: 'cpu' });
    expect(gan).toBeInstanceOf(GAN);
  });

  it('--resume continues to --steps with both networks and optimizers restored', async () => {
    const a = join(work, 'straight');
    const b = join(work, 'halves');
    expectOk(await trainRing(a, '--steps', '200', '--seed', '3'));
    expectOk(await trainRing(b, '--steps', '100', '--seed', '3'));
    expectOk(await trainRing(b, '--steps', '200', '--resume'));
    const [sa, sb] = [readJson(join(a, 'summary.json')), readJson(join(b, 'summary.json'))];
    expect(sb.steps).toBe(200);
    expect(sb.modes).toEqual(sa.modes);
    expect(sb.final.gLoss).toBeCloseTo(sa.final.gLoss, 4);
  });
});

describe('gentorch train gan --data ring8 (conditional and errors)', () => {
  it('a conditional GAN samples the asked class with sample --label', async () => {
    const out = join(work, 'cond');
    expectOk(await trainRing(out, '--steps', '1500', '--conditional', '--seed', '1'));
    const npy = join(work, 'mode5.npy');
    expectOk(
      await gentorch([
        'sample',
        join(out, 'model.safetensors'),
        '--n',
        '200',
        '--label',
        '5',
        '--device',
        'cpu',
        '--out',
        npy,
      ]),
    );
    const s = await readNpy(npy);
    expect(s.shape).toEqual([200, 1, 1, 2]);
    const [mx, my] = [Math.cos((2 * Math.PI * 5) / 8), Math.sin((2 * Math.PI * 5) / 8)];
    const d = s.data as Float32Array;
    let near = 0;
    for (let i = 0; i < 200; i++) if (Math.hypot(d[2 * i] - mx, d[2 * i + 1] - my) < 0.2) near++;
    expect(near).toBeGreaterThan(180);
    expectFailure(
      await gentorch([
        'sample',
        join(out, 'model.safetensors'),
        '--label',
        '8',
        '--device',
        'cpu',
        '--out',
        join(work, 'x.png'),
      ]),
      'E_CONFIG',
    );
  });

  it('bad GAN flags get one-line typed errors', async () => {
    const out = join(work, 'bad');
    const runs = await Promise.all([
      trainRing(out, '--loss', 'wasserstein'),
      trainRing(out, '--ema', '1.5'),
      trainRing(out, '--lr-g', '0'),
      trainRing(out, '--sample-every', '10'), // snapshots are images; ring8 is points
      gentorch(['train', 'gan', '--arch', 'dcgan', '--data', 'ring8', '--device', 'cpu', '--out', out]),
      gentorch([
        'train',
        'gan',
        '--data',
        'grid25',
        '--conditional',
        '--config',
        join(work, 'missing.json'),
        '--out',
        out,
      ]),
    ]);
    for (const r of runs) expectFailure(r, 'E_CONFIG');
  });
});

describe('gentorch train gan on images', () => {
  it('a DCGAN on a small .npy writes a sample grid; sample writes [N, 1, 28, 28] in [0, 1]', async () => {
    const { writeNpy } = await import('../../lib/io/npy.js');
    const { readIdx } = await import('../../lib/io/idx.js');
    const { FASHION_DIR } = await import('../helpers/helpers.js');
    const images = await readIdx(join(FASHION_DIR, 'train-images-idx3-ubyte.gz'));
    const npy = join(work, 'small.npy');
    await writeNpy(npy, {
      dtype: 'uint8',
      shape: [256, 28, 28],
      data: (images.data as Uint8Array).slice(0, 256 * 784),
    });
    const out = join(work, 'dcgan');
    const r = await gentorch([
      'train',
      'gan',
      '--arch',
      'dcgan',
      '--data',
      npy,
      '--epochs',
      '1',
      '--batch-size',
      '64',
      '--sample-every',
      '2',
      '--device',
      'cpu',
      '--out',
      out,
    ]);
    expectOk(r);
    const summary = readJson(join(out, 'summary.json'));
    expect(summary).toMatchObject({ model: 'gan', epochs: 1, steps: 4 });
    // --sample-every 2: the same 10 codes drawn at steps 0, 2 and 4, a row each.
    expect(summary.samplesOverTime).toEqual({ file: 'samples-over-time.png', steps: [0, 2, 4] });
    await expectPng(join(out, 'samples-over-time.png'), 10 * 28 + 11 * 2, 3 * 28 + 4 * 2);
    expect(summary.epochSeconds).toHaveLength(1);
    expect(summary.modes).toBeUndefined();
    await expectPng(join(out, 'samples.png'), 8 * 28 + 9 * 2, 8 * 28 + 9 * 2);
    const s = join(work, 'dcgan.npy');
    expectOk(await gentorch(['sample', join(out, 'model.safetensors'), '--n', '10', '--device', 'cpu', '--out', s]));
    const t = await readNpy(s);
    expect(t.shape).toEqual([10, 1, 28, 28]);
    expect((t.data as Float32Array).every((v) => v >= 0 && v <= 1)).toBe(true);
  });
});
