#!/bin/sh
# Packs what a GPU machine without Node or registries needs to build and test
# gentorch against its PyTorch wheel (scripts/gpu/check.sh runs it there):
#   .gpu/a: node.xz (this machine's node binary) and modules.tar.xz (node_modules
#           without what the GPU check never loads: TensorFlow.js, TypeScript,
#           playwright), plus dist/ (the compiled TypeScript);
#   .gpu/b: the Fashion-MNIST .gz files.
# Each stays under the 64 MiB a device call may carry; they go in two calls
# on one warm machine (a: build + tests, b: the data, then tests + bench).
#   sh scripts/gpu/pack.sh        (after npm run setup)
set -eu
cd "$(dirname "$0")/../.."
[ -d dist ] && [ -d node_modules ] || { echo "pack: run npm run setup first" >&2; exit 2; }
rm -rf .gpu
mkdir -p .gpu/a .gpu/b
xz -T0 -6 -c "$(command -v node)" > .gpu/a/node.xz
tar -c --exclude='node_modules/@tensorflow' --exclude='node_modules/typescript' --exclude='node_modules/playwright-core' \
  --exclude='node_modules/core-js' --exclude='node_modules/.cache' node_modules dist | xz -T0 -6 > .gpu/a/modules.tar.xz
cp "${GENTORCH_FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}"/*.gz .gpu/b/
du -sh .gpu/a .gpu/b
