#!/bin/bash
# The GPU check of issue 6, on a machine with a CUDA PyTorch and no Node
# (scripts/gpu/pack.sh made .gpu/ here). Builds the addon against the wheel's
# libtorch (npm run build:cuda; the machine has node but no npm), prints `gentorch info`, runs the CUDA tests
# and the CUDA benchmark; logs and the bench JSON go to $OUT (or ./gpu-out).
#   bash scripts/gpu/check.sh build      # needs .gpu/a
#   bash scripts/gpu/check.sh test bench # needs .gpu/b too
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-$PWD/gpu-out}
mkdir -p "$OUT"
PY=${GENTORCH_PYTHON:-$(command -v python3)}
export GENTORCH_PYTHON=$PY PYTHONUNBUFFERED=1
if [ ! -x /tmp/gentorch-node/bin/node ]; then
  mkdir -p /tmp/gentorch-node/bin
  xz -dc .gpu/a/node.xz > /tmp/gentorch-node/bin/node && chmod +x /tmp/gentorch-node/bin/node
fi
export PATH=/tmp/gentorch-node/bin:$PATH
# CMake's FindCUDA, called by the wheel's TorchConfig, looks in CUDA_HOME (or for nvcc on PATH).
if [ -z "${CUDA_HOME:-}" ] && [ -d /usr/local/cuda ]; then export CUDA_HOME=/usr/local/cuda; fi
[ -d node_modules/vitest ] || tar -xJf .gpu/a/modules.tar.xz
if [ -d .gpu/b ] && [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  mkdir -p /usr/share/datasets/fashion-mnist && cp .gpu/b/*.gz /usr/share/datasets/fashion-mnist/
fi
status=0
for step in "$@"; do
  case $step in
    build)
      nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.txt"
      node scripts/build-native.mjs --cuda 2>&1 | tail -40 | tee "$OUT/build.log" || status=1
      node bin/gentorch.js info 2>&1 | tee -a "$OUT/build.log" || status=1 ;;
    test)
      node node_modules/vitest/vitest.mjs run test/training/cuda.test.ts test/training/vae.test.ts 2>&1 | tee "$OUT/test.log" | grep -E "✓|✗|×|FAIL|Error|Tests" || true
      [ "${PIPESTATUS[0]}" = 0 ] || status=1 ;;
    bench)
      node scripts/bench/run.mjs --device cuda --python "$PY" --reps 3 --cases vae,dcgan,mlp-gan,sample \
        --threads 16 --json "$OUT/bench-cuda.json" 2>&1 | tee "$OUT/bench.log" | tail -30 || status=1 ;;
    *) echo "check: unknown step $step (build, test, bench)" >&2; exit 2 ;;
  esac
done
exit $status
