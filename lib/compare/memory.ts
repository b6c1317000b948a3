/**
 * Peak resident memory of one phase of work (a model's training, its
 * evaluation), not the process's running maximum: freed heap is first handed
 * back to the system (native releaseMemory, glibc's malloc_trim), then the
 * resident size is sampled every 20 ms while the phase runs. The event loop
 * is free during native jobs, so the sampler runs through them; a peak
 * shorter than one interval can be missed.
 */
import { native } from '../native.js';

export interface PhaseMemory<T> {
  value: T;
  /** Resident bytes when the phase began (after the release). */
  startRssBytes: number;
  /** The largest resident size seen during the phase. */
  peakRssBytes: number;
}

/** Runs `phase` and measures its peak resident memory. */
export async function measurePhase<T>(phase: () => Promise<T>, intervalMs = 20): Promise<PhaseMemory<T>> {
  native().releaseMemory();
  const startRssBytes = process.memoryUsage.rss();
  let peakRssBytes = startRssBytes;
  const timer = setInterval(() => {
    peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss());
  }, intervalMs);
  try {
    const value = await phase();
    peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss());
    return { value, startRssBytes, peakRssBytes };
  } finally {
    clearInterval(timer);
  }
}
