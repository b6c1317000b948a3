// Finds libtorch the documented way, in this order:
//   1. LIBTORCH: an unpacked libtorch (its root holds share/cmake/Torch)
//   2. a Python PyTorch: torch.utils.cmake_prefix_path of python3 (first on PATH, then /usr/bin/python3)
//   3. the system: CMake's own find_package(Torch) (Debian's libtorch-dev)
// Returns { source, prefix } where prefix is a CMAKE_PREFIX_PATH entry or null for the system.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const SYSTEM_CONFIGS = [
  '/usr/lib/x86_64-linux-gnu/cmake/Torch/TorchConfig.cmake',
  '/usr/lib/aarch64-linux-gnu/cmake/Torch/TorchConfig.cmake',
  '/usr/lib/cmake/Torch/TorchConfig.cmake',
  '/usr/local/lib/cmake/Torch/TorchConfig.cmake',
];

function pythonPrefix(python) {
  try {
    const out = execFileSync(python, ['-c', 'import torch.utils; print(torch.utils.cmake_prefix_path)'], {
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000,
    }).trim();
    return out && existsSync(join(out, 'Torch', 'TorchConfig.cmake')) ? out : null;
  } catch {
    return null;
  }
}

export const HOW_TO_GET_LIBTORCH = [
  'gentorch could not find libtorch. Give it one of three ways:',
  '  1. LIBTORCH=/path/to/libtorch  (an unpacked libtorch; its share/cmake/Torch is used)',
  '  2. a Python PyTorch: pip install torch  (found via torch.utils.cmake_prefix_path)',
  '  3. the system: sudo apt-get install libtorch-dev libopenblas0-pthread  (Debian/Ubuntu; npm run setup does this as root)',
].join('\n');

export function findLibtorch(env = process.env) {
  if (env.LIBTORCH) {
    const prefix = existsSync(join(env.LIBTORCH, 'share', 'cmake', 'Torch')) ? join(env.LIBTORCH, 'share', 'cmake') : env.LIBTORCH;
    return { source: `LIBTORCH=${env.LIBTORCH}`, prefix };
  }
  for (const python of ['python3', '/usr/bin/python3']) {
    const prefix = pythonPrefix(python);
    if (prefix) return { source: `Python PyTorch (${python}: ${prefix})`, prefix };
  }
  const system = SYSTEM_CONFIGS.find((p) => existsSync(p));
  if (system) return { source: `system libtorch (${system})`, prefix: null };
  return null;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const found = findLibtorch();
  if (!found) {
    console.error(HOW_TO_GET_LIBTORCH);
    process.exit(1);
  }
  console.log(JSON.stringify(found));
}
