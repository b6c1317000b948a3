/**
 * The report's metrics table: one row per measure (quality, cost, stability,
 * a VAE's likelihood, the uses every model serves), one column per model, the best of each row marked by
 * the row's own sense of better (summary.ts). Under several seeds a row's
 * notes give each model's spread over them, and a best value within the
 * runner-up's range is marked as such instead.
 */
import type { CompareResults, ModelResult, SpreadKey } from './results.js';
import {
  classTotal,
  dB,
  figureSpread,
  fmt,
  isNum,
  manySeeds,
  overlap,
  pct,
  plain,
  secs,
  seedsOf,
  withinSpread,
  type Better,
} from './summary.js';
import { esc, modelHead, section } from './html.js';

interface MetricRow {
  group: string;
  label: string;
  how: string;
  better?: Better;
  value: (m: ModelResult) => unknown;
  show?: (m: ModelResult) => string;
  note?: (m: ModelResult) => string;
  /** The empty cell's text, saying why the value cannot exist for this model (default "n/a"). */
  na?: (m: ModelResult) => string;
  /** The figure whose spread over seeds (`compare --seeds`) the notes give and the best highlight respects. */
  spread?: SpreadKey;
  /**
   * How the row shows that figure: times `scale` (default 1), with `digits`
   * decimals (default 2); its mean and std with `meanDigits` (default `digits`).
   */
  scale?: number;
  digits?: number;
  meanDigits?: number;
}

/** A 95% interval as the report writes it beside a value, "[a, b]"; empty when not measured. */
function range(iv: readonly number[] | undefined): string {
  return iv && iv.length === 2 && iv.every(isNum) ? `95% [${fmt(iv[0])}, ${fmt(iv[1])}]` : '';
}

function qualityRows(r: CompareResults): MetricRow[] {
  const q = (m: ModelResult) => m.metrics.quality,
    g = 'Sample quality';
  return [
    {
      group: g,
      label: 'FID',
      how: 'judge features vs the test set',
      better: 'lower',
      value: (m) => q(m).fid,
      spread: 'fid',
      note: (m) =>
        [range(q(m).fidInterval), `judge ${pct(q(m).judgeAccuracy)}, ${fmt(q(m).samples, 0)} samples`]
          .filter(Boolean)
          .join('; '),
    },
    {
      group: g,
      label: 'KID',
      // The judge's features are not Inception's, so KID has their scale
      // (tens here, not the 0.01s of Inception features): shown as it is.
      how: 'unbiased MMD², cubic kernel, 100 subsets of 1000',
      better: 'lower',
      value: (m) => q(m).kid,
      note: (m) => range(q(m).kidInterval),
      spread: 'kid',
    },
    {
      group: g,
      label: 'Precision',
      how: 'fidelity, k-NN manifold, k = 3',
      better: 'higher',
      value: (m) => q(m).precision,
      note: (m) => range(q(m).precisionInterval),
      spread: 'precision',
    },
    {
      group: g,
      label: 'Recall',
      how: 'diversity, k-NN manifold, k = 3',
      better: 'higher',
      value: (m) => q(m).recall,
      note: (m) => range(q(m).recallInterval),
      spread: 'recall',
    },
    {
      group: g,
      label: 'Classes covered',
      how: 'at least 5% of the samples each',
      better: 'higher',
      value: (m) => q(m).classesCovered,
      show: (m) => `${plain(q(m).classesCovered)} / ${classTotal(m, r)}`,
      spread: 'classesCovered',
      digits: 0,
      meanDigits: 1,
    },
    {
      group: g,
      label: 'Class KL',
      how: 'KL(data classes ‖ sample classes), nats',
      better: 'lower',
      value: (m) => q(m).classKl,
      show: (m) => fmt(q(m).classKl, 3),
    },
  ];
}

function costRows(): MetricRow[] {
  const t = (m: ModelResult) => m.timings,
    g = 'Cost';
  return [
    {
      group: g,
      label: 'Training throughput',
      how: 'images/s',
      better: 'higher',
      value: (m) => t(m).trainImagesPerSecond,
      show: (m) => fmt(t(m).trainImagesPerSecond, 0),
      spread: 'trainImagesPerSecond',
      digits: 0,
    },
    {
      group: g,
      label: 'Sampling throughput',
      how: 'images/s',
      better: 'higher',
      value: (m) => t(m).sampleImagesPerSecond,
      show: (m) => fmt(t(m).sampleImagesPerSecond, 0),
    },
    {
      group: g,
      label: 'Training time',
      how: 's, evaluations excluded',
      value: (m) => t(m).trainSeconds,
      show: (m) => fmt(t(m).trainSeconds, 1),
    },
    {
      group: g,
      label: 'Epochs / steps',
      how: 'reached in the budget',
      value: (m) => t(m).epochs,
      show: (m) => `${fmt(t(m).epochs)} / ${plain(t(m).steps)}`,
    },
    {
      group: g,
      label: 'Seconds per epoch',
      how: 's',
      better: 'lower',
      value: (m) => t(m).secondsPerEpoch,
      show: (m) => fmt(t(m).secondsPerEpoch, 1),
    },
    {
      group: g,
      label: 'Parameters',
      how: 'count',
      value: (m) => t(m).parameters,
      show: (m) => fmt(t(m).parameters, 0),
    },
    {
      group: g,
      label: 'Peak memory, training',
      how: 'MiB resident while this model trained',
      better: 'lower',
      value: (m) => t(m).trainPeakRssBytes,
      show: (m) => fmt(t(m).trainPeakRssBytes / 2 ** 20, 0),
    },
    {
      group: g,
      label: 'Peak memory, evaluation',
      how: 'MiB resident while it was sampled, judged and applied',
      better: 'lower',
      value: (m) => t(m).evalPeakRssBytes,
      show: (m) => fmt(t(m).evalPeakRssBytes / 2 ** 20, 0),
    },
  ];
}

/** A GAN-only row's empty cell: for a VAE, why it cannot be measured. */
const noDiscriminator = (m: ModelResult): string => (m.family === 'vae' ? 'n/a: a VAE has no discriminator' : 'n/a');

function stabilityRows(): MetricRow[] {
  const s = (m: ModelResult) => m.metrics.stability,
    g = 'Stability (second half of training)';
  return [
    {
      group: g,
      label: 'Loss oscillation',
      how: 'windowed std / mean |loss|',
      better: 'lower',
      value: (m) => s(m).lossOscillation,
      show: (m) => fmt(s(m).lossOscillation, 3),
    },
    {
      group: g,
      label: 'FID oscillation',
      how: 'back and forth beyond the net change, over the level; last 5 evaluations',
      better: 'lower',
      value: (m) => s(m).fidOscillation,
      show: (m) => pct(s(m).fidOscillation),
    },
    {
      group: g,
      label: 'D(x) / D(G(z))',
      how: 'mean probabilities; near 1 / 0: D winning',
      value: (m) => s(m).dReal,
      show: (m) => `${fmt(s(m).dReal)} / ${fmt(s(m).dFake)}`,
      na: noDiscriminator,
    },
    {
      group: g,
      label: 'Gradient norm D / G',
      how: 'mean',
      value: (m) => s(m).gradNormD,
      show: (m) => `${fmt(s(m).gradNormD)} / ${fmt(s(m).gradNormG)}`,
      na: noDiscriminator,
    },
  ];
}

/** A VAE-only row's empty cell: for a GAN, why it cannot be measured. */
const vaeOnly =
  (why: string) =>
  (m: ModelResult): string =>
    m.family === 'gan' ? `n/a: ${why}` : 'n/a';

function vaeRows(): MetricRow[] {
  const v = (m: ModelResult) => m.metrics.vae,
    g = 'Likelihood and latent units (VAE only)';
  return [
    {
      group: g,
      label: 'Negative ELBO',
      how: 'nats per test image',
      better: 'lower',
      value: (m) => v(m)?.nelbo,
      show: (m) => fmt(v(m)?.nelbo, 1),
      note: (m) => `recon ${fmt(v(m)?.recon, 1)} + KL ${fmt(v(m)?.kl, 1)}`,
      na: vaeOnly('a GAN defines no likelihood'),
      spread: 'nelbo',
      digits: 1,
    },
    {
      group: g,
      label: 'IWAE bound',
      how: 'nats per test image',
      better: 'lower',
      value: (m) => v(m)?.iwae,
      show: (m) => fmt(v(m)?.iwae, 1),
      note: (m) => `k = ${plain(v(m)?.iwaeSamples)}`,
      na: vaeOnly('a GAN defines no likelihood'),
    },
    {
      group: g,
      label: 'Active latent units',
      how: 'posterior-mean variance > 0.01',
      better: 'higher',
      value: (m) => v(m)?.activeUnits,
      show: (m) => `${plain(v(m)?.activeUnits)} / ${plain(v(m)?.latentDim)}`,
      na: vaeOnly('a GAN has no encoder, so no posterior'),
    },
  ];
}

/** "encoder only: 15.1 dB" where the VAE's push-through-the-encoder baseline was measured. */
const encoderOnly = (psnr: number | undefined): string => (isNum(psnr) ? `; encoder only: ${dB(psnr)}` : '');

function usesRows(): MetricRow[] {
  const e = (m: ModelResult) => m.metrics.reconstruction,
    c = (m: ModelResult) => m.metrics.compression,
    x = (m: ModelResult) => m.metrics.restoration,
    at8 = (m: ModelResult) => c(m)?.curve?.find((p) => p.setting === 8),
    ratio8 = (m: ModelResult) => {
      const p = at8(m);
      return p ? (c(m)?.rawBytesPerImage ?? NaN) / p.bytesPerImage : undefined;
    };
  const g = 'Uses (every model, by latent search or encoder)';
  return [
    {
      group: g,
      label: 'Reconstruction PSNR',
      how: 'dB, the image of the code found for x vs x',
      better: 'higher',
      value: (m) => e(m)?.psnr,
      show: (m) => fmt(e(m)?.psnr, 1),
      spread: 'reconstructionPsnr',
      digits: 1,
      note: (m) =>
        `${e(m)?.method === 'encoder' ? 'encoder' : 'latent search'}; SSIM ${fmt(e(m)?.ssim, 3)}; ${secs(e(m)?.secondsPerImage)} s/image`,
    },
    {
      group: g,
      label: 'Compression',
      how: 'ratio, float16 latent codes',
      better: 'higher',
      value: (m) => c(m)?.ratio,
      show: (m) => `${fmt(c(m)?.ratio, 1)}×`,
      note: (m) => `${fmt(c(m)?.bytesPerImage, 0)} B/image, ${dB(c(m)?.psnr)}`,
    },
    {
      group: g,
      label: 'Compression, 8-bit codes',
      how: 'ratio, 8 bits per code coordinate',
      better: 'higher',
      value: ratio8,
      show: (m) => `${fmt(ratio8(m), 1)}×`,
      note: (m) => `${fmt(at8(m)?.bytesPerImage, 0)} B/image, ${dB(at8(m)?.psnr)}, SSIM ${fmt(at8(m)?.ssim, 3)}`,
    },
    {
      group: g,
      label: 'Denoising',
      how: 'PSNR after restoration, dB',
      better: 'higher',
      value: (m) => x(m)?.restoredNoisyPsnr,
      show: (m) => fmt(x(m)?.restoredNoisyPsnr, 1),
      spread: 'restoredNoisyPsnr',
      digits: 1,
      note: (m) =>
        `from ${dB(x(m)?.noisyPsnr)}, noise std ${plain(x(m)?.noiseStd)}${encoderOnly(x(m)?.encoderNoisyPsnr)}`,
    },
    {
      group: g,
      label: 'Inpainting',
      how: 'PSNR inside the holes after restoration, dB',
      better: 'higher',
      value: (m) => x(m)?.restoredHolesPsnr,
      show: (m) => fmt(x(m)?.restoredHolesPsnr, 1),
      spread: 'restoredHolesPsnr',
      digits: 1,
      note: (m) =>
        `inside holes, from ${dB(x(m)?.holesPsnr)}; ${pct(x(m)?.holeShare)} of pixels in random holes; whole image ${dB(x(m)?.restoredHoledPsnr)}${encoderOnly(x(m)?.encoderHolesPsnr)}`,
    },
    {
      group: g,
      label: 'Restoration time',
      how: 's per image, denoising and inpainting together',
      better: 'lower',
      value: (m) => x(m)?.secondsPerImage,
      show: (m) => secs(x(m)?.secondsPerImage),
      note: (m) => `${plain(x(m)?.images)} test images`,
    },
  ];
}

/** "seeds 1, 2, 3: 38.10 to 44.00, mean 41.13 ± 2.95" in the row's scale and digits; empty without the spread. */
function spreadNote(row: MetricRow, m: ModelResult, r: CompareResults): string {
  const s = row.spread && figureSpread(m, row.spread);
  if (!s) return '';
  const k = row.scale ?? 1,
    d = row.digits ?? 2,
    e = row.meanDigits ?? d;
  const seeds = seedsOf(m, r);
  const over = seeds.length === s.values.length ? `seeds ${seeds.join(', ')}` : `${s.values.length} seeds`;
  return `${over}: ${fmt(s.min * k, d)} to ${fmt(s.max * k, d)}, mean ${fmt(s.mean * k, e)} ± ${fmt(s.std * k, e)}`;
}

/**
 * The cells within the seed spread: when the best model's range over the
 * seeds overlaps the runner-up's, every model whose range overlaps the
 * best's (no best is highlighted then); else none.
 */
function seedTies(row: MetricRow, models: ModelResult[], values: unknown[]): Set<number> {
  const key = row.spread;
  if (!key || !row.better) return new Set();
  const order = models
    .map((_, i) => i)
    .filter((i) => isNum(values[i]))
    .sort((i, j) => ((values[i] as number) - (values[j] as number)) * (row.better === 'lower' ? 1 : -1));
  if (order.length < 2 || !withinSpread(models[order[0]], models[order[1]], key)) return new Set();
  const top = figureSpread(models[order[0]], key)!;
  return new Set(
    order.filter((i) => {
      const s = figureSpread(models[i], key);
      return s !== undefined && overlap(top, s);
    }),
  );
}

function rowHtml(row: MetricRow, r: CompareResults): string {
  const models = r.models;
  const values = models.map((m) => row.value(m));
  const finite = values.filter(isNum);
  const best =
    row.better && finite.length >= 2 && Math.min(...finite) !== Math.max(...finite)
      ? row.better === 'lower'
        ? Math.min(...finite)
        : Math.max(...finite)
      : undefined;
  const ties = best === undefined ? new Set<number>() : seedTies(row, models, values);
  const cells = models.map((m, i) => {
    if (!isNum(values[i])) return `<td class="na">${esc(row.na ? row.na(m) : 'n/a')}</td>`;
    const text = [row.note?.(m), spreadNote(row, m, r), ties.has(i) ? 'within the seed spread' : '']
      .filter(Boolean)
      .join('; ');
    const note = row.note || text ? ` <small>${esc(text)}</small>` : '';
    const cls = ties.has(i) ? ' class="tie"' : ties.size === 0 && values[i] === best ? ' class="best"' : '';
    return `<td${cls}>${esc(row.show ? row.show(m) : fmt(values[i]))}${note}</td>`;
  });
  return `<tr><th>${esc(row.label)}<br><small>${esc(row.how)}</small></th>${cells.join('')}</tr>`;
}

/** What the highlights and n/a mean, and under several seeds which seed's figures these are. */
function tableNote(r: CompareResults): string {
  const na = 'n/a: not measured or not finite, unless it says why the model cannot have it.';
  const seeds = manySeeds(r);
  if (!seeds) return `The best value in each row is highlighted; ${na}`;
  return (
    `Figures are seed ${seeds[0]}'s; notes give the spread over seeds ${seeds.join(', ')} (lowest to highest, mean ± sample standard deviation). ` +
    `A best value is highlighted only when its range over the seeds does not overlap the runner-up's; where they overlap, the cells say "within the seed spread". ${na}`
  );
}

export function metricsTable(r: CompareResults): string {
  const rows = [...qualityRows(r), ...costRows(), ...stabilityRows(), ...vaeRows(), ...usesRows()].filter(
    (row) => row.label === 'FID' || r.models.some((m) => isNum(row.value(m))),
  );
  let group = '';
  const body = rows.map((row) => {
    const head =
      row.group === group ? '' : `<tr class="group"><th colspan="${r.models.length + 1}">${esc(row.group)}</th></tr>`;
    group = row.group;
    return head + rowHtml(row, r);
  });
  const thead = `<tr><th>Metric</th>${r.models.map((m, i) => `<th>${modelHead(m, i)}</th>`).join('')}</tr>`;
  return section(
    'metrics',
    'Metrics',
    `<p class="note">${esc(tableNote(r))}</p>` +
      `<div class="scroll"><table><thead>${thead}</thead><tbody>${body.join('')}</tbody></table></div>`,
  );
}
