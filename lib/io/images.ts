/**
 * Image output with sharp: tensors of [N, C, H, W] values in [0, 1] become
 * PNG grids. C is 1 (grey) or 3 (RGB).
 */
import sharp from 'sharp';
import { GentorchError } from '../errors.js';
import { writeFileAtomic } from './fsutil.js';
import type { HostTensor } from '../tensor.js';

export interface GridOptions {
  /** Images per row (default: ceil(sqrt(N))). */
  columns?: number;
  /** Pixels between images (default 2). */
  padding?: number;
}

/** Lays images out in a grid as raw interleaved 8-bit pixels. */
export function gridPixels(
  t: HostTensor<'float32'>,
  options: GridOptions = {},
): { data: Uint8Array; width: number; height: number; channels: 1 | 3 } {
  if (t.shape.length !== 4)
    throw new GentorchError('E_SHAPE', `Expected images [N, C, H, W] but received [${t.shape.join(', ')}]`);
  const [n, c, h, w] = t.shape;
  if (c !== 1 && c !== 3)
    throw new GentorchError('E_SHAPE', `Expected 1 or 3 channels for an image grid but received ${c}`);
  const cols = Math.max(1, Math.min(n, options.columns ?? Math.ceil(Math.sqrt(n))));
  const rows = Math.ceil(n / cols);
  const pad = options.padding ?? 2;
  const width = cols * w + (cols + 1) * pad;
  const height = rows * h + (rows + 1) * pad;
  const out = new Uint8Array(width * height * c);
  for (let i = 0; i < n; i++) {
    const x0 = pad + (i % cols) * (w + pad);
    const y0 = pad + Math.floor(i / cols) * (h + pad);
    for (let ch = 0; ch < c; ch++) {
      const plane = (i * c + ch) * h * w;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const v = t.data[plane + y * w + x];
          out[((y0 + y) * width + x0 + x) * c + ch] = Math.round(Math.min(1, Math.max(0, v)) * 255);
        }
      }
    }
  }
  return { data: out, width, height, channels: c as 1 | 3 };
}

/** Encodes a grid of the images as PNG bytes. */
export async function gridPng(t: HostTensor<'float32'>, options: GridOptions = {}): Promise<Buffer> {
  const g = gridPixels(t, options);
  return sharp(g.data, { raw: { width: g.width, height: g.height, channels: g.channels } })
    .png()
    .toBuffer();
}

/** Writes a PNG grid of the images, atomically. */
export async function writeGridPng(path: string, t: HostTensor<'float32'>, options: GridOptions = {}): Promise<void> {
  await writeFileAtomic(path, await gridPng(t, options));
}

/** Interleaves originals and their reconstructions, row by row (2 rows per group). */
export function pairRows(
  originals: HostTensor<'float32'>,
  recons: HostTensor<'float32'>,
  columns: number,
): HostTensor<'float32'> {
  const [n, c, h, w] = recons.shape;
  const per = c * h * w;
  const out = new Float32Array(2 * n * per);
  let k = 0;
  for (let row = 0; row * columns < n; row++) {
    const lo = row * columns;
    const hi = Math.min(n, lo + columns);
    for (const src of [originals, recons]) {
      out.set(src.data.subarray(lo * per, hi * per), k * per);
      k += hi - lo;
    }
  }
  return { dtype: 'float32', shape: [2 * n, c, h, w], data: out };
}

/**
 * A scatter plot of 2-D points [N, ..., 2] as a square grey PNG: the points
 * dark on white, over faint marks at `modes`. Drawn by hand: a plot library
 * would be a large dependency for one picture of dots.
 */
export async function scatterPng(
  points: Float32Array,
  options: { size?: number; extent?: number; modes?: [number, number][] } = {},
): Promise<Buffer> {
  const size = options.size ?? 256;
  const extent = options.extent ?? 1.5;
  const img = new Uint8Array(size * size).fill(255);
  const px = (v: number): number => Math.round(((v + extent) / (2 * extent)) * (size - 1));
  const dot = (x: number, y: number, shade: number, r: number): void => {
    for (let dy = -r; dy <= r; dy++) {
      for (let dx = -r; dx <= r; dx++) {
        const cx = px(x) + dx;
        const cy = size - 1 - px(y) + dy;
        if (cx >= 0 && cy >= 0 && cx < size && cy < size) img[cy * size + cx] = Math.min(img[cy * size + cx], shade);
      }
    }
  };
  for (const [x, y] of options.modes ?? []) dot(x, y, 200, 3);
  for (let i = 0; i + 1 < points.length; i += 2) dot(points[i], points[i + 1], 0, 0);
  return sharp(img, { raw: { width: size, height: size, channels: 1 } })
    .png()
    .toBuffer();
}

/** One image [C, H, W] (values in [0, 1]) of a batch as PNG bytes. */
export async function imagePng(t: HostTensor<'float32'>, index: number): Promise<Buffer> {
  const [, c, h, w] = t.shape;
  const g = gridPixels(
    { dtype: 'float32', shape: [1, c, h, w], data: t.data.subarray(index * c * h * w, (index + 1) * c * h * w) },
    { padding: 0 },
  );
  return sharp(g.data, { raw: { width: g.width, height: g.height, channels: g.channels } })
    .png()
    .toBuffer();
}
