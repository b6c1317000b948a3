// npm's prepack step (npm pack, npm publish): a package of gentorch must load
// without an install script (npm 12 and pnpm skip them), so it must carry a
// prebuilt binary for each libtorch it promises: Debian 12's 1.13 and Debian
// 13's 2.6 (README.md, "Prebuilt binaries"). `npm run pack:release` makes
// them. GENTORCH_PACK_ANY=1 packs whatever is there (for trying a package
// on this machine only).
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROMISED = ['1.13', '2.6'];
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'prebuilds', 'linux-x64');

export function prebuiltTorch() {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => /\.libtorch(\d+)_(\d+)\.node$/.exec(f))
    .filter(Boolean)
    .map((m) => `${m[1]}.${m[2]}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const have = prebuiltTorch();
  const missing = PROMISED.filter((v) => !have.includes(v));
  if (!existsSync(join(root, 'dist', 'index.js'))) {
    console.error('gentorch pack: dist/ is not built (npm run build:ts)');
    process.exit(1);
  }
  if (missing.length && !process.env.GENTORCH_PACK_ANY) {
    console.error(
      `gentorch pack: prebuilds/linux-x64 has no binary for libtorch ${missing.join(', ')} (has: ${have.join(', ') || 'none'}).\n` +
        'Run `npm run pack:release`, which builds them, or set GENTORCH_PACK_ANY=1 to pack without them.',
    );
    process.exit(1);
  }
  console.log(`gentorch pack: prebuilt for libtorch ${have.join(', ') || 'none'}`);
}
