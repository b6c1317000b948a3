/**
 * Image folders: PNG, JPEG and WebP files read with sharp (libvips) into one
 * uint8 [N, C, S, S] tensor, labels from sub-folder names (DIR/cat/*.png).
 * Decoding runs on libvips' threads, many files at a time, off the event
 * loop, once: the result is cached beside the data (DIR/.gentorch-cache/),
 * keyed by every file's path, size and modification time and by the
 * settings, so a second run starts at once.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { extname, join, relative } from 'node:path';
import sharp from 'sharp';
import { GentorchError, invalid } from '../errors.js';
import { writeFileAtomic } from '../io/fsutil.js';
import { encodeNpy, parseNpy } from '../io/npy.js';
import type { HostTensor } from '../tensor.js';

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp'];
export const IMAGE_SIZES = [28, 32, 64] as const;

export interface FolderOptions {
  /** Resize every image to S x S (28, 32 or 64); by default all must share one size. */
  imageSize?: number;
  /** 1 (grey) or 3 (RGB); by default the first image's. */
  channels?: 1 | 3;
  /** Skip files that cannot be decoded (counted in `skipped`) instead of failing. */
  skipBad?: boolean;
  /** Read and write the cache beside the data (default true). */
  cache?: boolean;
}

export interface FolderDataset {
  name: string;
  images: HostTensor<'uint8'>;
  labels?: Int32Array;
  /** Sub-folder names, index = label; undefined for a flat folder. */
  classNames?: string[];
  /** Files skipped with skipBad. */
  skipped: number;
  /** Whether the tensor came from the cache. */
  cached: boolean;
}

interface Listing {
  files: string[];
  labels?: number[];
  classNames?: string[];
}

const isImage = (name: string): boolean => IMAGE_EXTENSIONS.includes(extname(name).toLowerCase());

/** Whether `dir` holds images or class folders of images (not an IDX folder). */
export function isImageFolder(dir: string): boolean {
  try {
    return readdirSync(dir, { withFileTypes: true }).some(
      (e) =>
        (e.isFile() && isImage(e.name)) ||
        (e.isDirectory() && !e.name.startsWith('.') && readdirSync(join(dir, e.name)).some(isImage)),
    );
  } catch {
    return false;
  }
}

function listFolder(dir: string): Listing {
  const entries = readdirSync(dir, { withFileTypes: true }).filter((e) => !e.name.startsWith('.'));
  const top = entries
    .filter((e) => e.isFile() && isImage(e.name))
    .map((e) => e.name)
    .sort();
  const classes = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .filter((c) => readdirSync(join(dir, c)).some(isImage));
  if (top.length > 0 && classes.length > 0) {
    throw new GentorchError(
      'E_DATA',
      `Expected either images or class folders in ${dir} but found both (${top[0]} and ${classes[0]}/)`,
    );
  }
  if (classes.length === 0) {
    if (top.length === 0)
      throw new GentorchError(
        'E_DATA',
        `Expected PNG, JPEG or WebP images in ${dir} (or class folders of them) but found none`,
      );
    return { files: top.map((f) => join(dir, f)) };
  }
  const files: string[] = [];
  const labels: number[] = [];
  classes.forEach((c, k) => {
    for (const f of readdirSync(join(dir, c)).filter(isImage).sort()) {
      files.push(join(dir, c, f));
      labels.push(k);
    }
  });
  return { files, labels, classNames: classes };
}

/** Decodes one file to interleaved uint8 pixels of `channels` channels (resized to `size` when given). */
async function decode(
  file: string,
  channels: 1 | 3,
  size: number | undefined,
): Promise<{ data: Buffer; width: number; height: number }> {
  let img = sharp(await readFile(file), { failOn: 'error' }).flatten({ background: '#000000' });
  img = channels === 1 ? img.greyscale() : img.toColourspace('srgb');
  if (size !== undefined) img = img.resize(size, size, { fit: 'fill' });
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== channels) {
    // sharp keeps one band for grey input even in sRGB: widen it.
    if (info.channels === 1 && channels === 3) {
      const rgb = Buffer.alloc(info.width * info.height * 3);
      for (let i = 0; i < info.width * info.height; i++) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = data[i];
      return { data: rgb, width: info.width, height: info.height };
    }
    throw new Error(`decoded to ${info.channels} channels, expected ${channels}`);
  }
  return { data, width: info.width, height: info.height };
}

async function firstChannels(file: string): Promise<1 | 3> {
  const meta = await sharp(await readFile(file)).metadata();
  return meta.space === 'b-w' || (meta.channels ?? 3) <= 2 ? 1 : 3;
}

function cacheKey(dir: string, listing: Listing, options: FolderOptions, channels: number): string {
  const h = createHash('sha256');
  h.update(
    JSON.stringify({
      v: 1,
      size: options.imageSize ?? null,
      channels,
      skipBad: Boolean(options.skipBad),
      classes: listing.classNames ?? null,
    }),
  );
  for (const f of listing.files) {
    const st = statSync(f);
    h.update(`${relative(dir, f)}\0${st.size}\0${st.mtimeMs}\n`);
  }
  return h.digest('hex').slice(0, 24);
}

type Decoded = { r: { data: Buffer; width: number; height: number }; i: number };

/** Decodes every file, many at a time (sharp runs each on libvips' own threads); all of one size. */
async function decodeAll(
  dir: string,
  files: string[],
  channels: 1 | 3,
  options: FolderOptions,
): Promise<{ kept: Decoded[]; skipped: number }> {
  const results: ({ data: Buffer; width: number; height: number } | undefined)[] = new Array(files.length);
  let next = 0;
  let skipped = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const i = next++;
      try {
        results[i] = await decode(files[i], channels, options.imageSize);
      } catch (err) {
        if (!options.skipBad) {
          throw new GentorchError(
            'E_DATA',
            `Could not decode image ${files[i]}: ${(err as Error).message} (pass --skip-bad to skip such files)`,
          );
        }
        skipped++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(2, availableParallelism() * 2) }, worker));
  const kept = results.map((r, i) => ({ r, i })).filter((x) => x.r !== undefined) as Decoded[];
  if (kept.length === 0)
    throw new GentorchError('E_DATA', `Expected readable images in ${dir} but all ${files.length} failed to decode`);
  const { width, height } = kept[0].r;
  for (const { r, i } of kept) {
    if (r.width !== width || r.height !== height) {
      throw new GentorchError(
        'E_DATA',
        `Expected images of one size in ${dir} but ${files[kept[0].i]} is ${width}x${height} and ` +
          `${files[i]} is ${r.width}x${r.height} (pass --image-size to resize them)`,
      );
    }
  }
  return { kept, skipped };
}

/** Reads an image folder into one uint8 tensor [N, C, S, S] (see the module comment). */
export async function fromFolder(dir: string, options: FolderOptions = {}): Promise<FolderDataset> {
  if (options.imageSize !== undefined && !(IMAGE_SIZES as readonly number[]).includes(options.imageSize)) {
    throw invalid(`one of ${IMAGE_SIZES.join(', ')}`, 'imageSize', options.imageSize);
  }
  if (options.channels !== undefined && options.channels !== 1 && options.channels !== 3)
    throw invalid('1 or 3', 'channels', options.channels);
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new GentorchError('E_DATA', `Expected a folder of images but ${dir} is not a folder`);
  const listing = listFolder(dir);
  const channels = options.channels ?? (await firstChannels(listing.files[0]).catch(() => 3 as const));
  const key = cacheKey(dir, listing, options, channels);
  const cacheDir = join(dir, '.gentorch-cache');
  const useCache = options.cache !== false;
  if (useCache) {
    const hit = await readCache(cacheDir, key, dir, listing.classNames);
    if (hit) return hit;
  }

  const { kept, skipped } = await decodeAll(dir, listing.files, channels, options);
  const { width, height } = kept[0].r;
  // A fixed shuffle of the files (by a hash of their names), so a held-out
  // tail mixes the classes instead of being the last class.
  const order = kept
    .map((k) => ({ k, h: createHash('md5').update(relative(dir, listing.files[k.i])).digest().readUInt32LE(0) }))
    .sort((a, b) => a.h - b.h || a.k.i - b.k.i)
    .map((x) => x.k);
  const n = order.length;
  const plane = width * height;
  const data = new Uint8Array(n * channels * plane);
  const labels = listing.labels ? new Int32Array(n) : undefined;
  order.forEach(({ r, i }, j) => {
    const base = j * channels * plane;
    for (let p = 0; p < plane; p++)
      for (let c = 0; c < channels; c++) data[base + c * plane + p] = r.data[p * channels + c];
    if (labels) labels[j] = listing.labels![i];
  });
  const ds: FolderDataset = {
    name: dir,
    images: { dtype: 'uint8', shape: [n, channels, height, width], data },
    labels,
    classNames: listing.classNames,
    skipped,
    cached: false,
  };
  if (useCache) await writeCache(cacheDir, key, ds);
  return ds;
}

async function readCache(
  cacheDir: string,
  key: string,
  dir: string,
  classNames: string[] | undefined,
): Promise<FolderDataset | undefined> {
  try {
    const meta = JSON.parse(await readFile(join(cacheDir, `${key}.json`), 'utf8')) as {
      skipped: number;
      classNames?: string[];
      labels?: number[];
    };
    const images = parseNpy(await readFile(join(cacheDir, `${key}.npy`)), key) as HostTensor<'uint8'>;
    if (images.dtype !== 'uint8' || images.shape.length !== 4) return undefined;
    return {
      name: dir,
      images,
      labels: meta.labels ? Int32Array.from(meta.labels) : undefined,
      classNames: classNames ?? meta.classNames,
      skipped: meta.skipped,
      cached: true,
    };
  } catch {
    return undefined; // no cache, or an unreadable one: decode afresh
  }
}

async function writeCache(cacheDir: string, key: string, ds: FolderDataset): Promise<void> {
  try {
    mkdirSync(cacheDir, { recursive: true });
    await writeFileAtomic(join(cacheDir, `${key}.npy`), encodeNpy(ds.images));
    await writeFileAtomic(
      join(cacheDir, `${key}.json`),
      JSON.stringify({
        skipped: ds.skipped,
        classNames: ds.classNames,
        labels: ds.labels ? [...ds.labels] : undefined,
      }),
    );
  } catch {
    // A read-only data folder: no cache, the data is still good.
  }
}

/**
 * The images of a flat folder in file-name order, with their names, for
 * applying a model to a user's own files (restore, translate): no shuffle,
 * no cache. Every image must have the size the model takes, unless
 * `imageSize` resizes them.
 */
export async function readImageFiles(
  dir: string,
  options: { channels?: 1 | 3; imageSize?: number } = {},
): Promise<{ images: HostTensor<'uint8'>; files: string[] }> {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new GentorchError('E_DATA', `Expected a folder of images but ${dir} is not a folder`);
  const listing = listFolder(dir);
  if (listing.classNames)
    throw new GentorchError('E_DATA', `Expected image files directly in ${dir} but found class folders`);
  const channels = options.channels ?? (await firstChannels(listing.files[0]).catch(() => 3 as const));
  const { kept } = await decodeAll(dir, listing.files, channels, { imageSize: options.imageSize });
  const { width, height } = kept[0].r;
  const plane = width * height;
  const data = new Uint8Array(kept.length * channels * plane);
  kept.forEach(({ r }, j) => {
    for (let p = 0; p < plane; p++)
      for (let c = 0; c < channels; c++) data[j * channels * plane + c * plane + p] = r.data[p * channels + c];
  });
  return { images: { dtype: 'uint8', shape: [kept.length, channels, height, width], data }, files: listing.files };
}
