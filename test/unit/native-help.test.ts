// The E_NATIVE message names the fix for the machine at hand: every case of
// nativeHelp() on the load failures Node really reports, and the facts read
// from real files (a library folder made here, prebuild names).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nativeFacts, nativeHelp, prebuiltTorchOf, systemTorch, type NativeFacts } from '../../lib/native-help.js';

const dir = mkdtempSync(join(tmpdir(), 'gentorch-native-help-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cannotOpen = (lib: string, path = '/p/gentorch.glibc.libtorch1_13.node') => ({
  path,
  error: new Error(`${lib}: cannot open shared object file: No such file or directory`),
});
const both: NativeFacts['prebuiltTorch'] = ['1.13', '2.6'];

describe('nativeHelp', () => {
  it('without libtorch: the apt line, and that the prebuilt binaries then load', () => {
    const msg = nativeHelp([cannotOpen('libc10.so.1.13'), cannotOpen('libc10.so.2.6')], {
      dependency: true,
      systemTorch: [],
      prebuiltTorch: both,
    });
    expect(msg).toMatch(/^Could not load the gentorch native addon: libc10\.so\.1\.13: cannot open/);
    expect(msg).toContain('sudo apt-get install -y libtorch-dev libopenblas0-pthread');
    expect(msg).toContain('libtorch 1.13 (Debian 12) and 2.6 (Debian 13)');
  });

  it('with a libtorch no prebuild is for: names both versions and how to build in a project', () => {
    const msg = nativeHelp([cannotOpen('libtorch_cpu.so.1.13')], {
      dependency: true,
      systemTorch: ['2.1'],
      prebuiltTorch: ['1.13'],
    });
    expect(msg).toContain('prebuilt binaries are for libtorch 1.13 (Debian 12), this machine has libtorch 2.1');
    expect(msg).toContain('sudo apt-get install -y cmake g++ libtorch-dev');
    expect(msg).toContain('npm install-scripts approve gentorch && npm rebuild gentorch');
    expect(msg).toContain('LIBTORCH=/path/to/libtorch npm rebuild gentorch');
  });

  it('in a checkout the fixes are the repository scripts, not npm rebuild', () => {
    const msg = nativeHelp([cannotOpen('libtorch_cpu.so.1.13')], {
      dependency: false,
      systemTorch: ['2.6'],
      prebuiltTorch: [],
    });
    expect(msg).toContain('npm run build:native -- --rebuild');
    expect(msg).not.toContain('npm rebuild gentorch');
  });

  it('no binary at all: built by the install script that npm 12 and pnpm skip', () => {
    const facts = { systemTorch: ['1.13'], prebuiltTorch: [] };
    expect(nativeHelp([], { ...facts, dependency: true })).toMatch(/no binary for this platform.*skip install scripts/);
    expect(nativeHelp([], { ...facts, dependency: false })).toContain('npm run setup');
  });

  it('an ABI mismatch says so', () => {
    const failure = { path: '/b/gentorch.node', error: new Error('/b/gentorch.node: undefined symbol: _ZN3c104impl') };
    const msg = nativeHelp([failure], { dependency: true, systemTorch: ['1.13'], prebuiltTorch: [] });
    expect(msg).toContain('ABI mismatch');
    expect(msg).toContain('npm rebuild gentorch');
  });
});

describe('the facts', () => {
  it('reads the libtorch of a prebuild from its name', () => {
    expect(prebuiltTorchOf('gentorch.glibc.libtorch1_13.node')).toBe('1.13');
    expect(prebuiltTorchOf('/x/gentorch.glibc.libtorch2_6.node')).toBe('2.6');
    expect(prebuiltTorchOf('gentorch.glibc.node')).toBeUndefined();
  });

  it('finds the versions of libtorch_cpu on LD_LIBRARY_PATH, and the prebuilds of a package', () => {
    const lib = join(dir, 'lib');
    const pre = join(dir, 'node_modules', 'gentorch', 'prebuilds', 'linux-x64');
    for (const d of [lib, pre]) rmSync(d, { recursive: true, force: true });
    mkdirSync(lib, { recursive: true });
    mkdirSync(pre, { recursive: true });
    writeFileSync(join(lib, 'libtorch_cpu.so.2.1'), '');
    writeFileSync(join(lib, 'libtorch_cpu.so'), '');
    expect(systemTorch({ LD_LIBRARY_PATH: lib })).toContain('2.1');
    expect(systemTorch({ LD_LIBRARY_PATH: lib })).not.toContain('unversioned');
    for (const f of ['gentorch.glibc.libtorch2_6.node', 'gentorch.glibc.libtorch1_13.node', 'README'])
      writeFileSync(join(pre, f), '');
    const facts = nativeFacts(join(dir, 'node_modules', 'gentorch'), pre, { LD_LIBRARY_PATH: lib });
    expect(facts.dependency).toBe(true);
    expect(facts.prebuiltTorch).toEqual(['1.13', '2.6']);
    expect(nativeFacts(dir, join(dir, 'none'), {}).dependency).toBe(false);
  });
});
