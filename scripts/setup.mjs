// npm run setup: makes a fresh Debian/Ubuntu machine ready for gentorch and
// says what it did. Uses only Node's own modules: it runs before node_modules exists.
//   1. system packages (as root, with apt): libtorch-dev when no libtorch is
//      found, libopenblas0-pthread (else libtorch trains ~12x slower on the
//      reference BLAS), dataset-fashion-mnist, wamerican (the words text
//      dataset), cmake and g++ when missing, and
//      python3-torch (the PyTorch reference of the tests and benchmarks) and
//      chromium (renders report.html in the tests and the README screenshot);
//      skip those two with --no-reference
//   2. node dependencies (npm install), whose install step builds the addon
//   3. a check that the addon loads, with `gentorch info`
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findLibtorch, HOW_TO_GET_LIBTORCH } from './find-libtorch.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const withReference = !process.argv.includes('--no-reference');
const did = [];
const say = (msg) => console.log(`gentorch setup: ${msg}`);

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function dpkgInstalled(pkg) {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Status}', pkg], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).includes('install ok installed');
  } catch {
    return false;
  }
}

function pythonHasTorch() {
  return spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

/** Debian's chromium, which playwright-core drives for the report tests. */
function findChromium() {
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
}

function wantedPackages() {
  const want = [];
  if (!findLibtorch()) want.push('libtorch-dev');
  if (has('dpkg-query') && !dpkgInstalled('libopenblas0-pthread')) want.push('libopenblas0-pthread');
  if (!existsSync('/usr/share/datasets/fashion-mnist') && !process.env.GENTORCH_FASHION_MNIST_DIR)
    want.push('dataset-fashion-mnist');
  // the words text dataset (lib/data/text.ts)
  if (!existsSync('/usr/share/dict/american-english') && !process.env.GENTORCH_WORDS_FILE) want.push('wamerican');
  if (!has('cmake')) want.push('cmake');
  if (!has('g++')) want.push('g++');
  // gloo's headers: c10d's Gloo backend for data-parallel training (native/dist).
  if (has('dpkg-query') && !dpkgInstalled('libgloo-dev')) want.push('libgloo-dev');
  // ip netns for the two-host data-parallel test.
  if (withReference && !has('ip')) want.push('iproute2');
  if (withReference && !pythonHasTorch()) want.push('python3-torch');
  if (withReference && !findChromium()) want.push('chromium');
  return want;
}

function aptInstall(pkgs) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !has('apt-get')) {
    say(`missing system packages: ${pkgs.join(' ')}`);
    say(`install them with: sudo apt-get install -y ${pkgs.join(' ')}   (then run npm run setup again)`);
    return false;
  }
  const version = existsSync('/etc/debian_version') ? readFileSync('/etc/debian_version', 'utf8').trim() : 'unknown';
  say(`installing with apt (Debian ${version}): ${pkgs.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync(
    process.execPath,
    [join(root, 'scripts', 'heartbeat.mjs'), 'apt-get update', 'apt-get', 'update', '-qq'],
    { stdio: 'inherit', env },
  );
  const install =
    update.status === 0 &&
    spawnSync(
      process.execPath,
      [
        join(root, 'scripts', 'heartbeat.mjs'),
        `installing ${pkgs.join(', ')} with apt`,
        'apt-get',
        ...['install', '-y', '-qq', '--no-install-recommends', ...pkgs],
      ],
      { stdio: 'inherit', env },
    );
  if (!install || install.status !== 0) {
    say('apt-get failed (see above)');
    return false;
  }
  did.push(`installed ${pkgs.join(', ')} with apt`);
  return true;
}

function run(cmd, args, what) {
  say(what);
  const res = spawnSync(process.execPath, [join(root, 'scripts', 'heartbeat.mjs'), what, cmd, ...args], {
    cwd: root,
    stdio: 'inherit',
  });
  if (res.status !== 0) {
    say(`failed: ${cmd} ${args.join(' ')}`);
    process.exit(res.status ?? 1);
  }
}

const pkgs = wantedPackages();
if (pkgs.length > 0) aptInstall(pkgs);
else say('system packages: all present');
const torch = findLibtorch();
if (!torch) {
  console.error(HOW_TO_GET_LIBTORCH);
  process.exit(1);
}
say(`libtorch: ${torch.source}`);

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const lock = existsSync(join(root, 'package-lock.json'));
run(
  npm,
  [lock ? 'ci' : 'install', '--no-audit', '--no-fund'],
  `installing node dependencies (npm ${lock ? 'ci' : 'install'}; its install step builds the addon)`,
);
did.push('installed node dependencies and built the addon');
run(process.execPath, [join(root, 'bin', 'gentorch.js'), 'info'], 'checking the addon loads (gentorch info)');
say(`done: ${did.join('; ') || 'nothing needed'}.`);
say('try: npx gentorch train vae --data fashion-mnist --epochs 1 --out runs/vae');
