// Runs the gentorch CLI as a user would: a child process of bin/gentorch.js.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { expect } from 'vitest';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'gentorch.js');
export const PYTHON = '/usr/bin/python3';

/** Can Debian's python3 import `module`? */
export const pythonCan = (module: string): boolean =>
  spawnSync(PYTHON, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;

export interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The environment of a CLI run: ours without GENTORCH_FASHION_MNIST_DIR, plus `extra`. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.GENTORCH_FASHION_MNIST_DIR;
  return { ...env, ...extra };
}

/** Runs `argv0 ...args` to completion with our environment plus `env`; `onSpawn` gets the child (to signal it). */
export function runProcess(
  argv0: string,
  args: string[],
  env: Record<string, string> = {},
  onSpawn?: (child: ReturnType<typeof spawn>) => void,
): Promise<Run & { seconds: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(argv0, args, { cwd: ROOT, env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (status, signal) =>
      resolve({ status, signal, stdout, stderr, seconds: (performance.now() - t0) / 1000 }),
    );
    onSpawn?.(child);
  });
}

/** Runs `gentorch ...args` to completion. `onSpawn` gets the child (to signal it). */
export function gentorch(
  args: string[],
  options: { env?: Record<string, string>; onSpawn?: (child: ReturnType<typeof spawn>) => void } = {},
): Promise<Run> {
  return runProcess(process.execPath, [BIN, ...args], options.env, options.onSpawn);
}

/** Fails with the run's output when it did not exit 0. */
export function expectOk(r: Run): void {
  if (r.status !== 0)
    throw new Error(`gentorch exited ${r.status ?? r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

/** The one-line error report of a failed run. */
export function expectFailure(r: Run, code: string): void {
  expect(r.status, r.stderr).toBe(1);
  expect(r.stderr).toMatch(/^gentorch: E_[A-Z_]+: .+\n$/);
  expect(r.stderr.startsWith(`gentorch: ${code}: `), r.stderr).toBe(true);
}

export const readJson = (path: string): any => JSON.parse(readFileSync(path, 'utf8'));
export const readJsonLines = (path: string): any[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l));

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** A real PNG of the given size. */
export async function expectPng(path: string, width: number, height: number): Promise<void> {
  const bytes = readFileSync(path);
  expect([...bytes.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
  const meta = await sharp(bytes).metadata();
  expect(meta.format).toBe('png');
  expect(meta.width).toBe(width);
  expect(meta.height).toBe(height);
}
