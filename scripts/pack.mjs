// npm run pack:release: the package a user installs, gentorch-X.tgz, with a
// prebuilt binary for each libtorch it promises (scripts/check-package.mjs),
// so it loads with install scripts off (npm 12, pnpm) and compiles nothing:
//   1. this machine's, with npm run build:prebuild;
//   2. the other Debian's, in its userland: on Debian 12 Debian 13's through
//      scripts/check-debian13.sh (root, debootstrap once), unless
//      prebuilds/linux-x64 has it already (--fresh rebuilds both);
//   3. npm pack (its prepack step checks both are there), of a dist/ built afresh.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROMISED, prebuiltTorch } from './check-package.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args) => {
  console.log(`gentorch pack: ${cmd} ${args.join(' ')}`);
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) process.exit(res.status ?? 1);
};

if (process.argv.includes('--fresh')) rmSync(join(root, 'prebuilds'), { recursive: true, force: true });
// dist/ afresh: tsc never deletes the output of a source that moved or went away.
rmSync(join(root, 'dist'), { recursive: true, force: true });
run('npm', ['run', 'build:ts']);
run('npm', ['run', 'build:prebuild']);
const debian = readFileSync('/etc/debian_version', 'utf8').trim();
if (!prebuiltTorch().includes('2.6')) {
  if (!debian.startsWith('12'))
    console.error(`gentorch pack: Debian ${debian} here; Debian 13's binary comes from a Debian 13 userland`);
  else
    run('bash', [
      'scripts/check-debian13.sh',
      '--no-main',
      '--run',
      'npm run build:prebuild',
      '--bring',
      'prebuilds/linux-x64',
    ]);
}
const missing = PROMISED.filter((v) => !prebuiltTorch().includes(v));
if (missing.length) {
  console.error(
    `gentorch pack: no binary for libtorch ${missing.join(', ')}: build it on that Debian with npm run build:prebuild and copy it to prebuilds/linux-x64`,
  );
  process.exit(1);
}
run('npm', ['pack']);
console.log(
  `gentorch pack: ${readdirSync(root)
    .filter((f) => /^gentorch-.*\.tgz$/.test(f))
    .join(', ')}`,
);
