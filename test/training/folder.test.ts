// Image folders as users bring them: PNG files in class sub-folders, read
// with sharp into one tensor, cached, and trained on from the CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { fromFolder } from '../../lib/data/folder.js';
import { mulberry32 } from '../../lib/data/synthetic.js';
import { smallTrain, tempDir } from '../helpers/helpers.js';
import { expectFailure, expectOk, gentorch, readJson, readJsonLines } from '../helpers/run-cli.js';

const work = tempDir('gentorch-folder-');
afterAll(() => rmSync(work, { recursive: true, force: true }));
const COLOURS: Record<string, [number, number, number]> = {
  blue: [40, 60, 230],
  green: [40, 200, 60],
  red: [230, 40, 40],
};

const rng = mulberry32;

/** A filled square of the class's colour, of random size and place, on black: a 32x32 RGB PNG. */
async function shapePng(colour: [number, number, number], rand: () => number, size = 32): Promise<Buffer> {
  const px = Buffer.alloc(size * size * 3);
  const s = 10 + Math.floor(rand() * 12);
  const x0 = Math.floor(rand() * (size - s));
  const y0 = Math.floor(rand() * (size - s));
  for (let y = y0; y < y0 + s; y++) for (let x = x0; x < x0 + s; x++) px.set(colour, (y * size + x) * 3);
  return sharp(px, { raw: { width: size, height: size, channels: 3 } })
    .png()
    .toBuffer();
}

async function writeShapes(dir: string, perClass: number): Promise<void> {
  const rand = rng(1);
  for (const [name, colour] of Object.entries(COLOURS)) {
    mkdirSync(join(dir, name), { recursive: true });
    for (let i = 0; i < perClass; i++) writeFileSync(join(dir, name, `${i}.png`), await shapePng(colour, rand));
  }
}

/** Mean R, G, B of a PNG. */
async function meanRgb(path: string): Promise<[number, number, number]> {
  const { channels } = await sharp(path).stats();
  return [channels[0].mean, channels[1].mean, channels[2].mean];
}

const shapes = join(work, 'shapes');
beforeAll(async () => {
  await writeShapes(shapes, 160);
});

describe('fromFolder', () => {
  it('reads class folders of colour PNGs into uint8 [N, 3, 32, 32] with labels from the folder names, then from its cache', async () => {
    const first = await fromFolder(shapes);
    expect(first.images.shape).toEqual([480, 3, 32, 32]);
    expect(first.classNames).toEqual(['blue', 'green', 'red']);
    expect(first.cached).toBe(false);
    const counts = [0, 0, 0];
    for (const l of first.labels!) counts[l]++;
    expect(counts).toEqual([160, 160, 160]);
    // A red image is red in channel 0: find one and check its brightest pixel.
    const i = first.labels!.indexOf(2);
    const plane = 32 * 32;
    const img = first.images.data.subarray(i * 3 * plane, (i + 1) * 3 * plane);
    expect(Math.max(...img.subarray(0, plane))).toBe(230);
    expect(Math.max(...img.subarray(plane, 2 * plane))).toBe(40);
    const again = await fromFolder(shapes);
    expect(again.cached).toBe(true);
    expect(again.images.data).toEqual(first.images.data);
    expect([...again.labels!]).toEqual([...first.labels!]);
  });

  it('converts to grey with channels 1, resizes with imageSize, and reads a flat folder without labels', async () => {
    const grey = await fromFolder(shapes, { channels: 1, imageSize: 28, cache: false });
    expect(grey.images.shape).toEqual([480, 1, 28, 28]);
    const flat = join(work, 'flat');
    mkdirSync(flat);
    for (const f of readdirSync(join(shapes, 'red')).slice(0, 5)) copyFileSync(join(shapes, 'red', f), join(flat, f));
    const ds = await fromFolder(flat, { cache: false });
    expect(ds.images.shape).toEqual([5, 3, 32, 32]);
    expect(ds.labels).toBeUndefined();
  });

  it('names a corrupt file (or skips it with skipBad), and rejects an empty folder, mixed sizes and mixed layouts', async () => {
    const bad = join(work, 'bad');
    mkdirSync(join(bad, 'a'), { recursive: true });
    for (let i = 0; i < 4; i++) writeFileSync(join(bad, 'a', `${i}.png`), await shapePng([200, 0, 0], rng(i)));
    writeFileSync(join(bad, 'a', 'broken.png'), Buffer.from('not a png at all'));
    await expect(fromFolder(bad, { cache: false })).rejects.toMatchObject({
      code: 'E_DATA',
      message: expect.stringContaining(join(bad, 'a', 'broken.png')),
    });
    const skipped = await fromFolder(bad, { cache: false, skipBad: true });
    expect(skipped.skipped).toBe(1);
    expect(skipped.images.shape[0]).toBe(4);

    const empty = join(work, 'empty');
    mkdirSync(empty);
    await expect(fromFolder(empty)).rejects.toMatchObject({
      code: 'E_DATA',
      message: expect.stringContaining('found none'),
    });

    const mixed = join(work, 'mixed');
    mkdirSync(mixed);
    writeFileSync(join(mixed, 'small.png'), await shapePng([0, 0, 200], rng(1), 32));
    writeFileSync(join(mixed, 'large.png'), await shapePng([0, 0, 200], rng(2), 64));
    await expect(fromFolder(mixed, { cache: false })).rejects.toMatchObject({
      code: 'E_DATA',
      message: expect.stringContaining('--image-size'),
    });
    expect((await fromFolder(mixed, { cache: false, imageSize: 32 })).images.shape).toEqual([2, 3, 32, 32]);

    mkdirSync(join(mixed, 'cls'));
    writeFileSync(join(mixed, 'cls', 'x.png'), await shapePng([0, 0, 200], rng(3)));
    await expect(fromFolder(mixed, { cache: false })).rejects.toMatchObject({
      code: 'E_DATA',
      message: expect.stringContaining('both'),
    });
    await expect(fromFolder(shapes, { imageSize: 30 })).rejects.toMatchObject({ code: 'E_CONFIG' });
  });
});

describe('fromFolder (Fashion-MNIST as PNGs)', () => {
  it('reads Fashion-MNIST written as grey PNGs in class folders with the labels it was written with', async () => {
    const src = await smallTrain(200);
    const dir = join(work, 'fashion');
    const names = ['t-shirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'boot'];
    for (let i = 0; i < 200; i++) {
      const name = names[src.labels![i]];
      mkdirSync(join(dir, name), { recursive: true });
      const px = Buffer.from(src.images.data.subarray(i * 784, (i + 1) * 784));
      writeFileSync(
        join(dir, name, `${i}.png`),
        await sharp(px, { raw: { width: 28, height: 28, channels: 1 } })
          .toColourspace('b-w')
          .png()
          .toBuffer(),
      );
    }
    const ds = await fromFolder(dir, { cache: false });
    expect(ds.images.shape).toEqual([200, 1, 28, 28]);
    // Same multiset of labels by name as the source.
    const byName = (labels: ArrayLike<number>, classes: string[]) =>
      [...Array.from(labels)].map((l) => classes[l]).sort();
    expect(byName(ds.labels!, ds.classNames!)).toEqual(byName(src.labels!, names));
  });
});

describe('the CLI on a folder of colour PNGs', () => {
  it('a conditional DCGAN learns the colours: sample --label NAME gives that colour, one PNG per sample into DIR/', async () => {
    const out = join(work, 'cgan');
    // A narrow DCGAN (features 16): 60 epochs (840 steps) take about 35 s on 2 cores.
    const cfg = join(work, 'cgan.json');
    writeFileSync(cfg, JSON.stringify({ features: 16 }));
    expectOk(
      await gentorch([
        'train',
        'gan',
        '--arch',
        'dcgan',
        '--conditional',
        '--data',
        shapes,
        '--image-size',
        '32',
        '--channels',
        '3',
        '--config',
        cfg,
        '--epochs',
        '60',
        '--batch-size',
        '32',
        '--seed',
        '1',
        '--device',
        'cpu',
        '--no-progress',
        '--out',
        out,
      ]),
    );
    const s = readJson(join(out, 'summary.json'));
    expect(s.config).toMatchObject({ channels: 3, height: 32, width: 32, numClasses: 3 });
    expect((await sharp(join(out, 'samples.png')).metadata()).channels).toBe(3);
    for (const name of ['blue', 'green', 'red']) {
      const k = COLOURS[name].indexOf(Math.max(...COLOURS[name])); // the class colour's strongest channel
      const dir = join(work, `samples-${name}`);
      expectOk(
        await gentorch([
          'sample',
          join(out, 'model.safetensors'),
          '--n',
          '12',
          '--label',
          name,
          '--device',
          'cpu',
          '--out',
          `${dir}/`,
        ]),
      );
      const files = readdirSync(dir).filter((f) => f.endsWith('.png'));
      expect(files.length).toBe(12);
      let right = 0;
      for (const f of files) {
        const rgb = await meanRgb(join(dir, f));
        if (rgb.indexOf(Math.max(...rgb)) === k) right++;
      }
      expect(right, `${name}: ${right} of 12 samples have it as their strongest channel`).toBeGreaterThanOrEqual(9);
    }
    const unknown = await gentorch([
      'sample',
      join(out, 'model.safetensors'),
      '--label',
      'purple',
      '--device',
      'cpu',
      '--out',
      join(work, 'p.png'),
    ]);
    expectFailure(unknown, 'E_CONFIG');
    expect(unknown.stderr).toContain('2 red');
  }, 600_000);
});

describe('the CLI on a folder of colour PNGs (conv VAE and errors)', () => {
  it('a conv VAE trains on the folder from the CLI: its loss falls, its grids are RGB', async () => {
    const out = join(work, 'cvae');
    expectOk(
      await gentorch([
        'train',
        'vae',
        '--arch',
        'conv',
        '--data',
        shapes,
        '--epochs',
        '4',
        '--batch-size',
        '32',
        '--device',
        'cpu',
        '--no-progress',
        '--out',
        out,
      ]),
    );
    const epochs = readJsonLines(join(out, 'metrics.jsonl'))
      .filter((r) => r.type === 'epoch')
      .map((r) => r.loss as number);
    expect(epochs.length).toBe(4);
    expect(epochs[3]).toBeLessThan(epochs[0] * 0.8);
    expect((await sharp(join(out, 'reconstructions.png')).metadata()).channels).toBe(3);
  });

  it('bad folder flags get typed errors', async () => {
    const r = await gentorch(['train', 'vae', '--data', shapes, '--image-size', '30', '--out', join(work, 'x')]);
    expectFailure(r, 'E_CONFIG');
    expect(r.stderr).toContain('--image-size');
    const c = await gentorch(['train', 'gan', '--data', shapes, '--channels', '2', '--out', join(work, 'y')]);
    expectFailure(c, 'E_CONFIG');
  });
});
