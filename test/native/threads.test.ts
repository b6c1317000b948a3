// Thread control: a fit picks its intra-op threads by model unless the user
// fixed them; setThreads validates and fixes them for the process. Its own
// file, so the process-wide setting touches no other test.
import { describe, expect, it } from 'vitest';
import { GAN, VAE, installInfo, setThreads } from '../../lib/index.js';
import { smallTrain } from '../helpers/helpers.js';

describe('threads', () => {
  it.skipIf(process.env.OMP_NUM_THREADS !== undefined)(
    'a CPU fit uses every core for a conv model and one thread for an MLP; setThreads fixes the count',
    async () => {
      const train = await smallTrain(128);
      const cores = installInfo().cores;
      using dcgan = new GAN({ arch: 'dcgan', features: 8, device: 'cpu', seed: 1 });
      await dcgan.fit(train, { steps: 1, batchSize: 64 });
      expect(installInfo().fitThreads).toBe(cores);
      using vae = new VAE({ arch: 'mlp', device: 'cpu', seed: 1 });
      await vae.fit(train, { steps: 1, batchSize: 64 });
      expect(installInfo().fitThreads).toBe(1);
      setThreads(cores);
      await vae.fit(train, { steps: 1, batchSize: 64 });
      expect(installInfo().fitThreads).toBe(cores);
    },
  );

  it('rejects a bad thread count with E_CONFIG naming it', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => setThreads(bad)).toThrow(
        expect.objectContaining({ code: 'E_CONFIG', message: expect.stringContaining('threads') }),
      );
    }
  });
});
