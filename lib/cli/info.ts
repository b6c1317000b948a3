/** `gentorch info`: what this installation runs on. */
import { availableParallelism } from 'node:os';
import { checkPositiveInt } from '../config/validate.js';
import { native, nativePath } from '../native.js';
import { VERSION } from '../version.js';

export interface InstallInfo {
  gentorch: string;
  node: string;
  addon: string | undefined;
  torchVersion: string;
  flavour: 'cuda' | 'cpu';
  devices: string[];
  /** The CUDA devices' names, memory and compute capability (a CUDA build of the addon). */
  cudaDevices: { device: string; name: string; memoryGiB: number; capability: string }[];
  /** Data-parallel training available (c10d Gloo): `gentorch launch`, torchrun. */
  distributed: boolean;
  /** The rendezvous store's transport (libuv or sockets) and why, decided at run time. */
  store: { transport: 'libuv' | 'sockets'; reason: string };
  cores: number;
  intraOpThreads: number;
  /** Intra-op threads the latest CPU fit in this process ran with (0: none yet). */
  fitThreads: number;
  interOpThreads: number;
  ompWaitPolicy: string | undefined;
  blas: string;
  parallel: string;
}

/** Facts about libtorch, devices, threads and BLAS. */
export function installInfo(): InstallInfo {
  const b = native();
  const r = b.runtimeInfo();
  const blas = /BLAS_INFO=([^,\s]+)/.exec(r.buildConfig)?.[1] ?? 'unknown';
  const devices = ['cpu', ...Array.from({ length: r.cudaDeviceCount }, (_, i) => `cuda:${i}`)];
  return {
    gentorch: VERSION,
    node: process.version,
    addon: nativePath(),
    torchVersion: r.torchVersion,
    flavour: r.cudaBuilt ? 'cuda' : 'cpu',
    devices,
    cudaDevices: r.cudaDevices.map((d, i) => ({
      device: `cuda:${i}`, name: d.name, memoryGiB: Math.round((d.totalMemory / 2 ** 30) * 10) / 10, capability: d.capability,
    })),
    distributed: r.distributed,
    store: { transport: r.storeTransport, reason: r.storeTransportReason },
    cores: availableParallelism(),
    intraOpThreads: r.intraOpThreads,
    fitThreads: r.fitThreads,
    interOpThreads: r.interOpThreads,
    ompWaitPolicy: process.env.OMP_WAIT_POLICY,
    blas: blas === 'generic' ? 'generic (the system BLAS: OpenBLAS when libopenblas0-pthread is installed)' : blas,
    parallel: r.parallelInfo.split('\n').filter((l) => /OpenMP|MKL|backend/i.test(l)).join('; ').trim(),
  };
}

export function infoCommand(opts: { json?: boolean }): void {
  const i = installInfo();
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(i, null, 2)}\n`);
    return;
  }
  const lines = [
    `gentorch ${i.gentorch} (node ${i.node})`,
    `addon:    ${i.addon ?? 'not loaded'}`,
    `libtorch: ${i.torchVersion} (${i.flavour} build)`,
    `devices:  ${i.devices.join(', ')}`,
    ...i.cudaDevices.map((d) => `          ${d.device}: ${d.name}, ${d.memoryGiB} GiB, compute capability ${d.capability}`),
    `threads:  ${i.intraOpThreads} intra-op, ${i.interOpThreads} inter-op on ${i.cores} cores (OMP_WAIT_POLICY=${i.ompWaitPolicy ?? 'unset'});`
      + ' CPU fits use every core for conv models, 1 for MLPs (setThreads or OMP_NUM_THREADS fix it)',
    `BLAS:     ${i.blas}`,
    `scale-out: ${i.distributed
      ? `c10d Gloo (gentorch launch, torchrun); TCPStore over ${i.store.transport} (${i.store.reason})`
      : 'none in this build (needs gloo headers: apt-get install libgloo-dev, then npm run build:native)'}`,
    `parallel: ${i.parallel}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * Fixes libtorch's intra-op (OpenMP) thread count for this process. Without a
 * call (and without OMP_NUM_THREADS), each CPU fit picks what measured fastest
 * on 2 cores with Debian's libtorch: every core for the convolutional models,
 * one for the MLPs, whose matrix products OpenBLAS spreads over its own threads.
 */
export function setThreads(threads: number): void {
  checkPositiveInt(threads, 'threads');
  native().setThreads(threads);
}
