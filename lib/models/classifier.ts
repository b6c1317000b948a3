/**
 * The judge: a small CNN classifier trained on the labelled dataset, whose
 * penultimate features give the domain-feature FID and whose predictions give
 * class coverage (Inception weights cannot be downloaded here). Trained once
 * per dataset and cached as safetensors.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { readCheckpoint, rebuild, writeCheckpoint } from './checkpoint.js';
import {
  resolveClassifierConfig,
  resolveClassifierFitConfig,
  type ClassifierConfig,
  type ClassifierFitConfig,
} from '../config/classifier.js';
import { checkDeviceSpec, checkSeed } from '../config/validate.js';
import type { ImageDataset } from '../data/datasets.js';
import { GentorchError, graft } from '../errors.js';
import { runFit, type FitCallbacks, type FitHistory, type FitProgress } from './fit.js';
import { native, type NativeClassifierHandle, type TensorArg } from '../native.js';
import type { HostTensor } from '../tensor.js';

/** Where gentorch caches what it trained for itself: $GENTORCH_CACHE_DIR, else the XDG cache folder's gentorch. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GENTORCH_CACHE_DIR) return env.GENTORCH_CACHE_DIR;
  // The XDG Base Directory spec: a relative XDG_CACHE_HOME is invalid and ignored.
  const xdg = env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(xdg, 'gentorch');
}

export { CLASSIFIER_DEFAULTS, type ClassifierConfig } from '../config/classifier.js';

export interface ClassifierFitOptions extends FitCallbacks, Partial<ClassifierFitConfig> {}

const imagesArg = (t: HostTensor | ImageDataset['images']): TensorArg => ({ data: t.data, shape: t.shape });

function labelsOf(ds: ImageDataset): TensorArg {
  if (!ds.labels) throw new GentorchError('E_DATA', `Expected labels in ${ds.name} to train or score the classifier`);
  return { data: ds.labels, shape: [ds.labels.length] };
}

export class Classifier {
  readonly config: ClassifierConfig;
  readonly device: string;
  #handle: NativeClassifierHandle | undefined;

  constructor(options: Partial<ClassifierConfig> & { device?: string; seed?: number } = {}) {
    const { device = 'auto', seed = 1, ...config } = options;
    this.config = resolveClassifierConfig(config);
    checkDeviceSpec(device);
    this.#handle = new (native().ClassifierHandle)(this.config, device, checkSeed(seed));
    this.device = this.#handle.info().device;
  }

  get #live(): NativeClassifierHandle {
    if (!this.#handle) throw new GentorchError('E_DISPOSED', 'This classifier was disposed');
    return this.#handle;
  }

  /** Trains on labelled images (cross-entropy, Adam). */
  async fit(data: ImageDataset, options: ClassifierFitOptions = {}): Promise<FitHistory> {
    const { signal, onProgress, onEpoch, ...rest } = options;
    const cfg = resolveClassifierFitConfig(rest);
    const handle = this.#live;
    return runFit({
      handle,
      callSite: new Error(),
      checkpointEvery: 0,
      totalSteps: cfg.epochs * Math.ceil(data.images.shape[0] / cfg.batchSize),
      callbacks: { signal, onProgress, onEpoch },
      start: (onEvent) => handle.fit(imagesArg(data.images), labelsOf(data), cfg, onEvent),
      writeCheckpoint: async () => undefined,
    });
  }

  /** Fraction of labelled images classified correctly. */
  async accuracy(data: ImageDataset): Promise<number> {
    const callSite = new Error();
    return this.#live.accuracy(imagesArg(data.images), labelsOf(data)).catch((e) => {
      throw graft(e, callSite);
    });
  }

  /** Penultimate features [N, featureDim] (float64) of images (uint8, or float in [0, 1]). */
  async features(images: HostTensor | ImageDataset['images']): Promise<HostTensor<'float64'>> {
    const callSite = new Error();
    return this.#live.features(imagesArg(images)).catch((e) => {
      throw graft(e, callSite);
    });
  }

  /** Class probabilities [N, numClasses]. */
  async probabilities(images: HostTensor | ImageDataset['images']): Promise<HostTensor<'float32'>> {
    const callSite = new Error();
    return this.#live.probabilities(imagesArg(images)).catch((e) => {
      throw graft(e, callSite);
    });
  }

  async save(path: string, meta: Record<string, unknown> = {}): Promise<void> {
    const { tensors, state } = await this.#live.exportState(false);
    await writeCheckpoint(path, { model: 'classifier', config: { ...this.config, ...meta }, training: state }, tensors);
  }

  static async load(
    path: string,
    options: { device?: string } = {},
  ): Promise<{ classifier: Classifier; meta: Record<string, unknown> }> {
    const ckpt = await readCheckpoint(path);
    const { testAccuracy, data, ...config } = ckpt.config as Record<string, unknown>;
    const classifier = await rebuild(
      path,
      ckpt,
      'classifier',
      () =>
        new Classifier({ ...(config as Partial<ClassifierConfig>), device: options.device, seed: ckpt.training.seed }),
      (c) => c.#live.importState(ckpt.tensors, ckpt.training),
    );
    return { classifier, meta: { testAccuracy, data } };
  }

  /**
   * The judge for a dataset: loaded from the cache ($GENTORCH_CACHE_DIR, else
   * $XDG_CACHE_HOME/gentorch, else ~/.cache/gentorch) when one was trained on the same images, labels and
   * settings, else trained (3 epochs) and cached. Its test accuracy goes beside every FID.
   */
  static async forDataset(
    train: ImageDataset,
    test: ImageDataset,
    options: { device?: string; cacheDir?: string; epochs?: number; onProgress?: (p: FitProgress) => void } = {},
  ): Promise<{ classifier: Classifier; testAccuracy: number; path: string }> {
    const epochs = options.epochs ?? 3;
    const [, c, h, w] = train.images.shape;
    labelsOf(train);
    const numClasses = train.labels!.reduce((m, v) => Math.max(m, v), 0) + 1;
    const hash = createHash('sha256');
    hash.update(JSON.stringify({ shape: train.images.shape, dtype: train.images.dtype, numClasses, epochs, v: 2 }));
    hash.update(new Uint8Array(train.images.data.buffer, train.images.data.byteOffset, train.images.data.byteLength));
    hash.update(new Uint8Array(train.labels!.buffer, train.labels!.byteOffset, train.labels!.byteLength));
    const dir = options.cacheDir ?? cacheDir();
    const path = join(dir, `classifier-${hash.digest('hex').slice(0, 16)}.safetensors`);
    if (existsSync(path)) {
      const { classifier, meta } = await Classifier.load(path, { device: options.device });
      return { classifier, testAccuracy: Number(meta.testAccuracy), path };
    }
    const classifier = new Classifier({ channels: c, height: h, width: w, numClasses, device: options.device });
    await classifier.fit(train, { epochs, onProgress: options.onProgress });
    const testAccuracy = await classifier.accuracy(test);
    mkdirSync(dir, { recursive: true });
    await classifier.save(path, { testAccuracy, data: train.name });
    return { classifier, testAccuracy, path };
  }

  dispose(): void {
    this.#handle?.dispose();
    this.#handle = undefined;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
