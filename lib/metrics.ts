/**
 * Sample-quality measures judged by the domain classifier (lib/classifier.ts):
 * a Frechet distance between its features of generated and of real images
 * (FID with a domain classifier instead of Inception), and class coverage.
 */
import type { Classifier } from './classifier.js';
import type { ImageDataset } from './data.js';
import { GentorchError } from './errors.js';
import { native } from './native.js';
import type { HostTensor } from './tensor.js';

/** Frechet distance between Gaussians fitted to two feature sets [N, D]. */
export function frechetDistance(a: HostTensor<'float64'>, b: HostTensor<'float64'>): number {
  return native().frechetDistance({ data: a.data, shape: a.shape }, { data: b.data, shape: b.shape });
}

/** Domain-feature FID of `samples` (floats in [0, 1]) against real images. */
export async function featureFid(judge: Classifier, samples: HostTensor, real: ImageDataset['images'] | HostTensor<'float64'>): Promise<number> {
  const realFeatures = real.dtype === 'float64' && real.shape.length === 2 ? real as HostTensor<'float64'> : await judge.features(real);
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
export async function classCoverage(judge: Classifier, samples: HostTensor, dataLabels?: Int32Array): Promise<ClassCoverage> {
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
  return { histogram, classesCovered: histogram.filter((h) => h >= 0.05).length, klFromData };
}
