// npm's install step: use a prebuilt or already built addon when one loads
// here; otherwise compile it against the libtorch find-libtorch.mjs finds.
// Installed as a dependency (under node_modules) it never fails the user's
// install: it builds when it can and says why when it cannot, and the
// import then names the fix (lib/native.ts). In a checkout of gentorch
// (npm ci, npm run setup) a failed build fails the install, loudly.
// GENTORCH_SKIP_BUILD=1 skips it (for packaging).
import { spawnSync } from 'node:child_process';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildNative } from './build-native.mjs';
import { findLibtorch } from './find-libtorch.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dependency = root.split(sep).includes('node_modules');

function loads() {
  // In a child process: a failed dlopen must not poison this one. As the
  // loader does (lib/native.ts, not built yet in a fresh checkout): what
  // node-gyp-build picks, then any prebuild for this platform.
  const probe = `
    process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
    const { existsSync, readdirSync } = require('node:fs');
    const { join } = require('node:path');
    const root = ${JSON.stringify(root)};
    const paths = [];
    try { paths.push(require('node-gyp-build').resolve(root)); } catch {}
    const dir = join(root, 'prebuilds', process.platform + '-' + process.arch);
    if (existsSync(dir)) for (const f of readdirSync(dir).sort()) if (f.endsWith('.node')) paths.push(join(dir, f));
    for (const p of paths) { try { require(p); console.log(p); process.exit(0); } catch {} }
    process.exit(1);`;
  const res = spawnSync(process.execPath, ['-e', probe], { cwd: root, encoding: 'utf8' });
  return res.status === 0 ? res.stdout.trim() : null;
}

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Ends a dependency's install without failing it, saying what to do. */
function giveUp(why, fixes) {
  const text = [`gentorch: ${why}`, ...fixes.map((f, i) => `  ${i + 1}. ${f}`)].join('\n');
  console.error(text);
  process.exit(dependency ? 0 : 1);
}

if (process.env.GENTORCH_SKIP_BUILD) process.exit(0);
const found = loads();
if (found) {
  console.log(`gentorch: using the addon at ${found}`);
  process.exit(0);
}
const missing = ['cmake', 'g++'].filter((c) => !has(c));
const libtorch = findLibtorch();
if (missing.length || !libtorch) {
  const apt = [...(libtorch ? [] : ['libtorch-dev', 'libopenblas0-pthread']), ...missing].join(' ');
  giveUp(
    `no prebuilt addon loads here and it cannot be built: ${[...missing, ...(libtorch ? [] : ['libtorch'])].join(', ')} missing.`,
    [
      `sudo apt-get install -y ${apt}  (Debian/Ubuntu)`,
      libtorch
        ? 'then `npm rebuild gentorch` builds it'
        : 'on Debian 12 or 13 x64 the prebuilt addon then loads as it is; elsewhere `npm rebuild gentorch` builds it (or LIBTORCH=/path/to/libtorch npm rebuild gentorch for an unpacked libtorch)',
    ],
  );
}
const status = buildNative();
if (status !== 0)
  giveUp('the native build failed (see above); gentorch will not load until it is built.', [
    'fix what the compiler says above, then `npm rebuild gentorch`',
    'or LIBTORCH=/path/to/libtorch npm rebuild gentorch, for another libtorch',
  ]);
if (!loads())
  giveUp('the addon was built but does not load.', [`\`node ${join(root, 'bin', 'gentorch.js')} info\` says why`]);
