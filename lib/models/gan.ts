/**
 * The generative adversarial network: a generator G(z) and a discriminator
 * D(x) trained against each other on min_G max_D E[log D(x)] + E[log(1 - D(G(z)))],
 * D step then G step, in C++ on a thread of its own.
 */
import { readCheckpoint, rebuild, writeCheckpoint, type Checkpoint } from './checkpoint.js';
import { checkDeviceSpec, checkPositiveInt, checkSeed, rejectUnknownKeys } from '../config/validate.js';
import { fromArrays, type ImageDataset } from '../data/datasets.js';
import { GentorchError, graft, invalid } from '../errors.js';
import { onnxOf, writeOnnx, type ExportSource, type OnnxExport, type OnnxFile } from '../io/onnx.js';
import {
  CALLBACK_KEYS,
  checkValidationShape,
  fitDistributed,
  runFit,
  stepsOfFit,
  type FitCallbacks,
  type FitHistory,
  type GanSamplesCallback,
} from './fit.js';
import { checkFitCallbacks, type EarlyStopping } from './early-stopping.js';
import {
  GAN_FIT_DEFAULTS,
  resolveGanConfig,
  resolveGanFitConfig,
  type GanConfig,
  type GanFitConfig,
} from '../config/gan.js';
import {
  native,
  type NativeCheckpointEvent,
  type NativeGanHandle,
  type NativeTrainingState,
  type TensorArg,
} from '../native.js';
import type { HostTensor } from '../tensor.js';
import { searchArgs, timedSearch, type SearchOptions, type SearchResult } from './search.js';
import { VERSION } from '../version.js';

/** Options of `new GAN()`: the config plus where and how to run. */
export interface GanOptions extends Partial<GanConfig> {
  /** 'auto' (CUDA when present), 'cpu', 'cuda' or 'cuda:N'. */
  device?: string;
  /** Seed of the weights, the data order and the noise (default 1). */
  seed?: number;
}

export interface GanFitOptions extends Partial<GanFitConfig>, FitCallbacks {
  /**
   * The fixed-noise samples of sampleEvery: the same codes drawn by G at the
   * fit's start, every sampleEvery G steps and at its end, [sampleCount, C,
   * H, W] in [0, 1] (as generate() draws them). Not awaited between steps.
   */
  onSamples?: GanSamplesCallback;
  /**
   * Held-out real images (the types fit() takes for data; with labels for a
   * conditional GAN): after every epoch, D and G are measured on them and on
   * as many images of G from fixed codes, in eval mode without updating
   * anything, and the epoch's record gets `valLosses` { dLoss, gLoss, dReal,
   * dFake } (the training objectives; WGAN-GP's gradient penalty left out).
   * A dLoss that falls on training data but rises here is D memorising the
   * training set. The training itself is the same with or without them.
   */
  validationData?: Images;
  /**
   * earlyStopping() callbacks, as tfjs takes them: monitor a training loss
   * ('dLoss', 'gLoss', 'dReal', 'dFake', 'gradNormD', 'gradNormG') or a
   * validation one ('val_dLoss', 'val_gLoss', 'val_dReal', 'val_dFake').
   */
  callbacks?: EarlyStopping | EarlyStopping[];
}

/** The losses a GAN's fit reports by name, and those of its validation. */
const GAN_LOSSES = ['dLoss', 'gLoss', 'dReal', 'dFake', 'gradNormD', 'gradNormG'];
const GAN_VAL_LOSSES = ['dLoss', 'gLoss', 'dReal', 'dFake'];

type Images = ImageDataset | { data: Uint8Array | Float32Array; shape: number[]; labels?: Int32Array };

const FIT_KEYS = [...Object.keys(GAN_FIT_DEFAULTS), ...CALLBACK_KEYS, 'onSamples', 'validationData', 'callbacks'];

function toArgs(images: Images): { x: TensorArg; labels?: Int32Array } {
  // fromArrays names what is wrong with anything but a dataset, a string or null included.
  if (typeof images === 'object' && images !== null && 'images' in images)
    return { x: { data: images.images.data, shape: images.images.shape }, labels: images.labels };
  const ds = fromArrays(images);
  return { x: { data: ds.images.data, shape: ds.images.shape }, labels: ds.labels };
}

export class GAN {
  readonly config: GanConfig;
  readonly device: string;
  readonly seed: number;
  #handle: NativeGanHandle | undefined;
  #lastFit: GanFitConfig | undefined;
  /**
   * Names of the classes of a conditional GAN, index = label (from an image
   * folder's sub-folders); saved in checkpoints. Undefined when unnamed.
   */
  classNames: string[] | undefined;

  constructor(options: GanOptions = {}) {
    if (options === null || typeof options !== 'object') throw invalid('an object', 'GAN options', options);
    const { device = 'auto', seed = 1, ...config } = options;
    this.config = resolveGanConfig(config);
    this.seed = checkSeed(seed);
    checkDeviceSpec(device);
    this.#handle = new (native().GanHandle)(this.config, device, this.seed);
    this.device = this.#handle.info().device;
  }

  get #live(): NativeGanHandle {
    if (!this.#handle) throw new GentorchError('E_DISPOSED', 'This GAN was disposed');
    return this.#handle;
  }

  /** Where training stands: G steps, completed epochs, batches into the current epoch. */
  get trainingState(): NativeTrainingState {
    return this.#live.info().state;
  }

  get parameterCount(): number {
    return this.#live.info().parameterCount;
  }

  /** The fit options of the last fit (or of the loaded checkpoint's). */
  get lastFit(): Readonly<GanFitConfig> | undefined {
    return this.#lastFit;
  }

  /** Given labels, checked; or for a conditional model without them, the classes in turn. */
  #checkedLabels(given: Int32Array | undefined, n: number): Int32Array | undefined {
    let labels = given;
    if (this.config.numClasses > 0 && !labels)
      labels = Int32Array.from({ length: n }, (_, i) => i % this.config.numClasses);
    if (labels) {
      const bad = labels.find((v) => v < 0 || v >= this.config.numClasses);
      if (bad !== undefined) throw invalid(`label in [0, ${this.config.numClasses - 1}]`, 'labels', bad);
    }
    return labels;
  }

  #labelsArg(labels: Int32Array | undefined, n: number): TensorArg | undefined {
    if (this.config.numClasses === 0) return undefined;
    if (!labels)
      throw new GentorchError(
        'E_DATA',
        `Expected labels for a conditional GAN (${this.config.numClasses} classes) but received none`,
      );
    if (labels.length !== n) throw new GentorchError('E_DATA', `Expected ${n} labels but received ${labels.length}`);
    return { data: labels, shape: [n] };
  }

  /** Trains for `epochs` more epochs (or `steps` more G steps). */
  async fit(data: Images, options: GanFitOptions = {}): Promise<FitHistory> {
    const callSite = new Error();
    rejectUnknownKeys(options, FIT_KEYS, 'fit');
    const {
      signal,
      onProgress,
      onEpoch,
      checkpointPath,
      onCheckpoint,
      onSamples,
      distributed,
      validationData,
      callbacks,
      ...rest
    } = options;
    const cfg = resolveGanFitConfig(rest);
    const dist = fitDistributed(distributed);
    const { x, labels } = toArgs(data);
    const y = this.#labelsArg(labels, x.shape[0]);
    const val = validationData === undefined ? undefined : toArgs(validationData);
    if (val) checkValidationShape(val.x.shape, this.config);
    // A conditional GAN's validation images need their labels (in range); an unconditional one ignores them.
    const conditional = this.config.numClasses > 0;
    const valY =
      val && conditional
        ? this.#labelsArg(val.labels && this.#checkedLabels(val.labels, val.x.shape[0]), val.x.shape[0])
        : undefined;
    const stopping = checkFitCallbacks(callbacks).map((c) => c.watch(GAN_LOSSES, val && GAN_VAL_LOSSES));
    const handle = this.#live;
    const totalSteps = stepsOfFit({
      examples: x.shape[0],
      batchSize: cfg.batchSize,
      batchesPerStep: this.config.nCritic,
      worldSize: dist?.worldSize,
      epochs: cfg.epochs,
      steps: cfg.steps,
      totals: cfg.totals,
      state: handle.info().state,
    });
    const history = await runFit({
      handle,
      callSite,
      totalSteps,
      checkpointEvery: cfg.checkpointEvery,
      callbacks: { signal, onProgress, onEpoch, checkpointPath, onCheckpoint, onSamples },
      stopping,
      writer: !dist || dist.rank === 0,
      start: (onEvent) =>
        handle.fit(x, y, { ...cfg, distributed: dist, validation: val?.x, validationLabels: valY }, onEvent),
      writeCheckpoint: (path, ev) => this.#write(path, ev.tensors, ev.state, cfg),
    });
    this.#lastFit = cfg;
    return history;
  }

  /**
   * `n` samples of G (its moving average when emaDecay > 0), images in [0, 1];
   * `labels` for a conditional GAN. BatchNorm in G uses its running statistics,
   * or with `batchStats` the statistics of the n samples (as PyTorch's dcgan
   * example draws its images).
   */
  async sample(
    n: number,
    options: { seed?: number; labels?: Int32Array; batchStats?: boolean } = {},
  ): Promise<HostTensor<'float32'>> {
    const callSite = new Error();
    checkPositiveInt(n, 'n');
    const seed = checkSeed(options.seed ?? this.seed);
    const labels = this.#checkedLabels(options.labels, n);
    return this.#live.sample(n, seed, this.#labelsArg(labels, n), options.batchStats ?? false).catch((e) => {
      throw graft(e, callSite);
    });
  }

  /**
   * G's images for given latent codes z [N, latentDim] (float32), e.g. a
   * line between two codes (interpolation) or one coordinate swept
   * (traversal). Labels and batchStats as in sample().
   */
  async generate(
    z: { data: Float32Array; shape: number[] },
    options: { labels?: Int32Array; batchStats?: boolean } = {},
  ): Promise<HostTensor<'float32'>> {
    const callSite = new Error();
    if (!z || !(z.data instanceof Float32Array) || !Array.isArray(z.shape))
      throw invalid('{ data: Float32Array, shape }', 'z', z, 'E_SHAPE');
    const n = z.shape[0];
    const labels = this.#checkedLabels(options.labels, n);
    return this.#live
      .generate({ data: z.data, shape: z.shape }, this.#labelsArg(labels, n), options.batchStats ?? false)
      .catch((e) => {
        throw graft(e, callSite);
      });
  }

  /**
   * The latent code whose image G draws closest to the known pixels of each
   * image (mask 1) under the declared noise, plus the prior: Adam on z from
   * the best of `starts` random starts. G is its moving average when kept,
   * BatchNorm on running statistics. Images in [0, 1]; `labels` for a
   * conditional GAN. Restoration by latent search (see restore()).
   */
  async search(data: Images, options: SearchOptions & { labels?: Int32Array } = {}): Promise<SearchResult> {
    const callSite = new Error();
    const { x, labels } = toArgs(data);
    const { labels: given, ...rest } = options ?? {};
    const { mask, config, onProgress } = searchArgs(rest, x.shape);
    // A conditional GAN searches under the images' own labels, never made up
    // ones; an unconditional one ignores a dataset's labels.
    const own = this.config.numClasses > 0 ? (given ?? labels) : undefined;
    const y = this.#labelsArg(own && this.#checkedLabels(own, x.shape[0]), x.shape[0]);
    return timedSearch(x.shape[0], (onEvent) => this.#live.search(x, mask, y, config, onEvent), onProgress).catch(
      (e) => {
        throw graft(e, callSite);
      },
    );
  }

  /**
   * GAN inversion: for each image, the latent code whose image G draws
   * closest to it (every pixel known), and that image. PSNR of the
   * reconstructions against the images tells how well G covers them.
   */
  async invert(
    data: Images,
    options: Omit<SearchOptions, 'mask'> & { labels?: Int32Array } = {},
  ): Promise<SearchResult> {
    if (options !== null && typeof options === 'object' && 'mask' in options)
      throw new GentorchError('E_CONFIG', 'invert() takes no mask (every pixel is known); use search() or restore()');
    return this.search(data, options);
  }

  /** D's logits for images (in the data's range, as fit takes them). */
  async discriminate(data: Images): Promise<HostTensor<'float32'>> {
    const callSite = new Error();
    const { x, labels } = toArgs(data);
    return this.#live.discriminate(x, this.#labelsArg(labels, x.shape[0])).catch((e) => {
      throw graft(e, callSite);
    });
  }

  async #write(
    path: string,
    tensors: NativeCheckpointEvent['tensors'],
    state: NativeTrainingState,
    fit?: GanFitConfig,
    overwrite = true,
  ): Promise<void> {
    await writeCheckpoint(
      path,
      {
        model: 'gan',
        config: { ...this.config },
        training: state,
        fit: fit ? { ...fit } : undefined,
        gentorchVersion: VERSION,
        classNames: this.classNames,
      },
      tensors,
      overwrite,
    );
  }

  /** The ONNX model of one part, in memory (the bytes exportOnnx() writes), e.g. for an onnxruntime session. */
  async onnx(options: { part?: 'generator' } = {}): Promise<OnnxExport> {
    const callSite = new Error();
    return onnxOf(() => this.#onnxSource(), options).catch((e) => {
      throw graft(e, callSite);
    });
  }

  /**
   * Writes one part of the model as an ONNX file (opset 17) that
   * onnxruntime runs without gentorch: the generator (z [, label] -> image in [0, 1],
   * as generate(), from G's moving average when kept).
   * Atomic; `overwrite: false` refuses to replace a file. See lib/io/onnx.ts.
   */
  async exportOnnx(path: string, options: { part?: 'generator'; overwrite?: boolean } = {}): Promise<OnnxFile> {
    const callSite = new Error();
    return writeOnnx(path, () => this.#onnxSource(), options).catch((e) => {
      throw graft(e, callSite);
    });
  }

  async #onnxSource(): Promise<ExportSource> {
    const { tensors } = await this.#live.exportState(false);
    return { model: 'gan', config: { ...this.config }, tensors, classNames: this.classNames };
  }

  /** Saves config, both networks (and G's moving average), both optimizers and the random streams, atomically. */
  async save(path: string, options: { optimizer?: boolean; overwrite?: boolean } = {}): Promise<void> {
    const callSite = new Error();
    if (typeof path !== 'string' || path.length === 0) throw invalid('a file path', 'path', path);
    try {
      const { tensors, state } = await this.#live.exportState(options.optimizer ?? true);
      await this.#write(path, tensors, state, this.#lastFit, options.overwrite ?? true);
    } catch (err) {
      throw graft(err, callSite);
    }
  }

  /** Rebuilds a GAN from a checkpoint. */
  static async load(path: string, options: { device?: string } = {}): Promise<GAN> {
    const callSite = new Error();
    try {
      return await GAN.fromCheckpoint(path, await readCheckpoint(path), options);
    } catch (err) {
      throw graft(err, callSite);
    }
  }

  /** @internal Rebuilds from an already parsed checkpoint (load() dispatches here). */
  static async fromCheckpoint(path: string, ckpt: Checkpoint, options: { device?: string } = {}): Promise<GAN> {
    const model = await rebuild(
      path,
      ckpt,
      'gan',
      () =>
        new GAN({ ...(ckpt.config as Partial<GanConfig>), device: options.device ?? 'auto', seed: ckpt.training.seed }),
      (m) => m.#live.importState(ckpt.tensors, ckpt.training),
    );
    if (ckpt.fit) model.#lastFit = ckpt.fit as unknown as GanFitConfig;
    model.classNames = ckpt.classNames;
    return model;
  }

  /** Frees the native model; a running fit stops with E_ABORTED. Idempotent. */
  dispose(): void {
    this.#handle?.dispose();
    this.#handle = undefined;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
