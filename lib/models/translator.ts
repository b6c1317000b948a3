/**
 * Image to image: a U-Net that maps a task's input (low-resolution, damaged,
 * noisy, an edge map, grey) to its target, trained as a regressor (L1), a
 * pix2pix conditional GAN (PatchGAN + L1) or a conditional VAE (a code for
 * the many plausible outputs), in C++ on a thread of its own
 * (native/train/translator_trainer.h). The inputs are made from the targets
 * on the fly with new damage each step, or given beside them (task 'pairs').
 * Public methods validate, then forward.
 */
import { readCheckpoint, rebuild, writeCheckpoint, type Checkpoint } from './checkpoint.js';
import { checkDeviceSpec, checkPositiveInt, checkSeed, rejectUnknownKeys } from '../config/validate.js';
import {
  TRANSLATOR_FIT_DEFAULTS,
  resolveTranslatorConfig,
  resolveTranslatorFitConfig,
  type TranslatorConfig,
  type TranslatorFitConfig,
} from '../config/translate.js';
import { fromArrays, type ImageDataset } from '../data/datasets.js';
import { GentorchError, graft, invalid } from '../errors.js';
import { CALLBACK_KEYS, fitDistributed, runFit, stepsOfFit, type FitCallbacks, type FitHistory } from './fit.js';
import {
  native,
  type NamedTensor,
  type NativeTrainingState,
  type NativeTranslatorHandle,
  type TensorArg,
} from '../native.js';
import type { HostTensor } from '../tensor.js';
import { VERSION } from '../version.js';

/** Options of `new Translator()`: the config plus where and how to run. */
export interface TranslatorOptions extends Partial<TranslatorConfig> {
  /** 'auto' (CUDA when present), 'cpu', 'cuda' or 'cuda:N'. */
  device?: string;
  /** Seed of the weights, the data order, the damage and the codes (default 1). */
  seed?: number;
}

/** Images as every Translator method takes them: a dataset, or `{ data, shape }` ([N, C, H, W] or [N, H, W]). */
export type TranslatorImages = ImageDataset | { data: Uint8Array | Float32Array; shape: number[] };

export interface TranslatorFitOptions extends Partial<TranslatorFitConfig>, FitCallbacks {
  /** Task 'pairs': the user's inputs, one per target, of shape [N, ...inputShape]. */
  inputs?: TranslatorImages;
}

const FIT_KEYS = [...Object.keys(TRANSLATOR_FIT_DEFAULTS), ...CALLBACK_KEYS, 'inputs'];

function imagesArg(images: TranslatorImages, what: string): TensorArg {
  if (images === null || typeof images !== 'object') throw invalid('images { data, shape }', what, images, 'E_DATA');
  const ds = 'images' in images ? images : fromArrays({ ...images, name: what });
  return { data: ds.images.data, shape: ds.images.shape };
}

/** E_SHAPE naming the received shape when `t` is not [N, ...chw]; E_DATA when it holds no image. */
function checkShape(t: TensorArg, chw: readonly number[], what: string): TensorArg {
  const s = t.shape;
  if (s.length !== 4 || s[1] !== chw[0] || s[2] !== chw[1] || s[3] !== chw[2])
    throw new GentorchError(
      'E_SHAPE',
      `Expected ${what} of shape [N, ${chw.join(', ')}] but received [${s.join(', ')}]`,
    );
  if (s[0] === 0) throw new GentorchError('E_DATA', `Expected at least one image in ${what} but received none`);
  return t;
}

/**
 * An inpainting input with its holes (mask 0) set to 0, as the model saw them
 * in training: a user's damaged image may hold anything there (white, noise).
 * Float inputs only; 8-bit ones are left as given.
 */
function zeroHoles(x: TensorArg, channels: number): TensorArg {
  if (!(x.data instanceof Float32Array)) return x;
  const [n, , h, w] = x.shape;
  const plane = h * w;
  const data = Float32Array.from(x.data);
  for (let i = 0; i < n; i++) {
    const mask = (i * (channels + 1) + channels) * plane;
    for (let ch = 0; ch < channels; ch++) {
      const at = (i * (channels + 1) + ch) * plane;
      for (let p = 0; p < plane; p++) if (data[mask + p] === 0) data[at + p] = 0;
    }
  }
  return { data, shape: x.shape };
}

export class Translator {
  readonly config: TranslatorConfig;
  readonly device: string;
  readonly seed: number;
  #handle: NativeTranslatorHandle | undefined;
  #lastFit: TranslatorFitConfig | undefined;

  constructor(options: TranslatorOptions = {}) {
    if (options === null || typeof options !== 'object') throw invalid('an object', 'Translator options', options);
    const { device = 'auto', seed = 1, ...config } = options;
    this.config = resolveTranslatorConfig(config);
    this.seed = checkSeed(seed);
    checkDeviceSpec(device);
    this.#handle = new (native().TranslatorHandle)(this.config, device, this.seed);
    this.device = this.#handle.info().device;
  }

  get #live(): NativeTranslatorHandle {
    if (!this.#handle) throw new GentorchError('E_DISPOSED', 'This Translator was disposed');
    return this.#handle;
  }

  /** The shape [C, H, W] of one input as the user gives it (a superres input at low resolution). */
  get inputShape(): [number, number, number] {
    return this.#live.inputShape();
  }

  /** The shape [C, H, W] of one target (and of one output). */
  get outputShape(): [number, number, number] {
    return [this.config.channels, this.config.height, this.config.width];
  }

  /** Where training stands: steps, completed epochs, steps into the current epoch. */
  get trainingState(): NativeTrainingState {
    return this.#live.info().state;
  }

  /** Trainable parameters of every network (U-Net, and the PatchGAN or the encoder). */
  get parameterCount(): number {
    return this.#live.info().parameterCount;
  }

  /** The fit options of the last fit (or of the loaded checkpoint's), for resume. */
  get lastFit(): Readonly<TranslatorFitConfig> | undefined {
    return this.#lastFit;
  }

  #targets(targets: TranslatorImages, what = 'targets'): TensorArg {
    return checkShape(imagesArg(targets, what), this.outputShape, what);
  }

  #inputs(inputs: TranslatorImages, what = 'inputs'): TensorArg {
    return checkShape(imagesArg(inputs, what), this.inputShape, what);
  }

  /** The 'pairs' task's inputs, checked against the targets; undefined for a task that makes its own. */
  #fitInputs(given: TranslatorImages | undefined, n: number): TensorArg | undefined {
    const task = this.config.task;
    if (task !== 'pairs') {
      if (given !== undefined)
        throw new GentorchError(
          'E_DATA',
          `Expected no inputs for task "${task}" (made from the targets) but received some; inputs are for task "pairs"`,
        );
      return undefined;
    }
    if (given === undefined)
      throw new GentorchError('E_DATA', 'Expected the inputs of the pairs task beside its targets but received none');
    const x = this.#inputs(given, 'training inputs');
    if (x.shape[0] !== n)
      throw new GentorchError('E_DATA', `Expected as many inputs as targets (${n}) but received ${x.shape[0]}`);
    return x;
  }

  /**
   * Trains for `epochs` more epochs, or `steps` more steps when steps > 0, on
   * targets [N, C, H, W] (uint8, or float32 in [0, 1]); each step draws new
   * damage of its batch. Losses per image: regressor l1; gan gLoss, dLoss,
   * l1, adv; vae loss, l1, kl.
   */
  async fit(targets: TranslatorImages, options: TranslatorFitOptions = {}): Promise<FitHistory> {
    const callSite = new Error();
    if (options === null || typeof options !== 'object') throw invalid('an object', 'fit options', options);
    rejectUnknownKeys(options, FIT_KEYS, 'fit');
    const { signal, onProgress, onEpoch, checkpointPath, onCheckpoint, distributed, inputs, ...rest } = options;
    const cfg = resolveTranslatorFitConfig(rest);
    if (cfg.cudaGraphs === 'on')
      throw invalid('cudaGraphs auto or off (a translator step is not captured)', 'cudaGraphs', cfg.cudaGraphs);
    const dist = fitDistributed(distributed);
    const y = this.#targets(targets, 'training targets');
    const x = this.#fitInputs(inputs, y.shape[0]);
    const handle = this.#live;
    const st = handle.info().state;
    const totalSteps = stepsOfFit({
      examples: y.shape[0],
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
      writer: !dist || dist.rank === 0,
      start: (onEvent) => handle.fit(y, x, { ...cfg, distributed: dist }, onEvent),
      writeCheckpoint: (path, ev) => this.#write(path, ev.tensors, ev.state, cfg),
    });
    this.#lastFit = cfg;
    return history;
  }

  /**
   * The model's outputs [N, C, H, W] in [0, 1] for inputs [N, ...inputShape].
   * The conditional VAE draws its codes z ~ N(0, I) from `seed` and gives
   * `samples` outputs per input ([N * samples, C, H, W], input-major); the
   * regressor and the GAN give one, the same for any seed. Inpainting keeps
   * the known pixels (mask 1) exactly and fills only the holes, whatever the
   * input holds there.
   */
  async apply(
    inputs: TranslatorImages,
    options: { samples?: number; seed?: number } = {},
  ): Promise<HostTensor<'float32'>> {
    const callSite = new Error();
    if (options === null || typeof options !== 'object') throw invalid('an object', 'apply options', options);
    rejectUnknownKeys(options, ['samples', 'seed'], 'apply');
    const samples = checkPositiveInt(options.samples ?? 1, 'samples');
    if (samples > 1 && this.config.family !== 'vae')
      throw invalid(
        `samples 1 for family ${this.config.family} (one output per input; only the vae samples)`,
        'samples',
        samples,
      );
    const seed = checkSeed(options.seed ?? this.seed);
    const given = this.#inputs(inputs);
    const x = this.config.task === 'inpaint' ? zeroHoles(given, this.config.channels) : given;
    return this.#live.apply(x, samples, seed).catch((e) => {
      throw graft(e, callSite);
    });
  }

  /**
   * The task's inputs of targets [N, C, H, W], with damage drawn from `seed`
   * (default: the model's): held-out inputs to apply() and to measure
   * against the targets. Float32 [N, ...inputShape]. Not for task 'pairs'.
   */
  async makeInputs(targets: TranslatorImages, options: { seed?: number } = {}): Promise<HostTensor<'float32'>> {
    const callSite = new Error();
    if (options === null || typeof options !== 'object') throw invalid('an object', 'makeInputs options', options);
    rejectUnknownKeys(options, ['seed'], 'makeInputs');
    if (this.config.task === 'pairs')
      throw new GentorchError('E_CONFIG', 'Expected a task that makes its inputs, not "pairs" (its inputs are yours)');
    const seed = checkSeed(options.seed ?? this.seed);
    const y = this.#targets(targets);
    return this.#live.makeInputs(y, seed).catch((e) => {
      throw graft(e, callSite);
    });
  }

  /**
   * The task's classic baseline of inputs [N, ...inputShape]: bicubic
   * upsampling for 'superres' ([N, C, H, W], clamped to [0, 1]); undefined
   * for a task without one.
   */
  async baseline(inputs: TranslatorImages): Promise<HostTensor<'float32'> | undefined> {
    const callSite = new Error();
    const x = this.#inputs(inputs);
    if (this.config.task !== 'superres') return undefined;
    try {
      return (await this.#live.baseline(x)) ?? undefined;
    } catch (err) {
      throw graft(err, callSite);
    }
  }

  async #write(
    path: string,
    tensors: NamedTensor[],
    state: NativeTrainingState,
    fit?: TranslatorFitConfig,
    overwrite = true,
  ): Promise<void> {
    await writeCheckpoint(
      path,
      {
        model: 'translator',
        config: { ...this.config },
        training: state,
        fit: fit ? { ...fit } : undefined,
        gentorchVersion: VERSION,
      },
      tensors,
      overwrite,
    );
  }

  /** Saves config, every network, (by default) the optimizers and random streams, atomically. */
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

  /** Rebuilds a Translator from a checkpoint written by save() or by checkpointEvery. */
  static async load(path: string, options: { device?: string } = {}): Promise<Translator> {
    const callSite = new Error();
    try {
      return await Translator.fromCheckpoint(path, await readCheckpoint(path), options);
    } catch (err) {
      throw graft(err, callSite);
    }
  }

  /** @internal Rebuilds from an already parsed checkpoint (load() dispatches here). */
  static async fromCheckpoint(path: string, ckpt: Checkpoint, options: { device?: string } = {}): Promise<Translator> {
    const model = await rebuild(
      path,
      ckpt,
      'translator',
      () =>
        new Translator({
          ...(ckpt.config as Partial<TranslatorConfig>),
          device: options.device ?? 'auto',
          seed: ckpt.training.seed,
        }),
      (m) => m.#live.importState(ckpt.tensors, ckpt.training),
    );
    if (ckpt.fit) model.#lastFit = ckpt.fit as unknown as TranslatorFitConfig;
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
