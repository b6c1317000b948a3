/**
 * A VAE's configuration with its defaults in exactly one place, mirrored 1:1
 * from the C++ option structs (native/models/vae.h VaeNetOptions,
 * native/train/vae_trainer.h VaeConfig). Validation turns every bad value
 * into an E_CONFIG naming it; unknown keys get a did-you-mean.
 */
import { GentorchError, invalid } from '../errors.js';
import { checkNonNegativeNumber, checkOneOf, checkPositiveInt, rejectUnknownKeys, stripUndefined } from './validate.js';

/** A VAE's architecture and loss. */
export interface VaeConfig {
  /** 'mlp' (pytorch/examples' VAE: fc1, fc21, fc22, fc3, fc4) or 'conv'. */
  arch: 'mlp' | 'conv';
  /** Image channels, height and width the model takes. */
  channels: number;
  height: number;
  width: number;
  /** Hidden layer width of the MLP. */
  hiddenDim: number;
  /** Dimension of the latent code z. */
  latentDim: number;
  /** 'bernoulli' (summed BCE) or 'gaussian' (summed squared error). */
  likelihood: 'bernoulli' | 'gaussian';
  /** Weight of the KL term; 1 is the ELBO, above 1 a beta-VAE. */
  beta: number;
  /** Decoder mean: 'sigmoid' (images in [0, 1]) or 'linear' (any real data, e.g. 2-D points; Gaussian only). */
  output: 'sigmoid' | 'linear';
}

export const VAE_DEFAULTS: Readonly<VaeConfig> = Object.freeze({
  arch: 'mlp',
  channels: 1,
  height: 28,
  width: 28,
  hiddenDim: 400,
  latentDim: 20,
  likelihood: 'bernoulli',
  beta: 1,
  output: 'sigmoid',
});

/** Fills and validates a VaeConfig from a partial one. */
export function resolveVaeConfig(partial: Partial<VaeConfig> = {}): VaeConfig {
  if (partial === null || typeof partial !== 'object') throw invalid('an object', 'VAE config', partial);
  rejectUnknownKeys(partial, Object.keys(VAE_DEFAULTS), 'VAE');
  const c = { ...VAE_DEFAULTS, ...stripUndefined(partial) } as VaeConfig;
  checkOneOf(c.arch, ['mlp', 'conv'], 'arch');
  checkPositiveInt(c.channels, 'channels');
  checkPositiveInt(c.height, 'height');
  checkPositiveInt(c.width, 'width');
  checkPositiveInt(c.hiddenDim, 'hiddenDim');
  checkPositiveInt(c.latentDim, 'latentDim');
  checkOneOf(c.likelihood, ['bernoulli', 'gaussian'], 'likelihood');
  checkNonNegativeNumber(c.beta, 'beta');
  checkOneOf(c.output, ['sigmoid', 'linear'], 'output');
  if (c.output === 'linear' && c.likelihood !== 'gaussian') {
    throw new GentorchError(
      'E_CONFIG',
      'Expected likelihood gaussian for output linear (a Bernoulli mean lies in [0, 1])',
    );
  }
  if (c.arch === 'conv' && (c.height % 4 !== 0 || c.width % 4 !== 0)) {
    throw new GentorchError(
      'E_CONFIG',
      `Expected height and width divisible by 4 for arch conv but received ${c.height}x${c.width}`,
    );
  }
  return c;
}
