/**
 * The gentorch command line: a thin layer over the API. Every failure ends
 * with exit status 1 and one line `gentorch: E_CODE: message` on stderr.
 */
import { Command, CommanderError, Option } from 'commander';
import { GentorchError, isGentorchError } from '../errors.js';
import { decodeCommand, encodeCommand, interpolateCommand, restoreCommand, traverseCommand } from './apply.js';
import { compareCommand, evalCommand } from './compare.js';
import { infoCommand } from './info.js';
import { launchCommand } from './launch.js';
import { sampleCommand } from './sample.js';
import { trainVaeCommand } from './train.js';
import { trainGanCommand } from './train-gan.js';
import { VERSION } from '../version.js';
import { DEFAULT_BUDGET_SECONDS, DEFAULT_MODELS } from '../compare/compare.js';

function int(name: string) {
  return (v: string): number => {
    if (!/^-?\d+$/.test(v.trim()))
      throw new GentorchError('E_CONFIG', `Expected integer for --${name} but received "${v}"`);
    return Number(v);
  };
}

function num(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n))
      throw new GentorchError('E_CONFIG', `Expected number for --${name} but received "${v}"`);
    return n;
  };
}

/** The options every `train` command shares. */
function runOptions(cmd: Command): void {
  cmd
    .option('--seed <n>', 'seed of weights, data order and noise (default 1)', int('seed'))
    .option('--device <device>', 'auto, cpu, cuda or cuda:N (default auto)')
    .option('--config <file>', 'JSON file of options (flags override it)')
    .option('--checkpoint-every <steps>', 'write OUT/model.safetensors every N steps', int('checkpoint-every'))
    .option('--image-size <s>', 'image folders: resize every image to S x S (28, 32 or 64)', int('image-size'))
    .option('--channels <c>', "image folders: 1 (grey) or 3 (RGB); default the first image's", int('channels'))
    .option('--skip-bad', 'image folders: skip files that cannot be decoded (and say how many)')
    .addOption(
      new Option('--on-nan <action>', 'a NaN or infinite step: stop with E_NUMERIC, or skip it (default stop)').choices(
        ['stop', 'skip'],
      ),
    )
    .addOption(
      new Option('--precision <kind>', 'layer arithmetic (default auto: bf16 for conv models on CUDA)').choices([
        'auto',
        'float32',
        'bfloat16',
      ]),
    )
    .addOption(
      new Option(
        '--cuda-graphs <mode>',
        'replay each training step as a CUDA graph (default auto: the MLP models on CUDA)',
      ).choices(['auto', 'on', 'off']),
    )
    .option('--resume', 'continue from OUT/model.safetensors')
    .option('--force', 'replace an existing OUT/model.safetensors')
    .option('--no-progress', 'no progress bar')
    .requiredOption('--out <dir>', 'output folder');
}

function program(): Command {
  const cli = new Command('gentorch')
    .description('Train, compare and apply VAEs and GANs on libtorch')
    .version(VERSION, '-V, --version')
    .option('--debug', 'print stack traces of failures')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ writeErr: () => {}, outputError: () => {} });

  cli
    .command('info')
    .description('libtorch version, devices, threads, BLAS and build flavour')
    .option('--json', 'print JSON')
    .action(infoCommand);

  const train = cli
    .command('train')
    .description('train a model: vae or gan')
    .argument('[kind]')
    .allowUnknownOption()
    .allowExcessArguments()
    .action((kind?: string) => {
      throw new GentorchError(
        'E_CONFIG',
        kind && !kind.startsWith('-')
          ? `Unknown model kind "${kind}" after train; expected vae or gan`
          : 'Expected a model kind after train: vae or gan',
      );
    });
  const vae = train
    .command('vae')
    .description('train a variational autoencoder')
    .option('--data <spec>', 'fashion-mnist, a folder of IDX files, or FILE.npy (default fashion-mnist)')
    .addOption(new Option('--arch <arch>', 'network').choices(['mlp', 'conv']))
    .option('--epochs <n>', 'epochs to train in all (default 10)', int('epochs'))
    .option('--batch-size <n>', 'images per step (default 128)', int('batch-size'))
    .option('--lr <x>', 'Adam learning rate (default 1e-3)', num('lr'))
    .option('--latent-dim <n>', 'dimension of z (default 20)', int('latent-dim'))
    .option('--hidden-dim <n>', 'MLP hidden width (default 400)', int('hidden-dim'))
    .option('--beta <x>', 'weight of the KL term (default 1)', num('beta'))
    .addOption(new Option('--likelihood <kind>', 'p(x|z)').choices(['bernoulli', 'gaussian']))
    .action(trainVaeCommand);
  runOptions(vae);

  const gan = train
    .command('gan')
    .description('train a generative adversarial network')
    .option('--data <spec>', 'fashion-mnist, a folder of IDX files, FILE.npy, ring8 or grid25 (default fashion-mnist)')
    .addOption(new Option('--arch <arch>', "networks (default mlp, the article's)").choices(['mlp', 'dcgan']))
    .addOption(new Option('--loss <loss>', 'objective (default ns)').choices(['minimax', 'ns', 'wgan-gp', 'hinge']))
    .option('--conditional', "condition G and D on the data's labels")
    .option('--n-critic <n>', 'D steps per G step (default 1; 5 for wgan-gp)', int('n-critic'))
    .option('--lr-g <x>', 'Adam learning rate of G (default 2e-4)', num('lr-g'))
    .option('--lr-d <x>', 'Adam learning rate of D (default 2e-4)', num('lr-d'))
    .option('--latent-dim <n>', 'dimension of z (default 100)', int('latent-dim'))
    .option('--steps <n>', 'G steps in all (instead of --epochs)', int('steps'))
    .option('--epochs <n>', 'epochs in all (default 10)', int('epochs'))
    .option('--batch-size <n>', 'images per D step (default 128)', int('batch-size'))
    .option('--label-smoothing <x>', 'one-sided: real target 1 - x (default 0)', num('label-smoothing'))
    .option('--ema <decay>', 'sample from a moving average of G (e.g. 0.999; default off)', num('ema'))
    .option('--clip-grad <x>', 'gradient-norm clip (default off)', num('clip-grad'))
    .option('--gp-lambda <x>', 'WGAN-GP penalty weight (default 10)', num('gp-lambda'))
    .action(trainGanCommand);
  runOptions(gan);

  cli
    .command('compare')
    .description('train models on the same data and budget, measure them, and write report.html')
    .option('--data <spec>', 'labelled data: fashion-mnist, a folder of IDX files, or FILE.npy', 'fashion-mnist')
    .option(
      '--models <list>',
      `comma-separated: vae, conv-vae, gan, mlp-gan, wgan-gp (default ${DEFAULT_MODELS.join(',')})`,
    )
    .option(
      '--budget <seconds>',
      `the same training seconds per model (the default: ${DEFAULT_BUDGET_SECONDS})`,
      num('budget'),
    )
    .option('--epochs <n>', 'the same epochs per model instead', num('epochs'))
    .option('--seed <n>', 'seed of every model (default 1)', int('seed'))
    .option('--device <device>', 'auto, cpu, cuda or cuda:N (default auto)')
    .option('--eval-points <n>', 'quality measurements during training (default 8)', int('eval-points'))
    .option('--samples <n>', 'samples for the final metrics (default 10000)', int('samples'))
    .option('--force', 'replace an earlier comparison in OUT')
    .option('--no-progress', 'no progress bars')
    .requiredOption('--out <dir>', 'output folder')
    .action(compareCommand);
  cli
    .command('eval')
    .description('full metrics of a VAE or GAN checkpoint: FID, precision/recall, coverage; NELBO, IWAE, PSNR for VAEs')
    .argument('<checkpoint>', 'a .safetensors checkpoint')
    .option('--data <spec>', 'the labelled data it models', 'fashion-mnist')
    .option('--samples <n>', 'samples to judge (default 10000)', int('samples'))
    .option('--seed <n>', 'seed of the samples', int('seed'))
    .option('--device <device>', 'auto, cpu, cuda or cuda:N', 'auto')
    .option('--json', 'print JSON')
    .action(evalCommand);
  const applied = (name: string, description: string) =>
    cli
      .command(name)
      .description(description)
      .argument('<checkpoint>', 'a .safetensors checkpoint')
      .option('--device <device>', 'auto, cpu, cuda or cuda:N', 'auto')
      .option('--force', 'replace an existing output file');
  applied('encode', 'compression: latent means of images, written as float32 [N, latentDim] .npy (VAE)')
    .option('--data <spec>', 'fashion-mnist, a folder of IDX files, or FILE.npy', 'fashion-mnist')
    .option('--split <split>', 'test or train (default test)')
    .option('--n <n>', 'the first N images only', int('n'))
    .requiredOption('--out <file>', 'FILE.npy')
    .action(encodeCommand);
  applied('decode', 'images from latent codes: a VAE decodes, a GAN generates')
    .argument('<codes>', 'FILE.npy of latent codes [N, latentDim]')
    .requiredOption('--out <file>', 'FILE.png (a grid) or FILE.npy')
    .action(decodeCommand);
  applied('restore', 'restoration: noisy or centre-masked images reconstructed through a VAE, with PSNRs')
    .option('--data <spec>', 'fashion-mnist, a folder of IDX files, or FILE.npy', 'fashion-mnist')
    .option('--split <split>', 'test or train (default test)')
    .option('--n <n>', 'images (default 16)', int('n'))
    .option('--noise <std>', 'Gaussian noise std (default 0.3 unless --mask)', num('noise'))
    .option('--mask <share>', 'share of pixels blanked, a centred square', num('mask'))
    .option('--seed <n>', 'seed of the noise', int('seed'))
    .requiredOption('--out <file>', 'FILE.png (rows: clean, corrupted, restored) or FILE.npy (restored)')
    .action(restoreCommand);
  applied('interpolate', 'images along lines in latent space: between test images (VAE) or random codes (GAN)')
    .option('--data <spec>', 'VAE: the images whose codes are the ends', 'fashion-mnist')
    .option('--rows <n>', 'lines (default 4)', int('rows'))
    .option('--steps <n>', 'images per line (default 10)', int('steps'))
    .option('--seed <n>', 'GAN: seed of the end codes', int('seed'))
    .requiredOption('--out <file>', 'FILE.png or FILE.npy')
    .action(interpolateCommand);
  applied('traverse', 'latent traversal: each row sweeps one latent coordinate over [-3, 3]')
    .option('--data <spec>', 'VAE: rank dimensions by how much these images use them')
    .option('--dims <n>', 'dimensions, one row each (default 8)', int('dims'))
    .option('--steps <n>', 'images per row (default 10)', int('steps'))
    .option('--seed <n>', 'GAN: seed of the starting code', int('seed'))
    .requiredOption('--out <file>', 'FILE.png or FILE.npy')
    .action(traverseCommand);
  cli
    .command('launch')
    .description("start this node's workers of a data-parallel job, as torchrun does: launch --nproc N -- train ...")
    .argument('<command...>', 'the gentorch command each worker runs, after --')
    .requiredOption('--nproc <n>', 'workers on this node', int('nproc'))
    .option('--nnodes <n>', 'nodes in the job (default 1)', int('nnodes'))
    .option('--node-rank <n>', "this node's rank (default 0)", int('node-rank'))
    .option('--master-addr <host>', "rank 0's host (default 127.0.0.1)")
    .option('--master-port <port>', "rank 0's port (default 29500)", int('master-port'))
    .option('--timeout <seconds>', 'how long a worker waits for a missing or slow peer (default 300)', num('timeout'))
    .action(launchCommand);
  cli
    .command('sample')
    .description('draw samples from a VAE or GAN checkpoint')
    .argument('<checkpoint>', 'a .safetensors checkpoint')
    .option('--n <n>', 'number of samples', int('n'), 64)
    .requiredOption(
      '--out <file>',
      'FILE.png (a grid), FILE.npy (float32 [N, C, H, W] in [0, 1]) or DIR/ (one PNG per sample)',
    )
    .option('--seed <n>', 'seed of the latent draws', int('seed'))
    .option(
      '--label <k>',
      "class of every sample (conditional GANs): its index, or its name for an image folder's classes",
    )
    .option('--device <device>', 'auto, cpu, cuda or cuda:N', 'auto')
    .option('--force', 'replace an existing output file')
    .action(sampleCommand);
  return cli;
}

/** Maps commander's own usage errors to E_CONFIG. */
function fromCommander(err: CommanderError): GentorchError | null {
  if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return null;
  if (err.code === 'commander.help') return new GentorchError('E_CONFIG', 'Expected a command; see gentorch --help');
  // One line: commander appends its "(Did you mean ...?)" on a line of its own.
  const msg = err.message.replace(/^error: /, '').replace(/\s*\n+\s*/g, ' ');
  return new GentorchError('E_CONFIG', msg);
}

/** Runs the CLI; resolves with the exit status. */
export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    await program().parseAsync(argv);
    return 0;
  } catch (err) {
    let e: unknown = err;
    if (err instanceof CommanderError) {
      const mapped = fromCommander(err);
      if (mapped === null) return 0;
      e = mapped;
    }
    const ge = isGentorchError(e) ? e : new GentorchError('E_INTERNAL', (e as Error)?.message ?? String(e));
    process.stderr.write(`gentorch: ${ge.code}: ${ge.message}\n`);
    if (debug && (e as Error)?.stack) process.stderr.write(`${(e as Error).stack}\n`);
    return 1;
  }
}
