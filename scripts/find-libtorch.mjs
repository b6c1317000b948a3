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

function pythonTorch(python) {
  try {
    const out = execFileSync(
      python,
      [
        '-c',
        'import torch, torch.utils; print(torch.utils.cmake_prefix_path); print(torch.__version__); print(torch.version.cuda or "")',
      ],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 60_000,
      },
    )
      .trim()
      .split('\n');
    const [prefix, version, cuda] = [out[0]?.trim(), out[1]?.trim(), out[2]?.trim()];
    if (!prefix || !version) return null;
    return { prefix, version, cuda: cuda || null, cmake: existsSync(join(prefix, 'Torch', 'TorchConfig.cmake')) };
  } catch {
    return null;
  }
}

/**
 * The CUDA build: a Python PyTorch whose wheel has CUDA, from GENTORCH_PYTHON
 * or python3 on PATH (an activated virtual environment). Returns
 * { source, prefix } or { error } saying what was found instead.
 */
export function findCudaLibtorch(env = process.env) {
  const python = env.GENTORCH_PYTHON ?? 'python3';
  const torch = pythonTorch(python);
  if (!torch)
    return {
      error: `gentorch: ${python} has no PyTorch (set GENTORCH_PYTHON to a python3 with a CUDA build of torch, or activate its virtual environment)`,
    };
  if (!torch.cuda)
    return {
      error: `gentorch: ${python}'s torch ${torch.version} is a CPU build; a CUDA build needs a CUDA wheel of torch`,
    };
  if (!torch.cmake)
    return { error: `gentorch: ${python}'s torch ${torch.version} has no CMake files under ${torch.prefix}` };
  return {
    source: `Python PyTorch ${torch.version} with CUDA ${torch.cuda} (${python}: ${torch.prefix})`,
    prefix: torch.prefix,
  };
}

export const HOW_TO_GET_LIBTORCH = [
  'gentorch could not find libtorch. Give it one of three ways:',
  '  1. LIBTORCH=/path/to/libtorch  (an unpacked libtorch; its share/cmake/Torch is used)',
  '  2. a Python PyTorch: pip install torch  (found via torch.utils.cmake_prefix_path)',
  '  3. the system: sudo apt-get install libtorch-dev libopenblas0-pthread  (Debian/Ubuntu; npm run setup does this as root)',
].join('\n');

export function findLibtorch(env = process.env) {
  if (env.LIBTORCH) {
    const prefix = existsSync(join(env.LIBTORCH, 'share', 'cmake', 'Torch'))
      ? join(env.LIBTORCH, 'share', 'cmake')
      : env.LIBTORCH;
    return { source: `LIBTORCH=${env.LIBTORCH}`, prefix };
  }
  for (const python of ['python3', '/usr/bin/python3']) {
    const torch = pythonTorch(python);
    if (torch?.cmake)
      return { source: `Python PyTorch ${torch.version} (${python}: ${torch.prefix})`, prefix: torch.prefix };
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
