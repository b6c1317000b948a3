/**
 * The text GAN: WGAN-GP over the generator's softmax outputs (Gulrajani et
 * al. 2017, their character language model). G maps z to a distribution over
 * the vocabulary at each position of a row; the critic scores one-hot rows of
 * real lines against G's soft rows, so G learns through the critic's
 * gradients without sampling (no reinforcement learning, no Gumbel). Trained
 * in C++ on a thread of its own (native/train/text_gan_trainer.h). Lines go in
 * and out as strings through the model's Vocabulary, built from the first
 * fit's lines and fixed after.
 *
 * Decoding: the likeliest id at each position; a string is the characters
 * before the first EOS or PAD (at most maxLength), BOS and UNK among them dropped.
 */
import { readCheckpoint, rebuild, type Checkpoint } from './checkpoint.js';
import { checkCodes, linesOf, withVocabulary, writeTextCheckpoint, type TextLines } from './text-common.js';
import { checkMaskChar } from './text-repair.js';
import { checkDeviceSpec, checkPositiveInt, checkSeed, rejectUnknownKeys } from '../config/validate.js';
import {
  TEXT_GAN_FIT_DEFAULTS,
  TEXT_INVERT_DEFAULTS,
  resolveTextGanConfig,
  resolveTextGanFitConfig,
  resolveTextInvertConfig,
  type TextGanConfig,
  type TextGanFitConfig,
  type TextInvertConfig,
} from '../config/text-gan.js';
import { EOS, SPECIALS, UNK, Vocabulary } from '../data/vocabulary.js';
import { GentorchError, describe, graft, invalid } from '../errors.js';
import { fitDistributed, runFit, stepsOfFit, type FitCallbacks, type FitHistory } from './fit.js';
import { checkFitCallbacks, type EarlyStopping } from './early-stopping.js';
import {
  native,
  type NativeCheckpointEvent,
  type NativeTextGanHandle,
  type NativeTextInversion,
  type NativeTrainingState,
} from '../native.js';
import type { HostTensor } from '../tensor.js';

/** Options of `new TextGAN()`: the config plus where and how to run. */
export interface TextGanOptions extends Partial<TextGanConfig> {
  /** 'auto' (CUDA when present), 'cpu', 'cuda' or 'cuda:N'. */
  device?: string;
  /** Seed of the weights, the data order and the noise (default 1). */
  seed?: number;
  /** The character vocabulary; default: built from the first fit's lines. */
  vocabulary?: Vocabulary;
}

export interface TextGanFitOptions extends Partial<TextGanFitConfig>, FitCallbacks {
  /**
   * Held-out lines: after every epoch the critic's Wasserstein estimate on
   * them (mean D(x) - mean D(G(z)), fixed codes) and G's loss go into the
   * epoch's record as `valLosses` { wasserstein, gLoss }.
   */
  validationData?: TextLines;
  /** earlyStopping() callbacks: monitor 'dLoss', 'gLoss', 'wasserstein', 'gp' or 'val_wasserstein', 'val_gLoss'. */
  callbacks?: EarlyStopping | EarlyStopping[];
}

/** Options of invert(). */
export interface TextInvertOptions extends Partial<TextInvertConfig> {
  /** One character that marks unknown positions (weight 0 in the loss); the EOS position, from the line's length, stays known. */
  mask?: string;
  /** Stops the inversion with E_ABORTED between two steps. */
  signal?: AbortSignal;
}

/** Options of repair(): invert()'s, with the mask required. */
export interface TextRepairOptions extends TextInvertOptions {
  mask: string;
}

/** What invert() finds. */
export interface TextInversion {
  /** The codes, [N, latentDim]; decode(z) gives G's strings for them. */
  z: HostTensor<'float32'>;
  /** Each string's final mean cross-entropy per known position (its known characters and its EOS), nats. */
  loss: number[];
}

const TEXT_GAN_LOSSES = ['dLoss', 'gLoss', 'wasserstein', 'gp'];
const VAL_LOSSES = ['wasserstein', 'gLoss'];
const FIT_KEYS = [
  ...Object.keys(TEXT_GAN_FIT_DEFAULTS),
  'signal',
  'onProgress',
  'onEpoch',
  'checkpointPath',
  'onCheckpoint',
  'distributed',
  'validationData',
  'callbacks',
];
const INVERT_KEYS = [...Object.keys(TEXT_INVERT_DEFAULTS), 'mask', 'signal'];

export class TextGAN {
  readonly device: string;
  readonly seed: number;
  #config: TextGanConfig;
  #vocabulary: Vocabulary | undefined;
  #handle: NativeTextGanHandle | undefined;
  #lastFit: TextGanFitConfig | undefined;
  #disposed = false;

  constructor(options: TextGanOptions = {}) {
    if (options === null || typeof options !== 'object') throw invalid('an object', 'TextGAN options', options);
    const { device = 'auto', seed = 1, vocabulary, ...config } = options;
    this.#config = resolveTextGanConfig(config);
    this.seed = checkSeed(seed);
    this.device = native().checkDevice(checkDeviceSpec(device));
    if (vocabulary !== undefined) this.#open(vocabulary);
  }

  /** The config; vocabSize is 0 until the vocabulary is known. */
  get config(): Readonly<TextGanConfig> {
    return this.#config;
  }

  /** The character vocabulary, once known (the first fit, or the `vocabulary` option). */
  get vocabulary(): Vocabulary | undefined {
    return this.#vocabulary;
  }

  /** Creates the native model for `vocabulary`; the vocabulary is fixed from here on. */
  #open(vocabulary: Vocabulary): NativeTextGanHandle {
    const config = withVocabulary(this.#config, vocabulary);
    this.#handle = new (native().TextGanHandle)(config, this.device, this.seed);
    this.#config = Object.freeze(config);
    this.#vocabulary = vocabulary;
    return this.#handle;
  }

  get #live(): NativeTextGanHandle {
    if (this.#disposed) throw new GentorchError('E_DISPOSED', 'This TextGAN was disposed');
    if (!this.#handle)
      throw new GentorchError(
        'E_CONFIG',
        'This TextGAN has no vocabulary yet: fit() it first, or pass `vocabulary` to new TextGAN()',
      );
    return this.#handle;
  }

  /** Where training stands: generator steps, completed epochs, steps into the current epoch. */
  get trainingState(): NativeTrainingState {
    if (!this.#handle && !this.#disposed) return { seed: this.seed, step: 0, epoch: 0, epochStep: 0, permSeed: '0' };
    return this.#live.info().state;
  }

  /** Number of trainable parameters of both networks (once the vocabulary is known). */
  get parameterCount(): number {
    return this.#live.info().parameterCount;
  }

  /**
   * Trains for `epochs` more epochs (of critic batches: a generator step
   * takes nCritic of them), or `steps` more generator steps when steps > 0,
   * on lines of at most maxLength characters; the first fit builds the
   * vocabulary from its lines. Progress losses are per-step means: dLoss
   * (the critic's loss with its penalty), gLoss, wasserstein (the critic's
   * D(x) - D(G(z)), rising as it tells them apart, falling as G catches up)
   * and gp (the penalty before its weight). imagesPerSecond counts critic lines.
   */
  async fit(data: TextLines, options: TextGanFitOptions = {}): Promise<FitHistory> {
    const callSite = new Error();
    if (this.#disposed) throw new GentorchError('E_DISPOSED', 'This TextGAN was disposed');
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
    const cfg = resolveTextGanFitConfig(rest);
    const dist = fitDistributed(distributed);
    const lines = linesOf(data, 'data');
    const vocabulary = this.#vocabulary ?? Vocabulary.fromLines(lines);
    const tokens = vocabulary.encode(lines, this.#config.maxLength);
    const validation =
      validationData === undefined
        ? undefined
        : vocabulary.encode(linesOf(validationData, 'validationData'), this.#config.maxLength);
    const stopping = checkFitCallbacks(callbacks).map((c) => c.watch(TEXT_GAN_LOSSES, validation && VAL_LOSSES));
    const handle = this.#handle ?? this.#open(vocabulary);
    const st = handle.info().state;
    const totalSteps = stepsOfFit({
      examples: lines.length,
      batchSize: cfg.batchSize,
      worldSize: dist?.worldSize,
      batchesPerStep: this.#config.nCritic,
      epochs: cfg.epochs,
      steps: cfg.steps,
      totals: cfg.totals,
      state: st,
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
    fit: TextGanFitConfig | undefined,
    overwrite = true,
  ): Promise<void> {
    const meta = { kind: 'textgan', config: this.#config, vocabulary: this.#vocabulary!, training, fit } as const;
    await writeTextCheckpoint(path, meta, tensors, overwrite);
  }

  /** `n` strings from z ~ N(0, I) drawn from `seed` (default the model's), decoded by the rule above. */
  async sample(n: number, options: { seed?: number } = {}): Promise<string[]> {
    const callSite = new Error();
    try {
      checkPositiveInt(n, 'n');
      if (options === null || typeof options !== 'object') throw invalid('an object', 'options', options);
      rejectUnknownKeys(options, ['seed'], 'sample');
      const seed = checkSeed(options.seed ?? this.seed);
      const handle = this.#live;
      return this.#vocabulary!.decode(await handle.sample(n, seed));
    } catch (err) {
      throw graft(err, callSite);
    }
  }

  /** G's strings for latent codes z [N, latentDim], decoded by the rule above. */
  async decode(z: { data: Float32Array; shape: number[] }): Promise<string[]> {
    const callSite = new Error();
    try {
      const codes = checkCodes(z);
      const handle = this.#live;
      return this.#vocabulary!.decode(await handle.decode(codes));
    } catch (err) {
      throw graft(err, callSite);
    }
  }

  /**
   * GAN inversion: for each line, the code z whose G row best explains it,
   * found by Adam on z from a N(0, I) start (`seed`): the mean cross-entropy
   * of G's probabilities against the line's ids over its known positions (its
   * characters, except those equal to `mask` and those outside the
   * vocabulary, and its EOS). `steps: 0` gives the starts' loss.
   */
  async invert(data: TextLines, options: TextInvertOptions = {}): Promise<TextInversion> {
    const callSite = new Error();
    try {
      const r = await this.#invert(data, options);
      return { z: r.z, loss: Array.from(r.loss.data) };
    } catch (err) {
      throw graft(err, callSite);
    }
  }

  /**
   * Fills the `mask` characters of each line with G's characters: invert()
   * with the mask, then each masked position takes G's likeliest character
   * there (never a special), and every other character is kept as given.
   */
  async repair(data: TextLines, options: TextRepairOptions): Promise<string[]> {
    const callSite = new Error();
    try {
      if (options === null || typeof options !== 'object') throw invalid('an object', 'repair options', options);
      const mask = checkMaskChar(options.mask);
      const lines = linesOf(data, 'data');
      const { filled, shape } = await this.#invert(lines, options).then((r) => ({
        filled: r.filled.data,
        shape: r.filled.shape,
      }));
      const width = shape[1];
      const chars = this.#vocabulary!.chars;
      return lines.map((line, i) =>
        [...line].map((ch, j) => (ch === mask ? chars[filled[i * width + j] - SPECIALS.length] : ch)).join(''),
      );
    } catch (err) {
      throw graft(err, callSite);
    }
  }

  async #invert(data: TextLines, options: TextInvertOptions): Promise<NativeTextInversion> {
    if (options === null || typeof options !== 'object') throw invalid('an object', 'invert options', options);
    rejectUnknownKeys(options, INVERT_KEYS, 'invert');
    const { mask, signal, ...rest } = options;
    const cfg = resolveTextInvertConfig({ ...rest, seed: rest.seed ?? this.seed });
    const maskChar = mask === undefined ? undefined : checkMaskChar(mask);
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalid('an AbortSignal', 'signal', signal);
    const lines = linesOf(data, 'data');
    const handle = this.#live;
    const { tokens, known } = this.#targets(lines, maskChar);
    if (signal?.aborted) throw new GentorchError('E_ABORTED', 'The inversion was aborted before it started');
    const abort = (): void => handle.cancel();
    signal?.addEventListener('abort', abort, { once: true });
    try {
      return await handle.invert(tokens, known, cfg);
    } finally {
      signal?.removeEventListener('abort', abort);
    }
  }

  /** Token rows of `lines` with the mask's positions (and characters outside the vocabulary) unknown. */
  #targets(lines: string[], mask: string | undefined): { tokens: HostTensor<'int32'>; known: HostTensor<'int32'> } {
    const vocabulary = this.#vocabulary!;
    const { maxLength } = this.#config;
    const width = maxLength + 1;
    const tokens = new Int32Array(lines.length * width); // PAD = 0
    const known = new Int32Array(lines.length * width);
    lines.forEach((line, i) => {
      const chars = [...line];
      if (chars.length > maxLength)
        throw new GentorchError(
          'E_DATA',
          `Expected lines of at most ${maxLength} characters (maxLength) but lines[${i}] has ${chars.length}: ${describe(line)}`,
        );
      chars.forEach((ch, j) => {
        const id = ch === mask ? UNK : vocabulary.id(ch);
        tokens[i * width + j] = id;
        known[i * width + j] = id === UNK ? 0 : 1;
      });
      tokens[i * width + chars.length] = EOS;
      known[i * width + chars.length] = 1;
    });
    const shape = [lines.length, width];
    return { tokens: { dtype: 'int32', shape, data: tokens }, known: { dtype: 'int32', shape, data: known } };
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

  /** Rebuilds a TextGAN, its vocabulary included, from a checkpoint written by save() or by checkpointEvery. */
  static async load(path: string, options: { device?: string } = {}): Promise<TextGAN> {
    const callSite = new Error();
    try {
      return await TextGAN.fromCheckpoint(path, await readCheckpoint(path), options);
    } catch (err) {
      throw graft(err, callSite);
    }
  }

  /** @internal Rebuilds from an already parsed checkpoint (load() dispatches here). */
  static async fromCheckpoint(path: string, ckpt: Checkpoint, options: { device?: string } = {}): Promise<TextGAN> {
    const model = await rebuild(
      path,
      ckpt,
      'textgan',
      () => {
        if (ckpt.vocabulary === undefined)
          throw new GentorchError('E_CHECKPOINT', `${path}: __metadata__ has no "vocabulary"`);
        return new TextGAN({
          ...(ckpt.config as Partial<TextGanConfig>),
          vocabulary: Vocabulary.fromJSON(ckpt.vocabulary),
          device: options.device ?? 'auto',
          seed: ckpt.training.seed,
        });
      },
      (m) => m.#live.importState(ckpt.tensors, ckpt.training),
    );
    if (ckpt.fit) model.#lastFit = ckpt.fit as unknown as TextGanFitConfig;
    return model;
  }

  /** The fit options of the last fit (or of the loaded checkpoint's), for resume. */
  get lastFit(): Readonly<TextGanFitConfig> | undefined {
    return this.#lastFit;
  }

  /** Frees the native model; a running fit or inversion stops with E_ABORTED. Idempotent. */
  dispose(): void {
    this.#handle?.dispose();
    this.#handle = undefined;
    this.#disposed = true;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
