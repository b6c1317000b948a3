/** `gentorch explore CHECKPOINT --out explorer.html [--data SPEC] [--split test|train] [--n N] [--seed N]`. */
import { basename } from 'node:path';
import { CLI_DEFAULTS } from '../config/run.js';
import { checkDeviceSpec, checkPositiveInt, checkSeed } from '../config/validate.js';
import { EXPLORE_DEFAULTS, writeExplorer } from '../compare/explore.js';
import { loadDataSpec } from '../data/datasets.js';
import { GentorchError, invalid } from '../errors.js';
import { VAE } from '../models/vae.js';
import { loadGenerative as load } from '../models/load.js';

export interface ExploreFlags {
  out: string;
  data?: string;
  split?: string;
  n?: number;
  seed?: number;
  device: string;
  force?: boolean;
}

export async function exploreCommand(checkpoint: string, flags: ExploreFlags): Promise<void> {
  if (!flags.out.toLowerCase().endsWith('.html'))
    throw new GentorchError('E_CONFIG', `Expected FILE.html for --out but received "${flags.out}"`);
  checkDeviceSpec(flags.device);
  if (flags.seed !== undefined) checkSeed(flags.seed);
  if (flags.n !== undefined) checkPositiveInt(flags.n, 'n');
  const split = flags.split ?? CLI_DEFAULTS.split;
  if (split !== 'test' && split !== 'train') throw invalid('test or train', '--split', split);
  using model = await load(checkpoint, { device: flags.device });
  const vae = model instanceof VAE;
  if (!vae && flags.data !== undefined)
    throw new GentorchError('E_CONFIG', `--data is for a VAE's map; ${checkpoint} holds a GAN, which has no encoder`);
  const data = vae ? (await loadDataSpec(flags.data ?? CLI_DEFAULTS.data))[split] : undefined;
  const points = flags.n ?? (vae ? EXPLORE_DEFAULTS.vaePoints : EXPLORE_DEFAULTS.ganPoints);
  const { bytes } = await writeExplorer(model, flags.out, {
    data,
    points,
    seed: flags.seed,
    title: basename(checkpoint),
    overwrite: !!flags.force,
  });
  const what = data ? `${Math.min(points, data.images.shape[0])} ${data.name} images encoded` : `${points} prior draws`;
  process.stdout.write(
    `gentorch: wrote ${flags.out} (${(bytes / 1e6).toFixed(1)} MB, self-contained; ${what}): open it in a browser\n`,
  );
}
