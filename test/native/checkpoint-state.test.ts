// One strict checkpoint-state module (native/train/checkpoint_state.h) for the
// VAE, the GAN and the classifier: an unknown tensor, a missing one, a wrong
// dtype or shape, a NaN weight, or an optimizer moment that is not floating
// point is E_CHECKPOINT naming the tensor, for every model alike.
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { VAE } from '../../lib/models/vae.js';
import { GAN } from '../../lib/models/gan.js';
import { Classifier } from '../../lib/models/classifier.js';
import { encodeSafetensors, readSafetensors } from '../../lib/io/safetensors.js';
import type { HostTensor } from '../../lib/tensor.js';
import { caughtAsync } from '../helpers/caught.js';
import { tempDir } from '../helpers/helpers.js';

type Tensors = Record<string, HostTensor>;
interface Kind {
  name: string;
  save(path: string): Promise<void>;
  load(path: string): Promise<{ dispose(): void }>;
  /** Saves its optimizer moments and random streams (the classifier keeps weights only). */
  resumable: boolean;
}

const kinds: Kind[] = [
  {
    name: 'VAE',
    save: async (p) => {
      using m = new VAE({ device: 'cpu', seed: 1, hiddenDim: 16, latentDim: 3 });
      await m.save(p);
    },
    load: (p) => VAE.load(p, { device: 'cpu' }),
    resumable: true,
  },
  {
    name: 'GAN',
    save: async (p) => {
      using m = new GAN({ device: 'cpu', seed: 1, gHidden: 16, dHidden: 16, latentDim: 4, emaDecay: 0.9 });
      await m.save(p);
    },
    load: (p) => GAN.load(p, { device: 'cpu' }),
    resumable: true,
  },
  {
    name: 'classifier',
    save: async (p) => {
      const m = new Classifier({ device: 'cpu', seed: 1, featureDim: 8 });
      await m.save(p);
      m.dispose();
    },
    load: async (p) => (await Classifier.load(p, { device: 'cpu' })).classifier,
    resumable: false,
  },
];

const dir = tempDir('gentorch-state-');

for (const kind of kinds) {
  describe(`${kind.name} checkpoint state is strict`, () => {
    let tensors: Tensors;
    let metadata: Record<string, string>;
    let weight: string; // the first of the model's own floating-point tensors
    const file = (name: string) => join(dir, `${kind.name}-${name}.safetensors`);
    const write = (name: string, t: Tensors): string => {
      writeFileSync(file(name), encodeSafetensors(t, metadata));
      return file(name);
    };
    const rejects = async (path: string, ...parts: (string | RegExp)[]) => {
      const e = await caughtAsync(() => kind.load(path));
      expect(e.code).toBe('E_CHECKPOINT');
      for (const p of parts) expect(e.message).toMatch(p);
    };

    beforeAll(async () => {
      await kind.save(file('good'));
      const read = await readSafetensors(file('good'));
      tensors = Object.fromEntries(read.tensors) as Tensors;
      metadata = read.metadata;
      weight = Object.keys(tensors).find((n) => !/^(optim|rng)/.test(n) && tensors[n].dtype === 'float32')!;
    });

    it('a good checkpoint loads', async () => {
      (await kind.load(file('good'))).dispose();
    });

    it('an unknown tensor', async () => {
      const extra = { dtype: 'float32', shape: [2], data: new Float32Array(2) } as HostTensor;
      await rejects(write('unknown', { ...tensors, 'extra.weight': extra }), /unexpected tensor extra\.weight/);
    });

    it('a missing tensor', async () => {
      const { [weight]: _dropped, ...rest } = tensors;
      await rejects(write('missing', rest), 'missing tensor', weight);
    });

    it('a wrong dtype', async () => {
      const t = tensors[weight];
      const f64 = { dtype: 'float64', shape: t.shape, data: Float64Array.from(t.data as Float32Array) } as HostTensor;
      await rejects(write('dtype', { ...tensors, [weight]: f64 }), weight, /dtype/);
    });

    it('a wrong shape', async () => {
      const t = tensors[weight];
      await rejects(write('shape', { ...tensors, [weight]: { ...t, shape: [t.data.length] } }), weight, /shape/);
    });

    it('a NaN weight', async () => {
      const t = tensors[weight];
      const data = Float32Array.from(t.data as Float32Array);
      data[0] = NaN;
      await rejects(write('nan', { ...tensors, [weight]: { ...t, data } as HostTensor }), weight, /NaN/);
    });

    it.runIf(kind.resumable)(
      'an optimizer moment that is not floating point; a random state that is not bytes',
      async () => {
        const moment = Object.keys(tensors).find((n) => n.startsWith('optim'))!;
        const t = tensors[moment];
        const ints = { dtype: 'int32', shape: t.shape, data: new Int32Array(t.data.length) } as HostTensor;
        await rejects(write('moment', { ...tensors, [moment]: ints }), moment, /dtype/);
        const rng = tensors['rng.cpu'];
        const floats = { dtype: 'float32', shape: rng.shape, data: new Float32Array(rng.data.length) } as HostTensor;
        await rejects(write('rng', { ...tensors, 'rng.cpu': floats }), 'rng.cpu', /dtype/);
      },
    );
  });
}
