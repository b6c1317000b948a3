#!/usr/bin/env node
// `npm run bench`: gentorch against PyTorch eager (and TensorFlow.js wasm for
// the MLP VAE), same architectures, data and hyperparameters, on the same
// machine in one run. Every measurement is its own child process (clean RSS,
// thread environment set before the libraries load); gentorch and PyTorch
// alternate within each repetition, and the order flips every other one.
// Prints a table of medians, the ratio against PyTorch at its best thread
// setting, the targets, then the whole record as JSON.
//
//   node scripts/bench/run.mjs [--reps 3] [--cases vae,dcgan,mlp-gan,load,sample,rss,tfjs]
//       [--threads 1,2,1:2] [--device cpu|cuda] [--steps N | case=N,...] [--loop dataloader|tensor]
//       [--torch-env KEY=VALUE,...] [--python /usr/bin/python3] [--json FILE] [--quick] [--child-timeout 1800]
//
// --threads: PyTorch settings to try, each T (torch.set_num_threads(T),
//   OMP_NUM_THREADS=T, OPENBLAS_NUM_THREADS=T) or T:B (OpenBLAS gets B threads).
//   The best median per case is the reference. gentorch runs with its defaults.
// --steps: time N steps and extrapolate to an epoch instead of a full epoch
//   (per case: dcgan=50,tfjs=0). Default: full epochs, tfjs 60 steps.
// --quick: a smoke test: a few steps per training case.
// --torch-env: extra environment for the PyTorch children (e.g. OMP_WAIT_POLICY=PASSIVE,
//   which gentorch sets for itself); --python: a CUDA PyTorch for --device cuda.
// --child-timeout: seconds before one measurement is killed (recorded as failed).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { printSummary, summarize } from './summary.mjs';

const ROOT = new URL('../..', import.meta.url).pathname;
const ALL_CASES = ['vae', 'dcgan', 'mlp-gan', 'load', 'sample', 'rss', 'tfjs'];
const TRAINING = ['vae', 'dcgan', 'mlp-gan', 'tfjs'];
const FULL_STEPS = { vae: 0, dcgan: 0, 'mlp-gan': 0, tfjs: 60 };
const QUICK_STEPS = { vae: 20, dcgan: 3, 'mlp-gan': 20, tfjs: 5 };

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(2);
}

function options() {
  const { values } = parseArgs({
    options: {
      reps: { type: 'string', default: '3' },
      cases: { type: 'string', default: ALL_CASES.join(',') },
      threads: { type: 'string', default: '1,2,1:2' },
      device: { type: 'string', default: 'cpu' },
      steps: { type: 'string' },
      loop: { type: 'string', default: 'dataloader' },
      'torch-env': { type: 'string', default: '' },
      python: { type: 'string', default: '/usr/bin/python3' },
      json: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'child-timeout': { type: 'string', default: '1800' },
    },
  });
  const reps = Number(values.reps);
  if (!Number.isInteger(reps) || reps < 1) fail(`Expected positive integer for --reps but received ${values.reps}`);
  const cases = values.cases.split(',').filter(Boolean);
  for (const c of cases)
    if (!ALL_CASES.includes(c)) fail(`Expected --cases from ${ALL_CASES.join(',')} but received ${c}`);
  if (!['cpu', 'cuda'].includes(values.device.split(':')[0]))
    fail(`Expected --device cpu or cuda but received ${values.device}`);
  if (!['dataloader', 'tensor'].includes(values.loop))
    fail(`Expected --loop dataloader or tensor but received ${values.loop}`);
  const childTimeout = Number(values['child-timeout']);
  if (!(childTimeout > 0))
    fail(`Expected positive seconds for --child-timeout but received ${values['child-timeout']}`);
  return {
    reps,
    cases,
    childTimeoutMs: childTimeout * 1000,
    device: values.device,
    loop: values.loop,
    python: values.python,
    json: values.json,
    quick: values.quick,
    threads: parseThreads(values.threads),
    steps: parseSteps(values.steps, values.quick),
    torchEnv: parseEnv(values['torch-env']),
  };
}

function parseThreads(spec) {
  return spec
    .split(',')
    .filter(Boolean)
    .map((s) => {
      const m = /^(\d+)(?::(\d+))?$/.exec(s);
      if (!m || Number(m[1]) < 1) fail(`Expected --threads entries T or T:B (positive integers) but received ${s}`);
      return { label: s, torch: Number(m[1]), blas: Number(m[2] ?? m[1]) };
    });
}

function parseSteps(spec, quick) {
  const steps = { ...(quick ? QUICK_STEPS : FULL_STEPS) };
  if (spec === undefined) return steps;
  for (const part of spec.split(',')) {
    const [k, v] = part.includes('=') ? part.split('=') : [undefined, part];
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) fail(`Expected non-negative integer steps in --steps but received ${part}`);
    if (k !== undefined && !TRAINING.includes(k))
      fail(`Expected --steps keys from ${TRAINING.join(',')} but received ${k}`);
    for (const c of k === undefined ? TRAINING : [k]) steps[c] = n;
  }
  return steps;
}

function parseEnv(spec) {
  return Object.fromEntries(
    spec
      .split(',')
      .filter(Boolean)
      .map((kv) => {
        const i = kv.indexOf('=');
        if (i < 1) fail(`Expected KEY=VALUE in --torch-env but received ${kv}`);
        return [kv.slice(0, i), kv.slice(i + 1)];
      }),
  );
}

/** Runs one child; returns its last stdout line parsed as JSON, or { error }. */
function runChild(cmd, args, env, timeoutMs) {
  const r = spawnSync(cmd, args, { cwd: ROOT, env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  const lines = (r.stdout ?? '').trim().split('\n');
  if (r.status === 0) {
    try {
      return JSON.parse(lines[lines.length - 1]);
    } catch {
      /* reported below */
    }
  }
  const why = r.error ? r.error.message : `exit ${r.status ?? r.signal}`;
  return { error: `${[cmd, ...args].join(' ')}: ${why}: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}` };
}

/** The child processes one repetition runs, in order: per child case, gentorch and each PyTorch setting. */
function plan(o) {
  const want = new Set(o.cases);
  const jobs = [];
  const torchJobs = (child, threads) => threads.map((t) => ({ child, impl: `pytorch@${t.label}`, threads: t }));
  const pair = (child, threads) => [{ child, impl: 'gentorch' }, ...torchJobs(child, threads)];
  if (want.has('vae') || want.has('rss')) jobs.push(pair('vae', o.threads));
  if (want.has('dcgan')) jobs.push(pair('dcgan', o.threads));
  if (want.has('mlp-gan')) jobs.push(pair('mlp-gan', o.threads));
  if (want.has('load')) jobs.push(pair('load', o.threads.slice(0, 1))); // numpy and gzip: one thread either way
  if (want.has('sample')) jobs.push(pair('sample', o.threads));
  if (want.has('tfjs')) jobs.push([{ child: 'tfjs', impl: 'tfjs-wasm' }]);
  return jobs;
}

function command(job, o) {
  if (job.impl === 'gentorch') {
    const steps = o.steps[job.child] ?? 0;
    return [
      process.execPath,
      ['scripts/bench/gentorch_case.mjs', job.child, '--device', o.device, '--steps', String(steps)],
      process.env,
    ];
  }
  if (job.impl === 'tfjs-wasm')
    return [process.execPath, ['scripts/bench/tfjs_vae.mjs', '--steps', String(o.steps.tfjs)], process.env];
  const t = job.threads;
  // no __pycache__ beside scripts/reference in the working tree
  const env = {
    ...process.env,
    PYTHONDONTWRITEBYTECODE: '1',
    OMP_NUM_THREADS: String(t.torch),
    MKL_NUM_THREADS: String(t.torch),
    OPENBLAS_NUM_THREADS: String(t.blas),
    ...o.torchEnv,
  };
  const args = [
    'scripts/bench/torch_case.py',
    job.child,
    '--threads',
    String(t.torch),
    '--device',
    o.device,
    '--steps',
    String(o.steps[job.child] ?? 0),
    '--loop',
    o.loop,
  ];
  return [o.python, args, env];
}

function describe(rec) {
  if (rec.error) return `FAILED ${rec.error}`;
  const secs = rec.epochSeconds ?? rec.totalSeconds ?? rec.vaeSampleSeconds;
  const extra = rec.measured === 'steps' ? ` (extrapolated from ${rec.steps} steps)` : '';
  return `${secs.toFixed(3)} s${extra}, peak RSS ${(rec.peakRssBytes / 2 ** 20).toFixed(0)} MiB`;
}

/** sgemm throughput on all cores, once: the rate of the MLP VAE's physical floor. */
function measureFloor(o) {
  const n = String(availableParallelism());
  const env = {
    ...process.env,
    PYTHONDONTWRITEBYTECODE: '1',
    OMP_NUM_THREADS: n,
    OPENBLAS_NUM_THREADS: n,
    ...o.torchEnv,
  };
  return runChild(
    o.python,
    ['scripts/bench/torch_case.py', 'floor', '--threads', n, '--device', o.device],
    env,
    o.childTimeoutMs,
  );
}

function gentorchInfo() {
  const r = spawnSync(process.execPath, ['bin/gentorch.js', 'info', '--json'], { cwd: ROOT, encoding: 'utf8' });
  try {
    return JSON.parse(r.stdout);
  } catch {
    return { error: (r.stderr ?? '').trim() };
  }
}

function main() {
  const o = options();
  const jobs = plan(o);
  const raw = {};
  const started = new Date().toISOString();
  const load0 = loadavg()[0];
  console.error(
    `bench: ${o.reps} repetition(s) of ${o.cases.join(', ')} on ${o.device}; PyTorch threads ${o.threads.map((t) => t.label).join(', ')}` +
      `; steps ${JSON.stringify(o.steps)} (0 = full epoch)${o.quick ? ' [quick]' : ''}; load average ${load0.toFixed(2)}`,
  );
  const floor = o.cases.includes('vae') && o.device === 'cpu' ? measureFloor(o) : undefined;
  for (let rep = 0; rep < o.reps; rep++) {
    for (const group of jobs) {
      const order = rep % 2 === 0 ? group : [...group].reverse(); // alternate who goes first
      for (const job of order) {
        const [cmd, args, env] = command(job, o);
        const rec = runChild(cmd, args, env, o.childTimeoutMs);
        ((raw[job.child] ??= {})[job.impl] ??= []).push(rec);
        console.error(`[rep ${rep + 1}/${o.reps}] ${job.child.padEnd(7)} ${job.impl.padEnd(12)} ${describe(rec)}`);
      }
    }
  }
  const summary = summarize(raw, o, floor);
  printSummary(summary, o);
  const record = {
    started,
    finished: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model, cores: availableParallelism(), loadAverageAtStart: load0, node: process.version },
    options: { ...o, threads: o.threads.map((t) => t.label) },
    gentorch: gentorchInfo(),
    floor,
    summary,
    raw,
  };
  const json = JSON.stringify(record, null, 2);
  if (o.json) writeFileSync(o.json, `${json}\n`);
  console.log(json);
  const failed = Object.values(raw)
    .flatMap((byImpl) => Object.values(byImpl).flat())
    .some((r) => r.error);
  process.exitCode = failed ? 1 : 0;
}

main();
