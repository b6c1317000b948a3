/**
 * The report's metrics table: one row per measure (quality, cost, stability,
 * the encoder's uses), one column per model, the best of each row marked by
 * the row's own sense of better (summary.ts).
 */
import type { CompareResults, ModelResult } from './results.js';
import { classTotal, dB, fmt, isNum, pct, plain, type Better } from './summary.js';
import { esc, modelHead, section } from './html.js';

interface MetricRow {
  group: string;
  label: string;
  how: string;
  better?: Better;
  value: (m: ModelResult) => unknown;
  show?: (m: ModelResult) => string;
  note?: (m: ModelResult) => string;
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
      note: (m) =>
        [range(q(m).fidInterval), `judge ${pct(q(m).judgeAccuracy)}, ${fmt(q(m).samples, 0)} samples`]
          .filter(Boolean)
          .join('; '),
    },
    {
      group: g,
      label: 'KID × 1000',
      how: 'unbiased MMD², cubic kernel, 100 subsets of 1000',
      better: 'lower',
      value: (m) => q(m).kid,
      show: (m) => fmt(isNum(q(m).kid) ? q(m).kid! * 1000 : NaN, 2),
      note: (m) => range(q(m).kidInterval?.map((v) => v * 1000)),
    },
    {
      group: g,
      label: 'Precision',
      how: 'fidelity, k-NN manifold, k = 3',
      better: 'higher',
      value: (m) => q(m).precision,
      note: (m) => range(q(m).precisionInterval),
    },
    {
      group: g,
      label: 'Recall',
      how: 'diversity, k-NN manifold, k = 3',
      better: 'higher',
      value: (m) => q(m).recall,
      note: (m) => range(q(m).recallInterval),
    },
    {
      group: g,
      label: 'Classes covered',
      how: 'at least 5% of the samples each',
      better: 'higher',
      value: (m) => q(m).classesCovered,
      show: (m) => `${plain(q(m).classesCovered)} / ${classTotal(m, r)}`,
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
    },
    {
      group: g,
      label: 'Gradient norm D / G',
      how: 'mean',
      value: (m) => s(m).gradNormD,
      show: (m) => `${fmt(s(m).gradNormD)} / ${fmt(s(m).gradNormG)}`,
    },
  ];
}

function encoderRows(): MetricRow[] {
  const v = (m: ModelResult) => m.metrics.vae,
    c = (m: ModelResult) => m.metrics.compression,
    x = (m: ModelResult) => m.metrics.restoration;
  const g = 'Encoder (VAE only; a GAN has none)';
  return [
    {
      group: g,
      label: 'Negative ELBO',
      how: 'nats per test image',
      better: 'lower',
      value: (m) => v(m)?.nelbo,
      show: (m) => fmt(v(m)?.nelbo, 1),
      note: (m) => `recon ${fmt(v(m)?.recon, 1)} + KL ${fmt(v(m)?.kl, 1)}`,
    },
    {
      group: g,
      label: 'IWAE bound',
      how: 'nats per test image',
      better: 'lower',
      value: (m) => v(m)?.iwae,
      show: (m) => fmt(v(m)?.iwae, 1),
      note: (m) => `k = ${plain(v(m)?.iwaeSamples)}`,
    },
    {
      group: g,
      label: 'Reconstruction PSNR',
      how: 'dB, decode(μ(x)) vs x',
      better: 'higher',
      value: (m) => v(m)?.psnr,
      show: (m) => fmt(v(m)?.psnr, 1),
      note: (m) => `MSE ${fmt(v(m)?.mse, 4)}`,
    },
    {
      group: g,
      label: 'Active latent units',
      how: 'posterior-mean variance > 0.01',
      better: 'higher',
      value: (m) => v(m)?.activeUnits,
      show: (m) => `${plain(v(m)?.activeUnits)} / ${plain(v(m)?.latentDim)}`,
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
      label: 'Denoising',
      how: 'PSNR after restoration, dB',
      better: 'higher',
      value: (m) => x(m)?.restoredNoisyPsnr,
      show: (m) => fmt(x(m)?.restoredNoisyPsnr, 1),
      note: (m) => `from ${dB(x(m)?.noisyPsnr)}, noise std ${plain(x(m)?.noiseStd)}`,
    },
    {
      group: g,
      label: 'Inpainting',
      how: 'PSNR after restoration, dB',
      better: 'higher',
      value: (m) => x(m)?.restoredMaskedPsnr,
      show: (m) => fmt(x(m)?.restoredMaskedPsnr, 1),
      note: (m) => `from ${dB(x(m)?.maskedPsnr)}, ${pct(x(m)?.maskShare)} masked`,
    },
  ];
}

function rowHtml(row: MetricRow, models: ModelResult[]): string {
  const values = models.map((m) => row.value(m));
  const finite = values.filter(isNum);
  const best =
    row.better && finite.length >= 2 && Math.min(...finite) !== Math.max(...finite)
      ? row.better === 'lower'
        ? Math.min(...finite)
        : Math.max(...finite)
      : undefined;
  const cells = models.map((m, i) => {
    if (!isNum(values[i])) return '<td class="na">n/a</td>';
    const note = row.note ? ` <small>${esc(row.note(m))}</small>` : '';
    return `<td${values[i] === best ? ' class="best"' : ''}>${esc(row.show ? row.show(m) : fmt(values[i]))}${note}</td>`;
  });
  return `<tr><th>${esc(row.label)}<br><small>${esc(row.how)}</small></th>${cells.join('')}</tr>`;
}

export function metricsTable(r: CompareResults): string {
  const rows = [...qualityRows(r), ...costRows(), ...stabilityRows(), ...encoderRows()].filter(
    (row) => row.label === 'FID' || r.models.some((m) => isNum(row.value(m))),
  );
  let group = '';
  const body = rows.map((row) => {
    const head =
      row.group === group ? '' : `<tr class="group"><th colspan="${r.models.length + 1}">${esc(row.group)}</th></tr>`;
    group = row.group;
    return head + rowHtml(row, r.models);
  });
  const thead = `<tr><th>Metric</th>${r.models.map((m, i) => `<th>${modelHead(m, i)}</th>`).join('')}</tr>`;
  return section(
    'metrics',
    'Metrics',
    `<p class="note">The best value in each row is highlighted; n/a: not measured or not finite.</p>` +
      `<div class="scroll"><table><thead>${thead}</thead><tbody>${body.join('')}</tbody></table></div>`,
  );
}
