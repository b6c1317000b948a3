// npm's install step: use a prebuilt or already built addon when one loads
// here; otherwise compile it against the libtorch find-libtorch.mjs finds.
// GENTORCH_SKIP_BUILD=1 skips it (for packaging).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildNative } from './build-native.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function loads() {
  // In a child process: a failed dlopen must not poison this one.
  const probe = `process.env.OMP_WAIT_POLICY ??= 'PASSIVE'; const b = require('node-gyp-build'); console.log(b.resolve(${JSON.stringify(root)})); b(${JSON.stringify(root)});`;
  const res = spawnSync(process.execPath, ['-e', probe], { cwd: root, encoding: 'utf8' });
  return res.status === 0 ? res.stdout.trim() : null;
}

if (process.env.GENTORCH_SKIP_BUILD) process.exit(0);
const found = loads();
if (found) {
  console.log(`gentorch: using the addon at ${found}`);
  process.exit(0);
}
const status = buildNative();
if (status !== 0) process.exit(status);
if (!loads()) {
  console.error('gentorch: the addon was built but does not load; run `node bin/gentorch.js info` for the reason.');
  process.exit(1);
}
