/**
 * The gentorch command line: a thin layer over the API. Every failure ends
 * with exit status 1 and one line `gentorch: E_CODE: message` on stderr.
 */
import { Command, CommanderError, Option } from 'commander';
import { GentorchError, isGentorchError } from '../errors.js';
import { decodeCommand, encodeCommand, interpolateCommand, traverseCommand } from './apply.js';
import { restoreCommand } from './restore.js';
import { compareCommand, evalCommand } from './compare.js';
import { exportCommand } from './export.js';
import { exploreCommand } from './explore.js';
import { EXPLORE_DEFAULTS } from '../compare/explore.js';
import { ONNX_PART_NAMES } from '../io/onnx.js';
import { infoCommand } from './info.js';
import { launchCommand } from './launch.js';
import { sampleCommand } from './sample.js';
import { trainVaeCommand } from './train.js';
import { trainTextGanCommand, trainTextVaeCommand } from './train-text.js';
import { TEXT_VAE_DEFAULTS } from '../config/text-vae.js';
import { SAMPLE_COLUMNS, trainGanCommand } from './train-gan.js';
import { trainTranslateCommand, translateCommand } from './translate.js';
import { VERSION } from '../version.js';
import { CLI_DEFAULTS, COMPARE_DEFAULTS, defaultText as dflt } from '../config/run.js';
import { FIT_DEFAULTS } from '../config/fit.js';
import { VAE_DEFAULTS } from '../config/vae.js';
import { GAN_DEFAULTS, GAN_FIT_DEFAULTS } from '../config/gan.js';
import { DISTRIBUTED_DEFAULTS } from '../models/distributed.js';
import { SEARCH_DEFAULTS } from '../config/search.js';
import {
  TRANSLATOR_DEFAULTS,
  TRANSLATOR_FAMILIES,
  TRANSLATOR_FIT_DEFAULTS,
  TRANSLATOR_TASKS,
} from '../config/translate.js';

function int(name: string) {
  return (v: string): number => {
    if (!/^-?\d+$/.test(v.trim()))
      throw new GentorchError('E_CONFIG', `Expected integer for --${name} but received "${v}"`);
    return Number(v);
  };
}

/** A comma-separated list of integers, e.g. --seeds 1,2,3. */
function ints(name: string) {
  return (v: string): number[] =>
    v.split(',').map((part) => {
      if (!/^-?\d+$/.test(part.trim()))
        throw new GentorchError('E_CONFIG', `Expected comma-separated integers for --${name} but received "${v}"`);
      return Number(part);
    });
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
    .option('--seed <n>', `seed of weights, data order and noise${dflt(CLI_DEFAULTS.seed)}`, int('seed'))
    .option('--device <device>', `auto, cpu, cuda or cuda:N${dflt(CLI_DEFAULTS.device)}`)
    .option('--config <file>', 'JSON file of options (flags override it)')
    .option('--checkpoint-every <steps>', 'write OUT/model.safetensors every N steps', int('checkpoint-every'))
    .option('--image-size <s>', 'image folders: resize every image to S x S (28, 32 or 64)', int('image-size'))
    .option('--channels <c>', "image folders: 1 (grey) or 3 (RGB); default the first image's", int('channels'))
    .option('--skip-bad', 'image folders: skip files that cannot be decoded (and say how many)')
    .option('--validation', "measure the data's test split after every epoch (metrics.jsonl, curves.svg)")
    .addOption(
      new Option(
        '--on-nan <action>',
        `a NaN or infinite step: stop with E_NUMERIC, or skip it${dflt(FIT_DEFAULTS.onNan)}`,
      ).choices(['stop', 'skip']),
    )
    .addOption(
      new Option(
        '--precision <kind>',
        `layer arithmetic${dflt(`${FIT_DEFAULTS.precision}: bf16 for conv models on CUDA`)}`,
      ).choices(['auto', 'float32', 'bfloat16']),
    )
    .addOption(
      new Option(
        '--cuda-graphs <mode>',
        `replay each training step as a CUDA graph${dflt(`${FIT_DEFAULTS.cudaGraphs}: the MLP models on CUDA`)}`,
      ).choices(['auto', 'on', 'off']),
    )
    .option('--resume', 'continue from OUT/model.safetensors')
    .option('--force', 'replace an existing OUT/model.safetensors')
    .option('--no-progress', 'no progress bar')
    .requiredOption('--out <dir>', 'output folder');
}

/** `train vae` and `train gan`, and `train` alone as a usage error. */
function trainCommands(cli: Command): void {
  const train = cli
    .command('train')
    .description('train a model: vae, gan, translate, textvae or textgan')
    .argument('[kind]')
    .allowUnknownOption()
    .allowExcessArguments()
    .action((kind?: string) => {
      throw new GentorchError(
        'E_CONFIG',
        kind && !kind.startsWith('-')
          ? `Unknown model kind "${kind}" after train; expected vae, gan, translate, textvae or textgan`
          : 'Expected a model kind after train: vae, gan, translate, textvae or textgan',
      );
    });
  const vae = train
    .command('vae')
    .description('train a variational autoencoder')
    .option('--data <spec>', `fashion-mnist, a folder of IDX files, or FILE.npy${dflt(CLI_DEFAULTS.data)}`)
    .addOption(new Option('--arch <arch>', `network${dflt(VAE_DEFAULTS.arch)}`).choices(['mlp', 'conv']))
    .option('--epochs <n>', `epochs to train in all${dflt(FIT_DEFAULTS.epochs)}`, int('epochs'))
    .option('--batch-size <n>', `images per step${dflt(FIT_DEFAULTS.batchSize)}`, int('batch-size'))
    .option('--lr <x>', `Adam learning rate${dflt(FIT_DEFAULTS.lr)}`, num('lr'))
    .option('--latent-dim <n>', `dimension of z${dflt(VAE_DEFAULTS.latentDim)}`, int('latent-dim'))
    .option('--hidden-dim <n>', `MLP hidden width${dflt(VAE_DEFAULTS.hiddenDim)}`, int('hidden-dim'))
    .option('--beta <x>', `weight of the KL term${dflt(VAE_DEFAULTS.beta)}`, num('beta'))
    .addOption(
      new Option('--likelihood <kind>', `p(x|z)${dflt(VAE_DEFAULTS.likelihood)}`).choices(['bernoulli', 'gaussian']),
    )
    .action(trainVaeCommand);
  runOptions(vae);

  const gan = train
    .command('gan')
    .description('train a generative adversarial network')
    .option(
      '--data <spec>',
      `fashion-mnist, a folder of IDX files, FILE.npy, ring8 or grid25${dflt(CLI_DEFAULTS.data)}`,
    )
    .addOption(
      new Option('--arch <arch>', `networks${dflt(`${GAN_DEFAULTS.arch}, the article's`)}`).choices(['mlp', 'dcgan']),
    )
    .addOption(
      new Option('--loss <loss>', `objective${dflt(GAN_DEFAULTS.loss)}`).choices(['minimax', 'ns', 'wgan-gp', 'hinge']),
    )
    .option('--conditional', "condition G and D on the data's labels")
    .option('--n-critic <n>', 'D steps per G step (default 1; 5 for wgan-gp)', int('n-critic'))
    .option('--lr-g <x>', `Adam learning rate of G${dflt(GAN_FIT_DEFAULTS.lrG)}`, num('lr-g'))
    .option('--lr-d <x>', `Adam learning rate of D${dflt(GAN_FIT_DEFAULTS.lrD)}`, num('lr-d'))
    .option('--latent-dim <n>', `dimension of z${dflt(GAN_DEFAULTS.latentDim)}`, int('latent-dim'))
    .option('--steps <n>', 'G steps in all (instead of --epochs)', int('steps'))
    .option('--epochs <n>', `epochs in all${dflt(GAN_FIT_DEFAULTS.epochs)}`, int('epochs'))
    .option('--batch-size <n>', `images per D step${dflt(GAN_FIT_DEFAULTS.batchSize)}`, int('batch-size'))
    .option(
      '--label-smoothing <x>',
      `one-sided: real target 1 - x${dflt(GAN_DEFAULTS.labelSmoothing)}`,
      num('label-smoothing'),
    )
    .option(
      '--sample-every <n>',
      `also OUT/samples-over-time.png: every N G steps, G draws the same ${SAMPLE_COLUMNS} codes (one row per snapshot; one class per column for --conditional)`,
      int('sample-every'),
    )
    .option('--ema <decay>', 'sample from a moving average of G (e.g. 0.999; default off)', num('ema'))
    .option('--clip-grad <x>', 'gradient-norm clip (default off)', num('clip-grad'))
    .option('--gp-lambda <x>', `WGAN-GP penalty weight${dflt(GAN_DEFAULTS.gpLambda)}`, num('gp-lambda'))
    .action(trainGanCommand);
  runOptions(gan);

  const translate = train
    .command('translate')
    .description('train an image-to-image model (U-Net) on a paired task made from the data: regressor, gan or vae')
    .addOption(
      new Option('--task <task>', `the paired task${dflt(TRANSLATOR_DEFAULTS.task)}`).choices([...TRANSLATOR_TASKS]),
    )
    .addOption(
      new Option(
        '--family <family>',
        `L1 regressor, pix2pix GAN or conditional VAE${dflt(TRANSLATOR_DEFAULTS.family)}`,
      ).choices([...TRANSLATOR_FAMILIES]),
    )
    .option(
      '--data <spec>',
      `the targets: fashion-mnist, a folder of IDX files or images, or FILE.npy${dflt(CLI_DEFAULTS.data)}`,
    )
    .option('--inputs <path>', '--task pairs: your inputs, one per --data image, as FILE.npy or a folder of images')
    .option('--factor <n>', `superres: downscaling factor${dflt(TRANSLATOR_DEFAULTS.factor)}`, int('factor'))
    .option(
      '--noise-std <s>',
      `denoise: noise std in [0, 1] units${dflt(TRANSLATOR_DEFAULTS.noiseStd)}`,
      num('noise-std'),
    )
    .option('--steps <n>', 'training steps in all (instead of --epochs)', int('steps'))
    .option('--epochs <n>', `epochs in all${dflt(TRANSLATOR_FIT_DEFAULTS.epochs)}`, int('epochs'))
    .option('--batch-size <n>', `pairs per step${dflt(TRANSLATOR_FIT_DEFAULTS.batchSize)}`, int('batch-size'))
    .option('--lr <x>', `Adam learning rate${dflt(TRANSLATOR_FIT_DEFAULTS.lr)}`, num('lr'))
    .option('--features <n>', `U-Net base feature maps${dflt(TRANSLATOR_DEFAULTS.features)}`, int('features'))
    .option('--depth <n>', `U-Net levels${dflt(TRANSLATOR_DEFAULTS.depth)}`, int('depth'))
    .option(
      '--l1-weight <x>',
      `gan: weight of L1 against the adversarial loss${dflt(TRANSLATOR_DEFAULTS.l1Weight)}`,
      num('l1-weight'),
    )
    .addOption(
      new Option('--gan-loss <loss>', `gan: adversarial loss${dflt(TRANSLATOR_DEFAULTS.ganLoss)}`).choices([
        'ns',
        'minimax',
        'hinge',
      ]),
    )
    .option('--latent-dim <n>', `vae: dimension of the code${dflt(TRANSLATOR_DEFAULTS.latentDim)}`, int('latent-dim'))
    .option('--beta <x>', `vae: weight of the KL term${dflt(TRANSLATOR_DEFAULTS.beta)}`, num('beta'))
    .option(
      '--test-images <n>',
      `held-out images measured at the end${dflt(CLI_DEFAULTS.translateTestImages)}`,
      int('test-images'),
    )
    .action(trainTranslateCommand);
  runOptions(translate);

  const textOptions = (cmd: Command) =>
    cmd
      .option('--data <spec>', "words (Debian's word list) or FILE.txt, one item per line (default words)")
      .option('--steps <n>', 'training steps in all (instead of --epochs)', int('steps'))
      .option('--epochs <n>', `epochs in all${dflt(FIT_DEFAULTS.epochs)}`, int('epochs'))
      .option('--batch-size <n>', 'strings per step', int('batch-size'))
      .option('--lr <x>', 'Adam learning rate', num('lr'))
      .option('--latent-dim <n>', 'dimension of z', int('latent-dim'))
      .option('--hidden-dim <n>', 'width of the networks', int('hidden-dim'))
      .option('--samples <n>', 'strings written to OUT/samples.txt and measured (default 1000)', int('samples'));
  const textvae = textOptions(
    train.command('textvae').description('train a sequence VAE on text (GRU encoder and autoregressive decoder)'),
  )
    .option('--beta <x>', `weight of the KL term${dflt(TEXT_VAE_DEFAULTS.beta)}`, num('beta'))
    .option(
      '--kl-warmup-steps <n>',
      `steps over which the KL weight rises from 0${dflt(TEXT_VAE_DEFAULTS.klWarmupSteps)}`,
      int('kl-warmup-steps'),
    )
    .option(
      '--char-dropout <x>',
      `share of decoder inputs replaced by UNK${dflt(TEXT_VAE_DEFAULTS.charDropout)}`,
      num('char-dropout'),
    )
    .option(
      '--ngram-order <n>',
      `longest context of the decoder's hashed n-gram features, 0 for none${dflt(TEXT_VAE_DEFAULTS.ngramOrder)}`,
      int('ngram-order'),
    )
    .action(trainTextVaeCommand);
  runOptions(textvae);
  const textgan = textOptions(
    train.command('textgan').description('train a text GAN (WGAN-GP over softmax outputs, 1-D convolutions)'),
  )
    .option('--n-critic <n>', 'critic steps per generator step', int('n-critic'))
    .action(trainTextGanCommand);
  runOptions(textgan);
}

/** `compare`, and `eval` of one checkpoint. */
function compareCommands(cli: Command): void {
  cli
    .command('compare')
    .description('train models on the same data and budget, measure them, and write report.html')
    .option(
      '--data <spec>',
      'labelled data: fashion-mnist, a folder of IDX files, or FILE.npy; or text: words or FILE.txt',
      CLI_DEFAULTS.data,
    )
    .option(
      '--models <list>',
      `comma-separated: vae, conv-vae, gan, mlp-gan, wgan-gp${dflt(COMPARE_DEFAULTS.models)}; text: textvae, textgan (default both)`,
    )
    .option(
      '--budget <seconds>',
      `the same training seconds per model, the default budget${dflt(COMPARE_DEFAULTS.seconds)}`,
      num('budget'),
    )
    .option('--epochs <n>', 'the same epochs per model instead', num('epochs'))
    .option('--seed <n>', `seed of every model${dflt(COMPARE_DEFAULTS.seed)}`, int('seed'))
    .option(
      '--seeds <list>',
      'repeat each model under these seeds, e.g. 1,2,3, and report the spread (instead of --seed)',
      ints('seeds'),
    )
    .option('--device <device>', `auto, cpu, cuda or cuda:N${dflt(COMPARE_DEFAULTS.device)}`)
    .option(
      '--eval-points <n>',
      `quality measurements during training${dflt(COMPARE_DEFAULTS.evalPoints)}`,
      int('eval-points'),
    )
    .option('--samples <n>', `samples for the final metrics${dflt(COMPARE_DEFAULTS.samples)}`, int('samples'))
    .option(
      '--uses-images <n>',
      `test images reconstructed, compressed and restored${dflt(COMPARE_DEFAULTS.usesImages)}`,
      int('uses-images'),
    )
    .addOption(
      new Option('--task <task>', 'image to image instead: train regressor, gan and vae on this paired task').choices(
        TRANSLATOR_TASKS.filter((t) => t !== 'pairs'),
      ),
    )
    .option('--families <list>', `--task: comma-separated families${dflt(TRANSLATOR_FAMILIES.join(','))}`)
    .option('--factor <n>', `--task superres: downscaling factor${dflt(TRANSLATOR_DEFAULTS.factor)}`, int('factor'))
    .option('--noise-std <s>', `--task denoise: noise std${dflt(TRANSLATOR_DEFAULTS.noiseStd)}`, num('noise-std'))
    .option('--test-images <n>', '--task: held-out inputs measured (default every test image)', int('test-images'))
    .option('--force', 'replace an earlier comparison in OUT')
    .option('--no-progress', 'no progress bars')
    .requiredOption('--out <dir>', 'output folder')
    .action(compareCommand);
  cli
    .command('eval')
    .description(
      'full metrics of a checkpoint: FID, KID, precision/recall, coverage, reconstruction, compression, restoration (NELBO, IWAE for VAEs); text: bits per character, validity, novelty, diversity, n-gram JSD',
    )
    .argument('<checkpoint>', 'a .safetensors checkpoint')
    .option('--data <spec>', `the data it models${dflt(`${CLI_DEFAULTS.data}; words for a text model`)}`)
    .option('--samples <n>', `samples to judge${dflt(COMPARE_DEFAULTS.samples)}`, int('samples'))
    .option('--seed <n>', 'seed of the samples, the damage and the latent search', int('seed'))
    .option(
      '--uses-images <n>',
      `test images reconstructed, compressed and restored${dflt(COMPARE_DEFAULTS.usesImages)}`,
      int('uses-images'),
    )
    .option('--device <device>', 'auto, cpu, cuda or cuda:N', CLI_DEFAULTS.device)
    .option('--json', 'print JSON')
    .option('--no-progress', 'no progress bars or status lines')
    .action(evalCommand);
}

/** The uses of a trained model: encode, decode, restore, interpolate, traverse. */
function applyCommands(cli: Command): void {
  const applied = (name: string, description: string) =>
    cli
      .command(name)
      .description(description)
      .argument('<checkpoint>', 'a .safetensors checkpoint')
      .option('--device <device>', 'auto, cpu, cuda or cuda:N', CLI_DEFAULTS.device)
      .option('--force', 'replace an existing output file');
  applied('encode', "latent codes of images as float32 [N, latentDim] .npy: a VAE's means, a GAN's inversion")
    .option('--data <spec>', 'fashion-mnist, a folder of IDX files, or FILE.npy', CLI_DEFAULTS.data)
    .option('--split <split>', `test or train${dflt(CLI_DEFAULTS.split)}`)
    .option('--n <n>', 'the first N images only', int('n'))
    .requiredOption('--out <file>', 'FILE.npy')
    .option('--plot <file>', 'also FILE.svg: the codes on a plane (top two principal components), coloured by class')
    .option('--no-progress', "no progress bar or status lines (a GAN's inversion)")
    .action(encodeCommand);
  applied('decode', 'images from latent codes: a VAE decodes, a GAN generates')
    .argument('<codes>', 'FILE.npy of latent codes [N, latentDim]')
    .requiredOption('--out <file>', 'FILE.png (a grid) or FILE.npy')
    .action(decodeCommand);
  applied('restore', 'restoration by latent search (VAE or GAN): your damaged images, or --demo on test images')
    .option('--input <path>', 'the damaged images: FILE.npy or a folder of PNG/JPEG files')
    .option(
      '--mask <path>',
      'known pixels (1/white) and missing ones (0/black): FILE.npy, one PNG for all, or a folder of PNGs named as the inputs',
    )
    .option(
      '--noise-std <s>',
      'std of the noise on the known pixels, in [0, 1] units (default 0: exact)',
      num('noise-std'),
    )
    .option('--steps <n>', `search steps${dflt(SEARCH_DEFAULTS.steps)}`, int('steps'))
    .option('--starts <n>', `starts per image${dflt(SEARCH_DEFAULTS.starts)}`, int('starts'))
    .option('--seed <n>', "seed of the random starts (and of --demo's damage)", int('seed'))
    .option('--demo', 'damage test images here (noise, or --holes), restore them and print PSNRs')
    .option('--holes', '--demo: random rectangular holes instead of noise')
    .option('--data <spec>', '--demo: fashion-mnist, a folder of IDX files, or FILE.npy', CLI_DEFAULTS.data)
    .option('--split <split>', `--demo: test or train${dflt(CLI_DEFAULTS.split)}`)
    .option('--n <n>', `--demo: images${dflt(CLI_DEFAULTS.restoreCount)}`, int('n'))
    .requiredOption('--out <path>', 'DIR/ (one PNG per input file), FILE.npy (restored) or FILE.png (a grid)')
    .option('--no-progress', 'no progress bar or status lines')
    .action(restoreCommand);
  applied(
    'translate',
    'apply an image-to-image checkpoint to your inputs: low-resolution, damaged, noisy, edge or grey images',
  )
    .requiredOption(
      '--input <path>',
      "your inputs, as the model's task takes them: FILE.npy or a folder of PNG/JPEG files",
    )
    .option(
      '--mask <path>',
      'inpainting: known pixels (1/white) and missing ones (0/black): FILE.npy, one PNG for all, or a folder of PNGs named as the inputs',
    )
    .option('--samples <n>', 'vae: outputs per input (default 1)', int('samples'))
    .option('--seed <n>', "vae: seed of the codes (default the model's)", int('seed'))
    .requiredOption(
      '--out <path>',
      'DIR/ (one PNG per input file), FILE.npy or FILE.png (a grid: inputs, then outputs)',
    )
    .action(translateCommand);
  applied('interpolate', 'images along lines in latent space: between test images (VAE) or random codes (GAN)')
    .option('--data <spec>', 'VAE: the images whose codes are the ends', CLI_DEFAULTS.data)
    .option('--rows <n>', `lines${dflt(CLI_DEFAULTS.interpolateRows)}`, int('rows'))
    .option('--steps <n>', `images per line${dflt(CLI_DEFAULTS.lineSteps)}`, int('steps'))
    .option('--seed <n>', 'GAN: seed of the end codes', int('seed'))
    .requiredOption('--out <file>', 'FILE.png or FILE.npy')
    .action(interpolateCommand);
  applied('traverse', 'latent traversal: each row sweeps one latent coordinate over [-3, 3]')
    .option('--data <spec>', 'VAE: rank dimensions by how much these images use them')
    .option('--dims <n>', `dimensions, one row each${dflt(CLI_DEFAULTS.traverseDims)}`, int('dims'))
    .option('--steps <n>', `images per row${dflt(CLI_DEFAULTS.lineSteps)}`, int('steps'))
    .option('--seed <n>', 'GAN: seed of the starting code', int('seed'))
    .requiredOption('--out <file>', 'FILE.png or FILE.npy')
    .action(traverseCommand);
}

/** `launch` (data-parallel workers) and `sample`. */
function runCommands(cli: Command): void {
  cli
    .command('launch')
    .description("start this node's workers of a data-parallel job, as torchrun does: launch --nproc N -- train ...")
    .argument('<command...>', 'the gentorch command each worker runs, after --')
    .requiredOption('--nproc <n>', 'workers on this node', int('nproc'))
    .option('--nnodes <n>', `nodes in the job${dflt(CLI_DEFAULTS.nnodes)}`, int('nnodes'))
    .option('--node-rank <n>', `this node's rank${dflt(CLI_DEFAULTS.nodeRank)}`, int('node-rank'))
    .option('--master-addr <host>', `rank 0's host${dflt(DISTRIBUTED_DEFAULTS.masterAddr)}`)
    .option('--master-port <port>', `rank 0's port${dflt(DISTRIBUTED_DEFAULTS.masterPort)}`, int('master-port'))
    .option(
      '--timeout <seconds>',
      `how long a worker waits for a missing or slow peer${dflt(DISTRIBUTED_DEFAULTS.timeoutSeconds)}`,
      num('timeout'),
    )
    .action(launchCommand);
  cli
    .command('sample')
    .description('draw samples from a VAE or GAN checkpoint, or strings from a text model')
    .argument('<checkpoint>', 'a .safetensors checkpoint')
    .option('--n <n>', 'number of samples', int('n'), CLI_DEFAULTS.sampleCount)
    .requiredOption(
      '--out <file>',
      'FILE.png (a grid), FILE.npy (float32 [N, C, H, W] in [0, 1]) or DIR/ (one PNG per sample); FILE.txt for a text model',
    )
    .option('--seed <n>', 'seed of the latent draws', int('seed'))
    .option(
      '--label <k>',
      "class of every sample (conditional GANs): its index, or its name for an image folder's classes",
    )
    .option('--device <device>', 'auto, cpu, cuda or cuda:N', CLI_DEFAULTS.device)
    .option('--force', 'replace an existing output file')
    .action(sampleCommand);
  cli
    .command('export')
    .description('write part of a VAE or GAN checkpoint as a model other runtimes load (ONNX)')
    .argument('<checkpoint>', 'a .safetensors checkpoint of a VAE or a GAN')
    .addOption(new Option('--format <format>', 'the file format').choices(['onnx']).default('onnx'))
    .addOption(
      new Option('--part <part>', 'the network to export (default: decoder for a VAE, generator for a GAN)').choices(
        ONNX_PART_NAMES,
      ),
    )
    .requiredOption('--out <file>', 'the .onnx file to write')
    .option('--force', 'replace an existing output file')
    .action(exportCommand);
  cli
    .command('explore')
    .description('write a self-contained HTML page to explore a VAE or GAN latent space in the browser')
    .argument('<checkpoint>', 'a .safetensors checkpoint of a VAE or a GAN')
    .requiredOption('--out <file>', 'the .html file to write')
    .option('--data <spec>', `a VAE's images to encode for the map${dflt(CLI_DEFAULTS.data)}`)
    .option('--split <split>', `test or train${dflt(CLI_DEFAULTS.split)}`)
    .option(
      '--n <n>',
      `images to encode (VAE, default ${EXPLORE_DEFAULTS.vaePoints}) or prior draws to morph (GAN, default ${EXPLORE_DEFAULTS.ganPoints})`,
      int('n'),
    )
    .option('--seed <n>', "seed of a GAN's prior draws", int('seed'))
    .option('--device <device>', 'auto, cpu, cuda or cuda:N', CLI_DEFAULTS.device)
    .option('--force', 'replace an existing output file')
    .action(exploreCommand);
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
  trainCommands(cli);
  compareCommands(cli);
  applyCommands(cli);
  runCommands(cli);
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
