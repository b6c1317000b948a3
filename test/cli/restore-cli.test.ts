// gentorch restore on a user's own files: a folder of damaged PNGs and a
// folder of masks in, one restored PNG per input out; and encode of a GAN
// checkpoint by inversion.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { GAN, VAE, damage, randomHoles } from '../../lib/index.js';
import { take, toFloat } from '../../lib/data/datasets.js';
import { readNpy } from '../../lib/io/npy.js';
import { imagePng } from '../../lib/io/images.js';
import { fashionTest, smallTrain, tempDir } from '../helpers/helpers.js';
import { expectFailure, expectOk, gentorch } from '../helpers/run-cli.js';

const dir = tempDir('gentorch-restore-');
const inputs = join(dir, 'damaged');
const masks = join(dir, 'masks');
const names = ['a', 'b', 'c', 'd'];

/** `gentorch restore MODEL --input inputs ... --out OUT --device cpu` plus `extra`. */
const restoreRun = (model: string, out: string, ...extra: string[]) =>
  gentorch([
    'restore',
    join(dir, `${model}.safetensors`),
    '--input',
    inputs,
    '--out',
    out,
    '--device',
    'cpu',
    ...extra,
  ]);

const grey = async (file: string): Promise<Uint8Array> =>
  Uint8Array.from(await sharp(readFileSync(file)).greyscale().raw().toBuffer());

beforeAll(async () => {
  const train = await smallTrain(5000);
  using vae = new VAE({ device: 'cpu' });
  await vae.fit(train, { epochs: 2 });
  await vae.save(join(dir, 'vae.safetensors'));
  using gan = new GAN({ arch: 'mlp', device: 'cpu' });
  await gan.fit(train, { steps: 100 });
  await gan.save(join(dir, 'gan.safetensors'));
  const clean = toFloat(take(await fashionTest(), 4).images);
  const mask = randomHoles(4, 28, 28, { seed: 5 });
  const holed = damage(clean, { mask });
  mkdirSync(inputs);
  mkdirSync(masks);
  for (let i = 0; i < 4; i++) {
    writeFileSync(join(inputs, `${names[i]}.png`), await imagePng(holed, i));
    const m = { dtype: 'float32' as const, shape: [4, 1, 28, 28], data: Float32Array.from(mask.data) };
    writeFileSync(join(masks, `${names[i]}.png`), await imagePng(m, i));
  }
}, 300_000);

describe('gentorch restore --input DIR --mask DIR --out DIR/', () => {
  it('writes one restored PNG per input, keeping the known pixels and filling the holes', async () => {
    const out = join(dir, 'restored') + '/';
    const r = await restoreRun('vae', out, '--mask', masks, '--steps', '50');
    expectOk(r);
    expect(r.stdout).toMatch(/restored 4 images with the VAE/);
    // Without a terminal, progress is status lines on stderr.
    expect(r.stderr).toContain('gentorch: restore: latent search for 4 images');
    for (const name of names) {
      const got = await grey(join(out, `${name}.png`));
      const before = await grey(join(inputs, `${name}.png`));
      const mask = await grey(join(masks, `${name}.png`));
      let filled = 0;
      for (let p = 0; p < 784; p++) {
        if (mask[p] > 127) expect(got[p]).toBe(before[p]);
        else if (got[p] !== 0) filled++;
      }
      expect(filled).toBeGreaterThan(0);
    }
    // A second run does not replace them without --force.
    const again = await restoreRun('vae', out, '--steps', '5');
    expectFailure(again, 'E_IO');
  });

  it('a GAN restores too; a mask of the wrong size is E_SHAPE naming the mask', async () => {
    const out = join(dir, 'gan-restored.npy');
    const r = await restoreRun('gan', out, '--mask', masks, '--steps', '20', '--starts', '2');
    expectOk(r);
    expect((await readNpy(out)).shape).toEqual([4, 1, 28, 28]);
    const small = join(dir, 'small-mask.png');
    await sharp(Buffer.alloc(14 * 14, 255), { raw: { width: 14, height: 14, channels: 1 } })
      .png()
      .toFile(small);
    const bad = await restoreRun('gan', join(dir, 'x.npy'), '--mask', small);
    expectFailure(bad, 'E_SHAPE');
    expect(bad.stderr).toMatch(/mask/);
    expect(existsSync(join(dir, 'x.npy'))).toBe(false);
  });

  it('encode inverts a GAN checkpoint: codes [N, latentDim] and the PSNR G redraws them at', async () => {
    const out = join(dir, 'codes.npy');
    const r = await gentorch(['encode', join(dir, 'gan.safetensors'), '--n', '8', '--out', out, '--device', 'cpu']);
    expectOk(r);
    expect(r.stdout).toMatch(/by inversion: G redraws them at PSNR [0-9.]+ dB/);
    expect(r.stderr).toContain('gentorch: encode: latent search for 8 images');
    expect((await readNpy(out)).shape).toEqual([8, 100]);
  });

  it('encode --plot draws the codes on a plane, coloured and named by class; a --plot that is not .svg is E_CONFIG', async () => {
    const out = join(dir, 'codes-plot.npy');
    const plot = join(dir, 'codes.svg');
    const args = ['encode', join(dir, 'gan.safetensors'), '--n', '8', '--out', out, '--device', 'cpu'];
    const r = await gentorch([...args, '--plot', plot]);
    expectOk(r);
    const svg = readFileSync(plot, 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg.match(/<circle [^>]*r="2"/g)).toHaveLength(8);
    expect(svg).toMatch(/principal component 1 \([\d.]+% of the variance\)/);
    // The first 8 Fashion-MNIST test images: ankle boot, pullover, trouser, ...
    expect(svg).toContain('>Ankle boot</text>');
    const bad = await gentorch([...args, '--force', '--plot', join(dir, 'codes.png')]);
    expectFailure(bad, 'E_CONFIG');
    expect(bad.stderr).toContain('codes.png');
  });
});
