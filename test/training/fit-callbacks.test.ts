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
