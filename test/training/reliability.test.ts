// Reliability under faults, as a user meets them: a training run killed with
// SIGKILL, steps that turn NaN, two fits in one process, the event loop
// during a fit, and memory over many create / fit / dispose cycles.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import { GAN, VAE, datasets, load, type ImageDataset } from '../../lib/index.js';
import { encodeNpy } from '../../lib/io/npy.js';
import { recordsUpTo } from '../../lib/cli/common.js';
import { smallTrain, tempDir } from '../helpers/helpers.js';
import { expectFailure, expectOk, gentorch, readJson, readJsonLines, type Run } from '../helpers/run-cli.js';

const work = tempDir('gentorch-reliability-');
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** 2-D points (ring8) with one value far too large for float32 squares: its batch's loss is infinite. */
function ringWithOneHugePoint(n: number): ImageDataset {
  const ring = datasets.synthetic('ring8', { n, seed: 0 });
  ring.images.data[2 * 100] = 3e19;
  return ring;
}
const POINTS_VAE = {
  channels: 1,
  height: 1,
  width: 2,
  likelihood: 'gaussian',
  output: 'linear',
  hiddenDim: 64,
  latentDim: 2,
  beta: 0.01,
  device: 'cpu',
} as const;

// The runs killed with SIGKILL: `train vae` on 6144 images, a checkpoint every 10 steps.
const smallNpy = join(work, 'small.npy');
const progressEvery = 5;
const checkpointEvery = 10;
const args = (out: string): string[] => [
  'train',
  'vae',
  '--data',
  smallNpy,
  '--epochs',
  '8',
  '--batch-size',
  '64',
  '--seed',
  '3',
  '--device',
  'cpu',
  '--checkpoint-every',
  String(checkpointEvery),
  '--config',
  join(work, 'cfg.json'),
  '--no-progress',
  '--out',
  out,
];

/** Runs (or resumes) the training and kills it `delayMs` after its first new checkpoint; the run's result. */
function runAndKill(out: string, delayMs: number): Promise<Run> {
  const model = join(out, 'model.safetensors');
  const before = existsSync(model) ? statSync(model).mtimeMs : 0;
  let poll: NodeJS.Timeout | undefined;
  return gentorch([...args(out), ...(existsSync(model) ? ['--resume'] : [])], {
    onSpawn: (child) => {
      poll = setInterval(() => {
        if (existsSync(model) && statSync(model).mtimeMs !== before) {
          clearInterval(poll);
          setTimeout(() => child.kill('SIGKILL'), delayMs);
        }
      }, 2);
    },
  }).finally(() => clearInterval(poll));
}

describe('gentorch train killed with SIGKILL', () => {
  let straight: Run;

  beforeAll(async () => {
    const images = (await smallTrain(6144)).images;
    writeFileSync(smallNpy, encodeNpy(images));
    writeFileSync(join(work, 'cfg.json'), JSON.stringify({ progressEvery }));
    straight = await gentorch(args(join(work, 'straight')));
  });

  it('leaves a checkpoint that gentorch sample loads after every kill; --resume reproduces the uninterrupted loss curve', async () => {
    expectOk(straight);
    const out = join(work, 'killed');
    const model = join(out, 'model.safetensors');
    let kills = 0;
    for (const delayMs of [0, 3, 17, 41, 90, 160]) {
      const r = await runAndKill(out, delayMs);
      if (r.status === 0) break; // it finished first: nothing left to kill
      expect(r.signal).toBe('SIGKILL');
      kills++;
      const sampled = await gentorch([
        'sample',
        model,
        '--n',
        '4',
        '--device',
        'cpu',
        '--force',
        '--out',
        join(work, 'after-kill.png'),
      ]);
      expectOk(sampled);
      using vae = await load(model, { device: 'cpu' });
      expect(vae.trainingState.step % checkpointEvery).toBe(0);
    }
    expect(kills).toBeGreaterThanOrEqual(3);
    const finished = await gentorch([...args(out), '--resume']);
    expectOk(finished);

    // The same steps with the same losses, each step once, and the same test loss.
    const curve = (dir: string): [number, number][] =>
      readJsonLines(join(dir, 'metrics.jsonl'))
        .filter((r) => r.type === 'progress')
        .map((r) => [r.step as number, r.loss as number]);
    const want = curve(join(work, 'straight'));
    expect(want.length).toBeGreaterThan(100);
    expect(curve(out)).toEqual(want);
    expect(readJson(join(out, 'summary.json')).test.nelbo).toBe(
      readJson(join(work, 'straight', 'summary.json')).test.nelbo,
    );
    // No temp files of the killed writers are left behind.
    expect(readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('on --resume, metrics records past the checkpoint and a torn last line are dropped', () => {
    const text = [
      '{"type":"progress","step":5}',
      '{"type":"epoch","step":10}',
      '{"type":"progress","step":15}',
      '{"type":"progr',
    ].join('\n');
    expect(recordsUpTo(text, 10)).toBe('{"type":"progress","step":5}\n{"type":"epoch","step":10}\n');
  });
});

describe('numeric faults', () => {
  it('onNan stop: an infinite loss stops the fit with E_NUMERIC naming the step', async () => {
    using vae = new VAE(POINTS_VAE);
    await expect(vae.fit(ringWithOneHugePoint(4096), { epochs: 2, batchSize: 128 })).rejects.toMatchObject({
      code: 'E_NUMERIC',
      message: expect.stringMatching(/at step \d+/),
    });
  });

  it('onNan skip: the bad batch is skipped each epoch, the rest trains, weights stay finite', async () => {
    using vae = new VAE(POINTS_VAE);
    const skipped: number[] = [];
    const h = await vae.fit(ringWithOneHugePoint(4096), {
      epochs: 3,
      batchSize: 128,
      onNan: 'skip',
      progressEvery: 8,
      onProgress: (p) => skipped.push(p.skippedSteps),
    });
    expect(h.skippedSteps).toBe(3); // one batch holds the point, once per epoch
    expect(skipped.at(-1)).toBe(3);
    const losses = h.epochs.map((e) => e.losses.loss);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[2]).toBeLessThan(losses[0]);
    const path = join(work, 'skipped.safetensors');
    await vae.save(path);
    using again = (await load(path, { device: 'cpu' })) as VAE;
    expect((await again.sample(64)).data.every(Number.isFinite)).toBe(true);
  });

  it('onNan skip still stops a run that has truly diverged, after 100 bad steps in a row', async () => {
    using vae = new VAE({ device: 'cpu' });
    const err = await vae.fit(await smallTrain(8192), { epochs: 5, lr: 1e6, onNan: 'skip' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_NUMERIC', message: expect.stringContaining('100 steps in a row') });
  });

  it('the CLI takes --on-nan skip and rejects other values', async () => {
    const out = join(work, 'nan-cli');
    const r = await gentorch([
      'train',
      'vae',
      '--data',
      join(work, 'small.npy'),
      '--epochs',
      '3',
      '--lr',
      '1e6',
      '--on-nan',
      'skip',
      '--device',
      'cpu',
      '--no-progress',
      '--out',
      out,
    ]);
    // The epochs before the failure report themselves; the failure is the last line.
    expect(r.status).toBe(1);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toMatch(/^gentorch: E_NUMERIC: .*100 steps in a row, up to step \d+/);
    expect(existsSync(join(out, 'model.safetensors'))).toBe(false);
    const bad = await gentorch(['train', 'vae', '--on-nan', 'ignore', '--out', join(work, 'nan-bad')]);
    expectFailure(bad, 'E_CONFIG');
    expect(bad.stderr).toContain('ignore');
  });

  it('GAN onNan skip counts dropped steps and rejects a bad value', async () => {
    const data = await smallTrain(1024);
    using gan = new GAN({ arch: 'mlp', device: 'cpu', seed: 1 });
    const h = await gan.fit(data, { steps: 20, batchSize: 64, onNan: 'skip' });
    expect(h.skippedSteps).toBe(0);
    await expect(gan.fit(data, { steps: 1, onNan: 'retry' as never })).rejects.toMatchObject({ code: 'E_CONFIG' });
  });
});

describe('precision', () => {
  it('bfloat16 autocast trains the conv VAE close to float32 and keeps float32 weights', async () => {
    const data = await smallTrain(512);
    const run = async (precision: 'float32' | 'bfloat16') => {
      using vae = new VAE({ arch: 'conv', device: 'cpu', seed: 2 });
      const h = await vae.fit(data, { epochs: 2, batchSize: 64, precision });
      const path = join(work, `conv-${precision}.safetensors`);
      await vae.save(path);
      return { losses: h.epochs.map((e) => e.losses.loss), path };
    };
    const f32 = await run('float32');
    const bf16 = await run('bfloat16');
    expect(bf16.losses[1]).toBeLessThan(bf16.losses[0]);
    expect(Math.abs(bf16.losses[1] - f32.losses[1]) / f32.losses[1]).toBeLessThan(0.02);
    const { readSafetensors } = await import('../../lib/io/safetensors.js');
    const tensors = (await readSafetensors(bf16.path)).tensors;
    expect(
      [...tensors.values()].filter((t) => t.dtype !== 'float32' && t.dtype !== 'uint8').map((t) => t.dtype),
    ).toEqual([]);
  });

  it('rejects an unknown precision with E_CONFIG naming it', async () => {
    using vae = new VAE({ device: 'cpu' });
    await expect(vae.fit(await smallTrain(64), { precision: 'fp16' as never })).rejects.toMatchObject({
      code: 'E_CONFIG',
      message: expect.stringContaining('fp16'),
    });
  });
});

describe('concurrency and the event loop', () => {
  it('two fits on two models in one process both finish, each as it would alone', async () => {
    const data = await smallTrain(4096);
    const fitOne = async () => {
      using vae = new VAE({ device: 'cpu', seed: 5 });
      const h = await vae.fit(data, { epochs: 2, batchSize: 64 });
      return h.epochs.map((e) => e.losses.loss);
    };
    const fitGan = async () => {
      using gan = new GAN({ arch: 'mlp', device: 'cpu', seed: 5 });
      const h = await gan.fit(data, { epochs: 2, batchSize: 64 });
      return h.epochs.map((e) => e.losses.gLoss);
    };
    const alone = [await fitOne(), await fitGan()];
    const together = await Promise.all([fitOne(), fitGan()]);
    expect(together).toEqual(alone);
  });

  it('keeps timer lag p99 at most 20 ms during a fit', async () => {
    const data = await smallTrain(16384);
    using vae = new VAE({ device: 'cpu' });
    const lag = monitorEventLoopDelay({ resolution: 5 });
    let ticks = 0;
    const timer = setInterval(() => {
      ticks++;
    }, 5);
    lag.enable();
    try {
      await vae.fit(data, { epochs: 2, progressEvery: 16 });
    } finally {
      lag.disable();
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(50);
    const p99 = lag.percentile(99) / 1e6;
    expect(p99, `p99 ${p99.toFixed(1)} ms, max ${(lag.max / 1e6).toFixed(1)} ms`).toBeLessThanOrEqual(20);
  });
});

describe('memory', () => {
  it('200 cycles of create, fit a few steps, dispose grow RSS by less than 50 MB', async () => {
    const data = await smallTrain(256);
    const cycle = async (i: number): Promise<void> => {
      if (i % 2 === 0) {
        const vae = new VAE({ device: 'cpu', seed: i });
        await vae.fit(data, { steps: 3, batchSize: 32 });
        await vae.sample(8);
        vae.dispose();
      } else {
        const gan = new GAN({ arch: 'mlp', device: 'cpu', seed: i });
        await gan.fit(data, { steps: 3, batchSize: 32 });
        await gan.sample(8);
        gan.dispose();
      }
    };
    for (let i = 0; i < 20; i++) await cycle(i); // warm-up: allocator pools, code paths
    const before = process.memoryUsage().rss;
    for (let i = 20; i < 220; i++) await cycle(i);
    const grown = (process.memoryUsage().rss - before) / 2 ** 20;
    expect(grown, `RSS grew ${grown.toFixed(1)} MiB`).toBeLessThan(50);
  });
});
