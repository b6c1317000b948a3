/**
 * `compare --seeds`: the figures read from each seed's run of a model, and
 * their spread over the seeds, from which the report says whether a
 * difference between models is larger than what a change of seed does.
 */
import type { ModelResult, SeedRun, Spread, SpreadKey } from '../report/results.js';

type Run = Pick<ModelResult, 'metrics' | 'timings'>;

/** Where each figure of a spread is read from a run. */
export const SPREAD_FIGURES: Readonly<Record<SpreadKey, (r: Run) => number | undefined>> = Object.freeze({
  fid: (r) => r.metrics.quality.fid,
  kid: (r) => r.metrics.quality.kid,
  precision: (r) => r.metrics.quality.precision,
  recall: (r) => r.metrics.quality.recall,
  classesCovered: (r) => r.metrics.quality.classesCovered,
  nelbo: (r) => r.metrics.vae?.nelbo,
  reconstructionPsnr: (r) => r.metrics.reconstruction?.psnr,
  restoredNoisyPsnr: (r) => r.metrics.restoration?.restoredNoisyPsnr,
  restoredHolesPsnr: (r) => r.metrics.restoration?.restoredHolesPsnr,
  trainImagesPerSecond: (r) => r.timings.trainImagesPerSecond,
});

/** Mean, sample standard deviation, min and max of values (std 0 for one value). */
export function spreadOf(values: number[]): Spread {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { values: [...values], mean, std, min: Math.min(...values), max: Math.max(...values) };
}

/** The spread of every figure that each run has as a finite number. */
export function seedSpread(runs: readonly Run[]): Partial<Record<SpreadKey, Spread>> {
  const out: Partial<Record<SpreadKey, Spread>> = {};
  for (const [key, read] of Object.entries(SPREAD_FIGURES) as [SpreadKey, (r: Run) => number | undefined][]) {
    const values = runs.map(read);
    if (values.every((v): v is number => typeof v === 'number' && Number.isFinite(v))) out[key] = spreadOf(values);
  }
  return out;
}

/** A model's run as one entry of another seed's list. */
export const asSeedRun = (m: ModelResult & { seed: number }): SeedRun => ({
  seed: m.seed,
  checkpoint: m.checkpoint,
  metrics: m.metrics,
  timings: m.timings,
});
