/**
 * compare()'s options: their types, defaults (lib/config/run.ts
 * COMPARE_DEFAULTS) and validation, apart from the run itself (compare.ts).
 */
import { MODEL_PRESETS } from '../config/presets.js';
import { COMPARE_DEFAULTS } from '../config/run.js';
import { checkDeviceSpec, checkPositiveInt, checkSeed, rejectUnknownKeys } from '../config/validate.js';
import { GentorchError, invalid } from '../errors.js';
import type { ImageDataset } from '../data/datasets.js';

/** The models compared when none are named (COMPARE_DEFAULTS.models). */
export const DEFAULT_MODELS = COMPARE_DEFAULTS.models;
/** Default training seconds per model when neither seconds nor epochs is given (COMPARE_DEFAULTS.seconds). */
export const DEFAULT_BUDGET_SECONDS = COMPARE_DEFAULTS.seconds;

export interface CompareProgress {
  /** The model, or '' for the run's own phases (judge, codecs, report). */
  model: string;
  /** The seed this run of the model trains under. */
  seed: number;
  /**
   * 'judge' (the judge classifier: trained once per dataset, then loaded from
   * the cache), 'train', 'evaluate' (the final metrics; `detail` says which),
   * 'done' (this model), 'codecs' (JPEG and WebP, for the compression
   * curves), 'report'.
   */
  stage: 'judge' | 'train' | 'evaluate' | 'done' | 'codecs' | 'report';
  /** What the stage is doing now (evaluate: "samples", "sample quality", ...). */
  detail?: string;
  /** Share of this stage done, 0..1 (train: of this model's budget). */
  fraction: number;
  seconds: number;
  epochs: number;
  /** Seconds this stage still needs, where known (train, judge). */
  etaSeconds?: number;
  /** The latest cheap FID, when one was measured. */
  fid?: number;
}

export interface CompareOptions {
  /** A data spec (`fashion-mnist`, an IDX folder, a .npy) or labelled train and test sets. */
  data?: string | { train: ImageDataset; test: ImageDataset };
  /** Where the checkpoints, images, results.json and report.html go. */
  out: string;
  /** Preset names (MODEL_PRESETS); default ['vae', 'gan']. */
  models?: string[];
  /** The same training seconds per model (the default, 150) ... */
  seconds?: number;
  /** ... or the same epochs per model. */
  epochs?: number;
  seed?: number;
  /** Run each model once per seed (e.g. [1, 2, 3]) and report the spread; the first seed's run gives the figures. */
  seeds?: number[];
  device?: string;
  /** Quality measurements during training (default 8). */
  evalPoints?: number;
  /** Samples per cheap FID during training (default 2000). */
  curveSamples?: number;
  /** Samples for the final metrics (default 10000). */
  samples?: number;
  /** Test images of reconstruction, compression and restoration (default 100). */
  usesImages?: number;
  /** Where the judge classifier is cached (default: $GENTORCH_CACHE_DIR, else $XDG_CACHE_HOME/gentorch or ~/.cache/gentorch). */
  cacheDir?: string;
  signal?: AbortSignal;
  onProgress?: (p: CompareProgress) => void;
}

const OPTION_KEYS = [
  'data',
  'out',
  'models',
  'seconds',
  'epochs',
  'seed',
  'seeds',
  'device',
  'evalPoints',
  'curveSamples',
  'samples',
  'usesImages',
  'cacheDir',
  'signal',
  'onProgress',
];
/** Validated options with their defaults. */
export function resolveOptions(options: CompareOptions) {
  if (options === null || typeof options !== 'object') throw invalid('an object', 'compare options', options);
  rejectUnknownKeys(options, OPTION_KEYS, 'compare');
  if (typeof options.out !== 'string' || options.out.length === 0) throw invalid('a folder path', 'out', options.out);
  const models = options.models ?? [...DEFAULT_MODELS];
  if (!Array.isArray(models) || models.length === 0) throw invalid('a non-empty list of model names', 'models', models);
  for (const m of models) {
    if (typeof m !== 'string' || !Object.hasOwn(MODEL_PRESETS, m)) {
      throw invalid(`one of ${Object.keys(MODEL_PRESETS).join(', ')}`, 'model', m);
    }
  }
  if (new Set(models).size !== models.length) throw invalid('each model once', 'models', models.join(','));
  if (options.seconds !== undefined && options.epochs !== undefined) {
    throw new GentorchError('E_CONFIG', 'Expected either seconds or epochs as the shared budget but received both');
  }
  if (
    options.seconds !== undefined &&
    !(typeof options.seconds === 'number' && options.seconds > 0 && Number.isFinite(options.seconds))
  ) {
    throw invalid('positive number', 'seconds', options.seconds);
  }
  if (
    options.epochs !== undefined &&
    !(typeof options.epochs === 'number' && options.epochs > 0 && Number.isFinite(options.epochs))
  ) {
    throw invalid('positive number', 'epochs', options.epochs);
  }
  const budget =
    options.epochs !== undefined
      ? { kind: 'epochs' as const, value: options.epochs }
      : { kind: 'seconds' as const, value: options.seconds ?? DEFAULT_BUDGET_SECONDS };
  if (options.seeds !== undefined && options.seed !== undefined) {
    throw new GentorchError('E_CONFIG', 'Expected either seed or seeds but received both');
  }
  if (options.seeds !== undefined && !(Array.isArray(options.seeds) && options.seeds.length > 0))
    throw invalid('a non-empty list of seeds', 'seeds', options.seeds);
  const seeds = (options.seeds ?? [options.seed ?? COMPARE_DEFAULTS.seed]).map((s) => checkSeed(s));
  if (new Set(seeds).size !== seeds.length) throw invalid('each seed once', 'seeds', seeds.join(','));
  const device = options.device ?? COMPARE_DEFAULTS.device;
  checkDeviceSpec(device);
  return {
    models,
    budget,
    device,
    seed: seeds[0],
    seeds,
    evalPoints: checkPositiveInt(options.evalPoints ?? COMPARE_DEFAULTS.evalPoints, 'evalPoints'),
    curveSamples: checkPositiveInt(options.curveSamples ?? COMPARE_DEFAULTS.curveSamples, 'curveSamples'),
    samples: checkPositiveInt(options.samples ?? COMPARE_DEFAULTS.samples, 'samples'),
    usesImages: checkPositiveInt(options.usesImages ?? COMPARE_DEFAULTS.usesImages, 'usesImages'),
  };
}

export type Resolved = ReturnType<typeof resolveOptions>;
