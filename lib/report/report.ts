/**
 * The comparison report. `renderReport()` draws one self-contained HTML page
 * from CompareResults and their summary (summary.ts): inline CSS,
 * hand-written SVG charts (charts.ts) and the PNGs inlined as data URIs,
 * so it opens offline and loads nothing. The summary and chart APIs are
 * re-exported here, so `./report.js` stays the one import for all of it.
 */
import { resolve } from 'node:path';
import { COVERED_CLASS_SHARE, type CompareResults, type ModelResult } from './results.js';
import {
  codecName,
  isNum,
  joinAnd,
  manySeeds,
  missingClasses,
  pct,
  plain,
  summarize,
  type Axis,
  type Summary,
} from './summary.js';
import { classBars, classScatter, colorOf, latentAxes, lineChart, type ChartSeries } from './charts.js';
import { metricsTable } from './metrics-table.js';
import { esc, imgTag, inlinePng, items, modelHead, page, section, type InlineImage } from './html.js';

export { fmt, summarize } from './summary.js';
export type { ModelSummary, Summary } from './summary.js';
export { escapeHtml, lineChart } from './charts.js';
export type { ChartOptions, ChartSeries } from './charts.js';

// ------------------------------------------------------------ HTML

function budgetLine(r: CompareResults): string {
  const { kind, value } = r.budget;
  return kind === 'seconds'
    ? `Each model trained for the same ${plain(value)} s of wall-clock time on ${r.device}.`
    : `Each model trained for the same ${plain(value)} epoch${value === 1 ? '' : 's'} on ${r.device}.`;
}

/** "seed 7", or under several "seeds 1, 2, 3 (figures are seed 1's; spreads in notes)". */
function seedLine(r: CompareResults): string {
  const seeds = manySeeds(r);
  return seeds ? `seeds ${seeds.join(', ')} (figures are seed ${seeds[0]}'s; spreads in notes)` : `seed ${r.seed}`;
}

function header(r: CompareResults, s: Summary): string {
  const d = r.data;
  const meta =
    `gentorch ${r.gentorch}, libtorch ${r.torch}, ${seedLine(r)}, ${r.createdAt}. Data: ${d.name}, ${plain(d.train)} training and ${plain(d.test)} test images of ${d.shape.join('×')}. ` +
    `FID and class coverage use a judge classifier with ${pct(r.judge.testAccuracy)} test accuracy and ${plain(r.judge.featureDim)}-d features.`;
  const alerts = s.alerts.length > 0 ? `<div class="alerts"><strong>Alerts</strong>${items(s.alerts)}</div>` : '';
  return (
    `<header><h1>${esc(reportTitle(r))}</h1><p class="verdict">${esc(s.verdict)}</p>` +
    `<p class="budget">${esc(budgetLine(r))}</p><p class="meta">${esc(meta)}</p>${alerts}</header>`
  );
}

const reportTitle = (r: CompareResults): string => `${r.models.map((m) => m.name).join(' vs ')} on ${r.data.name}`;

type ImageKind = keyof ModelResult['images'];
/** The restoration measures of the first model that has them: the damage every model was given. */
const damage = (r: CompareResults) => r.models.find((m) => m.metrics.restoration)?.metrics.restoration;
const IMAGE_KINDS: { kind: ImageKind; title: string; note: (r: CompareResults) => string }[] = [
  { kind: 'samples', title: 'Samples', note: () => 'Random draws from each model.' },
  {
    kind: 'reconstruction',
    title: 'Reconstructions',
    note: () =>
      'Rows in pairs: test images, then their reconstructions: decode(μ(x)) for a VAE, G(z*) for a GAN, with z* found by latent search (the code whose image best explains x).',
  },
  {
    kind: 'restoration',
    title: 'Restoration',
    note: (r) => {
      const x = damage(r);
      const std = x && isNum(x.noiseStd) ? ` (std ${plain(x.noiseStd)})` : '';
      const holes = x && isNum(x.holeShare) ? ` (${pct(x.holeShare)} of the pixels)` : '';
      return `Rows: clean test images; with Gaussian noise${std}; the noisy ones restored; with random rectangular holes${holes}; the holed ones restored. Restored by latent search, for every model: the code whose image best explains the pixels that are left.`;
    },
  },
  {
    kind: 'interpolation',
    title: 'Interpolations',
    note: () => 'Decoded along straight lines between latent codes.',
  },
  {
    kind: 'traversal',
    title: 'Latent traversals',
    note: () => 'One latent unit varied at a time, the others held fixed.',
  },
];

/** Every PNG the results name, as data URIs with their size from the IHDR chunk, keyed `index/kind`. */
async function loadImages(r: CompareResults, dir: string): Promise<Map<string, InlineImage>> {
  const out = new Map<string, InlineImage>();
  for (const [i, m] of r.models.entries()) {
    for (const { kind } of IMAGE_KINDS) {
      const rel = m.images?.[kind];
      if (typeof rel !== 'string' || rel.length === 0) continue;
      out.set(`${i}/${kind}`, await inlinePng(resolve(dir, rel), `${m.name}'s ${kind} image`));
    }
  }
  return out;
}

function imageSection(r: CompareResults, images: Map<string, InlineImage>, k: (typeof IMAGE_KINDS)[number]): string {
  if (!r.models.some((_, i) => images.has(`${i}/${k.kind}`))) return '';
  const figures = r.models.map((m, i) => {
    const image = images.get(`${i}/${k.kind}`);
    const body = image
      ? imgTag(image, `${k.title} from ${m.name}`)
      : '<div class="placeholder">n/a: not drawn for this model</div>';
    return `<figure class="card">${body}<figcaption>${modelHead(m, i)}</figcaption></figure>`;
  });
  return section(
    `img-${k.kind}`,
    k.title,
    `<p class="note">${esc(k.note(r))}</p><div class="grid">${figures.join('')}</div>`,
  );
}

/** Which classes each model's samples cover: the judge's class shares as bars, the uncovered in red. */
function coverageSection(r: CompareResults): string {
  const withHist = r.models.filter((m) => (m.metrics.quality.classHistogram ?? []).length > 0);
  if (withHist.length === 0) return '';
  const cards = r.models.map((m, i) => {
    const hist = m.metrics.quality.classHistogram ?? [];
    if (hist.length === 0) return `<figure class="card"><div class="placeholder">n/a</div></figure>`;
    const covered = hist.filter((h) => h >= COVERED_CLASS_SHARE).length;
    const caption =
      covered < hist.length
        ? `covers ${covered} of ${hist.length}: no ${missingClasses(m, r)}`
        : `covers all ${hist.length}`;
    const bars = classBars(hist, {
      names: r.data.classNames,
      threshold: COVERED_CLASS_SHARE,
      label: `${m.name}'s samples by class`,
    });
    return `<figure class="card">${bars}<figcaption>${modelHead(m, i)} ${esc(caption)}</figcaption></figure>`;
  });
  return section(
    'coverage',
    'Class coverage',
    `<p class="note">${esc(`The share of each model's samples the judge puts in each class; a class under ${pct(COVERED_CLASS_SHARE)} (dashed) counts as not covered (red): mode dropping.`)}</p><div class="grid">${cards.join('')}</div>`,
  );
}

/** Each VAE's encoded test images on a plane, coloured by class: how the classes sit in its latent space. */
function latentSection(r: CompareResults): string {
  const maps = r.models.flatMap((m, i) => (m.metrics.vae?.map ? [{ m, i, map: m.metrics.vae.map }] : []));
  if (maps.length === 0) return '';
  const cards = maps.map(({ m, i, map }) => {
    const [xLabel, yLabel] = latentAxes(map);
    const chart = classScatter(map.x, map.y, map.labels, {
      names: r.data.classNames,
      xLabel,
      yLabel,
      label: `${m.name}'s latent space`,
    });
    return `<div class="card">${modelHead(m, i)}${chart}</div>`;
  });
  const n = maps[0].map.x.length;
  return section(
    'latent',
    'Latent space',
    `<p class="note">${esc(`The posterior means μ(x) of the first ${plain(n)} test images, coloured by class: the latent units themselves for a 2-d code, else the plane of their top two principal components. Classes that sit apart were told apart without labels.`)}</p><div class="grid">${cards.join('')}</div>`,
  );
}

/** The loss keys worth plotting: a VAE's loss, a GAN's dLoss and gLoss, else all. */
function lossKeys(m: ModelResult): string[] {
  const keys = [...new Set((m.losses ?? []).flatMap((p) => Object.keys(p.losses ?? {})))];
  const main = ['loss', 'dLoss', 'gLoss'].filter((k) => keys.includes(k));
  return main.length > 0 ? main : keys;
}

function chartsSection(r: CompareResults): string {
  const fids = r.models.flatMap((m) => (m.curve ?? []).map((p) => p.fid)).filter((v) => isNum(v) && v > 0);
  const logY = fids.length > 1 && Math.max(...fids) / Math.min(...fids) > 20;
  const fidSeries = (axis: Axis): ChartSeries[] =>
    r.models.map((m, i) => ({
      name: m.name,
      color: colorOf(i),
      points: (m.curve ?? []).map((p): [number, number] => [p[axis], p.fid]),
    }));
  const card = (title: string, chart: string): string => `<div class="card"><h3>${esc(title)}</h3>${chart}</div>`;
  const losses = r.models.map((m) =>
    card(
      `Training loss: ${m.name}`,
      lineChart(
        lossKeys(m).map((k, j) => ({
          name: k,
          color: colorOf(j + 4),
          points: (m.losses ?? []).map((p): [number, number] => [p.step, p.losses?.[k] ?? NaN]),
        })),
        { xLabel: 'step', yLabel: 'loss', smooth: 0.6 },
      ),
    ),
  );
  return section(
    'curves',
    'Curves',
    `<p class="note">Cheap FID: judge features of a few thousand samples, measured during training. Losses: faint raw, bold smoothed (EMA 0.6).</p><div class="charts">` +
      card(
        'Cheap FID vs training seconds',
        lineChart(fidSeries('seconds'), { xLabel: 'training seconds', yLabel: 'cheap FID', logY }),
      ) +
      card('Cheap FID vs epochs', lineChart(fidSeries('epochs'), { xLabel: 'epochs', yLabel: 'cheap FID', logY })) +
      losses.join('') +
      '</div>',
  );
}

/** "32, 16, 8, 6 and 4": the distinct settings, in the given order. */
const settings = (values: number[]): string => joinAnd([...new Set(values.filter(isNum))].map(plain));

/**
 * Rate-distortion: each model's codes at several precisions beside JPEG and
 * WebP on the same test images, PSNR and SSIM against bytes per image (log
 * scale); empty when nothing was measured.
 */
function rateSection(r: CompareResults): string {
  const codecs = r.codecs ?? [];
  const curves = r.models.map((m) => m.metrics.compression?.curve ?? []);
  if (codecs.length === 0 && curves.every((c) => c.length === 0)) return '';
  const schemes = [...new Set(codecs.map((p) => p.scheme))];
  const series = (y: 'psnr' | 'ssim'): ChartSeries[] => [
    ...r.models.map((m, i) => ({
      name: m.name,
      color: colorOf(i),
      points: curves[i].map((p): [number, number] => [p.bytesPerImage, p[y]]),
    })),
    ...schemes.map((scheme, j) => ({
      name: codecName(scheme),
      color: colorOf(r.models.length + j),
      points: codecs.filter((p) => p.scheme === scheme).map((p): [number, number] => [p.bytesPerImage, p[y]]),
    })),
  ];
  const options = { xLabel: 'bytes per image', logX: true, markers: true };
  const card = (title: string, chart: string): string => `<div class="card"><h3>${esc(title)}</h3>${chart}</div>`;
  const bits = settings(curves.flat().map((p) => p.setting));
  const qualities = codecs.map((p) => p.setting).filter(isNum);
  const images = r.models.find((m) => isNum(m.metrics.compression?.images))?.metrics.compression?.images;
  const note = [
    'Bytes a real file needs per image',
    bits ? `codes at ${bits} bits per coordinate` : '',
    qualities.length
      ? `${schemes.map(codecName).join(' and ')} at qualities ${plain(Math.min(...qualities))} to ${plain(Math.max(...qualities))} through sharp`
      : '',
    isNum(images) ? `on the same first ${plain(images)} test images` : '',
  ]
    .filter(Boolean)
    .join('; ');
  return section(
    'rate',
    'Compression: rate-distortion',
    `<p class="note">${esc(note)}.</p><div class="charts">` +
      card('PSNR vs bytes per image', lineChart(series('psnr'), { ...options, yLabel: 'PSNR (dB)' })) +
      card('SSIM vs bytes per image', lineChart(series('ssim'), { ...options, yLabel: 'SSIM' })) +
      '</div>',
  );
}

function verdictsSection(s: Summary): string {
  const cards = s.models.map(
    (m, i) =>
      `<div class="card"><h3><i class="dot" style="background:${colorOf(i)}"></i>${esc(m.name)}</h3>` +
      `<h4>Strengths</h4>${m.strengths.length ? items(m.strengths, 'good') : '<p class="note">none measured</p>'}` +
      `<h4>Weaknesses</h4>${m.weaknesses.length ? items(m.weaknesses, 'bad') : '<p class="note">none measured</p>'}</div>`,
  );
  return section('verdicts', 'Strengths and weaknesses', `<div class="grid">${cards.join('')}</div>`);
}

/** Under several seeds, each seed's checkpoint of the model. */
function seedRunsList(m: ModelResult): string {
  const runs = m.seedRuns ?? [];
  return runs.length > 1 ? items(runs.map((s) => `seed ${s.seed}: checkpoint ${s.checkpoint}`)) : '';
}

function detailsSection(r: CompareResults): string {
  const rows = r.models.map(
    (m) =>
      `<details><summary>${esc(m.name)} (${esc(m.family)}): checkpoint ${esc(m.checkpoint)}</summary>` +
      seedRunsList(m) +
      `<pre>${esc(JSON.stringify({ config: m.config, timings: m.timings }, null, 2))}</pre></details>`,
  );
  return section('details', 'Run details', rows.join(''));
}

/**
 * The comparison report: one self-contained HTML document (inline CSS, inline
 * SVG charts, every PNG from `results.models[i].images` read relative to `dir`
 * and inlined as a data URI), so it opens offline and requests nothing.
 *
 * @throws GentorchError E_IO naming a missing image, E_DATA naming one that is not a PNG.
 */
export async function renderReport(results: CompareResults, dir: string): Promise<string> {
  const summary = summarize(results);
  const images = await loadImages(results, dir);
  const imageParts = IMAGE_KINDS.map((k) => ({ k, html: imageSection(results, images, k) })).filter((p) => p.html);
  // The samples side by side under the verdict, then which classes they cover: what a reader looks at first.
  const first = imageParts.filter((p) => p.k.kind === 'samples');
  const rest = imageParts.filter((p) => p.k.kind !== 'samples');
  const coverage = coverageSection(results);
  const latent = latentSection(results);
  const rate = rateSection(results);
  const toc = [
    ...first.map((p) => [`img-${p.k.kind}`, p.k.title]),
    ...(coverage ? [['coverage', 'Class coverage']] : []),
    ['findings', 'Findings'],
    ['metrics', 'Metrics'],
    ...rest.map((p) => [`img-${p.k.kind}`, p.k.title]),
    ...(latent ? [['latent', 'Latent space']] : []),
    ['curves', 'Curves'],
    ...(rate ? [['rate', 'Compression']] : []),
    ['verdicts', 'Strengths and weaknesses'],
    ['details', 'Run details'],
  ];
  const nav = `<nav>${toc.map(([id, t]) => `<a href="#${id}">${esc(t)}</a>`).join('')}</nav>`;
  const body = [
    header(results, summary),
    nav,
    ...first.map((p) => p.html),
    coverage,
    section('findings', 'Findings', items(summary.findings)),
    metricsTable(results),
    ...rest.map((p) => p.html),
    latent,
    chartsSection(results),
    rate,
    verdictsSection(summary),
    detailsSection(results),
  ];
  return page(`gentorch report: ${reportTitle(results)}`, body.filter(Boolean).join('\n'));
}
