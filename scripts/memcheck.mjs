// Runs the native paths under valgrind's memcheck and fails on any error or
// definite leak whose stack passes through the addon (gentorch.node).
//   npm run memcheck [-- --log FILE]      (or --check FILE: only judge an earlier run's log)
// Node, V8, libgomp and OpenBLAS have reports of their own (one-time
// allocations kept to exit, thread stacks); only the addon's are ours to fix,
// so only stacks through gentorch.node count. Minutes: valgrind runs libtorch
// some 30x slower. Needs `apt-get install valgrind` and a built addon + dist.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { log: { type: 'string' }, check: { type: 'string' } } });
const log = values.check ?? values.log ?? join(mkdtempSync(join(tmpdir(), 'gentorch-valgrind-')), 'memcheck.log');

/** Runs the driver under valgrind, writing `log`; returns the seconds it took. */
function runValgrind() {
  if (spawnSync('valgrind', ['--version']).status !== 0) {
    console.error('memcheck: valgrind is not installed (apt-get install valgrind)');
    process.exit(2);
  }
  if (!existsSync(join(root, 'dist', 'index.js'))) {
    console.error('memcheck: dist/ is missing; run npm run build:ts first');
    process.exit(2);
  }
  const args = [
    '--tool=memcheck',
    '--leak-check=full',
    '--show-leak-kinds=definite',
    '--errors-for-leak-kinds=definite',
    '--num-callers=40',
    '--track-origins=no',
    `--log-file=${log}`,
    process.execPath,
    join(root, 'scripts', 'memcheck-driver.mjs'),
  ];
  console.log(`memcheck: valgrind ${args.join(' ')}`);
  const t0 = Date.now();
  const run = spawnSync('valgrind', args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' },
  });
  const seconds = Math.round((Date.now() - t0) / 1000);
  if (run.status !== 0) {
    console.error(`memcheck: the driver failed (status ${run.status}) after ${seconds} s; valgrind's log: ${log}`);
    process.exit(1);
  }
  return seconds;
}

/** The reports of `log` that are the addon's to fix. */
function oursIn(text) {
  // Valgrind reports are blocks of "==PID== " lines separated by blank ones.
  const blocks = text.split(/\n==\d+== \n/).map((b) => b.replace(/^==\d+== /gm, ''));
  // glibc's dynamic loader reads past strings with its vectorised strncmp while
  // it maps the addon (dl-load.c): valgrind's known false positives, not ours.
  const loader = (b) => /\(dl-(load|open|deps)\.c:\d+\)/.test(b);
  const kinds =
    /^(Invalid|Conditional|Use of|Syscall param|Mismatched|\d[\d,]* bytes in [\d,]+ blocks are definitely lost)/m;
  // An error (not a leak) is ours when it happens in our code or libtorch's;
  // V8's conservative stack scan reading our frames is not.
  const firstFrame = (b) => /^\s+at 0x[0-9A-F]+: .*$/m.exec(b)?.[0] ?? '';
  const inOurCode = (b) => b.includes('definitely lost') || /gentorch|libtorch|libc10|gloo/.test(firstFrame(b));
  return {
    ours: blocks.filter((b) => kinds.test(b) && b.includes('gentorch.node') && !loader(b) && inOurCode(b)),
    summary: blocks.find((b) => b.includes('LEAK SUMMARY')) ?? '',
  };
}

const seconds = values.check ? 0 : runValgrind();
const { ours, summary } = oursIn(readFileSync(log, 'utf8'));
console.log(summary.trim());
if (ours.length > 0) {
  for (const b of ours.slice(0, 10)) console.error(`\n${b.trim()}`);
  console.error(`\nmemcheck: ${ours.length} report(s) through gentorch.node; full log: ${log}`);
  process.exit(1);
}
console.log(
  `memcheck: no errors or definite leaks through gentorch.node${seconds ? ` (${seconds} s)` : ''}; full log: ${log}`,
);
