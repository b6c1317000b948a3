// Runs the native paths under valgrind's memcheck and fails on any error or
// definite leak whose stack passes through the addon (gentorch.node).
//   npm run memcheck [-- --log FILE]
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
const { values } = parseArgs({ options: { log: { type: 'string' } } });
const log = values.log ?? join(mkdtempSync(join(tmpdir(), 'gentorch-valgrind-')), 'memcheck.log');

if (spawnSync('valgrind', ['--version']).status !== 0) {
  console.error('memcheck: valgrind is not installed (apt-get install valgrind)');
  process.exit(2);
}
if (!existsSync(join(root, 'dist', 'index.js'))) {
  console.error('memcheck: dist/ is missing; run npm run build:ts first');
  process.exit(2);
}

const args = [
  '--tool=memcheck', '--leak-check=full', '--show-leak-kinds=definite', '--errors-for-leak-kinds=definite',
  '--num-callers=40', '--track-origins=no', `--log-file=${log}`,
  process.execPath, join(root, 'scripts', 'memcheck-driver.mjs'),
];
console.log(`memcheck: valgrind ${args.join(' ')}`);
const t0 = Date.now();
const run = spawnSync('valgrind', args, {
  cwd: root, stdio: 'inherit', env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' },
});
const seconds = ((Date.now() - t0) / 1000).toFixed(0);
if (run.status !== 0) {
  console.error(`memcheck: the driver failed (status ${run.status}) after ${seconds} s; valgrind's log: ${log}`);
  process.exit(1);
}

// Valgrind reports are blocks of "==PID== " lines separated by blank ones.
const blocks = readFileSync(log, 'utf8').split(/\n==\d+== \n/).map((b) => b.replace(/^==\d+== /gm, ''));
const ours = blocks.filter((b) => /^(Invalid|Conditional|Use of|Syscall param|Mismatched|\d[\d,]* bytes in [\d,]+ blocks are definitely lost)/m.test(b)
  && b.includes('gentorch.node'));
const summary = blocks.find((b) => b.includes('LEAK SUMMARY')) ?? '';
console.log(summary.trim());
if (ours.length > 0) {
  for (const b of ours.slice(0, 10)) console.error(`\n${b.trim()}`);
  console.error(`\nmemcheck: ${ours.length} report(s) through gentorch.node after ${seconds} s; full log: ${log}`);
  process.exit(1);
}
console.log(`memcheck: no errors or definite leaks through gentorch.node (${seconds} s); full log: ${log}`);
