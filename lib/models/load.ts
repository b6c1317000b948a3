/**
 * load(): any gentorch checkpoint, a VAE or a GAN, rebuilt from the metadata
 * it carries, so the caller names nothing but the file.
 */
import { readCheckpoint } from './checkpoint.js';
import { graft } from '../errors.js';
import { GAN } from './gan.js';
import { VAE } from './vae.js';

/** Loads any gentorch checkpoint, a VAE or a GAN, rebuilt from its metadata. */
export async function load(path: string, options: { device?: string } = {}): Promise<VAE | GAN> {
  const callSite = new Error();
  try {
    const ckpt = await readCheckpoint(path);
    return ckpt.model === 'gan'
      ? await GAN.fromCheckpoint(path, ckpt, options)
      : await VAE.fromCheckpoint(path, ckpt, options);
  } catch (err) {
    throw graft(err, callSite);
  }
}
