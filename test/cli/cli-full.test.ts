// `gentorch train vae` on the full Fashion-MNIST: the test loss, PyTorch's cross-check, SIGINT and --resume.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { load } from '../../lib/index.js';
import {
  PYTHON,
  ROOT,
  cliEnv,
  expectFailure,
  expectOk,
  gentorch,
  pythonCan,
  readJson,
  type Run,
} from '../helpers/run-cli.js';
import { tempDir } from '../helpers/helpers.js';

const HAS_TORCH = pythonCan('torch');

let work: string;

beforeAll(() => {
  work = tempDir('gentorch-cli-');
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

let fullRun: Promise<Run> | undefined;
/** One epoch on the full dataset into work/full, which both blocks below check: trained once, by the first. */
function trainFull(): Promise<Run> {
  fullRun ??= gentorch([
    'train',
    'vae',
    '--data',
    'fashion-mnist',
    '--epochs',
    '1',
    '--seed',
    '1',
    '--device',
    'cpu',
    '--out',
    join(work, 'full'),
  ]);
  return fullRun;
}

describe('gentorch train vae on the full Fashion-MNIST', () => {
  let out: string;
  let straight: Run;

  beforeAll(async () => {
    out = join(work, 'full');
    straight = await trainFull();
  });

  it('one epoch reaches a test negative ELBO of at most 264 nats', () => {
    expectOk(straight);
    const s = readJson(join(out, 'summary.json'));
    expect(s.data).toMatchObject({ train: 'fashion-mnist:train', trainImages: 60000, testImages: 10000 });
    expect(s.steps).toBe(469);
    expect(s.test.nelbo).toBeLessThanOrEqual(264);
    // curves.svg: the training losses over the steps, and the test loss at the end.
    const svg = readFileSync(join(out, 'curves.svg'), 'utf8');
    for (const name of ['loss', 'recon', 'kl', 'test nelbo']) expect(svg).toContain(`>${name}</text>`);
    expect(svg).toMatch(/<circle cx="[\d.]+" cy="[\d.]+" r="3"/);
  });

  it.skipIf(!HAS_TORCH)(
    "PyTorch's reference module loads the checkpoint and measures the same test loss (within 2%)",
    () => {
      expectOk(straight);
      const py = spawnSync(
        PYTHON,
        [join(ROOT, 'scripts/reference/vae_mlp.py'), 'eval', join(out, 'model.safetensors')],
        {
          cwd: ROOT,
          env: cliEnv(),
          encoding: 'utf8',
          timeout: 120_000,
        },
      );
      expect(py.status, py.stderr).toBe(0);
      const { test_loss: loss } = JSON.parse(py.stdout.trim().split('\n').at(-1)!) as { test_loss: number };
      const nelbo = readJson(join(out, 'summary.json')).test.nelbo as number;
      expect(nelbo).toBeLessThanOrEqual(264);
      expect(Math.abs(loss - nelbo) / nelbo).toBeLessThan(0.02);
    },
  );
});

describe('gentorch train vae on the full Fashion-MNIST (SIGINT, resume and data folder)', () => {
  let out: string;
  let straight: Run;

  beforeAll(async () => {
    out = join(work, 'full');
    straight = await trainFull();
  });

  it('SIGINT mid-epoch exits with E_ABORTED, leaving the last --checkpoint-every checkpoint; --resume finishes the same run', async () => {
    expectOk(straight);
    const dir = join(work, 'interrupted');
    const model = join(dir, 'model.safetensors');
    let poll: NodeJS.Timeout | undefined;
    const stopped = await gentorch(
      ['train', 'vae', '--epochs', '1', '--device', 'cpu', '--checkpoint-every', '50', '--out', dir],
      {
        onSpawn: (child) => {
          poll = setInterval(() => {
            if (existsSync(model)) {
              clearInterval(poll);
              child.kill('SIGINT');
            }
          }, 10);
        },
      },
    );
    clearInterval(poll);
    expectFailure(stopped, 'E_ABORTED');
    expect(existsSync(join(dir, 'summary.json'))).toBe(false);
    {
      using vae = await load(model, { device: 'cpu' });
      const st = vae.trainingState;
      expect(st.step % 50).toBe(0);
      expect(st.step).toBeGreaterThanOrEqual(50);
      expect(st.step).toBeLessThan(469);
      expect(st.epoch).toBe(0);
      expect(st.epochStep).toBe(st.step);
    }
    const resumed = await gentorch(['train', 'vae', '--epochs', '1', '--device', 'cpu', '--resume', '--out', dir]);
    expectOk(resumed);
    const s = readJson(join(dir, 'summary.json'));
    expect(s.epochs).toBe(1);
    expect(s.steps).toBe(469);
    expect(s.test.nelbo).toBeCloseTo(readJson(join(out, 'summary.json')).test.nelbo, 2);
  });

  it('GENTORCH_FASHION_MNIST_DIR chooses where fashion-mnist is read from', async () => {
    const empty = tempDir('gentorch-nofashion-');
    try {
      const r = await gentorch(['train', 'vae', '--epochs', '1', '--device', 'cpu', '--out', join(work, 'env-dir')], {
        env: { GENTORCH_FASHION_MNIST_DIR: empty },
      });
      expectFailure(r, 'E_DATA');
      expect(r.stderr).toContain(empty);
      expect(r.stderr).toContain('train-images-idx3-ubyte');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
