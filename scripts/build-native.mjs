// Builds the addon with cmake-js against the libtorch find-libtorch.mjs finds.
//   node scripts/build-native.mjs [--debug] [--rebuild] [--cuda]
// --cuda (npm run build:cuda) insists on a CUDA wheel of PyTorch, from
// GENTORCH_PYTHON or python3 on PATH, and rebuilds against it (the CUDA
// toolkit from CUDA_HOME, CUDA_PATH or /usr/local/cuda).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { findCudaLibtorch, findLibtorch, HOW_TO_GET_LIBTORCH } from './find-libtorch.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

export function buildNative({ debug = false, rebuild = false, cuda = false, log = console.log } = {}) {
  const found = cuda ? findCudaLibtorch() : findLibtorch();
  if (!found || found.error) {
    console.error(found?.error ?? HOW_TO_GET_LIBTORCH);
    return 1;
  }
  log(`gentorch: building the addon against ${found.source}`);
  const cmakeJs = join(dirname(require.resolve('cmake-js/package.json')), 'bin', 'cmake-js');
  const args = [cmakeJs, rebuild ? 'rebuild' : 'compile', '--parallel', String(Math.max(1, cpus().length))];
  if (debug) args.push('--debug');
  if (found.prefix) args.push(`--CDCMAKE_PREFIX_PATH=${found.prefix}`);
  // The wheel's TorchConfig finds the CUDA toolkit with CMake's FindCUDA,
  // which guesses its root from the first nvcc on PATH; CUDA_HOME (or
  // /usr/local/cuda) is where the toolkit the user means is.
  const cudaRoot =
    process.env.CUDA_HOME ??
    process.env.CUDA_PATH ??
    (existsSync('/usr/local/cuda/include') ? '/usr/local/cuda' : undefined);
  if (cuda && cudaRoot) args.push(`--CDCUDA_TOOLKIT_ROOT_DIR=${cudaRoot}`);
  // Through heartbeat.mjs: a file can compile for a minute without a word.
  const res = spawnSync(
    process.execPath,
    [join(root, 'scripts', 'heartbeat.mjs'), 'compiling the addon', process.execPath, ...args],
    { cwd: root, stdio: 'inherit' },
  );
  if (res.status !== 0) {
    console.error('gentorch: the native build failed (see above).');
    return res.status ?? 1;
  }
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const cuda = process.argv.includes('--cuda');
  process.exit(
    buildNative({ debug: process.argv.includes('--debug'), rebuild: cuda || process.argv.includes('--rebuild'), cuda }),
  );
}
