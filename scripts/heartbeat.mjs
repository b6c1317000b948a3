// Runs a command with its output passed through, and says it is still
// running when it has been silent for 8 s: setup's apt-get, npm ci and the
// addon's compile (a file can take a minute) would otherwise look stuck.
//   node scripts/heartbeat.mjs "what it is doing" CMD [ARGS...]
// Exits with the command's status. Used through spawnSync by setup.mjs and
// build-native.mjs (sync callers, hence a process of its own).
import { spawn } from 'node:child_process';

const [what, cmd, ...args] = process.argv.slice(2);
const SILENCE_S = 8;
const t0 = Date.now();
let last = Date.now();
const clock = (s) =>
  s >= 90 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
const child = spawn(cmd, args, { stdio: ['inherit', 'pipe', 'pipe'] });
child.stdout.on('data', (b) => {
  last = Date.now();
  process.stdout.write(b);
});
child.stderr.on('data', (b) => {
  last = Date.now();
  process.stderr.write(b);
});
const timer = setInterval(() => {
  if (Date.now() - last < SILENCE_S * 1000) return;
  process.stderr.write(`gentorch: ${what}: still running, ${clock((Date.now() - t0) / 1000)} so far\n`);
  last = Date.now();
}, 1000);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('error', (err) => {
  clearInterval(timer);
  process.stderr.write(`gentorch: could not run ${cmd}: ${err.message}\n`);
  process.exit(127);
});
child.on('close', (code, signal) => {
  clearInterval(timer);
  process.exit(code ?? (signal ? 1 : 0));
});
