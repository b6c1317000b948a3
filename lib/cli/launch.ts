/**
 * `gentorch launch --nproc N [--nnodes M --node-rank R --master-addr A
 * --master-port P] -- train ...`: starts this node's N workers of a
 * data-parallel job with the environment torchrun gives its workers (RANK,
 * LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, GROUP_RANK, MASTER_ADDR,
 * MASTER_PORT), as `torchrun --nproc_per_node N --no_python gentorch ...`
 * would. When a worker fails the others are stopped (SIGTERM, then SIGKILL),
 * so a job never hangs on a dead peer; Ctrl-C reaches every worker.
 */
import { CLI_DEFAULTS } from '../config/run.js';
import { DISTRIBUTED_DEFAULTS } from '../models/distributed.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { checkNonNegativeInt, checkPositiveInt, checkPositiveNumber } from '../config/validate.js';
import { GentorchError } from '../errors.js';

export interface LaunchFlags {
  nproc: number;
  nnodes?: number;
  nodeRank?: number;
  masterAddr?: string;
  masterPort?: number;
  /** Seconds a collective may wait for a peer (GENTORCH_DIST_TIMEOUT). */
  timeout?: number;
}

const BIN = fileURLToPath(new URL('../../bin/gentorch.js', import.meta.url));
const GRACE_MS = 5000;

export async function launchCommand(args: string[], flags: LaunchFlags): Promise<void> {
  checkPositiveInt(flags.nproc, 'nproc');
  const nnodes = checkPositiveInt(flags.nnodes ?? CLI_DEFAULTS.nnodes, 'nnodes');
  const nodeRank = checkNonNegativeInt(flags.nodeRank ?? CLI_DEFAULTS.nodeRank, 'node-rank');
  if (nodeRank >= nnodes)
    throw new GentorchError('E_CONFIG', `Expected --node-rank below --nnodes (${nnodes}) but received ${nodeRank}`);
  if (flags.timeout !== undefined) checkPositiveNumber(flags.timeout, 'timeout');
  const port = flags.masterPort ?? DISTRIBUTED_DEFAULTS.masterPort;
  if (!Number.isSafeInteger(port) || port < 1 || port > 65535)
    throw new GentorchError('E_CONFIG', `Expected --master-port in [1, 65535] but received ${port}`);
  if (args.length === 0 || args[0] !== 'train') {
    throw new GentorchError(
      'E_CONFIG',
      `Expected a train command after launch -- (e.g. launch --nproc 2 -- train vae ...) but received "${args.join(' ')}"`,
    );
  }
  const world = flags.nproc * nnodes;
  const children: ChildProcess[] = [];
  const statuses: (number | null)[] = [];
  let failed: { rank: number; status: number | null; signal: NodeJS.Signals | null } | undefined;
  const stopOthers = (): void => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    setTimeout(() => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }, GRACE_MS).unref();
  };
  const forward = (sig: NodeJS.Signals) => (): void => {
    for (const c of children) c.kill(sig);
  };
  const onInt = forward('SIGINT');
  const onTerm = forward('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    await Promise.all(
      Array.from(
        { length: flags.nproc },
        (_, local) =>
          new Promise<void>((resolve, reject) => {
            const rank = nodeRank * flags.nproc + local;
            const env = {
              ...process.env,
              RANK: String(rank),
              LOCAL_RANK: String(local),
              WORLD_SIZE: String(world),
              LOCAL_WORLD_SIZE: String(flags.nproc),
              GROUP_RANK: String(nodeRank),
              MASTER_ADDR: flags.masterAddr ?? DISTRIBUTED_DEFAULTS.masterAddr,
              MASTER_PORT: String(port),
              ...(flags.timeout !== undefined ? { GENTORCH_DIST_TIMEOUT: String(flags.timeout) } : {}),
            };
            const child = spawn(process.execPath, [BIN, ...args], { env, stdio: 'inherit' });
            children.push(child);
            child.on('error', reject);
            child.on('exit', (status, signal) => {
              statuses[local] = status;
              if ((status !== 0 || signal) && !failed) {
                failed = { rank, status, signal };
                stopOthers();
              }
              resolve();
            });
          }),
      ),
    );
  } finally {
    process.removeListener('SIGINT', onInt);
    process.removeListener('SIGTERM', onTerm);
  }
  if (failed) {
    const how = failed.signal ? `was killed by ${failed.signal}` : `exited with status ${failed.status}`;
    throw new GentorchError(
      'E_DISTRIBUTED',
      `Worker rank ${failed.rank} of ${world} ${how}; the other workers were stopped`,
    );
  }
}
