// Shared test helpers: small real datasets and temp folders.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasets, type ImageDataset } from '../../lib/index.js';
import { take } from '../../lib/data/datasets.js';

export const FASHION_DIR = process.env.GENTORCH_FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';

export function tempDir(prefix = 'gentorch-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

let trainCache: Promise<ImageDataset> | undefined;
let testCache: Promise<ImageDataset> | undefined;

export function fashionTrain(): Promise<ImageDataset> {
  trainCache ??= datasets.fashionMnist({ split: 'train' });
  return trainCache;
}

export function fashionTest(): Promise<ImageDataset> {
  testCache ??= datasets.fashionMnist({ split: 'test' });
  return testCache;
}

/** The first n training images: a small real dataset for quick fits. */
export async function smallTrain(n: number): Promise<ImageDataset> {
  return take(await fashionTrain(), n);
}

/** Is Debian's python3 with torch there, for the PyTorch cross-checks? */
export async function hasPythonTorch(): Promise<boolean> {
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' });
  return r.status === 0;
}
