/**
 * Compression as a rate-distortion curve: bytes per image against PSNR and
 * SSIM, for latent codes (a VAE's posterior means, a GAN's inverted codes)
 * stored at several precisions, beside JPEG and WebP files of the same
 * images written by sharp (libvips) at several qualities.
 *
 * Codes need no side information: the prior N(0, I) fixes their range, so a
 * b-bit code is a uniform quantiser over [-4, 4] that every reader knows.
 * Bytes per image count what a real file needs: ceil(d * bits / 8) for a
 * code, the whole encoded file (headers included) for JPEG and WebP.
 * SSIM is written here (Wang et al. 2004: 11x11 Gaussian window, sigma 1.5,
 * K1 0.01, K2 0.03, peak 1, the mean over channels): no npm library computes
 * it on our float tensors without converting them to 8-bit RGBA canvases.
 */
import sharp from 'sharp';
import { checkPositiveInt } from '../config/validate.js';
import { invalid } from '../errors.js';
import type { HostTensor } from '../tensor.js';
import { roundToFloat16 } from './metrics.js';
import { maskedPsnr } from './restore.js';
import type { RatePoint } from '../report/results.js';

export type { RatePoint };

/** Code precisions measured: bits per coordinate (32 and 16 are floats, the rest uniform over [-4, 4]). */
export const CODE_BITS = [32, 16, 8, 6, 4] as const;
/** JPEG and WebP qualities measured. */
export const CODEC_QUALITIES = [5, 10, 25, 50, 75, 90] as const;

const CODE_RANGE = 4;

/** Codes as a b-bit store would give them back: float32 as is, float16 rounded, else uniform levels over [-4, 4]. */
export function quantizeCodes(codes: Float32Array, bits: number): Float32Array {
  if (bits === 32) return Float32Array.from(codes);
  if (bits === 16) return Float32Array.from(codes, roundToFloat16);
  checkPositiveInt(bits, 'bits');
  const levels = 2 ** bits - 1;
  const step = (2 * CODE_RANGE) / levels;
  return Float32Array.from(codes, (v) => {
    const k = Math.round((Math.min(CODE_RANGE, Math.max(-CODE_RANGE, v)) + CODE_RANGE) / step);
    return -CODE_RANGE + k * step;
  });
}

/** Bytes a code of d coordinates at `bits` each takes in a file. */
export const codeBytes = (d: number, bits: number): number => Math.ceil((d * bits) / 8);

/** 1-D Gaussian weights of the SSIM window. */
function gaussianWindow(size = 11, sigma = 1.5): Float64Array {
  const w = Float64Array.from({ length: size }, (_, i) => Math.exp(-((i - (size - 1) / 2) ** 2) / (2 * sigma * sigma)));
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / s);
}

/** Separable 'valid' filtering of one H x W plane with window g. */
function filterPlane(
  x: Float64Array,
  h: number,
  w: number,
  g: Float64Array,
): { data: Float64Array; h: number; w: number } {
  const k = g.length;
  const ow = w - k + 1;
  const oh = h - k + 1;
  const rows = new Float64Array(h * ow);
  for (let y = 0; y < h; y++)
    for (let x0 = 0; x0 < ow; x0++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += g[j] * x[y * w + x0 + j];
      rows[y * ow + x0] = s;
    }
  const out = new Float64Array(oh * ow);
  for (let y0 = 0; y0 < oh; y0++)
    for (let x = 0; x < ow; x++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += g[j] * rows[(y0 + j) * ow + x];
      out[y0 * ow + x] = s;
    }
  return { data: out, h: oh, w: ow };
}

/** Mean SSIM of two batches [N, C, H, W] in [0, 1] (images at least 11 x 11). */
export function ssim(a: HostTensor<'float32'>, b: HostTensor<'float32'>): number {
  const [n, c, h, w] = a.shape;
  if (b.shape.join() !== a.shape.join()) throw invalid(`shape [${a.shape.join(', ')}]`, 'images', b.shape, 'E_SHAPE');
  if (h < 11 || w < 11) throw invalid('images of at least 11 x 11', 'images', `${w} x ${h}`, 'E_SHAPE');
  const g = gaussianWindow();
  const c1 = 0.01 ** 2;
  const c2 = 0.03 ** 2;
  let total = 0;
  for (let p = 0; p < n * c; p++) {
    const x = Float64Array.from(a.data.subarray(p * h * w, (p + 1) * h * w));
    const y = Float64Array.from(b.data.subarray(p * h * w, (p + 1) * h * w));
    const f = (t: Float64Array) => filterPlane(t, h, w, g).data;
    const mx = f(x);
    const my = f(y);
    const sxx = f(x.map((v) => v * v));
    const syy = f(y.map((v) => v * v));
    const sxy = f(x.map((v, i) => v * y[i]));
    let s = 0;
    for (let i = 0; i < mx.length; i++) {
      const vx = sxx[i] - mx[i] ** 2;
      const vy = syy[i] - my[i] ** 2;
      const cxy = sxy[i] - mx[i] * my[i];
      s += ((2 * mx[i] * my[i] + c1) * (2 * cxy + c2)) / ((mx[i] ** 2 + my[i] ** 2 + c1) * (vx + vy + c2));
    }
    total += s / mx.length;
  }
  return total / (n * c);
}

/** One image [C, H, W] of a batch as interleaved 8-bit pixels for sharp. */
function rawPixels(t: HostTensor<'float32'>, i: number): Buffer {
  const [, c, h, w] = t.shape;
  const out = Buffer.alloc(c * h * w);
  for (let ch = 0; ch < c; ch++)
    for (let p = 0; p < h * w; p++)
      out[p * c + ch] = Math.round(Math.min(1, Math.max(0, t.data[(i * c + ch) * h * w + p])) * 255);
  return out;
}

/**
 * JPEG or WebP at one quality: every image written to a real file in memory,
 * decoded back; the mean file size and the decoded images.
 */
export async function codecRoundTrip(
  images: HostTensor<'float32'>,
  codec: 'jpeg' | 'webp',
  quality: number,
): Promise<{ bytesPerImage: number; decoded: HostTensor<'float32'> }> {
  const [n, c, h, w] = images.shape;
  const decoded = new Float32Array(images.data.length);
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const raw = sharp(rawPixels(images, i), { raw: { width: w, height: h, channels: c as 1 | 3 } });
    const file = await (codec === 'jpeg' ? raw.jpeg({ quality }) : raw.webp({ quality })).toBuffer();
    bytes += file.length;
    let back = sharp(file);
    back = c === 1 ? back.greyscale() : back.removeAlpha();
    const { data, info } = await back.raw().toBuffer({ resolveWithObject: true });
    for (let ch = 0; ch < c; ch++)
      for (let p = 0; p < h * w; p++) decoded[(i * c + ch) * h * w + p] = data[p * info.channels + ch] / 255;
  }
  return { bytesPerImage: bytes / n, decoded: { dtype: 'float32', shape: [...images.shape], data: decoded } };
}

/** The JPEG and WebP curves of `images` at CODEC_QUALITIES. */
export async function codecCurves(images: HostTensor<'float32'>): Promise<RatePoint[]> {
  const points: RatePoint[] = [];
  for (const codec of ['jpeg', 'webp'] as const) {
    for (const quality of CODEC_QUALITIES) {
      const { bytesPerImage, decoded } = await codecRoundTrip(images, codec, quality);
      points.push({
        scheme: codec,
        setting: quality,
        bytesPerImage,
        psnr: maskedPsnr(images, decoded),
        ssim: ssim(images, decoded),
      });
    }
  }
  return points;
}

/**
 * A model's curve: its codes of `images` stored at each of CODE_BITS, decoded
 * back through `decode`, measured against `images`.
 */
export async function codeCurve(
  scheme: string,
  images: HostTensor<'float32'>,
  codes: HostTensor<'float32'>,
  decode: (z: { data: Float32Array; shape: number[] }) => Promise<HostTensor<'float32'>>,
): Promise<RatePoint[]> {
  const d = codes.shape[1];
  const points: RatePoint[] = [];
  for (const bits of CODE_BITS) {
    const back = await decode({ data: quantizeCodes(codes.data, bits), shape: codes.shape });
    points.push({
      scheme,
      setting: bits,
      bytesPerImage: codeBytes(d, bits),
      psnr: maskedPsnr(images, back),
      ssim: ssim(images, back),
    });
  }
  return points;
}
