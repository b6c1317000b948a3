/**
 * Training to a budget in chunks, measuring after each: the loop both
 * comparisons (images: compare.ts, text: text-compare.ts) share. A budget is
 * the same training seconds or the same epochs for every model; in seconds
 * mode a short first chunk times a step, and measurements are not training
 * time.
 */
import type { FitProgress } from '../models/fit.js';
import type { LossPoint } from '../report/results.js';

/** Steps of the first chunk in seconds mode, which times a step. */
export const PROBE_STEPS = 10;

export interface Budget {
  kind: 'seconds' | 'epochs';
  value: number;
}

/** What the loop needs of a model under training. */
export interface BudgetTrainee {
  stepsPerEpoch: number;
  /** Optimizer steps done so far (the model's trainingState.step). */
  steps(): number;
  fit(steps: number, onProgress: (p: FitProgress) => void, signal?: AbortSignal): Promise<void>;
}

/** Where training stands, for a progress line. */
export interface BudgetProgress {
  fraction: number;
  seconds: number;
  epochs: number;
  etaSeconds?: number;
}

/** Steps of the next chunk: equal shares of the epochs, or of the seconds once a step is timed. */
function nextChunk(
  budget: Budget,
  evalPoints: number,
  done: { steps: number; seconds: number },
  totalSteps: number,
): number {
  if (budget.kind === 'epochs') {
    // The next of evalPoints evenly spread chunk ends (fewer when an epoch has fewer steps).
    let k = 1;
    while (Math.round((k * totalSteps) / evalPoints) <= done.steps) k++;
    return Math.min(Math.round((k * totalSteps) / evalPoints), totalSteps) - done.steps;
  }
  if (done.steps === 0) return PROBE_STEPS;
  const perStep = done.seconds / done.steps;
  const share = budget.value / evalPoints;
  return Math.max(1, Math.min(Math.round(share / perStep), Math.round((budget.value - done.seconds) / perStep)));
}

/**
 * Trains `t` to `budget` in about `evalPoints` chunks and calls `point`
 * (given the training seconds so far) before the first and after each chunk
 * but the timing probe. `report` hears of every progress event and, with the
 * point, of every measurement.
 */
export async function trainToBudget<P>(
  t: BudgetTrainee,
  budget: Budget,
  evalPoints: number,
  point: (seconds: number) => Promise<P>,
  report: (progress: BudgetProgress, point?: P) => void,
  signal?: AbortSignal,
): Promise<{ curve: P[]; losses: LossPoint[]; seconds: number }> {
  const curve = [await point(0)];
  const start = t.steps();
  const losses: LossPoint[] = [];
  const totalSteps = budget.kind === 'epochs' ? Math.max(1, Math.round(budget.value * t.stepsPerEpoch)) : Infinity;
  const done = { steps: 0, seconds: 0 };
  const fraction = () => Math.min(1, budget.kind === 'epochs' ? done.steps / totalSteps : done.seconds / budget.value);
  const progress = (): BudgetProgress => {
    const f = fraction();
    const etaSeconds =
      budget.kind === 'seconds'
        ? Math.max(0, budget.value - done.seconds)
        : f > 0
          ? (done.seconds * (1 - f)) / f
          : undefined;
    return { fraction: f, seconds: done.seconds, epochs: done.steps / t.stepsPerEpoch, etaSeconds };
  };
  report(progress(), curve[0]);
  while (fraction() < 1) {
    const n = nextChunk(budget, evalPoints, done, totalSteps);
    const before = { ...done };
    const t0 = performance.now();
    await t.fit(
      n,
      (p) => {
        losses.push({ step: p.step, seconds: before.seconds + p.elapsedSeconds, losses: p.losses });
        done.seconds = before.seconds + (performance.now() - t0) / 1000;
        done.steps = p.step - start;
        report(progress());
      },
      signal,
    );
    done.seconds = before.seconds + (performance.now() - t0) / 1000;
    done.steps = t.steps() - start;
    if (before.steps === 0 && budget.kind === 'seconds' && fraction() < 0.5 / evalPoints) continue; // the timing probe
    curve.push(await point(done.seconds));
    report(progress(), curve.at(-1));
  }
  return { curve, losses, seconds: done.seconds };
}
