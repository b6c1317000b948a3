/**
 * The 2-D benchmarks of the VEEGAN and PacGAN papers, and their mode
 * measures. ring8: 8 Gaussians with means (cos 2πi/8, sin 2πi/8) and standard
 * deviation 0.01; grid25: 25 Gaussians with means (-4 + 2i, -4 + 2j) and
 * standard deviation 0.05. A sample is high quality within 3 standard
 * deviations of its nearest mode; a mode is covered when it is the nearest
 * mode of at least one high-quality sample. Points travel as [N, 1, 1, 2].
 */
import { GentorchError, invalid } from '../errors.js';
import type { ImageDataset } from './datasets.js';
import type { HostTensor } from '../tensor.js';

export type SyntheticName = 'ring8' | 'grid25';

export interface MixtureSpec {
  name: SyntheticName;
  means: [number, number][];
  std: number;
}

export const SYNTHETIC: Readonly<Record<SyntheticName, MixtureSpec>> = {
  ring8: {
    name: 'ring8',
    means: Array.from(
      { length: 8 },
      (_, i) => [Math.cos((2 * Math.PI * i) / 8), Math.sin((2 * Math.PI * i) / 8)] as [number, number],
    ),
    std: 0.01,
  },
  grid25: {
    name: 'grid25',
    means: Array.from({ length: 25 }, (_, k) => [-4 + 2 * Math.floor(k / 5), -4 + 2 * (k % 5)] as [number, number]),
    std: 0.05,
  },
};

export function isSynthetic(name: string): name is SyntheticName {
  return name === 'ring8' || name === 'grid25';
}

/** A small seeded generator (mulberry32), so the data is the same for a seed everywhere. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` points of a benchmark mixture (modes chosen uniformly), with the mode index as label. */
export function synthetic(name: SyntheticName, options: { n?: number; seed?: number } = {}): ImageDataset {
  const spec = SYNTHETIC[name];
  if (!spec) throw invalid('ring8 or grid25', 'name', name);
  const n = options.n ?? 50_000;
  if (!Number.isSafeInteger(n) || n < 1) throw invalid('positive integer', 'n', n);
  const rand = mulberry32(options.seed ?? 0);
  const data = new Float32Array(n * 2);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = Math.floor(rand() * spec.means.length);
    // Box-Muller
    const r = Math.sqrt(-2 * Math.log(1 - rand()));
    const t = 2 * Math.PI * rand();
    data[2 * i] = spec.means[k][0] + spec.std * r * Math.cos(t);
    data[2 * i + 1] = spec.means[k][1] + spec.std * r * Math.sin(t);
    labels[i] = k;
  }
  return { name, images: { dtype: 'float32', shape: [n, 1, 1, 2], data }, labels };
}

export interface ModeCoverage {
  /** Modes that are the nearest mode of at least one high-quality sample. */
  covered: number;
  total: number;
  /** Fraction of samples within 3 standard deviations of their nearest mode. */
  highQualityRate: number;
  samples: number;
}

/** The VEEGAN/PacGAN measures of samples [N, ..., 2] against a mixture. */
export function modeCoverage(samples: HostTensor<'float32'> | Float32Array, spec: MixtureSpec): ModeCoverage {
  const data = samples instanceof Float32Array ? samples : samples.data;
  if (data.length % 2 !== 0 || data.length === 0) {
    throw new GentorchError('E_SHAPE', `Expected 2-D points for mode coverage but received ${data.length} values`);
  }
  const n = data.length / 2;
  const hits = new Array<number>(spec.means.length).fill(0);
  let good = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestD = Infinity;
    spec.means.forEach(([mx, my], k) => {
      const d = (data[2 * i] - mx) ** 2 + (data[2 * i + 1] - my) ** 2;
      if (d < bestD) {
        bestD = d;
        best = k;
      }
    });
    if (Math.sqrt(bestD) <= 3 * spec.std) {
      good++;
      hits[best]++;
    }
  }
  return { covered: hits.filter((h) => h > 0).length, total: spec.means.length, highQualityRate: good / n, samples: n };
}
