/**
 * gentorch: train, compare and apply VAEs and GANs from Node.js on libtorch.
 */
export { VAE, VERSION } from './vae.js';
export type { VaeOptions, FitOptions, VaeEvaluation } from './vae.js';
export type { FitProgress, FitHistory, EpochRecord, FitCallbacks } from './fit.js';
export { VAE_DEFAULTS, FIT_DEFAULTS } from './config.js';
export type { VaeConfig, FitConfig, Precision, OnNan } from './config.js';
export { GentorchError, isGentorchError } from './errors.js';
export type { ErrorCode } from './errors.js';
export type { HostTensor, DType } from './tensor.js';
export type { ImageDataset, Split } from './data.js';
export { installInfo, setThreads } from './cli-info.js';
export { gridPng, writeGridPng } from './images.js';
export { readNpy, writeNpy } from './npy.js';
export { readIdx } from './idx.js';

export { GAN } from './gan.js';
export type { GanOptions, GanFitOptions } from './gan.js';
export { GAN_DEFAULTS, GAN_FIT_DEFAULTS, GAN_PRESETS } from './gan-config.js';
export type { GanConfig, GanFitConfig, GanLoss } from './gan-config.js';
export { SYNTHETIC, modeCoverage } from './synthetic.js';
export { Classifier, CLASSIFIER_DEFAULTS } from './classifier.js';
export type { ClassifierConfig } from './classifier.js';
export { featureFid, classCoverage, frechetDistance } from './metrics.js';
export type { ClassCoverage } from './metrics.js';
export { precisionRecall, psnr, activeUnits, lossOscillation } from './metrics.js';
export { compare, MODEL_PRESETS, DEFAULT_MODELS, DEFAULT_BUDGET_SECONDS } from './compare.js';
export type { CompareOptions, CompareProgress, ModelPreset } from './compare.js';
export { evaluate, judgeBench } from './evaluate.js';
export type { Evaluation, JudgeBench } from './evaluate.js';
export { interpolation, traversal, restore, corrupt } from './apply.js';
export type { Corruption, InterpolationOptions, TraversalOptions } from './apply.js';
export { summarize, renderReport } from './report.js';
export type { Summary } from './report.js';
export { RESULTS_SCHEMA } from './results.js';
export type * from './results.js';
export type { ModeCoverage, MixtureSpec, SyntheticName } from './synthetic.js';

import { readCheckpoint } from './checkpoint.js';
import { fashionMnist, fromArrays, fromIdx, fromNpy, idxFolder, loadDataSpec } from './data.js';
import { fromFolder } from './folder.js';
import { graft } from './errors.js';
import { GAN } from './gan.js';
import { synthetic } from './synthetic.js';
import { VAE } from './vae.js';

/** Dataset sources. */
export const datasets = { fashionMnist, fromArrays, fromNpy, fromIdx, idxFolder, fromFolder, synthetic, load: loadDataSpec };

/** Loads any gentorch checkpoint, a VAE or a GAN, rebuilt from its metadata. */
export async function load(path: string, options: { device?: string } = {}): Promise<VAE | GAN> {
  const callSite = new Error();
  try {
    const ckpt = await readCheckpoint(path);
    return ckpt.model === 'gan' ? await GAN.fromCheckpoint(path, ckpt, options) : await VAE.fromCheckpoint(path, ckpt, options);
  } catch (err) {
    throw graft(err, callSite);
  }
}
export { distributedFromEnv, resolveDistributed, DISTRIBUTED_DEFAULTS } from './distributed.js';
export type { DistributedOptions } from './distributed.js';
export type { FolderOptions, FolderDataset } from './folder.js';
