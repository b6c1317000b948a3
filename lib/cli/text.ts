/**
 * The text side of `gentorch compare` and `gentorch eval`: `compare --data
 * words|FILE.txt` trains the text VAE and the text GAN under one budget
 * beside the n-gram baseline (lib/compare/text-compare.ts); `eval` of a text
 * checkpoint measures it on a text split.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compareText, TEXT_COMPARE_DEFAULTS, TEXT_MODELS, type TextModelName } from '../compare/text-compare.js';
import { chooseOrder } from '../compare/ngram.js';
import { textSampleMetrics, type TextSampleMetrics } from '../compare/text-metrics.js';
import { loadTextSpec } from '../data/text.js';
import { GentorchError } from '../errors.js';
import { TextGAN } from '../models/text-gan.js';
import { TextVAE } from '../models/text-vae.js';
import type { TextResults } from '../report/text-results.js';
import { budgetWords, withSigint } from './common.js';
import { statusView } from './status.js';

/** Whether a --data spec names text: the words list or a .txt file. */
export const isTextSpec = (spec: string | undefined): boolean =>
  spec === 'words' || (spec ?? '').toLowerCase().endsWith('.txt');

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const jsd3 = (m: TextSampleMetrics): string => m.jsd.find((j) => j.n === 3)!.bits.toFixed(3);

export interface TextCompareFlags {
  data: string;
  out: string;
  models?: string;
  budget?: number;
  epochs?: number;
  seed?: number;
  device?: string;
  evalPoints?: number;
  samples?: number;
  force?: boolean;
  progress: boolean;
}

function textTable(r: TextResults): string {
  const rows = r.models.map((m) => {
    const bits = m.bitsPerChar?.iwae ?? m.bitsPerChar?.exact;
    const s = m.samples;
    return `${m.name.padEnd(18)} ${(bits === undefined ? '-' : bits.toFixed(3)).padStart(9)} ${pct(s.validity).padStart(8)} ${pct(s.novelty).padStart(8)} ${pct(s.diversity).padStart(8)} ${jsd3(s).padStart(7)} ${m.timings.trainSeconds.toFixed(0).padStart(8)}`;
  });
  return [`model              bits/char    valid    novel distinct  JSD-3  train s`, ...rows].join('\n');
}

/** `gentorch compare --data words|FILE.txt`. */
export async function compareTextCommand(flags: TextCompareFlags): Promise<void> {
  const file = join(flags.out, 'text.json');
  if (existsSync(file) && !flags.force)
    throw new GentorchError('E_IO', `Refusing to overwrite ${file}; pass --force to replace it`);
  const models = (flags.models?.split(',').map((m) => m.trim()) ?? [...TEXT_MODELS]).filter((m) => m.length > 0);
  for (const m of models)
    if (!(TEXT_MODELS as readonly string[]).includes(m))
      throw new GentorchError(
        'E_CONFIG',
        `Expected --models of ${TEXT_MODELS.join(', ')} for text data but received "${m}"`,
      );
  const view = statusView(flags.progress, [
    'n-gram',
    ...models.map((m) => (m === 'textvae' ? 'text VAE' : 'text GAN')),
  ]);
  let out: TextResults;
  try {
    out = await withSigint((signal) =>
      compareText({
        data: flags.data,
        out: flags.out,
        models: models as TextModelName[],
        seed: flags.seed,
        device: flags.device,
        ...(flags.epochs !== undefined
          ? { epochs: flags.epochs }
          : { seconds: flags.budget ?? TEXT_COMPARE_DEFAULTS.seconds }),
        evalPoints: flags.evalPoints,
        samples: flags.samples,
        signal,
        onProgress: (p) =>
          view.update({
            row: p.stage === 'ngram' ? 'n-gram' : p.model || p.stage,
            stage:
              p.stage === 'ngram'
                ? 'counting n-grams, choosing the order, repairing'
                : p.stage === 'train'
                  ? 'training'
                  : p.stage === 'measure'
                    ? 'measuring samples and bits per character'
                    : p.stage === 'uses'
                      ? 'compression, repair, interpolation'
                      : p.stage === 'report'
                        ? 'writing text.json and report.html'
                        : 'done',
            fraction: p.fraction,
            etaSeconds: p.etaSeconds,
            extra: [
              ...(p.epochs !== undefined ? [`epoch ${p.epochs.toFixed(2)}`] : []),
              ...(p.jsd3 !== undefined ? [`JSD-3 ${p.jsd3.toFixed(3)}`] : []),
            ],
          }),
      }),
    );
  } finally {
    view.stop();
  }
  const budget = budgetWords(out.budget);
  process.stdout.write(
    `${textTable(out)}\n(${budget} on ${out.device}; bits per character on ${out.testStrings} test strings, ` +
      `EOS counted; the best n-gram of any order: ${out.ngram.best.bitsPerChar.toFixed(3)} at order ${out.ngram.best.order})\n` +
      `gentorch: wrote ${resolve(flags.out, 'report.html')} and text.json\n`,
  );
}

/** `gentorch eval` of a text checkpoint: bits per character (VAE) and sample measures, with the n-gram's beside. */
export async function evalTextCommand(
  model: TextVAE | TextGAN,
  checkpoint: string,
  flags: { data?: string; samples?: number; seed?: number; json?: boolean },
): Promise<void> {
  const { train, test } = await loadTextSpec(flags.data ?? 'words');
  const n = flags.samples ?? TEXT_COMPARE_DEFAULTS.samples;
  const samples = await model.sample(n, { seed: flags.seed ?? model.seed + 2 });
  const measures = textSampleMetrics(samples, { train: train.lines, test: test.lines });
  const ngram = chooseOrder(train.lines);
  const ngramSamples = textSampleMetrics(ngram.model.sample(n, flags.seed ?? model.seed + 2), {
    train: train.lines,
    test: test.lines,
  });
  const ev = model instanceof TextVAE ? await model.evaluate(test) : undefined;
  const ngramBits = ngram.model.bitsPerChar(test.lines);
  if (flags.json) {
    process.stdout.write(
      `${JSON.stringify({ checkpoint, data: test.name, ...(ev ? { test: { ...ev, muVariance: undefined } } : {}), samples: measures, ngram: { order: ngram.order, bitsPerChar: ngramBits, samples: ngramSamples } })}\n`,
    );
    return;
  }
  const line = (name: string, m: TextSampleMetrics) =>
    `  ${name}: ${pct(m.validity)} valid, ${pct(m.novelty)} novel, ${pct(m.diversity)} distinct, character n-gram JSD ${m.jsd.map((j) => `${j.n}:${j.bits.toFixed(3)}`).join(' ')} bits, mean length ${m.length.samples.mean.toFixed(2)} (test ${m.length.test.mean.toFixed(2)}, TV ${m.length.tvDistance.toFixed(3)})`;
  const lines = [`${checkpoint} on ${test.name} (${test.lines.length} strings):`];
  if (ev)
    lines.push(
      `  bits per character: IWAE (k=${ev.samples}) ${ev.iwaeBitsPerChar.toFixed(3)}, -ELBO ${ev.nelboBitsPerChar.toFixed(3)} (recon ${ev.recon.toFixed(2)}, KL ${ev.kl.toFixed(2)} nats per string); active units ${ev.activeUnits} of ${model.config.latentDim}`,
    );
  lines.push(`  n-gram baseline (order ${ngram.order}): ${ngramBits.toFixed(3)} bits per character`);
  lines.push(line(`${n} samples`, measures), line(`the n-gram's ${n} samples`, ngramSamples));
  process.stdout.write(`${lines.join('\n')}\n`);
}
