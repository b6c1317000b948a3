/**
 * load(): any gentorch checkpoint, a VAE, a GAN, a Translator, a TextVAE or a TextGAN, rebuilt
 * from the metadata it carries, so the caller names nothing but the file.
 */
import { readCheckpoint, type Checkpoint } from './checkpoint.js';
import { GentorchError, graft } from '../errors.js';
import { GAN } from './gan.js';
import { TextGAN } from './text-gan.js';
import { TextVAE } from './text-vae.js';
import { Translator } from './translator.js';
import { VAE } from './vae.js';

function generative(path: string, ckpt: Checkpoint, options: { device?: string }): Promise<VAE | GAN> {
  return ckpt.model === 'gan' ? GAN.fromCheckpoint(path, ckpt, options) : VAE.fromCheckpoint(path, ckpt, options);
}

/** Loads any gentorch checkpoint, a VAE, a GAN, a Translator, a TextVAE or a TextGAN, rebuilt from its metadata. */
export async function load(
  path: string,
  options: { device?: string } = {},
): Promise<VAE | GAN | Translator | TextVAE | TextGAN> {
  const callSite = new Error();
  try {
    const ckpt = await readCheckpoint(path);
    if (ckpt.model === 'translator') return await Translator.fromCheckpoint(path, ckpt, options);
    if (ckpt.model === 'textvae') return await TextVAE.fromCheckpoint(path, ckpt, options);
    if (ckpt.model === 'textgan') return await TextGAN.fromCheckpoint(path, ckpt, options);
    return await generative(path, ckpt, options);
  } catch (err) {
    throw graft(err, callSite);
  }
}

/**
 * Loads a generative model, a VAE or a GAN (what sample, restore and
 * evaluate take); a translator's checkpoint is E_CHECKPOINT saying what it holds.
 */
export async function loadGenerative(path: string, options: { device?: string } = {}): Promise<VAE | GAN> {
  const callSite = new Error();
  try {
    return await imageGenerative(path, await readCheckpoint(path), options);
  } catch (err) {
    throw graft(err, callSite);
  }
}

/** A parsed checkpoint as an image VAE or GAN, or E_CHECKPOINT saying what else it holds. */
function imageGenerative(path: string, ckpt: Checkpoint, options: { device?: string }): Promise<VAE | GAN> {
  if (ckpt.model === 'translator')
    throw new GentorchError(
      'E_CHECKPOINT',
      `${path}: holds a translator (image to image), not a VAE or a GAN; apply it with Translator.apply()`,
    );
  if (ckpt.model === 'textvae')
    throw new GentorchError(
      'E_CHECKPOINT',
      `${path}: holds a text VAE, not an image VAE or a GAN; load it with TextVAE.load() or load()`,
    );
  if (ckpt.model === 'textgan')
    throw new GentorchError(
      'E_CHECKPOINT',
      `${path}: holds a text GAN, not an image VAE or a GAN; load it with TextGAN.load() or load()`,
    );
  return generative(path, ckpt, options);
}

/**
 * Loads a model that samples, an image VAE or GAN or a text model (what
 * `gentorch sample` and `gentorch eval` take); a translator's checkpoint is
 * E_CHECKPOINT saying what it holds.
 */
export async function loadSampler(
  path: string,
  options: { device?: string } = {},
): Promise<VAE | GAN | TextVAE | TextGAN> {
  const callSite = new Error();
  try {
    const ckpt = await readCheckpoint(path);
    if (ckpt.model === 'textvae') return await TextVAE.fromCheckpoint(path, ckpt, options);
    if (ckpt.model === 'textgan') return await TextGAN.fromCheckpoint(path, ckpt, options);
    return await imageGenerative(path, ckpt, options);
  } catch (err) {
    throw graft(err, callSite);
  }
}
