/** `gentorch sample CHECKPOINT --n N --out FILE.png|FILE.npy`. */
import { existsSync } from 'node:fs';
import { GentorchError } from './errors.js';
import { writeGridPng } from './images.js';
import { writeNpy } from './npy.js';
import { checkDeviceSpec, checkPositiveInt, checkSeed } from './config.js';
import { VAE } from './vae.js';

export interface SampleFlags {
  n: number;
  out: string;
  seed?: number;
  device: string;
  force?: boolean;
}

export async function sampleCommand(checkpoint: string, flags: SampleFlags): Promise<void> {
  checkPositiveInt(flags.n, 'n');
  checkDeviceSpec(flags.device);
  if (flags.seed !== undefined) checkSeed(flags.seed);
  const png = flags.out.toLowerCase().endsWith('.png');
  if (!png && !flags.out.toLowerCase().endsWith('.npy')) {
    throw new GentorchError('E_CONFIG', `Expected FILE.png or FILE.npy for --out but received "${flags.out}"`);
  }
  if (existsSync(flags.out) && !flags.force) {
    throw new GentorchError('E_IO', `Refusing to overwrite ${flags.out}; pass --force to replace it`);
  }
  using vae = await VAE.load(checkpoint, { device: flags.device });
  const samples = await vae.sample(flags.n, { seed: flags.seed });
  if (png) await writeGridPng(flags.out, samples);
  else await writeNpy(flags.out, samples);
  process.stdout.write(`gentorch: wrote ${flags.n} samples to ${flags.out}\n`);
}
