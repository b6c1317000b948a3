// Tries a gentorch package as a new user would, in an empty project of their
// own with install scripts off (npm 12 and pnpm skip them; npm 11 asks for
// approval): npm install of the package file, then README.md's TypeScript
// example as written (compiled by tsc, run by node) and a CommonJS require.
//   node scripts/try-package.mjs PACKAGE.tgz DIR [--expect-native-error]
// --expect-native-error: a machine without libtorch, where the install must
// succeed and the import fail with E_NATIVE naming the apt command.
// scripts/check-debian13.sh --run runs it in the Debian 13 userland.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const [tgz, dir] = process.argv.slice(2).map((a) => resolve(a));
const expectNativeError = process.argv.includes('--expect-native-error');
if (!tgz || !dir) {
  console.error('usage: node scripts/try-package.mjs PACKAGE.tgz DIR [--expect-native-error]');
  process.exit(2);
}
const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'README.md'), 'utf8');
const say = (msg) => console.log(`try-package: ${msg}`);
const fail = (msg) => {
  console.error(`try-package: FAILED: ${msg}`);
  process.exit(1);
};
function timed(what, cmd, args) {
  const t0 = Date.now();
  const res = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8' });
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  say(`${what}: exit ${res.status} in ${seconds} s`);
  return { ...res, out: `${res.stdout}${res.stderr}` };
}

rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
writeFileSync(
  join(dir, 'package.json'),
  JSON.stringify({ name: 'my-project', version: '1.0.0', type: 'module', private: true }, null, 2),
);
const npmVersion = execFileSync('npm', ['--version'], { encoding: 'utf8' }).trim();
say(`Debian ${readFileSync('/etc/debian_version', 'utf8').trim()}, node ${process.version}, npm ${npmVersion}`);
const install = timed('npm install --ignore-scripts', 'npm', [
  'install',
  tgz,
  'typescript@5',
  '--ignore-scripts',
  '--no-audit',
  '--no-fund',
]);
if (install.status !== 0) fail(`npm install:\n${install.out}`);

// README's API example, as written.
const example = /## API\n\n```ts\n([\s\S]*?)\n```/.exec(readme)?.[1];
if (!example) fail('no ```ts block under "## API" in README.md');
writeFileSync(join(dir, 'example.ts'), `${example}\n`);
const tsc = timed('tsc example.ts', process.execPath, [
  join(dir, 'node_modules', 'typescript', 'bin', 'tsc'),
  '--target',
  'es2022',
  '--module',
  'nodenext',
  '--moduleResolution',
  'nodenext',
  '--strict',
  '--skipLibCheck',
  'example.ts',
]);
if (tsc.status !== 0) fail(`the README example does not compile:\n${tsc.out}`);
writeFileSync(
  join(dir, 'require.cjs'),
  `let g;
try { g = require('gentorch'); } catch (e) { console.log(e.code + ': ' + e.message); process.exit(3); }
const data = g.datasets.fromArrays({ data: Uint8Array.from({ length: 256 * 784 }, (_, i) => (i * 7919) % 256), shape: [256, 1, 28, 28] });
const vae = new g.VAE({ hiddenDim: 32, latentDim: 2, seed: 1 });
vae.fit(data, { steps: 5 }).then(() => console.log('require: trained', vae.trainingState.step, 'steps with', g.installInfo().addon));
`,
);
if (expectNativeError) {
  const run = timed('node require.cjs', process.execPath, ['require.cjs']);
  if (run.status !== 3 || !/^E_NATIVE: /.test(run.out))
    fail(`expected E_NATIVE from require, got exit ${run.status}:\n${run.out}`);
  if (!run.out.includes('sudo apt-get install -y libtorch-dev')) fail(`E_NATIVE without the apt line:\n${run.out}`);
  const esm = timed('node example.js', process.execPath, ['example.js']);
  if (
    esm.status === 0 ||
    (!esm.out.includes('E_NATIVE') && !esm.out.includes('Could not load the gentorch native addon'))
  )
    fail(`expected the import to fail with E_NATIVE:\n${esm.out}`);
  say(`the install succeeded and the import fails with E_NATIVE:\n${run.out.trim()}`);
  process.exit(0);
}
const cjs = timed('node require.cjs', process.execPath, ['require.cjs']);
if (cjs.status !== 0) fail(`require:\n${cjs.out}`);
say(cjs.out.trim());
const esm = timed('node example.js (README example)', process.execPath, ['example.js']);
if (esm.status !== 0) fail(`the README example:\n${esm.out}`);
say(`README example output, last lines:\n${esm.out.trim().split('\n').slice(-4).join('\n')}`);
const compiled = spawnSync('sh', ['-c', 'find node_modules/gentorch -name build -o -name "*.o" | head -1'], {
  cwd: dir,
  encoding: 'utf8',
});
if (compiled.stdout.trim()) fail(`something was compiled: ${compiled.stdout}`);
say('passed: installed with scripts off, compiled nothing, the README example and require both ran');
