// gentorch as a user gets it: the package npm pack makes, installed into an
// empty project of their own with install scripts off (as npm 12 and pnpm
// do), then imported from ESM and required from CommonJS. The binary is this
// machine's build, placed where the release's prebuilds go and named for its
// libtorch as `npm run build:prebuild` names it (the release's own prebuilds
// are made by `npm run pack:release`, checked by hand: README "Use it in
// your project"). Needs the npm registry for gentorch's dependencies.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installInfo } from '../../lib/index.js';
import { tempDir } from '../helpers/helpers.js';
import { ROOT as repoRoot } from '../helpers/run-cli.js';

const work = tempDir('gentorch-package-');
const project = join(work, 'project');
const installed = join(project, 'node_modules', 'gentorch');
let tarball = '';

beforeAll(() => {
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
      cwd: repoRoot,
      encoding: 'utf8',
    }),
  ) as { filename: string }[];
  tarball = join(work, packed[0].filename);
  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'user-project', version: '1.0.0', private: true }),
  );
  execFileSync('npm', ['install', tarball, '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: project,
    stdio: 'pipe',
  });
}, 600_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs a script in the user's project: its status and output. */
function inProject(file: string, source: string) {
  writeFileSync(join(project, file), source);
  const res = spawnSync(process.execPath, [file], { cwd: project, encoding: 'utf8', timeout: 120_000 });
  return { status: res.status, out: `${res.stdout}${res.stderr}` };
}

// A few fit steps of a small VAE and the addon's path: what the README's example needs.
const use = (mod: string) => `
  const g = ${mod};
  const data = g.datasets.fromArrays({ data: Uint8Array.from({ length: 256 * 784 }, (_, i) => (i * 7919) % 256), shape: [256, 1, 28, 28] });
  const vae = new g.VAE({ hiddenDim: 32, latentDim: 2, seed: 1 });
  vae.fit(data, { steps: 5, batchSize: 64 }).then(() => {
    console.log(JSON.stringify({ addon: g.installInfo().addon, step: vae.trainingState.step }));
  });`;
const esm = `import('gentorch').then((m) => { ${use('m')} }, (e) => { console.log(e.code + ': ' + e.message); process.exit(3); });`;
const cjs = `let m; try { m = require('gentorch'); } catch (e) { console.log(e.code + ': ' + e.message); process.exit(3); } ${use('m')}`;

describe('npm pack', () => {
  it('carries the built API, the CLI, the native sources and the license, not the tests or a build', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
    for (const f of [
      'dist/index.js',
      'dist/index.d.ts',
      'bin/gentorch.js',
      'LICENSE',
      'CMakeLists.txt',
      'native/models/unet.cc',
    ])
      expect(files).toContain(`package/${f}`);
    expect(files.some((f) => f.startsWith('package/test/') || f.startsWith('package/build/'))).toBe(false);
  });
});

describe('installed with scripts off', () => {
  it('without a binary, import and require fail with E_NATIVE naming the fixes for a project', () => {
    expect(existsSync(join(installed, 'build'))).toBe(false);
    // A checkout's own prebuilds (npm run build:prebuild) travel in its package: none here.
    rmSync(join(installed, 'prebuilds'), { recursive: true, force: true });
    for (const [file, source] of [
      ['no-binary.mjs', esm],
      ['no-binary.cjs', cjs],
    ]) {
      const { status, out } = inProject(file, source);
      expect(status, out).toBe(3);
      expect(out).toMatch(/^E_NATIVE: Could not load the gentorch native addon/);
      expect(out).toContain('npm install-scripts approve gentorch && npm rebuild gentorch');
      expect(out).toContain('sudo apt-get install -y cmake g++ libtorch-dev');
    }
  });

  it('with a prebuild for this libtorch, import and require both train; a binary that does not load is passed over', () => {
    const version = /^(\d+)\.(\d+)/.exec(
      JSON.parse(
        execFileSync(process.execPath, [join(repoRoot, 'bin', 'gentorch.js'), 'info', '--json'], { encoding: 'utf8' }),
      ).torchVersion,
    );
    expect(version).not.toBeNull();
    const dir = join(installed, 'prebuilds', 'linux-x64');
    mkdirSync(dir, { recursive: true });
    // Sorted first, and no ELF: as a prebuild for another libtorch fails to load, only sooner.
    writeFileSync(join(dir, 'gentorch.glibc.libtorch0_1.node'), 'not a shared object');
    const name = `gentorch.glibc.libtorch${version![1]}_${version![2]}.node`;
    copyFileSync(installInfo().addon!, join(dir, name));
    for (const [file, source] of [
      ['train.mjs', esm],
      ['train.cjs', cjs],
    ]) {
      const { status, out } = inProject(file, source);
      expect(status, out).toBe(0);
      const got = JSON.parse(out.trim().split('\n').pop()!) as { addon: string; step: number };
      expect(got.addon).toBe(join(dir, name));
      expect(got.step).toBe(5);
    }
    expect(readdirSync(installed)).not.toContain('build');
  });
});
