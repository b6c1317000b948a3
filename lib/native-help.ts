/**
 * Why the native addon did not load, and the fix for this machine, as
 * sharp's loader explains its own: the message of the E_NATIVE error that
 * `native()` throws. The facts (where gentorch is installed, which libtorch
 * the system has, which libtorch each prebuilt binary is for) are gathered
 * by nativeFacts(); nativeHelp() turns them and the load failures into words,
 * without touching the machine, so every case is tested.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, sep } from 'node:path';

/** One binary that was tried, and why it did not load. */
export interface LoadFailure {
  path: string;
  error: Error;
}

export interface NativeFacts {
  /** Installed under node_modules (a user's project), not a checkout of gentorch. */
  dependency: boolean;
  /** Versions ("1.13", "2.6") of the libtorch_cpu.so.X.Y on the library path; "unversioned" for a bare libtorch_cpu.so (a PyTorch wheel's). */
  systemTorch: string[];
  /** The libtorch versions the package's prebuilt binaries are for (from their names: gentorch.glibc.libtorch1_13.node). */
  prebuiltTorch: string[];
}

/** Debian's libtorch by release, for the words. */
const DEBIAN_TORCH: Readonly<Record<string, string>> = { '1.13': 'Debian 12', '2.6': 'Debian 13' };

const APT_TORCH = 'sudo apt-get install -y libtorch-dev libopenblas0-pthread';
const APT_BUILD = 'sudo apt-get install -y cmake g++ libtorch-dev libopenblas0-pthread';

/** The libtorch version a prebuilt binary's name says it is for, or undefined. */
export function prebuiltTorchOf(file: string): string | undefined {
  const m = /\.libtorch(\d+)_(\d+)\./.exec(basename(file));
  return m ? `${m[1]}.${m[2]}` : undefined;
}

function libraryDirs(env: NodeJS.ProcessEnv): string[] {
  return [
    ...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`,
    '/usr/lib',
    '/usr/local/lib',
  ];
}

/** The libtorch versions on the library path (see NativeFacts.systemTorch). */
export function systemTorch(env: NodeJS.ProcessEnv = process.env): string[] {
  const found = new Set<string>();
  for (const dir of libraryDirs(env)) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names) {
      const m = /^libtorch_cpu\.so(?:\.(\d+\.\d+))?/.exec(n);
      if (m) found.add(m[1] ?? 'unversioned');
    }
  }
  // A versioned one makes the bare symlink beside it (libtorch-dev's) redundant.
  if (found.size > 1) found.delete('unversioned');
  return [...found].sort();
}

export function nativeFacts(
  packageRoot: string,
  prebuildDir: string,
  env: NodeJS.ProcessEnv = process.env,
): NativeFacts {
  const prebuilt = existsSync(prebuildDir)
    ? readdirSync(prebuildDir)
        .map(prebuiltTorchOf)
        .filter((v): v is string => v !== undefined)
    : [];
  return {
    dependency: packageRoot.split(sep).includes('node_modules'),
    systemTorch: systemTorch(env),
    prebuiltTorch: [...new Set(prebuilt)].sort(),
  };
}

const torchName = (v: string) => (DEBIAN_TORCH[v] ? `${v} (${DEBIAN_TORCH[v]})` : v);

/** How to build the addon here: in a user's project, or in a checkout of gentorch. */
function buildFixes(facts: NativeFacts, what: string): string[] {
  if (!facts.dependency)
    return [`${what}: \`npm run build:native -- --rebuild\` (\`npm run setup\` installs what it needs, as root).`];
  return [
    `${what}: install the compiler and libtorch's headers (\`${APT_BUILD}\`),`,
    'then let gentorch run its install script, which builds it: `npm install-scripts approve gentorch && npm rebuild gentorch` (npm 11 and later; pnpm: `pnpm approve-builds`), or `npm rebuild gentorch --ignore-scripts=false`.',
    'For a libtorch of your own (an unpacked libtorch, a PyTorch wheel): `LIBTORCH=/path/to/libtorch npm rebuild gentorch`, with its lib folder on LD_LIBRARY_PATH at run time.',
  ];
}

/**
 * The message of the E_NATIVE error: the first failure's reason, then
 * numbered fixes for this machine.
 */
export function nativeHelp(failures: readonly LoadFailure[], facts: NativeFacts): string {
  const first = failures[0]?.error.message.split('\n')[0] ?? 'no native build was found in build/ or prebuilds/';
  const messages = failures.map((f) => f.error.message);
  const missingTorch =
    messages.length > 0 && messages.every((m) => /lib(torch|c10)[^ ]*\.so[^:]*: cannot open shared object/i.test(m));
  const abi = messages.some((m) => /undefined symbol|version `[^']+' not found/i.test(m));
  const fixes: string[] = [];
  const prebuilt = facts.prebuiltTorch.map(torchName).join(' and ');
  if (failures.length === 0) {
    fixes.push(
      ...(facts.dependency
        ? buildFixes(
            facts,
            'This package has no binary for this platform and none was built (npm 12 and pnpm skip install scripts)',
          )
        : ['The addon is not built: run `npm run setup` (or `npm run build:native` when libtorch is installed).']),
    );
  } else if (missingTorch && facts.systemTorch.length === 0) {
    fixes.push(
      `libtorch is not installed: \`${APT_TORCH}\` (Debian and Ubuntu).`,
      ...(prebuilt
        ? [`gentorch's prebuilt binaries then load as they are where that gives libtorch ${prebuilt}.`]
        : []),
      'Or put the lib folder of the libtorch the addon was built against (an unpacked libtorch, torch/lib of a PyTorch wheel) on LD_LIBRARY_PATH.',
    );
  } else if (missingTorch) {
    const have = facts.systemTorch.map(torchName).join(' and ');
    fixes.push(
      ...buildFixes(
        facts,
        prebuilt
          ? `gentorch's prebuilt binaries are for libtorch ${prebuilt}, this machine has libtorch ${have}; build one for it`
          : `The addon was built for another libtorch than this machine's ${have}; rebuild it`,
      ),
    );
  } else if (abi) {
    fixes.push(
      ...buildFixes(
        facts,
        'The addon was built against another libtorch or C++ library than the ones loaded (ABI mismatch); build it against yours',
      ),
    );
  } else {
    fixes.push(...buildFixes(facts, 'Rebuild the addon'));
  }
  return `Could not load the gentorch native addon: ${first}\n${fixes.map((f, i) => `  ${i + 1}. ${f}`).join('\n')}`;
}
