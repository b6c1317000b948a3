/**
 * Progress of a long command that has several rows (compare's models, compare
 * --task's families, and the run's own phases such as the judge classifier):
 * cli-progress bars on a terminal, whose clocks tick every second, and plain
 * status lines otherwise, one when a row's stage changes and one at least
 * every 10 s while nothing changes. Either way the user sees the run move
 * from start to end, not only while something trains.
 */
import cliProgress from 'cli-progress';
import type { SearchProgress } from '../models/search.js';

export interface StatusUpdate {
  /** The row: a model or family, or a phase of the run ('judge'). */
  row: string;
  /** What the row is doing, in words ("training", "measuring: sample quality"). */
  stage: string;
  /** Share of the stage done, 0..1. */
  fraction: number;
  etaSeconds?: number;
  /** More to show, in order ("epoch 1.20", "FID 35.1"). */
  extra?: string[];
}

export interface StatusView {
  update(u: StatusUpdate): void;
  stop(): void;
}

/** Seconds without a line after which a non-terminal view writes one. */
export const HEARTBEAT_SECONDS = 8;

const clock = (seconds: number) => {
  const s = Math.round(seconds); // rounded first: 179.6 s is 3m00s, never 2m60s
  return s >= 90 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
};

/**
 * A StatusView on stderr: bars where stderr is a terminal (`tty`), lines
 * otherwise; nothing when not `enabled`. `write` and `now` are for tests.
 */
export function statusView(
  enabled: boolean,
  rows: string[],
  options: { tty?: boolean; write?: (line: string) => void; now?: () => number } = {},
): StatusView {
  if (!enabled) return { update: () => {}, stop: () => {} };
  const now = options.now ?? (() => performance.now() / 1000);
  const tty = options.tty ?? Boolean(process.stderr.isTTY);
  // Per row: the last update, when it came, and when its current stage began.
  const state = new Map<string, { u: StatusUpdate; at: number; since: number }>();
  let last: string | undefined;
  const track = (u: StatusUpdate): boolean => {
    const prev = state.get(u.row);
    const changed = !prev || prev.u.stage !== u.stage;
    state.set(u.row, { u, at: now(), since: changed ? now() : prev.since });
    last = u.row;
    return changed;
  };
  // The ETA of the last update, less the time since it came.
  const eta = (row: string): string | undefined => {
    const { u, at } = state.get(row)!;
    return u.etaSeconds !== undefined && Number.isFinite(u.etaSeconds)
      ? clock(Math.max(0, u.etaSeconds - (now() - at)))
      : undefined;
  };
  const describe = (row: string) => {
    const { u, since } = state.get(row)!;
    const left = eta(row);
    return [
      `${Math.round(u.fraction * 100)}%`,
      `${clock(now() - since)} in`,
      ...(left ? [`ETA ${left}`] : []),
      ...(u.extra ?? []),
    ].join(', ');
  };

  if (!tty) {
    const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
    let wrote = now();
    const say = (line: string) => {
      write(`gentorch: ${line}`);
      wrote = now();
    };
    const timer = setInterval(() => {
      if (!last || now() - wrote < HEARTBEAT_SECONDS) return;
      say(`${last}: ${state.get(last)!.u.stage} (${describe(last)})`);
    }, 1000);
    timer.unref();
    return {
      update: (u) => {
        if (track(u)) say(`${u.row}: ${u.stage}`);
      },
      stop: () => clearInterval(timer),
    };
  }

  const multi = new cliProgress.MultiBar(
    {
      format: '{name} |{bar}| {percentage}% | {stage} | {clock}{eta}{extra}',
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  const width = Math.max(8, ...rows.map((r) => r.length));
  const bars = new Map<string, cliProgress.SingleBar>();
  const payload = (u: StatusUpdate, since: number, left?: string) => ({
    name: u.row.padEnd(width),
    stage: u.stage,
    clock: clock(now() - since),
    eta: left ? ` | ETA ${left}` : '',
    extra: u.extra?.length ? ` | ${u.extra.join(' | ')}` : '',
  });
  const bar = (row: string) => {
    let b = bars.get(row);
    if (!b) {
      const waiting = { row, stage: 'waiting', fraction: 0 };
      b = multi.create(100, 0, payload(waiting, now()));
      bars.set(row, b);
    }
    return b;
  };
  for (const r of rows) bar(r);
  const draw = (row: string) => {
    const { u, since } = state.get(row)!;
    bar(row).update(Math.round(u.fraction * 100), payload(u, since, eta(row)));
  };
  let stopped = false;
  // The clock of the row last heard from ticks while its stage runs.
  const timer = setInterval(() => last && draw(last), 1000);
  timer.unref();
  return {
    update: (u) => {
      track(u);
      draw(u.row);
    },
    stop: () => {
      clearInterval(timer);
      if (!stopped) multi.stop();
      stopped = true;
    },
  };
}

/**
 * A latent search's progress (restoration, a GAN's inversion) as one status
 * row. The first line comes with the search's first report (after 0.25 s),
 * so a bad input fails with its error alone.
 */
export function searchStatus(
  enabled: boolean,
  row: string,
  n: number,
): { onProgress: (p: SearchProgress) => void; stop: () => void } {
  const view = statusView(enabled, [row]);
  const stage = `latent search for ${n} image${n === 1 ? '' : 's'}`;
  return {
    onProgress: (p) => view.update({ row, stage, fraction: p.fraction, etaSeconds: p.etaSeconds }),
    stop: () => view.stop(),
  };
}
