/** `gentorch info`: what this installation runs on. */
import { cpus } from 'node:os';
import { native, nativePath } from './native.js';
import { VERSION } from './vae.js';

export interface InstallInfo {
  gentorch: string;
  node: string;
  addon: string | undefined;
  torchVersion: string;
  flavour: 'cuda' | 'cpu';
  devices: string[];
  cores: number;
  intraOpThreads: number;
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
    cores: cpus().length,
    intraOpThreads: r.intraOpThreads,
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
    `threads:  ${i.intraOpThreads} intra-op, ${i.interOpThreads} inter-op on ${i.cores} cores (OMP_WAIT_POLICY=${i.ompWaitPolicy ?? 'unset'})`,
    `BLAS:     ${i.blas}`,
    `parallel: ${i.parallel}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
