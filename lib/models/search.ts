/**
 * The latent search both families share (native/train/latent_search.h): the
 * code whose image explains the known pixels of an image under the declared
 * noise, plus the prior. A GAN's inversion, and restoration for either
 * family. This file checks the mask and splits the options; the models'
 * search() methods call their handles with the result.
 */
import { resolveSearchConfig, SEARCH_DEFAULTS, type LatentSearchConfig } from '../config/search.js';
import { rejectUnknownKeys } from '../config/validate.js';
import { GentorchError, invalid } from '../errors.js';
import type { NativeSearchEvent, NativeSearchResult, TensorArg } from '../native.js';
import type { HostTensor } from '../tensor.js';

/** A mask over images [N, C, H, W]: [N, 1 or C, H, W], 1 = known, 0 = missing. */
export interface Mask {
  data: Uint8Array | Float32Array;
  shape: number[];
}

export interface SearchOptions extends Partial<LatentSearchConfig> {
  /** Which pixels are known (1) and missing (0); default: all known. */
  mask?: Mask;
  /**
   * Called as the search goes (at most every 0.25 s, and at its end). A
   * throw here does not stop the search; the search then rejects with
   * E_CALLBACK (the error as its cause).
   */
  onProgress?: (p: SearchProgress) => void;
}

/** How far a latent search is, in Adam steps over all images and starts. */
export interface SearchProgress {
  done: number;
  total: number;
  fraction: number;
  elapsedSeconds: number;
  etaSeconds: number;
}

export interface SearchResult {
  /** The codes found, [N, latentDim]. */
  codes: HostTensor<'float32'>;
  /** Their images, [N, C, H, W] in [0, 1]. */
  images: HostTensor<'float32'>;
  /** The objective per image at the end (known pixels' error over 2 sigma^2, plus prior). */
  loss: HostTensor<'float32'>;
  /** Wall-clock seconds per image of the search. */
  secondsPerImage: number;
}

export const SEARCH_KEYS = [...Object.keys(SEARCH_DEFAULTS), 'mask', 'onProgress'];

/** E_SHAPE unless `mask` fits images of `shape`; E_DATA unless every value is 0 or 1. */
export function checkMask(mask: unknown, shape: readonly number[]): TensorArg {
  const m = mask as Mask;
  if (m === null || typeof m !== 'object' || !(m.data instanceof Uint8Array || m.data instanceof Float32Array))
    throw invalid('{ data: Uint8Array | Float32Array, shape }', 'mask', mask, 'E_DATA');
  const [n, c, h, w] = shape;
  const s = m.shape;
  const fits =
    Array.isArray(s) && s.length === 4 && s[0] === n && (s[1] === 1 || s[1] === c) && s[2] === h && s[3] === w;
  if (!fits) throw invalid(`a mask of shape [${n}, 1 or ${c}, ${h}, ${w}]`, 'mask shape', s, 'E_SHAPE');
  const count = s.reduce((a: number, b: number) => a * b, 1);
  if (m.data.length !== count) throw invalid(`${count} mask values`, 'mask', m.data.length, 'E_SHAPE');
  const bad = m.data.find((v) => v !== 0 && v !== 1);
  if (bad !== undefined) throw invalid('mask values 0 (missing) or 1 (known)', 'mask', bad, 'E_DATA');
  return { data: m.data, shape: [...s] };
}

/** Splits and validates search options against images of `shape`. */
export function searchArgs(
  options: SearchOptions,
  shape: readonly number[],
  extraKeys: readonly string[] = [],
): { mask: TensorArg | undefined; config: LatentSearchConfig; onProgress?: SearchOptions['onProgress'] } {
  if (options === null || typeof options !== 'object') throw invalid('an object', 'search options', options);
  rejectUnknownKeys(options, [...SEARCH_KEYS, ...extraKeys], 'search');
  const { mask, onProgress, ...rest } = options;
  if (onProgress !== undefined && typeof onProgress !== 'function')
    throw invalid('a function', 'onProgress', onProgress);
  const config: Partial<LatentSearchConfig> = {};
  for (const k of Object.keys(SEARCH_DEFAULTS) as (keyof LatentSearchConfig)[]) config[k] = rest[k];
  return {
    mask: mask === undefined ? undefined : checkMask(mask, shape),
    config: resolveSearchConfig(config),
    onProgress,
  };
}

/**
 * Times a native search, reports its progress to `onProgress` and names its
 * parts as the API does. `run` starts the search with the event sink.
 */
export async function timedSearch(
  n: number,
  run: (onEvent: (ev: NativeSearchEvent) => void) => Promise<NativeSearchResult>,
  onProgress?: SearchOptions['onProgress'],
): Promise<SearchResult> {
  if (n < 1) throw new GentorchError('E_DATA', 'Expected at least one image to search for but received none');
  const t0 = performance.now();
  let failed: unknown;
  const onEvent = (ev: NativeSearchEvent): void => {
    if (!onProgress || failed !== undefined) return;
    const elapsedSeconds = (performance.now() - t0) / 1000;
    const fraction = ev.total > 0 ? ev.done / ev.total : 1;
    const etaSeconds = fraction > 0 ? (elapsedSeconds / fraction) * (1 - fraction) : 0;
    try {
      onProgress({ done: ev.done, total: ev.total, fraction, elapsedSeconds, etaSeconds });
    } catch (err) {
      failed = err;
    }
  };
  const r = await run(onEvent);
  if (failed !== undefined) {
    const msg = failed instanceof Error ? failed.message : String(failed);
    throw new GentorchError('E_CALLBACK', `The onProgress callback threw: ${msg}`, { cause: failed });
  }
  return { codes: r.z, images: r.images, loss: r.loss, secondsPerImage: (performance.now() - t0) / 1000 / n };
}
