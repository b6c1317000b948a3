// Runs the gentorch CLI as a user would: a child process of bin/gentorch.js.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'gentorch.js');

export interface Run { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** The environment of a CLI run: ours without GENTORCH_FASHION_MNIST_DIR, plus `extra`. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.GENTORCH_FASHION_MNIST_DIR;
  return { ...env, ...extra };
}

/** Runs `gentorch ...args` to completion. `onSpawn` gets the child (to signal it). */
export function gentorch(args: string[], options: { env?: Record<string, string>; onSpawn?: (child: ReturnType<typeof spawn>) => void } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: cliEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
    options.onSpawn?.(child);
  });
}
