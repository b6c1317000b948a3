/**
 * Sample-quality measures judged by the domain classifier (lib/models/classifier.ts):
 * a Frechet distance between its features of generated and of real images
 * (FID with a domain classifier instead of Inception), and class coverage.
 */
import type { Classifier } from '../models/classifier.js';
import type { ImageDataset } from '../data/datasets.js';
import { GentorchError, graft } from '../errors.js';
import { native } from '../native.js';
import type { HostTensor } from '../tensor.js';
import { COVERED_CLASS_SHARE, type LatentMap } from '../report/results.js';

/** Frechet distance between Gaussians fitted to two feature sets [N, D]. */
export function frechetDistance(a: HostTensor<'float64'>, b: HostTensor<'float64'>): number {
  return native().frechetDistance({ data: a.data, shape: a.shape }, { data: b.data, shape: b.shape });
}

/** Domain-feature FID of `samples` (floats in [0, 1]) against real images. */
export async function featureFid(
  judge: Classifier,
  samples: HostTensor,
  real: ImageDataset['images'] | HostTensor<'float64'>,
): Promise<number> {
  const realFeatures =
    real.dtype === 'float64' && real.shape.length === 2 ? (real as HostTensor<'float64'>) : await judge.features(real);
  return frechetDistance(await judge.features(samples), realFeatures);
}

export interface ClassCoverage {
  /** Fraction of samples predicted as each class. */
  histogram: number[];
  /** Classes that receive at least 5% of the samples. */
  classesCovered: number;
  /** KL(data's class distribution || samples'), nats; 0 when they match. */
  klFromData: number;
}

/** How generated samples spread over the classes, by the judge's predictions. */
export async function classCoverage(
  judge: Classifier,
  samples: HostTensor,
  dataLabels?: Int32Array,
): Promise<ClassCoverage> {
  const probs = await judge.probabilities(samples);
  const [n, k] = probs.shape;
  if (n === 0) throw new GentorchError('E_DATA', 'Expected samples for class coverage but received none');
  const counts = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (probs.data[i * k + j] > probs.data[i * k + best]) best = j;
    counts[best]++;
  }
  const histogram = counts.map((c) => c / n);
  const data = new Array<number>(k).fill(1 / k);
  if (dataLabels && dataLabels.length > 0) {
    data.fill(0);
    for (const y of dataLabels) data[y] += 1 / dataLabels.length;
  }
  const eps = 1e-6;
  const klFromData = data.reduce((s, p, j) => (p > 0 ? s + p * Math.log(p / Math.max(histogram[j], eps)) : s), 0);
  return { histogram, classesCovered: histogram.filter((h) => h >= COVERED_CLASS_SHARE).length, klFromData };
}

/**
 * Improved precision and recall (Kynkaanniemi et al. 2019) of generated
 * features against real ones [N, D]: each set's manifold is the union of
 * balls reaching every point's k-th nearest neighbour. Precision (fidelity)
 * is the share of generated points inside the real manifold, recall
 * (diversity) the share of real points inside the generated one. Runs off
 * the event loop.
 */
export async function precisionRecall(
  real: HostTensor<'float64'>,
  generated: HostTensor<'float64'>,
  k = 3,
  bootstrap: { rounds: number; seed: number } = { rounds: 0, seed: 1 },
): Promise<{ precision: number; recall: number; precisionInterval?: Interval; recallInterval?: Interval }> {
  const callSite = new Error();
  const r = await native()
    .precisionRecall(
      { data: real.data, shape: real.shape },
      { data: generated.data, shape: generated.shape },
      k,
      bootstrap.rounds,
      bootstrap.seed,
    )
    .catch((e) => {
      throw graft(e, callSite);
    });
  if (bootstrap.rounds === 0) return { precision: r.precision, recall: r.recall };
  return {
    precision: r.precision,
    recall: r.recall,
    precisionInterval: [r.precisionLow, r.precisionHigh],
    recallInterval: [r.recallLow, r.recallHigh],
  };
}

/** A 95% interval: the 2.5th and 97.5th percentiles of a bootstrap. */
export type Interval = [number, number];

/** The FID's 95% bootstrap interval: both feature sets resampled with replacement `rounds` times. */
export async function frechetInterval(
  a: HostTensor<'float64'>,
  b: HostTensor<'float64'>,
  rounds = 50,
  seed = 1,
): Promise<Interval> {
  const callSite = new Error();
  const r = await native()
    .frechetBootstrap({ data: a.data, shape: a.shape }, { data: b.data, shape: b.shape }, rounds, seed)
    .catch((e) => {
      throw graft(e, callSite);
    });
  return [r.low, r.high];
}

/**
 * KID (Binkowski et al. 2018) of generated features against real ones: the
 * unbiased MMD^2 under the cubic polynomial kernel, the mean over `subsets`
 * random subsets of `subsetSize` points (as torch-fidelity), and the 95%
 * range of the subsets' values. Unbiased, so it can be slightly negative
 * when the sets match.
 */
export async function kernelDistance(
  real: HostTensor<'float64'>,
  generated: HostTensor<'float64'>,
  options: { subsets?: number; subsetSize?: number; seed?: number } = {},
): Promise<{ kid: number; interval: Interval }> {
  const callSite = new Error();
  const r = await native()
    .kernelDistance(
      { data: real.data, shape: real.shape },
      { data: generated.data, shape: generated.shape },
      options.subsets ?? 100,
      options.subsetSize ?? 1000,
      options.seed ?? 1,
    )
    .catch((e) => {
      throw graft(e, callSite);
    });
  return { kid: r.kid, interval: [r.low, r.high] };
}

/** Mean squared error per element between two equally long arrays. */
export function meanSquaredError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || a.length === 0)
    throw new GentorchError(
      'E_SHAPE',
      `Expected two equally long non-empty arrays but received ${a.length} and ${b.length}`,
    );
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s / a.length;
}

/** Peak signal-to-noise ratio (dB) of a mean squared error, for signals peaking at `peak`. */
export function psnr(mse: number, peak = 1): number {
  return mse > 0 ? 10 * Math.log10((peak * peak) / mse) : Infinity;
}

/** Variance over the rows of each column of mu [N, D]: how much the data uses each latent dimension. */
export function latentVariance(mu: HostTensor<'float32'>): number[] {
  const [n, d] = mu.shape;
  return Array.from({ length: d }, (_, j) => {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const v = mu.data[i * d + j];
      s += v;
      s2 += v * v;
    }
    const mean = s / n;
    return s2 / n - mean * mean;
  });
}

/** The variance over the data above which a latent dimension counts as active (Burda et al. 2016). */
export const ACTIVE_VARIANCE = 0.01;

/**
 * Active latent units (Burda et al. 2016): dimensions whose posterior mean
 * varies across the data, Var_x(E_q[z_d]) > threshold. mu: [N, D].
 */
export function activeUnits(mu: HostTensor<'float32'>, threshold = ACTIVE_VARIANCE): number {
  return latentVariance(mu).filter((v) => v > threshold).length;
}

/**
 * The plane of the top two principal components of mu [N, D]: its mean, the
 * two unit directions (power iteration on the covariance, the second after
 * deflating the first) and the share of variance each explains. A point
 * (a, b) of the plane is the code mean + a * axes[0] + b * axes[1].
 */
export interface PrincipalPlane {
  mean: Float64Array;
  axes: [Float64Array, Float64Array];
  explained: [number, number];
}

export function principalPlane(mu: HostTensor<'float32'>): PrincipalPlane {
  const [rows, d] = mu.shape;
  const mean = new Float64Array(d);
  for (let i = 0; i < rows; i++) for (let j = 0; j < d; j++) mean[j] += mu.data[i * d + j] / rows;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < rows; i++)
    for (let a = 0; a < d; a++) {
      const va = mu.data[i * d + a] - mean[a];
      for (let b = a; b < d; b++) cov[a * d + b] += (va * (mu.data[i * d + b] - mean[b])) / rows;
    }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) cov[a * d + b] = cov[b * d + a];
  const total = Array.from({ length: d }, (_, j) => cov[j * d + j]).reduce((x, y) => x + y, 0);
  const top = (): { v: Float64Array; value: number } => {
    let v = new Float64Array(d).map((_, j) => 1 + j / d);
    let value = 0;
    for (let it = 0; it < 200; it++) {
      const w = new Float64Array(d);
      for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) w[a] += cov[a * d + b] * v[b];
      value = Math.hypot(...w);
      if (value === 0) break;
      v = w.map((x) => x / value);
    }
    return { v, value };
  };
  const first = top();
  for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) cov[a * d + b] -= first.value * first.v[a] * first.v[b];
  const second = top();
  const explained: [number, number] = total > 0 ? [first.value / total, second.value / total] : [0, 0];
  return { mean, axes: [first.v, second.v], explained };
}

/** The first `n` rows of mu [N, D] (all by default) as coordinates on a principal plane. */
export function projectOnPlane(
  mu: HostTensor<'float32'>,
  plane: PrincipalPlane,
  n = mu.shape[0],
): [number[], number[]] {
  const d = mu.shape[1];
  const along = (v: Float64Array) =>
    Array.from({ length: n }, (_, i) => {
      let s = 0;
      for (let j = 0; j < d; j++) s += (mu.data[i * d + j] - plane.mean[j]) * v[j];
      return s;
    });
  return [along(plane.axes[0]), along(plane.axes[1])];
}

/**
 * The first `n` rows of mu [N, D] on a plane for the latent-space map: the
 * two coordinates themselves when D is 2, else the top two principal
 * components of all N rows (principalPlane), with the share of variance each
 * explains.
 */
export function latentMap(mu: HostTensor<'float32'>, labels: ArrayLike<number>, n = 1000): LatentMap {
  const [rows, d] = mu.shape;
  const m = Math.min(n, rows);
  const round = (v: number) => Math.round(v * 1000) / 1000;
  const lab = Array.from({ length: m }, (_, i) => labels[i]);
  if (d <= 2) {
    const col = (j: number) => Array.from({ length: m }, (_, i) => round(j < d ? mu.data[i * d + j] : 0));
    return { axes: 'latent', x: col(0), y: col(1), labels: lab };
  }
  const plane = principalPlane(mu);
  const [x, y] = projectOnPlane(mu, plane, m);
  return {
    axes: 'pca',
    explained: [round(plane.explained[0]), round(plane.explained[1])],
    x: x.map(round),
    y: y.map(round),
    labels: lab,
  };
}

/**
 * Oscillation of a loss: the standard deviation over a sliding window,
 * averaged over the windows and divided by the mean |loss|, so a steady
 * loss gives about 0 whatever its scale. NaN for fewer than `window` values.
 */
export function lossOscillation(values: readonly number[], window = 10): number {
  if (values.length < window) return NaN;
  let sumStd = 0;
  let windows = 0;
  for (let i = 0; i + window <= values.length; i++) {
    const w = values.slice(i, i + window);
    const m = w.reduce((a, b) => a + b, 0) / window;
    sumStd += Math.sqrt(w.reduce((a, b) => a + (b - m) ** 2, 0) / window);
    windows++;
  }
  const scale = values.reduce((a, b) => a + Math.abs(b), 0) / values.length;
  return scale > 0 ? sumStd / windows / scale : 0;
}

/** x rounded to the nearest IEEE half-precision value, ties to even as numpy's float16 (how codes are stored when compressing). */
export function roundToFloat16(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const a = Math.abs(x);
  if (a >= 65520) return Math.sign(x) * Infinity;
  const e = Math.max(Math.floor(Math.log2(a)), -14); // subnormals share the smallest exponent
  const quantum = 2 ** (e - 10);
  const q = a / quantum;
  const f = Math.floor(q);
  const r = q - f > 0.5 || (q - f === 0.5 && f % 2 === 1) ? f + 1 : f;
  return Math.sign(x) * r * quantum;
}

/**
 * How much a curve goes back and forth, relative to its level: the distance
 * travelled beyond the net change, (sum |v[i+1] - v[i]| - |v[last] - v[0]|)
 * / 2, over the mean. 0 for any monotone curve, however steep (steady
 * improvement is never oscillation); a reversal of r on a level m gives r / m.
 */
export function oscillation(values: readonly number[]): number {
  if (values.length < 3 || !values.every(Number.isFinite)) return NaN;
  let path = 0;
  for (let i = 1; i < values.length; i++) path += Math.abs(values[i] - values[i - 1]);
  const net = Math.abs(values.at(-1)! - values[0]);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return mean > 0 ? (path - net) / 2 / mean : NaN;
}
