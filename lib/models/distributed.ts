/**
 * Data-parallel training settings, the torchrun way: a process is one rank of
 * a job of `worldSize` processes that meet at `masterAddr:masterPort` (c10d's
 * TCPStore, then a Gloo process group; native/dist/data_parallel.h). Give a
 * fit `distributed: distributedFromEnv()` under torchrun or `gentorch launch`,
 * or the settings themselves.
 */
import { GentorchError, invalid } from '../errors.js';
import { rejectUnknownKeys } from '../config/validate.js';

export interface DistributedOptions {
  /** This process's rank in [0, worldSize); rank 0 writes checkpoints and outputs. */
  rank: number;
  /** Processes in the job. */
  worldSize: number;
  /** Host of rank 0's rendezvous store (torchrun's MASTER_ADDR). */
  masterAddr: string;
  /** Its port (MASTER_PORT). */
  masterPort: number;
  /** Seconds to wait for the rendezvous and for each collective before E_DISTRIBUTED. */
  timeoutSeconds: number;
  /** The store at masterAddr:masterPort is served by a launcher (torchrun's agent): rank 0 joins it as a client too. */
  agentStore: boolean;
}

export const DISTRIBUTED_DEFAULTS: Readonly<Omit<DistributedOptions, 'rank' | 'worldSize'>> = Object.freeze({
  masterAddr: '127.0.0.1',
  masterPort: 29500,
  timeoutSeconds: 300,
  agentStore: false,
});

const KEYS = ['rank', 'worldSize', 'masterAddr', 'masterPort', 'timeoutSeconds', 'agentStore'];

/** Fills and checks distributed settings (E_CONFIG naming the bad value). */
export function resolveDistributed(partial: Partial<DistributedOptions>): DistributedOptions {
  if (partial === null || typeof partial !== 'object') throw invalid('an object', 'distributed', partial);
  rejectUnknownKeys(partial, KEYS, 'distributed');
  const d = { ...DISTRIBUTED_DEFAULTS, ...partial } as DistributedOptions;
  if (typeof d.worldSize !== 'number' || !Number.isSafeInteger(d.worldSize) || d.worldSize < 1)
    throw invalid('positive integer', 'worldSize', d.worldSize);
  if (typeof d.rank !== 'number' || !Number.isSafeInteger(d.rank) || d.rank < 0 || d.rank >= d.worldSize) {
    throw invalid(`integer in [0, ${d.worldSize - 1}]`, 'rank', d.rank);
  }
  if (typeof d.masterAddr !== 'string' || d.masterAddr === '')
    throw invalid('a host name or address', 'masterAddr', d.masterAddr);
  if (
    typeof d.masterPort !== 'number' ||
    !Number.isSafeInteger(d.masterPort) ||
    d.masterPort < 1 ||
    d.masterPort > 65535
  ) {
    throw invalid('integer in [1, 65535]', 'masterPort', d.masterPort);
  }
  if (typeof d.timeoutSeconds !== 'number' || !Number.isFinite(d.timeoutSeconds) || d.timeoutSeconds <= 0) {
    throw invalid('positive number', 'timeoutSeconds', d.timeoutSeconds);
  }
  if (typeof d.agentStore !== 'boolean') throw invalid('boolean', 'agentStore', d.agentStore);
  return d;
}

/**
 * The settings torchrun (and `gentorch launch`) put in the environment:
 * RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT, TORCHELASTIC_USE_AGENT_STORE
 * (torchrun's agent serves the store), and GENTORCH_DIST_TIMEOUT (seconds).
 * Undefined when WORLD_SIZE is absent or 1: one process.
 */
export function distributedFromEnv(env: NodeJS.ProcessEnv = process.env): DistributedOptions | undefined {
  if (env.WORLD_SIZE === undefined || env.WORLD_SIZE === '1') return undefined;
  const int = (name: string): number => {
    const v = env[name];
    const n = Number(v);
    if (v === undefined || v.trim() === '' || !Number.isSafeInteger(n)) {
      throw new GentorchError(
        'E_CONFIG',
        `Expected integer for environment variable ${name} but received ${JSON.stringify(v)}`,
      );
    }
    return n;
  };
  const timeout = env.GENTORCH_DIST_TIMEOUT;
  return resolveDistributed({
    rank: int('RANK'),
    worldSize: int('WORLD_SIZE'),
    masterAddr: env.MASTER_ADDR ?? DISTRIBUTED_DEFAULTS.masterAddr,
    masterPort: env.MASTER_PORT === undefined ? DISTRIBUTED_DEFAULTS.masterPort : int('MASTER_PORT'),
    timeoutSeconds: timeout === undefined ? DISTRIBUTED_DEFAULTS.timeoutSeconds : Number(timeout),
    agentStore: env.TORCHELASTIC_USE_AGENT_STORE === 'True',
  });
}
