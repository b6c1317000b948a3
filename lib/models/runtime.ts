/**
 * What this installation runs on (libtorch, devices, threads, BLAS), and the
 * one thread setting a program may fix: the facts behind `gentorch info`,
 * public as installInfo() and setThreads().
 */
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
  /**
   * This libtorch's CPU convolutions give wrong input gradients for output channels not a multiple of 16
   * (Debian 13's libtorch 2.6 on AVX-512 machines), so the GAN generator runs those as an im2col product.
   */
  cpuConvWorkaround: boolean;
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
      device: `cuda:${i}`,
      name: d.name,
      memoryGiB: Math.round((d.totalMemory / 2 ** 30) * 10) / 10,
      capability: d.capability,
    })),
    distributed: r.distributed,
    store: { transport: r.storeTransport, reason: r.storeTransportReason },
    cpuConvWorkaround: r.cpuConvGradFaulty,
    cores: availableParallelism(),
    intraOpThreads: r.intraOpThreads,
    fitThreads: r.fitThreads,
    interOpThreads: r.interOpThreads,
    ompWaitPolicy: process.env.OMP_WAIT_POLICY,
    blas: blas === 'generic' ? 'generic (the system BLAS: OpenBLAS when libopenblas0-pthread is installed)' : blas,
    parallel: r.parallelInfo
      .split('\n')
      .filter((l) => /OpenMP|MKL|backend/i.test(l))
      .join('; ')
      .trim(),
  };
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
