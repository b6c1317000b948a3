// npm run build:prebuild (not "prebuild": npm would run that before every
// `npm run build`): a stripped N-API prebuild for this machine's libtorch in
// prebuilds/linux-x64, named for that libtorch
// (gentorch.glibc.libtorch1_13.node), so one package carries a binary
// per libtorch and the loader uses the one that loads (lib/native.ts). Built
// with prebuildify, which has no cmake-js backend: it is handed
// scripts/prebuild-gyp.mjs as its "node-gyp", which builds with cmake-js.
// `npm run pack:release` makes both (Debian 12's here, Debian 13's in its
// userland) and packs them; see README.md, "Prebuilt binaries".
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { buildNative } from './build-native.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const prebuildify = join(dirname(require.resolve('prebuildify/package.json')), 'bin.js');
const dir = join(root, 'prebuilds', `${process.platform}-${process.arch}`);
// prebuildify writes gentorch.glibc.node; an earlier one of that name goes first.
const plain = join(dir, 'gentorch.glibc.node');
rmSync(plain, { force: true });
const res = spawnSync(
  process.execPath,
  [prebuildify, '--napi', '--strip', '--tag-libc', '--node-gyp', join(root, 'scripts', 'prebuild-gyp.mjs')],
  { cwd: root, stdio: 'inherit' },
);
if (res.status !== 0) process.exit(res.status ?? 1);
if (!existsSync(plain)) {
  console.error(`gentorch prebuild: prebuildify wrote no ${plain} (found: ${readdirSync(dir).join(', ')})`);
  process.exit(1);
}
// The libtorch it links to, asked of the binary itself in a child process.
const probe = spawnSync(
  process.execPath,
  [
    '-e',
    `process.env.OMP_WAIT_POLICY ??= 'PASSIVE'; console.log(require(${JSON.stringify(plain)}).runtimeInfo().torchVersion)`,
  ],
  { encoding: 'utf8' },
);
const version = probe.stdout.trim().match(/^(\d+)\.(\d+)/);
if (probe.status !== 0 || !version) {
  console.error(`gentorch prebuild: the new binary does not load here:\n${probe.stderr}`);
  process.exit(1);
}
const named = join(dir, `gentorch.glibc.libtorch${version[1]}_${version[2]}.node`);
renameSync(plain, named);
console.log(`gentorch prebuild: ${named} (libtorch ${probe.stdout.trim()})`);
// prebuildify moved build/Release/gentorch.node into prebuilds/: link it
// again, so a checkout keeps its own build (which the loader prefers).
process.exit(buildNative({ log: () => {} }));
