// fit()'s validationData and earlyStopping(), as tfjs users expect them: the
// validation losses of each epoch are measured on the training thread without
// touching the training, and early stopping ends a fit cleanly at an epoch's
// end. Real fits of small MLP models on CPU each time.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { GAN, GAN_PRESETS, GentorchError, VAE, datasets, earlyStopping, load } from '../../lib/index.js';
import { caught, caughtAsync } from '../helpers/caught.js';
import { tempDir } from '../helpers/helpers.js';

const images = (n: number, salt: number) =>
  datasets.fromArrays({
    data: Uint8Array.from({ length: n * 784 }, (_, i) => ((i + salt) * 7919) % 256),
    shape: [n, 1, 28, 28],
  });
const train = images(512, 0);
const held = images(200, 13);
const small = () => new VAE({ hiddenDim: 32, latentDim: 2, seed: 1, device: 'cpu' });

const points = GAN_PRESETS.points;
const ring = datasets.synthetic('ring8', { n: 2048, seed: 1 });
const ringHeld = datasets.synthetic('ring8', { n: 300, seed: 2 });
const smallGan = (extra: object = {}) => new GAN({ ...points.model, ...extra, device: 'cpu', seed: 1 });

describe('validationData', () => {
  it("VAE: each epoch's valLosses are finite and equal evaluate() on the same images after the epoch", async () => {
    using vae = small();
    for (let round = 0; round < 2; round++) {
      const history = await vae.fit(train, { epochs: 1, batchSize: 64, validationData: held });
      const [rec] = history.epochs;
      expect(Object.keys(rec.valLosses ?? {}).sort()).toEqual(['kl', 'loss', 'recon']);
      for (const v of Object.values(rec.valLosses!)) expect(Number.isFinite(v)).toBe(true);
      const ev = await vae.evaluate(held);
      expect(rec.valLosses!.recon).toBeCloseTo(ev.recon, 3);
      expect(rec.valLosses!.kl).toBeCloseTo(ev.kl, 3);
      expect(rec.valLosses!.loss).toBeCloseTo(ev.nelbo, 3); // beta 1
    }
  });

  it('VAE: every epoch record (history and onEpoch) carries valLosses; loss weighs kl by beta', async () => {
    using vae = new VAE({ hiddenDim: 32, latentDim: 2, beta: 4, seed: 1, device: 'cpu' });
    const seen: number[] = [];
    const history = await vae.fit(train, {
      epochs: 3,
      batchSize: 64,
      validationData: { data: held.images.data, shape: held.images.shape },
      onEpoch: (e) => void seen.push(e.valLosses!.loss),
    });
    expect(history.epochs.map((e) => e.valLosses!.loss)).toEqual(seen);
    expect(seen).toHaveLength(3);
    for (const e of history.epochs) {
      const v = e.valLosses!;
      expect(v.loss).toBeCloseTo(v.recon + 4 * v.kl, 6);
    }
    // Without validationData there are none.
    const plain = await vae.fit(train, { epochs: 1, batchSize: 64 });
    expect(plain.epochs[0].valLosses).toBeUndefined();
  });

  it('VAE: the same seed trains the same with and without validationData', async () => {
    const run = async (validationData?: typeof held) => {
      using vae = small();
      const h = await vae.fit(train, { epochs: 3, batchSize: 32, progressEvery: 4, validationData });
      return { losses: h.epochs.map((e) => e.losses), state: vae.trainingState, sample: await vae.sample(4) };
    };
    const a = await run();
    const b = await run(held);
    expect(b.losses).toEqual(a.losses);
    expect(b.state).toEqual(a.state);
    expect(Array.from(b.sample.data)).toEqual(Array.from(a.sample.data));
  });

  it('GAN: valLosses of D and G each epoch, and the same training with and without them', async () => {
    const run = async (validationData?: typeof ringHeld) => {
      using gan = smallGan();
      const h = await gan.fit(ring, { ...points.fit, epochs: 3, steps: 0, batchSize: 256, validationData });
      return { h, state: gan.trainingState, sample: await gan.sample(8) };
    };
    const a = await run();
    const b = await run(ringHeld);
    for (const e of b.h.epochs) {
      expect(Object.keys(e.valLosses!).sort()).toEqual(['dFake', 'dLoss', 'dReal', 'gLoss']);
      for (const v of Object.values(e.valLosses!)) expect(Number.isFinite(v)).toBe(true);
      // D's mean outputs are probabilities under the BCE losses.
      expect(e.valLosses!.dReal).toBeGreaterThan(0);
      expect(e.valLosses!.dReal).toBeLessThan(1);
    }
    expect(b.h.epochs.map((e) => e.losses)).toEqual(a.h.epochs.map((e) => e.losses));
    expect(b.state).toEqual(a.state);
    expect(Array.from(b.sample.data)).toEqual(Array.from(a.sample.data));
  });

  it('GAN: a conditional GAN measures its validation images under their labels, and needs them', async () => {
    using gan = smallGan({ numClasses: 8 });
    const h = await gan.fit(ring, { ...points.fit, epochs: 1, steps: 0, batchSize: 256, validationData: ringHeld });
    expect(Number.isFinite(h.epochs[0].valLosses!.dLoss)).toBe(true);
    const unlabelled = { ...ringHeld, labels: undefined };
    const err = await caughtAsync(() => gan.fit(ring, { epochs: 1, validationData: unlabelled }));
    expect(err.code).toBe('E_DATA');
    expect(err.message).toContain('labels');
  });

  it('validationData of the wrong shape is E_SHAPE naming both shapes, before any step', async () => {
    using vae = small();
    const wrong = { data: new Uint8Array(10 * 14 * 14), shape: [10, 1, 14, 14] };
    const err = await caughtAsync(() => vae.fit(train, { epochs: 1, validationData: wrong }));
    expect(err.code).toBe('E_SHAPE');
    expect(err.message).toContain('[10, 1, 14, 14]');
    expect(err.message).toContain('[N, 1, 28, 28]');
    expect(vae.trainingState.step).toBe(0);
    using gan = smallGan();
    const gerr = await caughtAsync(() => gan.fit(ring, { epochs: 1, validationData: wrong }));
    expect(gerr.code).toBe('E_SHAPE');
    expect(gerr.message).toContain('[10, 1, 14, 14]');
    expect(gan.trainingState.step).toBe(0);
    const bad = await caughtAsync(() => vae.fit(train, { epochs: 1, validationData: 'held' as never }));
    expect(bad.code).toBe('E_DATA');
  });
});

describe('earlyStopping', () => {
  it('stops at the end of the first epoch that does not improve (patience 1, huge minDelta), cleanly', async () => {
    using vae = small();
    const seen: number[] = [];
    const history = await vae.fit(train, {
      epochs: 10,
      batchSize: 64,
      validationData: held,
      callbacks: [earlyStopping({ monitor: 'val_loss', patience: 1, minDelta: 1e9 })],
      onEpoch: (e) => void seen.push(e.epoch),
    });
    expect(history.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(seen).toEqual([1, 2]);
    expect(history.stoppedEarly).toEqual({
      epoch: 2,
      monitor: 'val_loss',
      best: history.epochs[0].valLosses!.loss,
      bestEpoch: 1,
    });
    // Stopped exactly at the epoch's end: 8 steps an epoch, nothing of epoch 3.
    expect(vae.trainingState).toMatchObject({ epoch: 2, step: 16, epochStep: 0 });
    expect(history.steps).toBe(16);
    // A consistent model: it saves, loads and fits on.
    const path = join(tempDir(), 'stopped.safetensors');
    await vae.save(path);
    using again = (await load(path)) as VAE;
    expect(again.trainingState).toMatchObject({ epoch: 2, step: 16 });
    const more = await again.fit(train, { epochs: 1, batchSize: 64 });
    expect(more.stoppedEarly).toBeUndefined();
    expect(again.trainingState).toMatchObject({ epoch: 3, step: 24 });
  });

  it('does not stop while patience is not exceeded, and watches training losses too', async () => {
    using vae = small();
    const history = await vae.fit(train, {
      epochs: 3,
      batchSize: 64,
      callbacks: earlyStopping({ monitor: 'loss', patience: 3, minDelta: 1e9 }),
    });
    expect(history.epochs).toHaveLength(3);
    expect(history.stoppedEarly).toBeUndefined();
  });

  it('GAN: stops on a GAN loss by name', async () => {
    using gan = smallGan();
    const history = await gan.fit(ring, {
      ...points.fit,
      epochs: 6,
      steps: 0,
      batchSize: 256,
      callbacks: [earlyStopping({ monitor: 'gLoss', patience: 2, minDelta: 1e9 })],
    });
    expect(history.epochs).toHaveLength(3);
    expect(history.stoppedEarly).toMatchObject({ epoch: 3, monitor: 'gLoss', bestEpoch: 1 });
    expect(gan.trainingState).toMatchObject({ epoch: 3, epochStep: 0 });
  });

  it('an unknown monitor is E_CONFIG naming it and the allowed ones, before any step', async () => {
    using vae = small();
    const err = await caughtAsync(() =>
      vae.fit(train, { epochs: 1, validationData: held, callbacks: [earlyStopping({ monitor: 'val_los' })] }),
    );
    expect(err.code).toBe('E_CONFIG');
    expect(err.message).toContain('"val_los"');
    expect(err.message).toContain('"val_loss"');
    const noVal = await caughtAsync(() => vae.fit(train, { epochs: 1, callbacks: [earlyStopping()] }));
    expect(noVal.code).toBe('E_CONFIG');
    expect(noVal.message).toContain('validationData');
    using gan = smallGan();
    const gerr = await caughtAsync(() => gan.fit(ring, { epochs: 1, callbacks: [earlyStopping({ monitor: 'loss' })] }));
    expect(gerr.code).toBe('E_CONFIG');
    expect(gerr.message).toContain('"gLoss"');
    expect(vae.trainingState.step + gan.trainingState.step).toBe(0);
  });

  it('bad earlyStopping options and callbacks are E_CONFIG', async () => {
    expect(caught(() => earlyStopping({ patience: -1 })).message).toContain('patience');
    expect(caught(() => earlyStopping({ minDelta: Number.NaN })).message).toContain('minDelta');
    expect(caught(() => earlyStopping({ mode: 'lowest' as never })).message).toContain('mode');
    expect(caught(() => earlyStopping({ monitor: '' })).message).toContain('monitor');
    expect(caught(() => earlyStopping({ patiense: 2 } as never)).message).toContain('patience');
    using vae = small();
    const err = await caughtAsync(() => vae.fit(train, { epochs: 1, callbacks: [{ onEpochEnd() {} }] as never }));
    expect(err).toBeInstanceOf(GentorchError);
    expect(err.code).toBe('E_CONFIG');
    expect(err.message).toContain('callbacks');
  });
});
