/**
 * The latent explorer of a trained model (lib/report/explorer.ts draws the
 * page): a VAE's codes of real images, their variance per dimension (the
 * sliders' order) and principal plane (the map); a GAN's prior draws. The
 * decoder goes into the page as ONNX (lib/io/onnx.ts).
 */
import { existsSync } from 'node:fs';
import { checkPositiveInt, checkSeed, rejectUnknownKeys } from '../config/validate.js';
import { take, type ImageDataset } from '../data/datasets.js';
import { GentorchError, invalid } from '../errors.js';
import { writeFileAtomic } from '../io/fsutil.js';
import { GAN } from '../models/gan.js';
import { VAE } from '../models/vae.js';
import { explorerHtml, ortWebAssets, type ExplorerInput } from '../report/explorer.js';
import { ACTIVE_VARIANCE, latentVariance, principalPlane, projectOnPlane } from './metrics.js';
import { gaussianSource } from './apply.js';

export interface ExploreOptions {
  /** A VAE's images to encode for the map, the sliders' order and the morph (required for a VAE). */
  data?: ImageDataset;
  /** How many of them (default 2000), or how many prior draws for a GAN (default 64). */
  points?: number;
  /** Seed of a GAN's prior draws (default the model's). */
  seed?: number;
  /** The page's title (default: the model kind). */
  title?: string;
}

export const EXPLORE_DEFAULTS = Object.freeze({ vaePoints: 2000, ganPoints: 64 });

/** The explorer page of a VAE or a GAN, as one self-contained HTML string. */
export async function explorerPage(model: VAE | GAN, options: ExploreOptions = {}): Promise<string> {
  if (options === null || typeof options !== 'object') throw invalid('an object', 'options', options);
  rejectUnknownKeys(options, ['data', 'points', 'seed', 'title'], 'explore');
  const ort = ortWebAssets();
  const [c, h, w] = [model.config.channels, model.config.height, model.config.width];
  const d = model.config.latentDim;
  const common = { latentDim: d, image: [c, h, w] as [number, number, number], ort };
  let input: ExplorerInput;
  if (model instanceof VAE) {
    if (!options.data)
      throw new GentorchError(
        'E_CONFIG',
        'Expected data (images to encode) for the explorer of a VAE but received none',
      );
    const n = checkPositiveInt(options.points ?? EXPLORE_DEFAULTS.vaePoints, 'points');
    const images = take(options.data, Math.min(n, options.data.images.shape[0]));
    const { mu } = await model.encode(images);
    const variance = latentVariance(mu);
    const dims = variance.map((v, index) => ({ index, variance: Math.round(Math.max(0, v) * 1e4) / 1e4 }));
    dims.sort((a, b) => b.variance - a.variance || a.index - b.index);
    const plane = principalPlane(mu);
    const [x, y] = projectOnPlane(mu, plane).map((c) => c.map((v) => Math.round(v * 1e4) / 1e4));
    input = {
      ...common,
      kind: 'vae',
      title: options.title ?? 'VAE',
      onnx: (await model.onnx({ part: 'decoder' })).bytes,
      numClasses: 0,
      classNames: images.classNames,
      dims,
      activeUnits: variance.filter((v) => v > ACTIVE_VARIANCE).length,
      codes: mu.data,
      labels: images.labels ? Array.from(images.labels) : undefined,
      map: {
        x,
        y,
        mean: Array.from(plane.mean),
        axes: [Array.from(plane.axes[0]), Array.from(plane.axes[1])],
        explained: plane.explained,
      },
    };
  } else {
    if (options.data) throw new GentorchError('E_CONFIG', 'A GAN has no encoder: its explorer takes no data');
    const n = checkPositiveInt(options.points ?? EXPLORE_DEFAULTS.ganPoints, 'points');
    const normal = gaussianSource(checkSeed(options.seed ?? model.seed));
    input = {
      ...common,
      kind: 'gan',
      title: options.title ?? 'GAN',
      onnx: (await model.onnx({ part: 'generator' })).bytes,
      numClasses: model.config.numClasses,
      classNames: model.classNames,
      dims: Array.from({ length: d }, (_, index) => ({ index })),
      codes: Float32Array.from({ length: n * d }, normal),
    };
  }
  return explorerHtml(input);
}

/** Writes explorerPage() to `path` atomically; refuses to replace a file unless `overwrite`. */
export async function writeExplorer(
  model: VAE | GAN,
  path: string,
  options: ExploreOptions & { overwrite?: boolean } = {},
): Promise<{ path: string; bytes: number }> {
  if (typeof path !== 'string' || path.length === 0) throw invalid('a file path', 'path', path);
  const { overwrite, ...rest } = options ?? {};
  if (overwrite === false && existsSync(path))
    throw new GentorchError('E_IO', `Refusing to overwrite ${path}; pass --force to replace it`);
  const html = await explorerPage(model, rest);
  await writeFileAtomic(path, html);
  return { path, bytes: Buffer.byteLength(html) };
}
