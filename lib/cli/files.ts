/**
 * The user's own files for the commands that apply a model to them (restore,
 * translate): --input as FILE.npy or a folder of images, --mask as FILE.npy,
 * one PNG or a folder of PNGs named as the inputs, and --out as DIR/ (one PNG
 * per input file), FILE.npy or FILE.png (a grid), never replacing a file
 * without --force.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import sharp from 'sharp';
import { fromNpy, type ImageDataset } from '../data/datasets.js';
import { readImageFiles } from '../data/folder.js';
import { GentorchError, invalid } from '../errors.js';
import { readNpy } from '../io/npy.js';
import type { Mask } from '../models/search.js';

export const isDirOut = (out: string): boolean => out.endsWith('/') || (existsSync(out) && statSync(out).isDirectory());

/** Checks --out: DIR/ (one PNG per input file), FILE.npy (restored) or FILE.png (grid); never an existing file without --force. */
export function checkOut(out: string, force: boolean | undefined, folderInput: boolean): 'dir' | 'npy' | 'png' {
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

/** The user's images: a .npy file or a flat folder of images (file order kept, names returned); a folder's channels as given, else its first image's. */
export async function readInput(
  input: string,
  channels: number | undefined,
  flag = '--input',
): Promise<{ ds: ImageDataset; files?: string[] }> {
  if (!existsSync(input))
    throw new GentorchError('E_DATA', `Expected images at ${flag} ${input} but it does not exist`);
  if (statSync(input).isDirectory()) {
    const { images, files } = await readImageFiles(input, {
      channels: channels === undefined ? undefined : channels === 1 ? 1 : 3,
    });
    return { ds: { name: input, images }, files };
  }
  if (extname(input).toLowerCase() !== '.npy')
    throw new GentorchError('E_DATA', `Expected a .npy file or a folder of images for ${flag} but received ${input}`);
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
export async function readMask(path: string, n: number, files: string[] | undefined): Promise<Mask> {
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
export function dirTargets(out: string, files: string[], force: boolean | undefined): string[] {
  const targets = files.map((f) => join(out, `${basename(f, extname(f))}.png`));
  const taken = targets.find((t) => existsSync(t));
  if (taken && !force) throw new GentorchError('E_IO', `Refusing to overwrite ${taken}; pass --force to replace it`);
  return targets;
}
