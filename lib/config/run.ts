/**
 * The defaults of runs rather than models, in one place: compare()'s
 * (COMPARE_DEFAULTS) and the command line's own (CLI_DEFAULTS). The CLI's
 * help text is built from these and from the model families' *_DEFAULTS, so
 * `--help` cannot state a default that the code does not use.
 */

/** compare()'s options when left out. */
export const COMPARE_DEFAULTS = Object.freeze({
  models: Object.freeze(['vae', 'gan'] as const),
  /** Training seconds per model when neither seconds nor epochs is given. */
  seconds: 150,
  seed: 1,
  device: 'auto',
  /** Cheap quality measurements spread over each model's training. */
  evalPoints: 8,
  /** Samples of each of those measurements. */
  curveSamples: 2000,
  /** Samples of the final metrics (evaluate()'s too). */
  samples: 10000,
  /** Test images of reconstruction, compression and restoration (the same first ones for every model). */
  usesImages: 100,
  /**
   * The latent search of those uses (a GAN's inversion, both families'
   * restoration): half the steps and starts of SEARCH_DEFAULTS, which keeps
   * a DCGAN's three searches of 100 images near 80 s on 2 cores and costs
   * it 0.2 to 1 dB against the defaults (README "Restoration").
   */
  usesSearch: Object.freeze({ steps: 100, starts: 2 }),
});

/** The command line's defaults where no model or fit default applies. */
export const CLI_DEFAULTS = Object.freeze({
  data: 'fashion-mnist',
  seed: 1,
  device: 'auto',
  /** encode, restore: which split of the data. */
  split: 'test' as 'test' | 'train',
  /** sample: how many. */
  sampleCount: 64,
  /** restore: images, and the noise std when no --mask is given. */
  restoreCount: 16,
  restoreNoise: 0.3,
  /** interpolate: lines and images per line. */
  interpolateRows: 4,
  /** interpolate and traverse: images per line or row. */
  lineSteps: 10,
  /** traverse: latent dimensions, a row each. */
  traverseDims: 8,
  /** train translate: held-out test images measured at the end. */
  translateTestImages: 1000,
  /** launch: nodes and this node's rank. */
  nnodes: 1,
  nodeRank: 0,
});

/** " (default X)" for a help text. */
export function defaultText(value: unknown): string {
  return ` (default ${Array.isArray(value) ? value.join(',') : String(value)})`;
}
