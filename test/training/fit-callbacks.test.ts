// fit()'s callbacks as tfjs users expect them: async ones are waited for, and
// a throw or a rejection in one ends the fit with E_CALLBACK (the callback's
// error as its cause) instead of an uncaught error ending the process. A real
// fit of a small MLP VAE each time.
import { describe, expect, it } from 'vitest';
import { GentorchError, VAE, datasets } from '../../lib/index.js';
import { caughtAsync } from '../helpers/caught.js';

const data = datasets.fromArrays({
  data: Uint8Array.from({ length: 512 * 784 }, (_, i) => (i * 7919) % 256),
  shape: [512, 1, 28, 28],
});
const small = () => new VAE({ hiddenDim: 32, latentDim: 2, seed: 1, device: 'cpu' });

describe('fit callbacks', () => {
  it('a throw in onProgress stops the fit early with E_CALLBACK, its error the cause', async () => {
    using vae = small();
    const boom = new Error('boom at step 2');
    let calls = 0;
    const err = await caughtAsync(() =>
      vae.fit(data, {
        epochs: 50,
        batchSize: 16,
        progressEvery: 1,
        onProgress: (p) => {
          calls++;
          if (p.step >= 2) throw boom;
        },
      }),
    );
    expect(err).toBeInstanceOf(GentorchError);
    expect((err as GentorchError).code).toBe('E_CALLBACK');
    expect((err as GentorchError).message).toContain('onProgress callback threw: boom at step 2');
    expect((err as GentorchError).cause).toBe(boom);
    // Stopped near the throw, far from the 1,600 steps asked for; once failed, no further calls.
    expect(vae.trainingState.step).toBeLessThan(200);
    expect(calls).toBeLessThanOrEqual(2);
    // The model is usable afterwards.
    await vae.fit(data, { steps: 3, batchSize: 16 });
  });

  it('a rejected async onEpoch ends the fit with E_CALLBACK', async () => {
    using vae = small();
    const err = await caughtAsync(() =>
      vae.fit(data, {
        epochs: 40,
        batchSize: 64,
        onEpoch: async (e) => {
          await new Promise((r) => setTimeout(r, 5));
          if (e.epoch === 1) throw new Error('cannot log epoch 1');
        },
      }),
    );
    expect((err as GentorchError).code).toBe('E_CALLBACK');
    expect((err as GentorchError).message).toContain('onEpoch callback threw: cannot log epoch 1');
    expect(vae.trainingState.epoch).toBeLessThan(40);
  });

  it('fit resolves only after its async callbacks have finished', async () => {
    using vae = small();
    const finished: number[] = [];
    await vae.fit(data, {
      epochs: 2,
      batchSize: 64,
      onEpoch: async (e) => {
        await new Promise((r) => setTimeout(r, 200));
        finished.push(e.epoch);
      },
    });
    expect(finished).toEqual([1, 2]);
  });
});

// An async callback holds the training thread (native/binding/job.h EventGate):
// while its promise is pending the thread takes at most one step past the
// reported one (none past an epoch's end), and abort and dispose() still end
// the fit while it waits.
describe('async callbacks hold the training thread', () => {
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('an async onEpoch of 300 ms: no step is taken past the epoch until it settles', async () => {
    using vae = small();
    const seen: { step: number; before: number; after: number }[] = [];
    await vae.fit(data, {
      epochs: 3,
      batchSize: 16, // 32 steps an epoch, each far shorter than 300 ms
      onEpoch: async (e) => {
        const before = vae.trainingState.step;
        await wait(300);
        seen.push({ step: e.step, before, after: vae.trainingState.step });
      },
    });
    expect(seen.map((s) => s.step)).toEqual([32, 64, 96]);
    for (const s of seen) {
      expect(s.before).toBe(s.step);
      expect(s.after).toBe(s.step);
    }
  });

  it('an async onProgress: at most one step past the reported one while it is pending', async () => {
    using vae = small();
    const seen: { step: number; after: number }[] = [];
    await vae.fit(data, {
      steps: 6,
      batchSize: 16,
      progressEvery: 1,
      onProgress: async (p) => {
        await wait(50);
        seen.push({ step: p.step, after: vae.trainingState.step });
      },
    });
    expect(seen.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const s of seen) expect(s.after - s.step).toBeLessThanOrEqual(1);
  });

  it('sync callbacks and no callbacks leave the thread free: the same training either way', async () => {
    const run = async (withCallbacks: boolean) => {
      using vae = small();
      const h = await vae.fit(data, {
        epochs: 2,
        batchSize: 32,
        progressEvery: 1,
        ...(withCallbacks ? { onProgress: async () => wait(1), onEpoch: async () => wait(20) } : {}),
      });
      return h.epochs.map((e) => e.losses);
    };
    expect(await run(true)).toEqual(await run(false));
  });

  it('abort during a held callback ends the fit with E_ABORTED promptly', async () => {
    using vae = small();
    const controller = new AbortController();
    let release: () => void = () => undefined;
    const t0 = performance.now();
    const err = await caughtAsync(() =>
      vae.fit(data, {
        epochs: 50,
        batchSize: 16,
        signal: controller.signal,
        onEpoch: () => {
          setTimeout(() => controller.abort(), 100);
          return new Promise<void>((r) => (release = r)); // pending until the test ends
        },
      }),
    );
    const ms = performance.now() - t0;
    release();
    expect(err.code).toBe('E_ABORTED');
    expect(ms).toBeLessThan(5000);
    expect(vae.trainingState.epoch).toBe(1);
    expect(vae.trainingState.step).toBe(32);
    // Usable afterwards.
    await vae.fit(data, { steps: 2, batchSize: 16 });
  });

  it('dispose() during a held callback ends the fit with E_ABORTED, no deadlock', async () => {
    const vae = small();
    let release: () => void = () => undefined;
    const err = await caughtAsync(() =>
      vae.fit(data, {
        epochs: 50,
        batchSize: 16,
        onEpoch: () => {
          setTimeout(() => vae.dispose(), 50);
          return new Promise<void>((r) => (release = r));
        },
      }),
    );
    release();
    expect(err.code).toBe('E_ABORTED');
    expect(() => vae.trainingState).toThrow(/disposed/);
  });
});
