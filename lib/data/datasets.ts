/**
 * Datasets: images as one [N, C, H, W] tensor (uint8 0..255, or float32 in
 * [0, 1]) plus optional labels. Sources: the named Fashion-MNIST dataset,
 * a folder of IDX files, .npy files, and typed arrays from the caller.
 * uint8 pixels are scaled to [0, 1] on the device, once per fit.
 */
import { fromFolder, isImageFolder, type FolderOptions } from './folder.js';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GentorchError, describe, invalid } from '../errors.js';
import { readIdx } from '../io/idx.js';
import { readNpy } from '../io/npy.js';
import { numel, type HostTensor } from '../tensor.js';

/** Images, and labels when the source has them. */
export interface ImageDataset {
  /** Where it came from, for reports: "fashion-mnist:train", a path, "arrays". */
  name: string;
  /** [N, C, H, W]; uint8 (0..255) or float32 (0..1). */
  images: HostTensor<'uint8'> | HostTensor<'float32'>;
  labels?: Int32Array;
  /** Names of the classes, index = label (an image folder's sub-folders). */
  classNames?: string[];
}

export type Split = 'train' | 'test';

/** Default location of Fashion-MNIST (Debian's dataset-fashion-mnist package). */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

const IDX_FILES: Record<Split, [string, string]> = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
};

function findIdx(dir: string, base: string): string {
  for (const name of [`${base}.gz`, base]) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  throw new GentorchError('E_DATA', `Expected ${base}[.gz] in ${dir} but it is not there`);
}

/** Makes [N, H, W] images [N, 1, H, W]; checks the result is 4-D. */
function asNchw(t: HostTensor, name: string): HostTensor {
  if (t.shape.length === 3) return { ...t, shape: [t.shape[0], 1, t.shape[1], t.shape[2]] };
  if (t.shape.length === 2) return { ...t, shape: [t.shape[0], 1, 1, t.shape[1]] };
  if (t.shape.length === 4) return t;
  throw new GentorchError(
    'E_SHAPE',
    `Expected images of shape [N, H, W] or [N, C, H, W] in ${name} but received [${t.shape.join(', ')}]`,
  );
}

/** Checks pixel data: uint8 as is; float32/float64 finite and within [0, 1]. */
function checkPixels(t: HostTensor, name: string): HostTensor<'uint8'> | HostTensor<'float32'> {
  if (t.dtype === 'uint8') return t as HostTensor<'uint8'>;
  if (t.dtype !== 'float32' && t.dtype !== 'float64') {
    throw new GentorchError('E_DATA', `Expected uint8 or float32 pixels in ${name} but received ${t.dtype}`);
  }
  const src = t.data as Float32Array | Float64Array;
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (!(v >= 0 && v <= 1)) {
      throw new GentorchError(
        'E_DATA',
        `Expected pixel values in [0, 1] in ${name} but element ${i} is ${v}` +
          ' (uint8 data is scaled by 1/255 automatically)',
      );
    }
  }
  const data = src instanceof Float32Array ? src : Float32Array.from(src);
  return { dtype: 'float32', shape: t.shape, data };
}

function checkLabels(labels: HostTensor | Int32Array | undefined, n: number, name: string): Int32Array | undefined {
  if (labels === undefined) return undefined;
  const data = labels instanceof Int32Array ? labels : Int32Array.from(labels.data as ArrayLike<number>, Number);
  if (data.length !== n)
    throw new GentorchError('E_DATA', `Expected ${n} labels for ${name} but received ${data.length}`);
  return data;
}

/** Reads a pair of IDX files (images, optional labels) into a dataset. */
export async function fromIdx(imagesPath: string, labelsPath?: string, name = imagesPath): Promise<ImageDataset> {
  const [imgs, labels] = await Promise.all([readIdx(imagesPath), labelsPath ? readIdx(labelsPath) : undefined]);
  const images = checkPixels(asNchw(imgs, imagesPath), imagesPath);
  return { name, images, labels: checkLabels(labels, images.shape[0], labelsPath ?? imagesPath) };
}

/**
 * Fashion-MNIST (60,000 train and 10,000 test images, 28x28). The folder is
 * `options.dir`, else $GENTORCH_FASHION_MNIST_DIR, else /usr/share/datasets/fashion-mnist.
 */
export async function fashionMnist(options: { split?: Split; dir?: string } = {}): Promise<ImageDataset> {
  const split = options.split ?? 'train';
  if (split !== 'train' && split !== 'test') throw invalid('split train or test', 'split', split);
  const dir = options.dir ?? process.env.GENTORCH_FASHION_MNIST_DIR ?? FASHION_MNIST_DIR;
  if (!existsSync(dir)) {
    throw new GentorchError(
      'E_DATA',
      `Fashion-MNIST not found in ${dir}: install it with ` +
        '`sudo apt-get install dataset-fashion-mnist`, or set GENTORCH_FASHION_MNIST_DIR',
    );
  }
  return { ...(await idxFolder(dir, split, `fashion-mnist:${split}`)), classNames: [...FASHION_MNIST_CLASSES] };
}

/** Fashion-MNIST's classes by label, as zalandoresearch/fashion-mnist names them. */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

/** A folder in the MNIST layout (train-images-idx3-ubyte[.gz], t10k-...). */
export async function idxFolder(dir: string, split: Split, name = `${dir}:${split}`): Promise<ImageDataset> {
  const [img, lab] = IDX_FILES[split];
  const imagesPath = findIdx(dir, img);
  let labelsPath: string | undefined;
  try {
    labelsPath = findIdx(dir, lab);
  } catch {
    labelsPath = undefined;
  }
  return fromIdx(imagesPath, labelsPath, name);
}

/** Images from a .npy file ([N, H, W] or [N, C, H, W], uint8 or float in [0, 1]); labels from another. */
export async function fromNpy(path: string, options: { labels?: string } = {}): Promise<ImageDataset> {
  const t = await readNpy(path);
  const images = checkPixels(asNchw(t, path), path);
  const labels = options.labels ? await readNpy(options.labels) : undefined;
  return { name: path, images, labels: checkLabels(labels, images.shape[0], options.labels ?? path) };
}

/** Images the caller holds: `{ data, shape: [N, C, H, W] or [N, H, W] }`. */
export function fromArrays(input: {
  data: Uint8Array | Float32Array;
  shape: number[];
  labels?: Int32Array;
  name?: string;
}): ImageDataset {
  if (input === null || typeof input !== 'object')
    throw invalid('an object { data, shape }', 'images', input, 'E_DATA');
  const { data, shape } = input;
  if (!(data instanceof Uint8Array) && !(data instanceof Float32Array)) {
    throw invalid('Uint8Array or Float32Array', 'data', data, 'E_DATA');
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw invalid('an array of non-negative integers', 'shape', shape, 'E_SHAPE');
  }
  if (numel(shape) !== data.length) {
    throw new GentorchError(
      'E_SHAPE',
      `Expected ${numel(shape)} elements for shape [${shape.join(', ')}] but received ${describe(data)}`,
    );
  }
  const name = input.name ?? 'arrays';
  const t = asNchw({ dtype: data instanceof Uint8Array ? 'uint8' : 'float32', shape, data } as HostTensor, name);
  const images = checkPixels(t, name);
  return { name, images, labels: checkLabels(input.labels, images.shape[0], name) };
}

/** The first `n` images (and labels) of a dataset, without copying. */
export function take(ds: ImageDataset, n: number): ImageDataset {
  const [total, c, h, w] = ds.images.shape;
  const k = Math.min(n, total);
  const per = c * h * w;
  const data = ds.images.data.subarray(0, k * per);
  return {
    name: ds.name,
    images: { dtype: ds.images.dtype, shape: [k, c, h, w], data } as ImageDataset['images'],
    labels: ds.labels?.subarray(0, k),
    ...(ds.classNames ? { classNames: ds.classNames } : {}),
  };
}

/** Splits off the last `fraction` of images as a held-out set (at least one image). */
export function holdOut(ds: ImageDataset, fraction = 0.1): { train: ImageDataset; test: ImageDataset } {
  const [n, c, h, w] = ds.images.shape;
  if (n < 2)
    throw new GentorchError(
      'E_DATA',
      `Expected at least 2 images in ${ds.name} to hold some out for testing but received ${n}`,
    );
  const testN = Math.max(1, Math.floor(n * fraction));
  const per = c * h * w;
  const cut = (n - testN) * per;
  const part = (lo: number, hi: number, count: number, suffix: string): ImageDataset => ({
    name: `${ds.name}:${suffix}`,
    images: {
      dtype: ds.images.dtype,
      shape: [count, c, h, w],
      data: ds.images.data.subarray(lo, hi),
    } as ImageDataset['images'],
    labels: ds.labels?.subarray(lo / per, hi / per),
  });
  return { train: part(0, cut, n - testN, 'train'), test: part(cut, n * per, testN, 'test') };
}

/**
 * Resolves a `--data` spec: "fashion-mnist", a folder of IDX files, a folder
 * of images (or of class folders of images; lib/data/folder.ts), a .npy file, or
 * an IDX file. Returns the train and test sets (an image folder, a .npy or a
 * single IDX file holds out its last 10% for testing).
 */
export async function loadDataSpec(
  spec: string,
  folder: FolderOptions = {},
): Promise<{ train: ImageDataset; test: ImageDataset; skipped?: number }> {
  if (typeof spec !== 'string' || spec.length === 0)
    throw invalid('fashion-mnist, a folder or a .npy file', 'data', spec);
  if (spec === 'fashion-mnist') {
    const [train, test] = await Promise.all([fashionMnist({ split: 'train' }), fashionMnist({ split: 'test' })]);
    return { train, test };
  }
  if (!existsSync(spec))
    throw new GentorchError(
      'E_DATA',
      `Expected fashion-mnist, a folder or a .npy file for data but ${spec} does not exist`,
    );
  if (statSync(spec).isDirectory() && isImageFolder(spec)) {
    const ds = await fromFolder(spec, folder);
    const { train, test } = holdOut(ds);
    return {
      train: { ...train, classNames: ds.classNames },
      test: { ...test, classNames: ds.classNames },
      skipped: ds.skipped,
    };
  }
  if (statSync(spec).isDirectory()) {
    const [train, test] = await Promise.all([idxFolder(spec, 'train'), idxFolder(spec, 'test')]);
    return { train, test };
  }
  const ds = spec.endsWith('.npy') ? await fromNpy(spec) : await fromIdx(spec);
  return holdOut(ds);
}

/** uint8 images as floats in [0, 1] (float32 ones as they are). */
export function toFloat(images: ImageDataset['images']): HostTensor<'float32'> {
  if (images.dtype === 'float32') return images;
  const data = new Float32Array(images.data.length);
  for (let i = 0; i < data.length; i++) data[i] = images.data[i] / 255;
  return { dtype: 'float32', shape: images.shape, data };
}
