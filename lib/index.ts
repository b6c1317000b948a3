/**
 * gentorch: train, compare and apply VAEs and GANs from Node.js on libtorch.
 */
export { VAE, VERSION } from './vae.js';
export type { VaeOptions, FitOptions, FitProgress, FitHistory, EpochRecord, VaeEvaluation } from './vae.js';
export { VAE_DEFAULTS, FIT_DEFAULTS } from './config.js';
export type { VaeConfig, FitConfig } from './config.js';
export { GentorchError, isGentorchError } from './errors.js';
export type { ErrorCode } from './errors.js';
export type { HostTensor, DType } from './tensor.js';
export type { ImageDataset, Split } from './data.js';
export { installInfo } from './cli-info.js';
export { gridPng, writeGridPng } from './images.js';
export { readNpy, writeNpy } from './npy.js';
export { readIdx } from './idx.js';

import { fashionMnist, fromArrays, fromIdx, fromNpy, idxFolder, loadDataSpec } from './data.js';
import { VAE } from './vae.js';

/** Dataset sources. */
export const datasets = { fashionMnist, fromArrays, fromNpy, fromIdx, idxFolder, load: loadDataSpec };

/** Loads any gentorch checkpoint, rebuilt from its metadata. */
export async function load(path: string, options: { device?: string } = {}): Promise<VAE> {
  return VAE.load(path, options);
}
