// The CLI's help states the defaults the code uses: its texts are built from
// lib/config's *_DEFAULTS, CLI_DEFAULTS and COMPARE_DEFAULTS.
import { describe, expect, it } from 'vitest';
import { expectOk, gentorch } from '../helpers/run-cli.js';
import { FIT_DEFAULTS } from '../../lib/config/fit.js';
import { VAE_DEFAULTS } from '../../lib/config/vae.js';
import { GAN_DEFAULTS, GAN_FIT_DEFAULTS } from '../../lib/config/gan.js';
import { CLI_DEFAULTS, COMPARE_DEFAULTS } from '../../lib/config/run.js';
import { TRANSLATOR_DEFAULTS, TRANSLATOR_FIT_DEFAULTS } from '../../lib/config/translate.js';

/** Help text on one line (commander wraps descriptions). */
async function help(...args: string[]): Promise<string> {
  const r = await gentorch([...args, '--help']);
  expectOk(r);
  return r.stdout.replace(/\s+/g, ' ');
}

describe('help texts state the defaults in use', () => {
  it('train vae', async () => {
    const h = await help('train', 'vae');
    expect(h).toContain(`epochs to train in all (default ${FIT_DEFAULTS.epochs})`);
    expect(h).toContain(`images per step (default ${FIT_DEFAULTS.batchSize})`);
    expect(h).toContain(`Adam learning rate (default ${FIT_DEFAULTS.lr})`);
    expect(h).toContain(`dimension of z (default ${VAE_DEFAULTS.latentDim})`);
    expect(h).toContain(`MLP hidden width (default ${VAE_DEFAULTS.hiddenDim})`);
    expect(h).toContain(`(default ${CLI_DEFAULTS.seed})`);
  });

  it('train gan', async () => {
    const h = await help('train', 'gan');
    expect(h).toContain(`epochs in all (default ${GAN_FIT_DEFAULTS.epochs})`);
    expect(h).toContain(`images per D step (default ${GAN_FIT_DEFAULTS.batchSize})`);
    expect(h).toContain(`Adam learning rate of G (default ${GAN_FIT_DEFAULTS.lrG})`);
    expect(h).toContain(`dimension of z (default ${GAN_DEFAULTS.latentDim})`);
    expect(h).toContain(`objective (default ${GAN_DEFAULTS.loss})`);
  });

  it('train translate and translate', async () => {
    const [h, t] = await Promise.all([help('train', 'translate'), help('translate')]);
    expect(h).toContain(`the paired task (default ${TRANSLATOR_DEFAULTS.task})`);
    expect(h).toContain(`(default ${TRANSLATOR_DEFAULTS.family})`);
    expect(h).toContain(`superres: downscaling factor (default ${TRANSLATOR_DEFAULTS.factor})`);
    expect(h).toContain(`Adam learning rate (default ${TRANSLATOR_FIT_DEFAULTS.lr})`);
    expect(h).toContain(`pairs per step (default ${TRANSLATOR_FIT_DEFAULTS.batchSize})`);
    expect(h).toContain(`U-Net base feature maps (default ${TRANSLATOR_DEFAULTS.features})`);
    expect(h).toContain(`gan: weight of L1 against the adversarial loss (default ${TRANSLATOR_DEFAULTS.l1Weight})`);
    expect(h).toContain(`(default ${CLI_DEFAULTS.translateTestImages})`);
    expect(t).toContain('--mask <path>');
    expect(t).toContain('vae: outputs per input (default 1)');
  });

  it('compare and restore', async () => {
    const [c, r] = await Promise.all([help('compare'), help('restore')]);
    expect(c).toContain(`(default ${COMPARE_DEFAULTS.seconds})`);
    expect(c).toContain(`(default ${COMPARE_DEFAULTS.models.join(',')})`);
    expect(c).toContain(`samples for the final metrics (default ${COMPARE_DEFAULTS.samples})`);
    expect(c).toContain(`test images reconstructed, compressed and restored (default ${COMPARE_DEFAULTS.usesImages})`);
    expect(c).toContain('--seeds <list>');
    expect(c).toContain(`--task superres: downscaling factor (default ${TRANSLATOR_DEFAULTS.factor})`);
    expect(r).toContain(`images (default ${CLI_DEFAULTS.restoreCount})`);
  });
});
