/**
 * gentorch restore: a VAE or a GAN restores damaged images by latent search
 * (lib/compare/restore.ts). The user's own images (--input .npy or a folder
 * of PNG, --mask for the missing pixels, --noise-std for noisy ones), or with
 * --demo test images the command damages itself, with PSNRs.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import sharp from 'sharp';
import { CLI_DEFAULTS } from '../config/run.js';
import { checkDeviceSpec, checkNonNegativeNumber, checkPositiveInt, checkSeed } from '../config/validate.js';
import { concatImages, firstImages } from '../compare/apply.js';
import { damage, maskedPsnr, randomHoles, restore } from '../compare/restore.js';
import { fromNpy, loadDataSpec, take, toFloat, type ImageDataset } from '../data/datasets.js';
import { readImageFiles } from '../data/folder.js';
import { GentorchError, invalid } from '../errors.js';
import { writeFileAtomic } from '../io/fsutil.js';
import { imagePng, writeGridPng } from '../io/images.js';
import { readNpy, writeNpy } from '../io/npy.js';
import { GAN } from '../models/gan.js';
import { loadGenerative as load } from '../models/load.js';
import type { Mask } from '../models/search.js';
import type { VAE } from '../models/vae.js';
import type { HostTensor } from '../tensor.js';

export interface RestoreFlags {
  input?: string;
  mask?: string;
  noiseStd?: number;
  out: string;
  demo?: boolean;
  holes?: boolean;
  data?: string;
  split?: string;
  n?: number;
  steps?: number;
  starts?: number;
  seed?: number;
  device: string;
  force?: boolean;
}

const isDirOut = (out: string): boolean => out.endsWith('/') || (existsSync(out) && statSync(out).isDirectory());

/** Checks --out: DIR/ (one PNG per input file), FILE.npy (restored) or FILE.png (grid); never an existing file without --force. */
function checkOut(out: string, force: boolean | undefined, folderInput: boolean): 'dir' | 'npy' | 'png' {
  if (isDirOut(out)) {
    if (!folderInput)
      throw new GentorchError('E_CONFIG', `--out ${out} is a folder: that needs --input to be a folder of images`);
    return 'dir';
  }
  const ext = extname(out).toLowerCase();
  if (ext !== '.npy' && ext !== '.png')
    throw new GentorchError('E_CONFIG', `Expected DIR/, FILE.npy or FILE.png for --out but received "${out}"`);
  if (existsSync(out) && !force)
    throw new GentorchError('E_IO', `Refusing to overwrite ${out}; pass --force to replace it`);
  return ext === '.npy' ? 'npy' : 'png';
}

/** The user's images: a .npy file or a flat folder of images (file order kept, names returned). */
async function readInput(input: string, channels: number): Promise<{ ds: ImageDataset; files?: string[] }> {
  if (!existsSync(input))
    throw new GentorchError('E_DATA', `Expected images at --input ${input} but it does not exist`);
  if (statSync(input).isDirectory()) {
    const { images, files } = await readImageFiles(input, { channels: channels === 1 ? 1 : 3 });
    return { ds: { name: input, images }, files };
  }
  if (extname(input).toLowerCase() !== '.npy')
    throw new GentorchError('E_DATA', `Expected a .npy file or a folder of images for --input but received ${input}`);
  return { ds: await fromNpy(input) };
}

/** A mask PNG as 0/1 (grey above half = known) [1, 1, H, W]. */
async function maskPng(file: string): Promise<Mask> {
  const { data, info } = await sharp(file).greyscale().raw().toBuffer({ resolveWithObject: true });
  return { data: Uint8Array.from(data, (v) => (v > 127 ? 1 : 0)), shape: [1, 1, info.height, info.width] };
}

/** Repeats a [1, c, H, W] mask over n images. */
function broadcast(m: Mask, n: number): Mask {
  if (m.shape[0] !== 1 || n === 1) return m;
  const per = m.data.length;
  const data = new Uint8Array(n * per);
  for (let i = 0; i < n; i++) data.set(m.data, i * per);
  return { data, shape: [n, ...m.shape.slice(1)] };
}

/** --mask: .npy ([N or 1, 1 or C, H, W] or [H, W]), one PNG for every image, or a folder of PNGs named as the inputs. */
async function readMask(path: string, n: number, files: string[] | undefined): Promise<Mask> {
  if (!existsSync(path)) throw new GentorchError('E_DATA', `Expected a mask at --mask ${path} but it does not exist`);
  if (statSync(path).isDirectory()) {
    if (!files) throw new GentorchError('E_DATA', `A folder of masks (${path}) needs --input to be a folder of images`);
    const masks = await Promise.all(
      files.map((f) => {
        const m = join(path, `${basename(f, extname(f))}.png`);
        if (!existsSync(m)) throw new GentorchError('E_DATA', `Expected a mask ${m} for the input ${f} but found none`);
        return maskPng(m);
      }),
    );
    const [, , h, w] = masks[0].shape;
    const data = new Uint8Array(n * h * w);
    masks.forEach((m, i) => {
      if (m.shape[2] !== h || m.shape[3] !== w)
        throw invalid(`a ${w}x${h} mask`, 'mask', `${m.shape[3]}x${m.shape[2]}`, 'E_SHAPE');
      data.set(m.data, i * h * w);
    });
    return { data, shape: [n, 1, h, w] };
  }
  if (extname(path).toLowerCase() === '.png') return broadcast(await maskPng(path), n);
  const t = await readNpy(path);
  const shape = t.shape.length === 2 ? [1, 1, ...t.shape] : t.shape;
  const data = Uint8Array.from(t.data as ArrayLike<number>, (v) => (v === 1 ? 1 : v === 0 ? 0 : 2));
  if (data.includes(2)) throw invalid('mask values 0 (missing) or 1 (known)', path, 'other values', 'E_DATA');
  return broadcast({ data, shape }, n);
}

/** DIR/<name>.png for each input file; E_IO (before any work) where one exists and --force is not given. */
function dirTargets(out: string, files: string[], force: boolean | undefined): string[] {
  const targets = files.map((f) => join(out, `${basename(f, extname(f))}.png`));
  const taken = targets.find((t) => existsSync(t));
  if (taken && !force) throw new GentorchError('E_IO', `Refusing to overwrite ${taken}; pass --force to replace it`);
  return targets;
}

async function writeOutputs(
  out: string,
  kind: 'dir' | 'npy' | 'png',
  damaged: HostTensor<'float32'>,
  restored: HostTensor<'float32'>,
  files: string[] | undefined,
  force: boolean | undefined,
): Promise<void> {
  if (kind === 'npy') return writeNpy(out, restored);
  if (kind === 'png') {
    const cols = Math.min(restored.shape[0], 16);
    return writeGridPng(out, concatImages([firstImages(damaged, cols), firstImages(restored, cols)]), {
      columns: cols,
    });
  }
  mkdirSync(out, { recursive: true });
  const targets = dirTargets(out, files!, force);
  for (let i = 0; i < targets.length; i++) await writeFileAtomic(targets[i], await imagePng(restored, i));
}

function searchFlags(flags: RestoreFlags): { steps?: number; starts?: number; seed?: number } {
  return {
    steps: flags.steps === undefined ? undefined : checkPositiveInt(flags.steps, 'steps'),
    starts: flags.starts === undefined ? undefined : checkPositiveInt(flags.starts, 'starts'),
    seed: flags.seed === undefined ? undefined : checkSeed(flags.seed),
  };
}

/** gentorch restore CHECKPOINT --input FILE|DIR [--mask FILE|DIR] [--noise-std S] --out FILE|DIR/ */
export async function restoreCommand(checkpoint: string, flags: RestoreFlags): Promise<void> {
  if (flags.demo) return restoreDemo(checkpoint, flags);
  if (!flags.input) throw new GentorchError('E_CONFIG', 'Expected --input FILE.npy or DIR (or --demo)');
  checkDeviceSpec(flags.device);
  const folderInput = existsSync(flags.input) && statSync(flags.input).isDirectory();
  const kind = checkOut(flags.out, flags.force, folderInput);
  const noiseStd = checkNonNegativeNumber(flags.noiseStd ?? 0, 'noise-std');
  using model = await load(checkpoint, { device: flags.device });
  const { ds, files } = await readInput(flags.input, model.config.channels);
  if (kind === 'dir') dirTargets(flags.out, files!, flags.force); // refuse before the search, not after
  const mask = flags.mask ? await readMask(flags.mask, ds.images.shape[0], files) : undefined;
  const r = await restore(model, ds, { mask, noiseStd, ...searchFlags(flags) });
  await writeOutputs(flags.out, kind, toFloat(ds.images), r.restored, files, flags.force);
  process.stdout.write(
    `gentorch: restored ${r.restored.shape[0]} images with the ${model instanceof GAN ? 'GAN' : 'VAE'} ` +
      `(${r.secondsPerImage.toFixed(3)} s per image) to ${flags.out}\n`,
  );
}

/** --demo: test images damaged here (noise, random holes), restored, with PSNRs. */
async function restoreDemo(checkpoint: string, flags: RestoreFlags): Promise<void> {
  const kind = checkOut(flags.out, flags.force, false);
  const noiseStd = checkNonNegativeNumber(flags.noiseStd ?? (flags.holes ? 0 : CLI_DEFAULTS.restoreNoise), 'noise-std');
  const seed = checkSeed(flags.seed ?? CLI_DEFAULTS.seed);
  checkDeviceSpec(flags.device);
  using model: VAE | GAN = await load(checkpoint, { device: flags.device });
  const split = flags.split ?? CLI_DEFAULTS.split;
  if (split !== 'test' && split !== 'train') throw invalid('test or train', '--split', split);
  const all = (await loadDataSpec(flags.data ?? CLI_DEFAULTS.data))[split];
  const ds = take(all, checkPositiveInt(flags.n ?? CLI_DEFAULTS.restoreCount, 'n'));
  const clean = toFloat(ds.images);
  const [n, , h, w] = clean.shape;
  const mask = flags.holes ? randomHoles(n, h, w, { seed }) : undefined;
  const damaged = damage(clean, { mask, noiseStd, seed });
  const r = await restore(
    model,
    { name: 'damaged', images: damaged, labels: ds.labels },
    { mask, noiseStd, ...searchFlags(flags) },
  );
  if (kind === 'npy') await writeNpy(flags.out, r.restored);
  else {
    const cols = Math.min(n, 16);
    await writeGridPng(flags.out, concatImages([clean, damaged, r.restored].map((t) => firstImages(t, cols))), {
      columns: cols,
    });
  }
  const p = (x: HostTensor<'float32'>) => maskedPsnr(clean, x).toFixed(2);
  const holes = mask
    ? `; inside the holes ${maskedPsnr(clean, damaged, { mask, value: 0 }).toFixed(2)} -> ${maskedPsnr(clean, r.restored, { mask, value: 0 }).toFixed(2)} dB`
    : '';
  process.stdout.write(
    `gentorch: PSNR ${p(damaged)} dB damaged -> ${p(r.restored)} dB restored (noise std ${noiseStd}${mask ? ', random holes' : ''})${holes}; ` +
      `${r.secondsPerImage.toFixed(3)} s per image; wrote ${flags.out}${kind === 'png' ? ' (rows: clean, damaged, restored)' : ''}\n`,
  );
}
