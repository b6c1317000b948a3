/** `gentorch info`: what this installation runs on. */
import { installInfo } from '../models/runtime.js';

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
    ...i.cudaDevices.map(
      (d) => `          ${d.device}: ${d.name}, ${d.memoryGiB} GiB, compute capability ${d.capability}`,
    ),
    `threads:  ${i.intraOpThreads} intra-op, ${i.interOpThreads} inter-op on ${i.cores} cores (OMP_WAIT_POLICY=${i.ompWaitPolicy ?? 'unset'});` +
      ' CPU fits use every core for conv models, 1 for MLPs (setThreads or OMP_NUM_THREADS fix it)',
    `BLAS:     ${i.blas}`,
    `scale-out: ${
      i.distributed
        ? `c10d Gloo (gentorch launch, torchrun); TCPStore over ${i.store.transport} (${i.store.reason})`
        : 'none in this build (needs gloo headers: apt-get install libgloo-dev, then npm run build:native)'
    }`,
    `CPU conv: ${
      i.cpuConvWorkaround
        ? "libtorch's oneDNN gives wrong input gradients for few output channels; such convolutions run as im2col"
        : 'libtorch convolutions (checked: input gradients exact)'
    }`,
    `parallel: ${i.parallel}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
