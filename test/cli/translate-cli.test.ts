// Image to image from the command line, as a user runs it: `gentorch train
// translate` on Fashion-MNIST, `gentorch translate` on a folder of the
// user's own low-resolution PNGs and on damaged PNGs with their masks, resume,
// and the typed errors of bad flags and inputs.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { Translator, load, randomHoles, damage } from '../../lib/index.js';
import { take, toFloat } from '../../lib/data/datasets.js';
import { imagePng } from '../../lib/io/images.js';
import { readNpy, writeNpy } from '../../lib/io/npy.js';
import { fashionTest, tempDir } from '../helpers/helpers.js';
import { expectFailure, expectOk, expectPng, gentorch, readJson, readJsonLines } from '../helpers/run-cli.js';

const dir = tempDir('gentorch-translate-');
const superres = join(dir, 'superres');
const low = join(dir, 'low');
const names = ['boot', 'shirt', 'bag'];
/** Width of a grid of 28x28 images with 2 px padding. */
const grid = (n: number): number => n * 28 + (n + 1) * 2;

const trainSuperres = (...extra: string[]) =>
  gentorch([
    'train',
    'translate',
    '--task',
    'superres',
    '--family',
    'regressor',
    '--features',
    '16',
    '--batch-size',
    '32',
    '--test-images',
    '100',
    '--device',
    'cpu',
    '--no-progress',
    '--out',
    superres,
    ...extra,
  ]);

const grey = async (file: string): Promise<{ data: Uint8Array; width: number; height: number }> => {
  const { data, info } = await sharp(readFileSync(file)).greyscale().raw().toBuffer({ resolveWithObject: true });
  return { data: Uint8Array.from(data), width: info.width, height: info.height };
};

let trained: Awaited<ReturnType<typeof gentorch>>;

beforeAll(async () => {
  trained = await trainSuperres('--steps', '60');
  // The user's own low-resolution images: test images shrunk to 14x14 by sharp.
  mkdirSync(low);
  const test = toFloat(take(await fashionTest(), names.length).images);
  for (let i = 0; i < names.length; i++)
    await sharp(await imagePng(test, i))
      .resize(14, 14, { kernel: 'cubic' })
      .png()
      .toFile(join(low, `${names[i]}.png`));
}, 300_000);

describe('gentorch train translate', () => {
  it('writes the model, metrics, examples and held-out PSNR beside bicubic; training lowered the L1', async () => {
    expectOk(trained);
    expect(trained.stdout).toMatch(
      /trained 60 steps; held-out PSNR [0-9.]+ dB, SSIM [0-9.]+ \(bicubic [0-9.]+ dB\) on 100 test images/,
    );
    const summary = readJson(join(superres, 'summary.json'));
    expect(summary).toMatchObject({
      model: 'translator',
      steps: 60,
      config: { task: 'superres', family: 'regressor' },
    });
    for (const k of ['psnr', 'ssim', 'bicubicPsnr', 'bicubicSsim', 'secondsPerImage'])
      expect(Number.isFinite(summary.test[k]), k).toBe(true);
    const l1 = readJsonLines(join(superres, 'metrics.jsonl'))
      .filter((r) => r.type === 'progress')
      .map((r) => r.l1 as number);
    expect(l1.length).toBeGreaterThanOrEqual(2);
    expect(l1.at(-1)!).toBeLessThan(0.7 * l1[0]);
    // Rows: input (enlarged), target, bicubic, the model's output; ten columns.
    await expectPng(join(superres, 'examples.png'), grid(10), grid(4));
  });

  it('--resume continues to the new total; an existing model without --resume or --force is E_IO', async () => {
    const again = await trainSuperres('--steps', '70');
    expectFailure(again, 'E_IO');
    expect(again.stderr).toContain('--resume');
    const resumed = await trainSuperres('--steps', '70', '--resume');
    expectOk(resumed);
    expect(resumed.stdout).toMatch(/trained 70 steps/);
    const steps = readJsonLines(join(superres, 'metrics.jsonl'))
      .filter((r) => r.type === 'progress')
      .map((r) => r.step as number);
    expect(steps).toEqual([...steps].sort((a, b) => a - b)); // one record per step, none twice
    using model = await load(join(superres, 'model.safetensors'), { device: 'cpu' });
    expect(model).toBeInstanceOf(Translator);
    expect(model.trainingState.step).toBe(70);
  }, 120_000);

  it('bad flags are typed errors naming the value, before any training', async () => {
    const out = join(dir, 'bad');
    const factor = await gentorch(['train', 'translate', '--task', 'superres', '--factor', '3', '--out', out]);
    expectFailure(factor, 'E_SHAPE');
    expect(factor.stderr).toContain('factor 3');
    expect(factor.stderr).toContain('28x28');
    const pairs = await gentorch(['train', 'translate', '--task', 'pairs', '--out', out]);
    expectFailure(pairs, 'E_CONFIG');
    expect(pairs.stderr).toContain('--inputs');
    const inputs = await gentorch(['train', 'translate', '--inputs', low, '--out', out]);
    expectFailure(inputs, 'E_CONFIG');
    expect(inputs.stderr).toContain('superres');
    const task = await gentorch(['train', 'translate', '--task', 'sharpen', '--out', out]);
    expectFailure(task, 'E_CONFIG');
    expect(task.stderr).toContain('sharpen');
    expect(existsSync(out)).toBe(false);
  });
});

describe('gentorch translate', () => {
  it("enhances a folder of the user's 14x14 PNGs into 28x28 PNGs named as the inputs", async () => {
    const out = join(dir, 'enhanced') + '/';
    const r = await gentorch([
      'translate',
      join(superres, 'model.safetensors'),
      '--input',
      low,
      '--out',
      out,
      '--device',
      'cpu',
    ]);
    expectOk(r);
    expect(r.stdout).toMatch(/superres by the regressor: 3 outputs of 28x28 from 3 inputs of 14x14/);
    expect(readdirSync(out).sort()).toEqual(names.map((n) => `${n}.png`).sort());
    for (const n of names) {
      const img = await grey(join(out, `${n}.png`));
      expect([img.width, img.height]).toEqual([28, 28]);
      expect(new Set(img.data).size).toBeGreaterThan(10); // an image, not a constant
    }
    // Again without --force: nothing replaced.
    expectFailure(
      await gentorch([
        'translate',
        join(superres, 'model.safetensors'),
        '--input',
        low,
        '--out',
        out,
        '--device',
        'cpu',
      ]),
      'E_IO',
    );
    // .npy and a grid too.
    const npy = join(dir, 'enhanced.npy');
    expectOk(await gentorch(['translate', join(superres, 'model.safetensors'), '--input', low, '--out', npy]));
    const png = join(dir, 'enhanced.png');
    expectOk(await gentorch(['translate', join(superres, 'model.safetensors'), '--input', low, '--out', png]));
    await expectPng(png, grid(3), grid(2));
  });

  it('inputs of the wrong size are E_SHAPE saying the size the model takes; a mask for superres is E_CONFIG', async () => {
    const big = join(dir, 'big');
    mkdirSync(big);
    writeFileSync(join(big, 'a.png'), await imagePng(toFloat(take(await fashionTest(), 1).images), 0));
    const r = await gentorch([
      'translate',
      join(superres, 'model.safetensors'),
      '--input',
      big,
      '--out',
      join(dir, 'big.npy'),
    ]);
    expectFailure(r, 'E_SHAPE');
    expect(r.stderr).toContain('Expected 14x14 inputs');
    expect(r.stderr).toContain('received 28x28');
    const masked = await gentorch([
      'translate',
      join(superres, 'model.safetensors'),
      '--input',
      low,
      '--mask',
      low,
      '--out',
      join(dir, 'masked.npy'),
    ]);
    expectFailure(masked, 'E_CONFIG');
    expect(existsSync(join(dir, 'big.npy')) || existsSync(join(dir, 'masked.npy'))).toBe(false);
  });

  it('an inpainting VAE fills the holes of damaged PNGs given their masks, several samples each, keeping the known pixels', async () => {
    const out = join(dir, 'inpaint');
    expectOk(
      await gentorch([
        'train',
        'translate',
        '--task',
        'inpaint',
        '--family',
        'vae',
        '--features',
        '16',
        '--steps',
        '6',
        '--batch-size',
        '16',
        '--test-images',
        '20',
        '--device',
        'cpu',
        '--no-progress',
        '--out',
        out,
      ]),
    );
    const clean = toFloat(take(await fashionTest(), 2).images);
    const mask = randomHoles(2, 28, 28, { seed: 4 });
    const holed = damage(clean, { mask });
    const inputs = join(dir, 'holed');
    const masks = join(dir, 'masks');
    mkdirSync(inputs);
    mkdirSync(masks);
    const m = { dtype: 'float32' as const, shape: [2, 1, 28, 28], data: Float32Array.from(mask.data) };
    for (const [i, n] of ['a', 'b'].entries()) {
      writeFileSync(join(inputs, `${n}.png`), await imagePng(holed, i));
      writeFileSync(join(masks, `${n}.png`), await imagePng(m, i));
    }
    const filled = join(dir, 'filled') + '/';
    const ckpt = join(out, 'model.safetensors');
    const r = await gentorch([
      'translate',
      ckpt,
      '--input',
      inputs,
      '--mask',
      masks,
      '--samples',
      '2',
      '--out',
      filled,
    ]);
    expectOk(r);
    expect(readdirSync(filled).sort()).toEqual(['a-1.png', 'a-2.png', 'b-1.png', 'b-2.png']);
    for (const [i, n] of ['a', 'b'].entries()) {
      const before = await grey(join(inputs, `${n}.png`));
      for (const s of [1, 2]) {
        const got = await grey(join(filled, `${n}-${s}.png`));
        for (let p = 0; p < 784; p++) if (mask.data[i * 784 + p] === 1) expect(got.data[p]).toBe(before.data[p]);
      }
    }
    // The same images with white holes: the model sees the holes as in training (0), so the outputs match.
    const white = join(dir, 'holed-white');
    mkdirSync(white);
    for (const [i, n] of ['a', 'b'].entries()) {
      const w = { ...holed, data: holed.data.map((v, p) => (mask.data[p] === 0 ? 1 : v)) };
      writeFileSync(join(white, `${n}.png`), await imagePng(w, i));
    }
    const whiteOut = join(dir, 'filled-white') + '/';
    expectOk(
      await gentorch(['translate', ckpt, '--input', white, '--mask', masks, '--samples', '2', '--out', whiteOut]),
    );
    for (const f of ['a-1.png', 'a-2.png', 'b-1.png', 'b-2.png'])
      expect((await grey(join(whiteOut, f))).data).toEqual((await grey(join(filled, f))).data);
    const noMask = await gentorch(['translate', ckpt, '--input', inputs, '--out', join(dir, 'x.npy')]);
    expectFailure(noMask, 'E_CONFIG');
    expect(noMask.stderr).toContain('--mask');
    const small = join(dir, 'small-mask.png');
    await sharp(Buffer.alloc(14 * 14, 255), { raw: { width: 14, height: 14, channels: 1 } })
      .png()
      .toFile(small);
    const wrong = await gentorch(['translate', ckpt, '--input', inputs, '--mask', small, '--out', join(dir, 'x.npy')]);
    expectFailure(wrong, 'E_SHAPE');
    expect(wrong.stderr).toContain('mask');
    expect(wrong.stderr).toContain('[2, 1, 14, 14]');
    const samples = await gentorch([
      'translate',
      join(superres, 'model.safetensors'),
      '--input',
      low,
      '--samples',
      '2',
      '--out',
      join(dir, 'x.npy'),
    ]);
    expectFailure(samples, 'E_CONFIG');
    expect(samples.stderr).toContain('samples');
    expect(existsSync(join(dir, 'x.npy'))).toBe(false);
  }, 120_000);
});

describe('gentorch train translate --task pairs', () => {
  it("learns the user's own aligned pairs (.npy targets and inputs) and applies to new inputs", async () => {
    const test = toFloat(take(await fashionTest(), 96).images);
    const inverted = { ...test, data: test.data.map((v) => 1 - v) };
    const first = (t: typeof test, n: number) => ({ ...t, shape: [n, 1, 28, 28], data: t.data.slice(0, n * 784) });
    await writeNpy(join(dir, 'targets.npy'), first(test, 64));
    await writeNpy(join(dir, 'inputs.npy'), first(inverted, 64));
    await writeNpy(join(dir, 'few-inputs.npy'), first(inverted, 10));
    const out = join(dir, 'pairs');
    const run = (inputs: string) =>
      gentorch([
        'train',
        'translate',
        '--task',
        'pairs',
        '--family',
        'regressor',
        '--data',
        join(dir, 'targets.npy'),
        '--inputs',
        inputs,
        '--features',
        '16',
        '--steps',
        '40',
        '--batch-size',
        '16',
        '--device',
        'cpu',
        '--no-progress',
        '--out',
        out,
      ]);
    const mismatch = await run(join(dir, 'few-inputs.npy'));
    expectFailure(mismatch, 'E_DATA');
    expect(mismatch.stderr).toContain('(64) but received 10');
    expectOk(await run(join(dir, 'inputs.npy')));
    const l1 = readJsonLines(join(out, 'metrics.jsonl'))
      .filter((r) => r.type === 'progress')
      .map((r) => r.l1 as number);
    expect(l1.at(-1)!).toBeLessThan(0.7 * l1[0]);
    // New inputs, never trained on: the last 32 inverted test images.
    await writeNpy(join(dir, 'new-inputs.npy'), {
      ...inverted,
      shape: [32, 1, 28, 28],
      data: inverted.data.slice(64 * 784),
    });
    const applied = join(dir, 'pairs-out.npy');
    expectOk(
      await gentorch([
        'translate',
        join(out, 'model.safetensors'),
        '--input',
        join(dir, 'new-inputs.npy'),
        '--out',
        applied,
      ]),
    );
    expect((await readNpy(applied)).shape).toEqual([32, 1, 28, 28]);
  }, 120_000);
});

describe('gentorch compare --task: flags', () => {
  it('rejects the generative comparison flags, unknown families and task flags without --task', async () => {
    const out = join(dir, 'cmp');
    const models = await gentorch(['compare', '--task', 'superres', '--models', 'vae', '--out', out]);
    expectFailure(models, 'E_CONFIG');
    expect(models.stderr).toContain('--models');
    const fam = await gentorch([
      'compare',
      '--task',
      'inpaint',
      '--families',
      'regressor,unet',
      '--out',
      out,
      '--device',
      'cpu',
    ]);
    expectFailure(fam, 'E_CONFIG');
    expect(fam.stderr).toContain('unet');
    const factor = await gentorch(['compare', '--factor', '2', '--out', out]);
    expectFailure(factor, 'E_CONFIG');
    expect(factor.stderr).toContain('--task');
    const task = await gentorch(['compare', '--task', 'pairs', '--out', out]);
    expectFailure(task, 'E_CONFIG');
    expect(existsSync(join(out, 'translation.json'))).toBe(false);
  });
});
