// Image to image on real libtorch: the paired tasks' inputs, every family's
// outputs, training, the regressor against bicubic, checkpoints, resume and
// bad input. Small U-Nets on a few hundred Fashion-MNIST images, so the file
// runs in about a minute on two cores.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Translator, load, psnr, type FitProgress, type HostTensor, type ImageDataset } from '../../lib/index.js';
import type { TranslatorFamily, TranslatorTask } from '../../lib/config/translate.js';
import { caught, caughtAsync } from '../helpers/caught.js';
import { smallTrain, tempDir } from '../helpers/helpers.js';

const FAMILIES: TranslatorFamily[] = ['regressor', 'gan', 'vae'];
const TASKS: TranslatorTask[] = ['superres', 'inpaint', 'denoise', 'edges'];
/** A small U-Net (8 base features), small PatchGAN and encoder: fast on a CPU. */
const SMALL = { features: 8, dFeatures: 16, device: 'cpu' } as const;

/** Images [from, from + n) of the training set as float32 in [0, 1]. */
async function targets(n: number, from = 0): Promise<HostTensor<'float32'>> {
  const ds = await smallTrain(from + n);
  const [, c, h, w] = ds.images.shape;
  const per = c * h * w;
  const data = Float32Array.from(ds.images.data.subarray(from * per, (from + n) * per), (v) => v / 255);
  return { dtype: 'float32', shape: [n, c, h, w], data };
}

function dataset(t: HostTensor<'float32'>): ImageDataset {
  return { name: 'test', images: t };
}

/** Mean over images of each one's PSNR (dB) against the targets. */
function meanPsnr(out: HostTensor<'float32'>, target: HostTensor<'float32'>): number {
  const n = target.shape[0];
  const per = target.data.length / n;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    let se = 0;
    for (let j = i * per; j < (i + 1) * per; j++) se += (out.data[j] - target.data[j]) ** 2;
    sum += psnr(se / per);
  }
  return sum / n;
}

function inRange(t: HostTensor<'float32'>): boolean {
  return t.data.every((v) => v >= 0 && v <= 1);
}

describe('paired tasks: the inputs made from targets', () => {
  it('superres, inpaint, denoise and edges give inputs of the documented shapes', async () => {
    const y = await targets(6);
    const shapes: Record<string, number[]> = {
      superres: [6, 1, 14, 14],
      inpaint: [6, 2, 28, 28],
      denoise: [6, 1, 28, 28],
      edges: [6, 1, 28, 28],
    };
    for (const task of TASKS) {
      using t = new Translator({ ...SMALL, task, family: 'regressor' });
      const x = await t.makeInputs(y, { seed: 3 });
      expect(x.shape, task).toEqual(shapes[task]);
      expect(t.inputShape, task).toEqual(shapes[task].slice(1));
      expect(inRange(x), task).toBe(true);
      // The same seed gives the same damage; another seed other damage.
      expect((await t.makeInputs(y, { seed: 3 })).data, task).toEqual(x.data);
      if (task !== 'superres' && task !== 'edges')
        expect((await t.makeInputs(y, { seed: 4 })).data, task).not.toEqual(x.data);
    }
  });

  it('inpaint: the mask channel is 0 or 1, damaged pixels are 0 where it is 0 and the target where it is 1', async () => {
    const y = await targets(8);
    using t = new Translator({ ...SMALL, task: 'inpaint', family: 'regressor' });
    const x = await t.makeInputs(y, { seed: 5 });
    const per = 28 * 28;
    let holes = 0;
    for (let i = 0; i < 8; i++) {
      for (let p = 0; p < per; p++) {
        const m = x.data[(2 * i + 1) * per + p];
        expect(m === 0 || m === 1).toBe(true);
        const damaged = x.data[2 * i * per + p];
        if (m === 0) {
          holes++;
          expect(damaged).toBe(0);
        } else expect(damaged).toBeCloseTo(y.data[i * per + p], 6);
      }
    }
    // Rectangles of 20% to 40% of the side plus a stroke: a real share of the pixels.
    expect(holes / (8 * per)).toBeGreaterThan(0.03);
    expect(holes / (8 * per)).toBeLessThan(0.6);
  });

  it('superres: the input is the 2x2 block mean, and bicubic upsamples it to the full size in [0, 1]', async () => {
    const y = await targets(4);
    using t = new Translator({ ...SMALL, task: 'superres', family: 'regressor' });
    const x = await t.makeInputs(y);
    const at = (i: number, r: number, c: number) => y.data[i * 784 + r * 28 + c];
    expect(x.data[196 + 3 * 14 + 5]).toBeCloseTo((at(1, 6, 10) + at(1, 6, 11) + at(1, 7, 10) + at(1, 7, 11)) / 4, 6);
    const b = await t.baseline(x);
    expect(b?.shape).toEqual([4, 1, 28, 28]);
    expect(inRange(b!)).toBe(true);
    using d = new Translator({ ...SMALL, task: 'denoise', family: 'regressor' });
    expect(await d.baseline(await d.makeInputs(y))).toBeUndefined();
  });
});

describe('every family on every task', () => {
  it("apply gives outputs of the target's shape in [0, 1]; the vae several per input", async () => {
    const train = await smallTrain(64); // uint8 pixels, scaled by 1/255 in C++
    const y = await targets(6, 64);
    for (const task of TASKS) {
      for (const family of FAMILIES) {
        using t = new Translator({ ...SMALL, task, family, seed: 2 });
        await t.fit(train, { steps: 2, batchSize: 16 });
        const x = await t.makeInputs(y, { seed: 1 });
        const out = await t.apply(x);
        expect(out.shape, `${task} ${family}`).toEqual([6, 1, 28, 28]);
        expect(inRange(out), `${task} ${family}`).toBe(true);
        if (family === 'vae') expect((await t.apply(x, { samples: 3 })).shape).toEqual([18, 1, 28, 28]);
      }
    }
  }, 120_000);
});

describe('training', () => {
  it('lowers the L1 of every family on superres (last progress window against the first)', async () => {
    const train = dataset(await targets(320)); // 10 batches an epoch: reports every 10 steps
    for (const family of FAMILIES) {
      using t = new Translator({ ...SMALL, task: 'superres', family, seed: 1 });
      const seen: FitProgress[] = [];
      const h = await t.fit(train, {
        steps: 60,
        batchSize: 32,
        lr: 2e-3,
        progressEvery: 10,
        onProgress: (p) => seen.push(p),
      });
      expect(h.steps).toBe(60);
      expect(seen.map((p) => p.step)).toEqual([10, 20, 30, 40, 50, 60]);
      const names = { regressor: ['l1'], gan: ['gLoss', 'dLoss', 'l1', 'adv'], vae: ['loss', 'l1', 'kl'] }[family];
      expect(Object.keys(seen[0].losses).sort(), family).toEqual([...names].sort());
      const first = seen[0].losses.l1;
      const last = seen.at(-1)!.losses.l1;
      // Measured (seed 1): about 215 -> 98 nats per image for each family.
      expect(last, `${family}: l1 ${first.toFixed(1)} -> ${last.toFixed(1)}`).toBeLessThan(0.6 * first);
    }
  }, 120_000);

  it('the regressor beats bicubic PSNR on held-out superres inputs after a short fit', async () => {
    const train = dataset(await targets(512));
    const y = await targets(200, 512);
    using t = new Translator({ ...SMALL, features: 16, task: 'superres', family: 'regressor', seed: 1 });
    await t.fit(train, { steps: 150, batchSize: 32, lr: 2e-3 });
    const x = await t.makeInputs(y);
    const learned = meanPsnr(await t.apply(x), y);
    const bicubic = meanPsnr((await t.baseline(x))!, y);
    // Measured (seed 1): 22.5 dB after 150 steps against bicubic's 19.5 dB; on
    // other held-out images 16.9 dB after 50 steps and 21.3 dB after 100.
    expect(learned, `regressor ${learned.toFixed(2)} dB, bicubic ${bicubic.toFixed(2)} dB`).toBeGreaterThan(
      bicubic + 1,
    );
  }, 120_000);
});

describe('apply', () => {
  it('inpainting keeps the known pixels exactly and fills the holes', async () => {
    const y = await targets(8, 64);
    for (const family of FAMILIES) {
      using t = new Translator({ ...SMALL, task: 'inpaint', family, seed: 3 });
      await t.fit(dataset(await targets(64)), { steps: 3, batchSize: 16 });
      const x = await t.makeInputs(y, { seed: 2 });
      const out = await t.apply(x);
      const per = 784;
      let filled = 0;
      for (let i = 0; i < 8; i++)
        for (let p = 0; p < per; p++) {
          const known = x.data[(2 * i + 1) * per + p] === 1;
          if (known) expect(out.data[i * per + p]).toBe(x.data[2 * i * per + p]);
          else if (out.data[i * per + p] !== 0) filled++;
        }
      expect(filled, family).toBeGreaterThan(0);
    }
  }, 60_000);

  it("the vae's samples for one input differ; the regressor's and the gan's are the same for any seed", async () => {
    const train = dataset(await targets(64));
    const y = await targets(4, 64);
    for (const family of FAMILIES) {
      using t = new Translator({ ...SMALL, task: 'superres', family, seed: 4 });
      await t.fit(train, { steps: 3, batchSize: 16 });
      const x = await t.makeInputs(y);
      const a = await t.apply(x, { seed: 1 });
      const b = await t.apply(x, { seed: 2 });
      if (family === 'vae') {
        expect(a.data).not.toEqual(b.data);
        const s = await t.apply(x, { samples: 2, seed: 1 });
        const first = s.data.subarray(0, 784);
        const second = s.data.subarray(784, 2 * 784);
        expect(first).not.toEqual(second);
        // The same seed gives the same draws.
        expect((await t.apply(x, { samples: 2, seed: 1 })).data).toEqual(s.data);
      } else {
        expect(a.data, family).toEqual(b.data);
      }
    }
  }, 60_000);
});

describe('Translator checkpoints', () => {
  it('save then load gives the same outputs, load() rebuilds a Translator, and a resumed fit continues the steps', async () => {
    const dir = tempDir();
    const train = dataset(await targets(128));
    const y = await targets(4, 128);
    for (const family of FAMILIES) {
      using t = new Translator({ ...SMALL, task: 'superres', family, seed: 5 });
      await t.fit(train, { steps: 5, batchSize: 32 });
      const file = join(dir, `${family}.safetensors`);
      await t.save(file);
      using back = await load(file, { device: 'cpu' });
      expect(back).toBeInstanceOf(Translator);
      const again = back as Translator;
      expect(again.config).toEqual(t.config);
      expect(again.trainingState).toEqual(t.trainingState);
      const x = await t.makeInputs(y);
      expect((await again.apply(x, { seed: 3 })).data, family).toEqual((await t.apply(x, { seed: 3 })).data);
      await again.fit(train, { steps: 3, batchSize: 32 });
      expect(again.trainingState.step, family).toBe(8);
    }
  }, 60_000);

  it('a resumed run trains exactly as one run (networks, optimizers, random streams and data order restored)', async () => {
    const dir = tempDir();
    const train = dataset(await targets(96));
    const opts = { ...SMALL, task: 'inpaint', family: 'gan', seed: 6 } as const;
    using straight = new Translator(opts);
    await straight.fit(train, { steps: 8, batchSize: 32 });
    using first = new Translator(opts);
    await first.fit(train, { steps: 4, batchSize: 32 });
    const file = join(dir, 'half.safetensors');
    await first.save(file);
    using resumed = await Translator.load(file, { device: 'cpu' });
    expect(resumed.lastFit?.batchSize).toBe(32);
    await resumed.fit(train, { steps: 4, batchSize: 32 });
    expect(resumed.trainingState).toEqual(straight.trainingState);
    const x = await straight.makeInputs(await targets(4, 96));
    const a = await straight.apply(x);
    const b = await resumed.apply(x);
    for (let i = 0; i < a.data.length; i += 37) expect(b.data[i]).toBeCloseTo(a.data[i], 4);
  }, 60_000);

  it('checkpointEvery writes a checkpoint that loads; an aborted fit is E_ABORTED, before it starts or while it runs', async () => {
    const dir = tempDir();
    const train = dataset(await targets(64));
    using t = new Translator({ ...SMALL, task: 'denoise', family: 'vae', seed: 7 });
    const file = join(dir, 'every.safetensors');
    const written: number[] = [];
    await t.fit(train, {
      steps: 4,
      batchSize: 16,
      checkpointEvery: 2,
      checkpointPath: file,
      onCheckpoint: (c) => written.push(c.step),
    });
    expect(written).toEqual([2, 4]);
    using back = await Translator.load(file, { device: 'cpu' });
    expect(back.trainingState.step).toBe(4);
    const e = await caughtAsync(() => t.fit(train, { steps: 2, signal: AbortSignal.abort() }));
    expect(e.code).toBe('E_ABORTED');
    // Aborted while it runs: it stops between steps, and the model stays usable.
    const ac = new AbortController();
    const mid = await caughtAsync(() =>
      t.fit(train, { steps: 1000, batchSize: 16, progressEvery: 1, signal: ac.signal, onProgress: () => ac.abort() }),
    );
    expect(mid.code).toBe('E_ABORTED');
    expect(t.trainingState.step).toBeLessThan(20);
    expect((await t.apply(await t.makeInputs(await targets(2)))).shape).toEqual([2, 1, 28, 28]);
  }, 60_000);
});

describe('Translator bad input', () => {
  it('gets typed errors naming the bad value', async () => {
    const e3 = caught(() => new Translator({ ...SMALL, task: 'superres', factor: 3 }));
    expect(e3.code).toBe('E_SHAPE');
    expect(e3.message).toMatch(/factor 3/);
    expect(e3.message).toMatch(/28x28/);
    const grey = caught(() => new Translator({ ...SMALL, task: 'colorize' }));
    expect(grey.code).toBe('E_SHAPE');
    expect(grey.message).toMatch(/colorize.*1 channel/);
    const fam = caught(() => new Translator({ ...SMALL, family: 'flow' as never }));
    expect(fam.code).toBe('E_CONFIG');
    expect(fam.message).toMatch(/family.*"flow"/);
    const typo = caught(() => new Translator({ ...SMALL, l1weight: 10 } as never));
    expect(typo.code).toBe('E_CONFIG');
    expect(typo.message).toMatch(/l1Weight/);
    expect(caught(() => new Translator({ ...SMALL, task: 'deblur' as never })).message).toMatch(/deblur/);
    expect(caught(() => new Translator({ ...SMALL, ganLoss: 'wgan-gp' as never })).message).toMatch(/wgan-gp/);
    expect(caught(() => new Translator({ ...SMALL, noiseStd: 0 })).message).toMatch(/noiseStd/);

    using t = new Translator({ ...SMALL, task: 'superres', family: 'regressor' });
    const y = await targets(4);
    const full = await caughtAsync(() => t.apply(y));
    expect(full.code).toBe('E_SHAPE');
    expect(full.message).toMatch(/\[4, 1, 28, 28\]/);
    expect(full.message).toMatch(/\[N, 1, 14, 14\]/);
    const x = await t.makeInputs(y);
    expect((await caughtAsync(() => t.apply(x, { samples: 2 }))).message).toMatch(/samples/);
    expect((await caughtAsync(() => t.fit(y, { steps: 1, cudaGraphs: 'on' }))).code).toBe('E_CONFIG');
    expect((await caughtAsync(() => t.fit(y, { steps: 1, inputs: x }))).code).toBe('E_DATA');
    expect((await caughtAsync(() => t.fit(x, { steps: 1 }))).code).toBe('E_SHAPE');

    using pairs = new Translator({ ...SMALL, task: 'pairs', family: 'regressor' });
    const few = await targets(3);
    const counts = await caughtAsync(() => pairs.fit(y, { steps: 1, inputs: few }));
    expect(counts.code).toBe('E_DATA');
    expect(counts.message).toMatch(/\(4\).*3/);
    expect((await caughtAsync(() => pairs.fit(y, { steps: 1 }))).code).toBe('E_DATA');
    expect((await caughtAsync(() => pairs.makeInputs(y))).code).toBe('E_CONFIG');
    const small = await caughtAsync(() => pairs.fit(y, { steps: 1, inputs: x }));
    expect(small.code).toBe('E_SHAPE');
    expect(small.message).toMatch(/\[4, 1, 14, 14\]/);

    // An inpainting input must carry its mask: [N, C + 1, H, W].
    using inpaint = new Translator({ ...SMALL, task: 'inpaint', family: 'regressor' });
    const unmasked = await caughtAsync(() => inpaint.apply(y));
    expect(unmasked.code).toBe('E_SHAPE');
    expect(unmasked.message).toMatch(/\[N, 2, 28, 28\].*\[4, 1, 28, 28\]/);
  });

  it("the pairs task trains on the user's own inputs", async () => {
    const y = await targets(32);
    const x = { data: y.data.map((v) => 1 - v), shape: y.shape };
    using t = new Translator({ ...SMALL, task: 'pairs', family: 'regressor', seed: 8 });
    const seen: number[] = [];
    await t.fit(y, {
      inputs: x,
      steps: 20,
      batchSize: 16,
      lr: 2e-3,
      progressEvery: 10,
      onProgress: (p) => seen.push(p.losses.l1),
    });
    expect(seen.at(-1)).toBeLessThan(0.8 * seen[0]);
    expect((await t.apply(x)).shape).toEqual([32, 1, 28, 28]);
  }, 60_000);

  it('a translator checkpoint is not a VAE or GAN for the commands that sample', async () => {
    const { loadGenerative } = await import('../../lib/models/load.js');
    const dir = tempDir();
    using t = new Translator({ ...SMALL, family: 'regressor' });
    const file = join(dir, 't.safetensors');
    await t.save(file);
    const e = await caughtAsync(() => loadGenerative(file, { device: 'cpu' }));
    expect(e.code).toBe('E_CHECKPOINT');
    expect(e.message).toMatch(/translator/);
  });
});
