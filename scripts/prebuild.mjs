// npm run build:prebuild (not "prebuild": npm would run that before every
// `npm run build`): a stripped N-API prebuild in prebuilds/linux-x64 with
// prebuildify. prebuildify has no cmake-js backend, so it is handed
// scripts/prebuild-gyp.mjs as its "node-gyp", which builds with cmake-js.
// The binary links to the libtorch it was built against (see README.md,
// "Prebuilt binaries").
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const prebuildify = join(dirname(require.resolve('prebuildify/package.json')), 'bin.js');
const res = spawnSync(
  process.execPath,
  [prebuildify, '--napi', '--strip', '--node-gyp', join(root, 'scripts', 'prebuild-gyp.mjs')],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
process.exit(res.status ?? 1);
