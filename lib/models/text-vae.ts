/**
 * The sequence VAE for text (Bowman et al. 2016) over characters: a GRU
 * encoder gives q(z|x) of a line, a GRU decoder conditioned on z predicts
 * its characters and EOS, trained on cross-entropy + beta_t * KL with KL
 * annealing and decoder input dropout, in C++ on a thread of its own
 * (native/train/text_vae_trainer.h). Lines go in and out as strings through
 * the model's Vocabulary, built from the first fit's lines and fixed after.
 */
import { readCheckpoint, rebuild, type Checkpoint } from './checkpoint.js';
import { checkCodes, linesOf, withVocabulary, writeTextCheckpoint, type TextLines } from './text-common.js';
import { checkDeviceSpec, checkPositiveInt, checkSeed, rejectUnknownKeys } from '../config/validate.js';
import { FIT_DEFAULTS, resolveFitConfig, type FitConfig } from '../config/fit.js';
import {
  TEXT_USE_DEFAULTS,
  resolveDecodeOptions,
  resolveTextVaeConfig,
  type TextDecodeOptions,
  type TextVaeConfig,
} from '../config/text-vae.js';
import { Vocabulary } from '../data/vocabulary.js';
import { GentorchError, graft, invalid } from '../errors.js';
import { fitDistributed, runFit, stepsOfFit, type FitCallbacks, type FitHistory } from './fit.js';
import { checkFitCallbacks, type EarlyStopping } from './early-stopping.js';
import {
  native,
  type NativeCheckpointEvent,
  type NativeTextVaeHandle,
  type NativeTrainingState,
  type TensorArg,
} from '../native.js';
import type { HostTensor } from '../tensor.js';
import { keepKnown, maskTokens, resolveRepairOptions, type TextRepairOptions } from './text-repair.js';

/** Options of `new TextVAE()`: the config plus where and how to run. */
export interface TextVaeOptions extends Partial<TextVaeConfig> {
  /** 'auto' (CUDA when present), 'cpu', 'cuda' or 'cuda:N'. */
  device?: string;
  /** Seed of the weights, the data order and the noise (default 1). */
  seed?: number;
  /** The character vocabulary; default: built from the first fit's lines. */
  vocabulary?: Vocabulary;
}

export type { TextLines } from './text-common.js';

export interface TextFitOptions extends Partial<FitConfig>, FitCallbacks {
  /**
   * Held-out lines: after every epoch their loss (recon + beta * kl), recon
   * and kl (nats per string, one z each) go into the epoch's record as
   * `valLosses`, measured on a random stream of their own.
   */
  validationData?: TextLines;
  /** earlyStopping() callbacks: monitor 'loss', 'recon', 'kl', 'beta' or 'val_loss', 'val_recon', 'val_kl'. */
  callbacks?: EarlyStopping | EarlyStopping[];
}

/** What evaluate() measures on some lines. */
export interface TextVaeEvaluation {
  /** Negative ELBO per string, nats (recon + kl, beta 1, one z per string). */
  nelbo: number;
  /** Its cross-entropy part, over the characters and the EOS. */
  recon: number;
  kl: number;
  /** The importance-weighted bound on -log p(x) (Burda et al. 2016) with `samples` z per string, nats per string. */
  iwae: number;
  samples: number;
  /** nelbo and iwae in bits per character, EOS counted as a character (as NgramModel.bitsPerChar). */
  nelboBitsPerChar: number;
  iwaeBitsPerChar: number;
  strings: number;
  /** Characters of the strings, EOS not counted. */
  characters: number;
  /** Latent dimensions whose mean mu_d varies over the lines by more than 0.01 (Burda et al. 2016). */
  activeUnits: number;
  /** Var over the lines of each mu_d. */
  muVariance: number[];
}

const TEXT_VAE_LOSSES = ['loss', 'recon', 'kl', 'beta'];
const VAL_LOSSES = ['loss', 'recon', 'kl'];
const FIT_KEYS = [
  ...Object.keys(FIT_DEFAULTS),
  'signal',
  'onProgress',
  'onEpoch',
  'checkpointPath',
  'onCheckpoint',
  'distributed',
  'validationData',
  'callbacks',
];

export class TextVAE {
  readonly device: string;
  readonly seed: number;
  #config: TextVaeConfig;
  #vocabulary: Vocabulary | undefined;
  #handle: NativeTextVaeHandle | undefined;
  #lastFit: FitConfig | undefined;
  #disposed = false;

  constructor(options: TextVaeOptions = {}) {
    if (options === null || typeof options !== 'object') throw invalid('an object', 'TextVAE options', options);
    const { device = 'auto', seed = 1, vocabulary, ...config } = options;
    this.#config = resolveTextVaeConfig(config);
    this.seed = checkSeed(seed);
    this.device = native().checkDevice(checkDeviceSpec(device));
    if (vocabulary !== undefined) this.#open(vocabulary);
  }

  /** The config; vocabSize is 0 until the vocabulary is known. */
  get config(): Readonly<TextVaeConfig> {
    return this.#config;
  }

  /** The character vocabulary, once known (the first fit, or the `vocabulary` option). */
  get vocabulary(): Vocabulary | undefined {
    return this.#vocabulary;
  }

  /** Creates the native model for `vocabulary`; the vocabulary is fixed from here on. */
  #open(vocabulary: Vocabulary): NativeTextVaeHandle {
    const config = withVocabulary(this.#config, vocabulary);
    this.#handle = new (native().TextVaeHandle)(config, this.device, this.seed);
    this.#config = Object.freeze(config);
    this.#vocabulary = vocabulary;
    return this.#handle;
  }

  get #live(): NativeTextVaeHandle {
    if (this.#disposed) throw new GentorchError('E_DISPOSED', 'This TextVAE was disposed');
    if (!this.#handle)
      throw new GentorchError(
        'E_CONFIG',
        'This TextVAE has no vocabulary yet: fit() it first, or pass `vocabulary` to new TextVAE()',
      );
    return this.#handle;
  }

  /** TextLines as token rows; after #live, which guarantees the vocabulary. */
  #tokens(data: TextLines, name: string): TensorArg {
    return this.#vocabulary!.encode(linesOf(data, name), this.#config.maxLength);
  }

  /** Where training stands: steps, completed epochs, steps into the current epoch. */
  get trainingState(): NativeTrainingState {
    if (!this.#handle && !this.#disposed) return { seed: this.seed, step: 0, epoch: 0, epochStep: 0, permSeed: '0' };
    return this.#live.info().state;
  }

  /** Number of trainable parameters (once the vocabulary is known). */
  get parameterCount(): number {
    return this.#live.info().parameterCount;
  }

  /**
   * Trains for `epochs` more epochs, or `steps` more steps when steps > 0, on
   * lines of at most maxLength characters; the first fit builds the
   * vocabulary from its lines. Progress losses are per string: loss, recon,
   * kl (nats) and beta (the KL weight of the window's steps).
   */
  async fit(data: TextLines, options: TextFitOptions = {}): Promise<FitHistory> {
    const callSite = new Error();
    if (this.#disposed) throw new GentorchError('E_DISPOSED', 'This TextVAE was disposed');
    if (options === null || typeof options !== 'object') throw invalid('an object', 'fit options', options);
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
    const lines = linesOf(data, 'data');
    const vocabulary = this.#vocabulary ?? Vocabulary.fromLines(lines);
    const tokens = vocabulary.encode(lines, this.#config.maxLength);
    const validation =
      validationData === undefined
        ? undefined
        : vocabulary.encode(linesOf(validationData, 'validationData'), this.#config.maxLength);
    const stopping = checkFitCallbacks(callbacks).map((c) => c.watch(TEXT_VAE_LOSSES, validation && VAL_LOSSES));
    const handle = this.#handle ?? this.#open(vocabulary);
    const st = handle.info().state;
    const totalSteps = stepsOfFit({
      examples: lines.length,
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
      start: (onEvent) => handle.fit(tokens, { ...cfg, distributed: dist, validation }, onEvent),
      writeCheckpoint: (path, ev) => this.#write(path, ev.tensors, ev.state, cfg),
    });
    this.#lastFit = cfg;
    return history;
  }

  async #write(
    path: string,
    tensors: NativeCheckpointEvent['tensors'],
    training: NativeTrainingState,
    fit: FitConfig | undefined,
    overwrite = true,
  ): Promise<void> {
    const meta = { kind: 'textvae', config: this.#config, vocabulary: this.#vocabulary!, training, fit } as const;
    await writeTextCheckpoint(path, meta, tensors, overwrite);
  }

  /**
   * The negative ELBO and the IWAE bound with `samples` z per string (default
   * 50), per string in nats and in bits per character (EOS counted, as the
   * n-gram baseline's), and the active units. Seeded: the same numbers for
   * the same weights. Characters outside the vocabulary count as UNK.
   */
  async evaluate(data: TextLines, options: { samples?: number } = {}): Promise<TextVaeEvaluation> {
    const callSite = new Error();
    try {
      const handle = this.#live;
      const k = checkPositiveInt(options.samples ?? TEXT_USE_DEFAULTS.iwaeSamples, 'samples');
      const e = await handle.evaluate(this.#tokens(data, 'data'), k);
      const bits = (nats: number): number => (nats * e.strings) / Math.LN2 / e.tokens;
      return {
        nelbo: e.nelbo,
        recon: e.recon,
        kl: e.kl,
        iwae: e.iwae,
        samples: k,
        nelboBitsPerChar: bits(e.nelbo),
        iwaeBitsPerChar: bits(e.iwae),
        strings: e.strings,
        characters: e.tokens - e.strings,
        activeUnits: e.activeUnits,
        muVariance: e.muVariance,
      };
    } catch (err) {
      throw graft(err, callSite);
    }
  }

  /** The mean and log-variance of q(z|x) for each line: [N, latentDim] each. */
  async encode(data: TextLines): Promise<{ mu: HostTensor<'float32'>; logvar: HostTensor<'float32'> }> {
    const callSite = new Error();
    try {
      const handle = this.#live;
      return await handle.encode(this.#tokens(data, 'data'));
    } catch (err) {
      throw graft(err, callSite);
    }
  }

  #decodeArgs(options: TextDecodeOptions, defaultTemperature: number): [number, number, number] {
    const o = resolveDecodeOptions(options, defaultTemperature, this.#config.maxLength);
    return [o.temperature, o.maxLength, checkSeed(o.seed ?? this.seed)];
  }

  /** `n` strings decoded from z ~ N(0, I): ancestral sampling (temperature 1 by default), each ending at EOS. */
  async sample(n: number, options: TextDecodeOptions = {}): Promise<string[]> {
    const callSite = new Error();
    try {
      checkPositiveInt(n, 'n');
      const handle = this.#live;
      const [t, maxLength, seed] = this.#decodeArgs(options, TEXT_USE_DEFAULTS.sampleTemperature);
      return this.#vocabulary!.decode(await handle.sample(n, t, maxLength, seed));
    } catch (err) {
      throw graft(err, callSite);
    }
  }

  /** Strings decoded from latent codes z [N, latentDim]: greedy by default, or drawn at `temperature`. */
  async decode(z: { data: Float32Array; shape: number[] }, options: TextDecodeOptions = {}): Promise<string[]> {
    const callSite = new Error();
    try {
      const codes = checkCodes(z);
      const handle = this.#live;
      const [t, maxLength, seed] = this.#decodeArgs(options, TEXT_USE_DEFAULTS.decodeTemperature);
      return this.#vocabulary!.decode(await handle.decode(codes, t, maxLength, seed));
    } catch (err) {
      throw graft(err, callSite);
    }
  }

  /** Each line through the model: the greedy decoding of its code mu(x). */
  async reconstruct(data: TextLines): Promise<string[]> {
    const callSite = new Error();
    try {
      const handle = this.#live;
      return this.#vocabulary!.decode(await handle.reconstruct(this.#tokens(data, 'data')));
    } catch (err) {
      throw graft(err, callSite);
    }
  }

  /**
   * Repair by latent search: in each line, every `mask` character (default
   * '_') is unknown and every other one known, the length too. Each round
   * encodes the current lines, decodes them with the known characters forced
   * and each unknown one the likeliest, and each line keeps its likeliest
   * round (`rounds`, default 3). Known characters come back as given.
   */
  async repair(data: TextLines, options: TextRepairOptions = {}): Promise<string[]> {
    const callSite = new Error();
    try {
      const handle = this.#live;
      const { mask, rounds } = resolveRepairOptions(options);
      const lines = linesOf(data, 'data');
      const filled = this.#vocabulary!.decode(
        await handle.repair(maskTokens(this.#vocabulary!, lines, mask, this.#config.maxLength), rounds),
      );
      return keepKnown(lines, filled, mask);
    } catch (err) {
      throw graft(err, callSite);
    }
  }

  /** Saves config, vocabulary, weights, training state and (by default) optimizer state, atomically. */
  async save(path: string, options: { optimizer?: boolean; overwrite?: boolean } = {}): Promise<void> {
    const callSite = new Error();
    try {
      if (typeof path !== 'string' || path.length === 0) throw invalid('a file path', 'path', path);
      const { tensors, state } = await this.#live.exportState(options.optimizer ?? true);
      await this.#write(path, tensors, state, this.#lastFit, options.overwrite ?? true);
    } catch (err) {
      throw graft(err, callSite);
    }
  }

  /** Rebuilds a TextVAE, its vocabulary included, from a checkpoint written by save() or by checkpointEvery. */
  static async load(path: string, options: { device?: string } = {}): Promise<TextVAE> {
    const callSite = new Error();
    try {
      return await TextVAE.fromCheckpoint(path, await readCheckpoint(path), options);
    } catch (err) {
      throw graft(err, callSite);
    }
  }

  /** @internal Rebuilds from an already parsed checkpoint (load() dispatches here). */
  static async fromCheckpoint(path: string, ckpt: Checkpoint, options: { device?: string } = {}): Promise<TextVAE> {
    const model = await rebuild(
      path,
      ckpt,
      'textvae',
      () => {
        if (ckpt.vocabulary === undefined)
          throw new GentorchError('E_CHECKPOINT', `${path}: __metadata__ has no "vocabulary"`);
        return new TextVAE({
          ...(ckpt.config as Partial<TextVaeConfig>),
          vocabulary: Vocabulary.fromJSON(ckpt.vocabulary),
          device: options.device ?? 'auto',
          seed: ckpt.training.seed,
        });
      },
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
    this.#disposed = true;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
