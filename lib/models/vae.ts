/**
 * The variational autoencoder: encoder q(z|x) = N(mu, diag(sigma^2)),
 * decoder p(x|z), trained on reconstruction + beta * KL(q(z|x) || N(0, I))
 * in C++ on a thread of its own. Public methods validate, then forward.
 */
import { readCheckpoint, rebuild, writeCheckpoint, type Checkpoint } from './checkpoint.js';
import { checkDeviceSpec, checkPositiveInt, checkSeed, rejectUnknownKeys } from '../config/validate.js';
import { FIT_DEFAULTS, resolveFitConfig, type FitConfig } from '../config/fit.js';
import { resolveVaeConfig, type VaeConfig } from '../config/vae.js';
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
} from './fit.js';
import { checkFitCallbacks, type EarlyStopping } from './early-stopping.js';
import {
  native,
  type NativeCheckpointEvent,
  type NativeTrainingState,
  type NativeVaeHandle,
  type TensorArg,
} from '../native.js';
import type { HostTensor } from '../tensor.js';
import { searchArgs, timedSearch, type SearchOptions, type SearchResult } from './search.js';
import { VERSION } from '../version.js';

/** Options of `new VAE()`: the config plus where and how to run. */
export interface VaeOptions extends Partial<VaeConfig> {
  /** 'auto' (CUDA when present), 'cpu', 'cuda' or 'cuda:N'. */
  device?: string;
  /** Seed of the weights, the data order and the noise (default 1). */
  seed?: number;
}

export interface FitOptions extends Partial<FitConfig>, FitCallbacks {
  /**
   * Held-out images (the types fit() takes for data): after every epoch their
   * loss, recon and kl (nats per image, as evaluate() gives them; loss weighs
   * kl by beta as the training loss does) go into the epoch's record as
   * `valLosses`. Measured on the training thread, with a random stream of
   * its own: the training itself is the same with or without them.
   */
  validationData?: Images;
  /** earlyStopping() callbacks, as tfjs takes them: monitor 'loss', 'recon', 'kl' or 'val_loss', 'val_recon', 'val_kl'. */
  callbacks?: EarlyStopping | EarlyStopping[];
}

/** The losses a VAE's fit reports by name (progress, epochs, validation). */
const VAE_LOSSES = ['loss', 'recon', 'kl'];

export interface VaeEvaluation {
  /** Negative ELBO per image, nats (recon + kl). */
  nelbo: number;
  recon: number;
  kl: number;
}

type Images = ImageDataset | { data: Uint8Array | Float32Array; shape: number[] };

const FIT_KEYS = [...Object.keys(FIT_DEFAULTS), ...CALLBACK_KEYS, 'validationData', 'callbacks'];

function imagesArg(images: Images): TensorArg {
  // fromArrays names what is wrong with anything but a dataset, a string or null included.
  const ds = typeof images === 'object' && images !== null && 'images' in images ? images : fromArrays(images);
  return { data: ds.images.data, shape: ds.images.shape };
}

export class VAE {
  readonly config: VaeConfig;
  readonly device: string;
  readonly seed: number;
  #handle: NativeVaeHandle | undefined;
  #lastFit: FitConfig | undefined;

  constructor(options: VaeOptions = {}) {
    if (options === null || typeof options !== 'object') throw invalid('an object', 'VAE options', options);
    const { device = 'auto', seed = 1, ...config } = options;
    this.config = resolveVaeConfig(config);
    this.seed = checkSeed(seed);
    checkDeviceSpec(device);
    this.#handle = new (native().VaeHandle)(this.config, device, this.seed);
    this.device = this.#handle.info().device;
  }

  get #live(): NativeVaeHandle {
    if (!this.#handle) throw new GentorchError('E_DISPOSED', 'This VAE was disposed');
    return this.#handle;
  }

  /** Where training stands: steps, completed epochs, steps into the current epoch. */
  get trainingState(): NativeTrainingState {
    return this.#live.info().state;
  }

  /** Number of trainable parameters. */
  get parameterCount(): number {
    return this.#live.info().parameterCount;
  }

  /** Trains for `epochs` more epochs, or `steps` more steps when steps > 0; resolves with the epoch history. */
  async fit(data: Images, options: FitOptions = {}): Promise<FitHistory> {
    const callSite = new Error();
    rejectUnknownKeys(options, FIT_KEYS, 'fit');
    const {
      signal,
      onProgress,
      onEpoch,
      checkpointPath,
      onCheckpoint,
      distributed,
      validationData,
      callbacks,
      ...rest
    } = options;
    const cfg = resolveFitConfig(rest);
    const dist = fitDistributed(distributed);
    const images = imagesArg(data);
    const validation = validationData === undefined ? undefined : imagesArg(validationData);
    if (validation) checkValidationShape(validation.shape, this.config);
    const stopping = checkFitCallbacks(callbacks).map((c) => c.watch(VAE_LOSSES, validation && VAE_LOSSES));
    const handle = this.#live;
    const st = handle.info().state;
    const totalSteps = stepsOfFit({
      examples: images.shape[0],
      batchSize: cfg.batchSize,
      worldSize: dist?.worldSize,
      epochs: cfg.epochs,
      steps: cfg.steps,
      totals: cfg.totals,
      state: st,
      epochStep: st.epochStep,
    });
    const history = await runFit({
      handle,
      callSite,
      totalSteps,
      checkpointEvery: cfg.checkpointEvery,
      callbacks: { signal, onProgress, onEpoch, checkpointPath, onCheckpoint },
      stopping,
      writer: !dist || dist.rank === 0,
      start: (onEvent) => handle.fit(images, { ...cfg, distributed: dist, validation }, onEvent),
      writeCheckpoint: (path, ev) => this.#writeEvent(path, ev, cfg),
    });
    this.#lastFit = cfg;
    return history;
  }

  async #writeEvent(path: string, ev: NativeCheckpointEvent, fit: FitConfig): Promise<void> {
    await writeCheckpoint(
      path,
      { model: 'vae', config: { ...this.config }, training: ev.state, fit: { ...fit }, gentorchVersion: VERSION },
      ev.tensors,
    );
  }

  /** Negative ELBO per image (nats) with its reconstruction and KL parts. */
  async evaluate(data: Images, options: { batchSize?: number } = {}): Promise<VaeEvaluation> {
    const callSite = new Error();
    const batch = checkPositiveInt(options.batchSize ?? 1000, 'batchSize');
    return this.#live.evaluate(imagesArg(data), batch).catch((e) => {
      throw graft(e, callSite);
    });
  }

  /**
   * The importance-weighted bound on -log p(x) (Burda et al. 2016), nats per
   * image, from k samples of z per image: at most the negative ELBO, and
   * tighter as k grows.
   */
  async iwae(data: Images, options: { samples?: number } = {}): Promise<number> {
    const callSite = new Error();
    const k = checkPositiveInt(options.samples ?? 64, 'samples');
    return this.#live.iwae(imagesArg(data), k).catch((e) => {
      throw graft(e, callSite);
    });
  }

  /** The mean and log-variance of q(z|x) for each image: [N, latentDim] each. */
  async encode(data: Images): Promise<{ mu: HostTensor<'float32'>; logvar: HostTensor<'float32'> }> {
    const callSite = new Error();
    return this.#live.encode(imagesArg(data)).catch((e) => {
      throw graft(e, callSite);
    });
  }

  /** Images (Bernoulli means in [0, 1]) decoded from latent codes z [N, latentDim]. */
  async decode(z: { data: Float32Array; shape: number[] }): Promise<HostTensor<'float32'>> {
    const callSite = new Error();
    if (!z || !(z.data instanceof Float32Array) || !Array.isArray(z.shape))
      throw invalid('{ data: Float32Array, shape }', 'z', z, 'E_SHAPE');
    return this.#live.decode({ data: z.data, shape: z.shape }).catch((e) => {
      throw graft(e, callSite);
    });
  }

  /** decode(mu(x)): each image through the model. */
  async reconstruct(data: Images): Promise<HostTensor<'float32'>> {
    const callSite = new Error();
    return this.#live.reconstruct(imagesArg(data)).catch((e) => {
      throw graft(e, callSite);
    });
  }

  /**
   * The latent code whose decoded image best explains the known pixels of
   * each image (mask 1) under the declared noise, plus the prior: Adam on z
   * from the encoder's code of the damaged image (missing pixels zeroed) and
   * random starts. Restoration by latent search (see restore()).
   */
  async search(data: Images, options: SearchOptions = {}): Promise<SearchResult> {
    const callSite = new Error();
    const x = imagesArg(data);
    const { mask, config, onProgress } = searchArgs(options, x.shape);
    return timedSearch(x.shape[0], (onEvent) => this.#live.search(x, mask, config, onEvent), onProgress).catch((e) => {
      throw graft(e, callSite);
    });
  }

  /** `n` images decoded from z ~ N(0, I). */
  async sample(n: number, options: { seed?: number } = {}): Promise<HostTensor<'float32'>> {
    const callSite = new Error();
    checkPositiveInt(n, 'n');
    const seed = checkSeed(options.seed ?? this.seed);
    return this.#live.sample(n, seed).catch((e) => {
      throw graft(e, callSite);
    });
  }

  /** `steps` images decoded along the line between the latent means of two images. */
  async interpolate(from: Images, to: Images, steps = 8): Promise<HostTensor<'float32'>> {
    const callSite = new Error();
    checkPositiveInt(steps, 'steps');
    return this.#live.interpolate(imagesArg(from), imagesArg(to), steps).catch((e) => {
      throw graft(e, callSite);
    });
  }

  /** The ONNX model of one part, in memory (the bytes exportOnnx() writes), e.g. for an onnxruntime session. */
  async onnx(options: { part?: 'decoder' | 'encoder' } = {}): Promise<OnnxExport> {
    const callSite = new Error();
    return onnxOf(() => this.#onnxSource(), options).catch((e) => {
      throw graft(e, callSite);
    });
  }

  /**
   * Writes one part of the model as an ONNX file (opset 17) that
   * onnxruntime runs without gentorch: the decoder (z -> image, as decode()) or the
   * encoder (image -> mu, logvar, as encode()).
   * Atomic; `overwrite: false` refuses to replace a file. See lib/io/onnx.ts.
   */
  async exportOnnx(
    path: string,
    options: { part?: 'decoder' | 'encoder'; overwrite?: boolean } = {},
  ): Promise<OnnxFile> {
    const callSite = new Error();
    return writeOnnx(path, () => this.#onnxSource(), options).catch((e) => {
      throw graft(e, callSite);
    });
  }

  async #onnxSource(): Promise<ExportSource> {
    const { tensors } = await this.#live.exportState(false);
    return { model: 'vae', config: { ...this.config }, tensors };
  }

  /** Saves config, weights, training state and (by default) optimizer state, atomically. */
  async save(path: string, options: { optimizer?: boolean; overwrite?: boolean } = {}): Promise<void> {
    const callSite = new Error();
    if (typeof path !== 'string' || path.length === 0) throw invalid('a file path', 'path', path);
    try {
      const { tensors, state } = await this.#live.exportState(options.optimizer ?? true);
      const fit = this.#lastFit ? { ...this.#lastFit } : undefined;
      await writeCheckpoint(
        path,
        { model: 'vae', config: { ...this.config }, training: state, fit, gentorchVersion: VERSION },
        tensors,
        options.overwrite ?? true,
      );
    } catch (err) {
      throw graft(err, callSite);
    }
  }

  /** Rebuilds a VAE from a checkpoint written by save() or by checkpointEvery. */
  static async load(path: string, options: { device?: string } = {}): Promise<VAE> {
    const callSite = new Error();
    try {
      return await VAE.fromCheckpoint(path, await readCheckpoint(path), options);
    } catch (err) {
      throw graft(err, callSite);
    }
  }

  /** @internal Rebuilds from an already parsed checkpoint (load() dispatches here). */
  static async fromCheckpoint(path: string, ckpt: Checkpoint, options: { device?: string } = {}): Promise<VAE> {
    const model = await rebuild(
      path,
      ckpt,
      'vae',
      () =>
        new VAE({ ...(ckpt.config as Partial<VaeConfig>), device: options.device ?? 'auto', seed: ckpt.training.seed }),
      (m) => m.#live.importState(ckpt.tensors, ckpt.training),
    );
    if (ckpt.fit) model.#lastFit = ckpt.fit as unknown as FitConfig;
    return model;
  }

  /** The fit options of the last fit (or of the loaded checkpoint's), for resume. */
  get lastFit(): Readonly<FitConfig> | undefined {
    return this.#lastFit;
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
