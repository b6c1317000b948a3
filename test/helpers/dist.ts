// Helpers of the data-parallel tests: child processes with a rank's environment, the float tensors of
// checkpoints, and two network namespaces joined by a veth pair.
import { spawn, spawnSync } from 'node:child_process';
import { readSafetensors } from '../../lib/io/safetensors.js';
import { runProcess } from './run-cli.js';

export interface Proc {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Runs `node args` with extra environment; `onSpawn` may signal it. */
export function run(
  args: string[],
  env: Record<string, string>,
  onSpawn?: (c: ReturnType<typeof spawn>) => void,
  argv0 = process.execPath,
): Promise<Proc> {
  return runProcess(argv0, args, env, onSpawn);
}

export const rankEnv = (rank: number, world: number, p: number, extra: Record<string, string> = {}) => ({
  RANK: String(rank),
  WORLD_SIZE: String(world),
  MASTER_ADDR: '127.0.0.1',
  MASTER_PORT: String(p),
  ...extra,
});

export async function tensorsOf(path: string): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [k, t] of (await readSafetensors(path)).tensors)
    if (t.dtype === 'float32') out.set(k, t.data as Float32Array);
  return out;
}

export function maxDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let worst = 0;
  for (const [k, x] of a) {
    const y = b.get(k)!;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
  }
  return worst;
}

/** The share of the elements of `a` that differ from `b`'s by more than `tol`. */
export function shareOver(a: Map<string, Float32Array>, b: Map<string, Float32Array>, tol: number): number {
  let over = 0;
  let all = 0;
  for (const [k, x] of a) {
    const y = b.get(k)!;
    for (let i = 0; i < x.length; i++) if (Math.abs(x[i] - y[i]) > tol) over++;
    all += x.length;
  }
  return over / all;
}

/** Two network namespaces joined by a veth pair, when this machine lets the test make them (root, iproute2). */
export function makeHosts(tag: string): { ok: boolean; cleanup: () => void } {
  const a = `gt${tag}a`;
  const b = `gt${tag}b`;
  const ip = (...args: string[]) => spawnSync('ip', args, { stdio: 'ignore' }).status === 0;
  const cleanup = () => {
    ip('netns', 'del', a);
    ip('netns', 'del', b);
  };
  const ok =
    ip('netns', 'add', a) &&
    ip('netns', 'add', b) &&
    ip('link', 'add', `${a}0`, 'type', 'veth', 'peer', 'name', `${b}0`) &&
    ip('link', 'set', `${a}0`, 'netns', a) &&
    ip('link', 'set', `${b}0`, 'netns', b) &&
    ip('-n', a, 'addr', 'add', '10.231.0.1/24', 'dev', `${a}0`) &&
    ip('-n', b, 'addr', 'add', '10.231.0.2/24', 'dev', `${b}0`) &&
    ip('-n', a, 'link', 'set', `${a}0`, 'up') &&
    ip('-n', b, 'link', 'set', `${b}0`, 'up') &&
    ip('-n', a, 'link', 'set', 'lo', 'up') &&
    ip('-n', b, 'link', 'set', 'lo', 'up');
  if (!ok) cleanup();
  return { ok, cleanup };
}
