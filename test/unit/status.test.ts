// Long commands move from start to end: without a terminal, a line when a
// row's stage changes and one at least every HEARTBEAT_SECONDS while nothing
// does (vitest's fake clock drives the real timers of statusView).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { compareStatus } from '../../lib/cli/compare.js';
import { HEARTBEAT_SECONDS, statusView } from '../../lib/cli/status.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('statusView without a terminal', () => {
  it('says each new stage once and then a status line at least every 10 s', () => {
    const lines: string[] = [];
    const view = statusView(true, ['vae'], { tty: false, write: (l) => lines.push(l), now: () => Date.now() / 1000 });
    view.update({ row: 'vae', stage: 'training', fraction: 0.1, etaSeconds: 90, extra: ['epoch 0.50'] });
    view.update({ row: 'vae', stage: 'training', fraction: 0.2, etaSeconds: 80 });
    expect(lines).toEqual(['gentorch: vae: training']);
    vi.advanceTimersByTime(60_000);
    // One line per heartbeat, none with gaps of more than 10 s.
    expect(lines.length).toBeGreaterThanOrEqual(1 + Math.floor(60 / 10));
    expect(lines.length).toBeLessThanOrEqual(1 + Math.ceil(60 / HEARTBEAT_SECONDS));
    expect(lines[1]).toMatch(/^gentorch: vae: training \(20%, 8s in, ETA 72s\)$/);
    view.update({ row: 'vae', stage: 'measuring: sample quality', fraction: 0.1 });
    expect(lines.at(-1)).toBe('gentorch: vae: measuring: sample quality');
    view.stop();
    const n = lines.length;
    vi.advanceTimersByTime(60_000);
    expect(lines.length).toBe(n);
  });

  it('rounds a clock before splitting it: never 2m60s', () => {
    const lines: string[] = [];
    const view = statusView(true, ['gan'], { tty: false, write: (l) => lines.push(l), now: () => Date.now() / 1000 });
    view.update({ row: 'gan', stage: 'training', fraction: 0.4, etaSeconds: 179.6 + HEARTBEAT_SECONDS });
    vi.advanceTimersByTime(HEARTBEAT_SECONDS * 1000);
    expect(lines.at(-1)).toMatch(/ETA 3m00s\)$/);
    view.stop();
  });

  it('is silent when disabled', () => {
    const lines: string[] = [];
    const view = statusView(false, ['gan'], { tty: false, write: (l) => lines.push(l) });
    view.update({ row: 'gan', stage: 'training', fraction: 0 });
    vi.advanceTimersByTime(30_000);
    expect(lines).toEqual([]);
  });
});

describe('compareStatus', () => {
  const base = { model: 'vae', seed: 1, fraction: 0.5, seconds: 10, epochs: 1.5 };
  it('names the model, its stage and what is being measured', () => {
    expect(compareStatus({ ...base, stage: 'train', etaSeconds: 10, fid: 40 }, false)).toEqual({
      row: 'vae',
      stage: 'training',
      fraction: 0.5,
      etaSeconds: 10,
      extra: ['epoch 1.50', 'FID 40.0'],
    });
    expect(compareStatus({ ...base, stage: 'evaluate', detail: 'sample quality' }, true).stage).toBe(
      'measuring: sample quality, seed 1',
    );
  });

  it("gives the run's own phases a row of their own", () => {
    const judge = compareStatus({ ...base, model: '', stage: 'judge', epochs: 0 }, false);
    expect(judge.row).toBe('judge');
    expect(judge.stage).toMatch(/judge classifier/);
    expect(judge.extra).toEqual([]);
    expect(compareStatus({ ...base, model: '', stage: 'report', epochs: 0 }, false).row).toBe('report');
  });
});
