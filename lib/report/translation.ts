/**
 * The image-to-image report of `gentorch compare --task`: one self-contained
 * HTML page from TranslationResults (lib/compare/translate.ts) with the
 * findings, the perception-distortion plane (every family and baseline a
 * point: PSNR against FID, and SSIM against precision), the table of every
 * measure, the training curves and the examples grid, inlined.
 */
import { resolve } from 'node:path';
import type { TranslationPoint, TranslationResults } from './results.js';
import { colorOf, lineChart, type ChartSeries } from './charts.js';
import { esc, imgTag, inlinePng, items, page, section } from './html.js';
import { dB, fmt, isNum, pct, plain, secs } from './summary.js';

const TASK_NAMES: Record<string, string> = {
  superres: 'super-resolution',
  inpaint: 'inpainting',
  denoise: 'denoising',
  edges: 'edges to image',
  colorize: 'colorization',
};

/** "super-resolution ×2", "inpainting", "denoising (noise std 0.3)". */
export function taskTitle(r: TranslationResults): string {
  const t = r.task;
  const name = TASK_NAMES[t.task] ?? t.task;
  if (t.task === 'superres') return `${name} ×${t.factor}`;
  if (t.task === 'denoise') return `${name} (noise std ${plain(t.noiseStd)})`;
  return name;
}

/** Below this mean per-pixel difference between a VAE's outputs for one input, its code hardly matters. */
const DIVERSE = 0.01;
const families = (r: TranslationResults) => r.points.filter((p) => p.kind === 'family');
const best = (points: TranslationPoint[], key: 'psnr' | 'fid', low = false) =>
  points.filter((p) => isNum(p[key])).sort((a, b) => (low ? a[key] - b[key] : b[key] - a[key]))[0];

/** What the figures say, in sentences: who wins each axis, who beats the baselines, whether the trade-off shows. */
export function translationFindings(r: TranslationResults): string[] {
  const out: string[] = [];
  const fams = families(r);
  const sharpest = best(r.points, 'fid', true);
  const closest = best(r.points, 'psnr');
  if (closest) out.push(`Least distortion: ${closest.name}, ${dB(closest.psnr)} PSNR (SSIM ${fmt(closest.ssim, 3)}).`);
  if (sharpest)
    out.push(
      `Most realistic outputs: ${sharpest.name}, FID ${fmt(sharpest.fid)} (precision ${fmt(sharpest.precision, 3)}, recall ${fmt(sharpest.recall, 3)}).`,
    );
  if (closest && sharpest && closest !== sharpest)
    out.push(
      `The trade-off shows: the method closest to the targets (${closest.name}) is not the most realistic (${sharpest.name}), as Blau and Michaeli's perception-distortion bound predicts.`,
    );
  for (const b of r.points.filter((p) => p.kind === 'baseline')) {
    const above = fams.filter((f) => f.psnr > b.psnr).map((f) => f.name);
    const below = fams.filter((f) => !(f.psnr > b.psnr)).map((f) => f.name);
    if (above.length) out.push(`Above ${b.name} on PSNR (${dB(b.psnr)}): ${above.join(', ')}.`);
    if (below.length) out.push(`Not above ${b.name} on PSNR (${dB(b.psnr)}): ${below.join(', ')}.`);
  }
  const reg = fams.find((f) => f.family === 'regressor');
  for (const f of fams.filter((p) => p.family !== 'regressor')) {
    if (!reg) break;
    const verdict = f.fid < reg.fid ? 'more realistic than' : 'not more realistic than';
    out.push(
      `${f.name} is ${verdict} the L1 regressor: FID ${fmt(f.fid)} against ${fmt(reg.fid)}, at ${dB(f.psnr)} against ${dB(reg.psnr)} PSNR.`,
    );
  }
  const vae = fams.find((f) => isNum(f.diversity));
  const where = r.task.task === 'inpaint' ? ' per pixel of the holes' : ' per pixel';
  if (vae && (vae.diversity as number) >= DIVERSE)
    out.push(
      `${vae.name} gives a different output for each code: two outputs for one input differ by ${fmt(vae.diversity, 3)}${where} on average (${plain(r.diversityImages)} inputs); the other families give one.`,
    );
  else if (vae)
    out.push(
      `${vae.name}'s outputs barely depend on its code: two outputs for one input differ by ${fmt(vae.diversity, 3)}${where} on average (${plain(r.diversityImages)} inputs). Its decoder learned to do without z, the conditional VAE's posterior collapse, which is likely where the input nearly settles the target.`,
    );
  return out;
}

function plane(r: TranslationResults): string {
  const series = (x: 'psnr' | 'ssim', y: 'fid' | 'precision'): ChartSeries[] =>
    r.points.map((p, i) => ({ name: p.name, color: colorOf(i), points: [[p[x], p[y]]] }));
  const card = (title: string, chart: string) => `<div class="card"><h3>${esc(title)}</h3>${chart}</div>`;
  const fids = r.points.map((p) => p.fid).filter((v) => isNum(v) && v > 0);
  const logY = fids.length > 1 && Math.max(...fids) / Math.min(...fids) > 20;
  const note =
    `Every method measured on the same ${plain(r.testImages)} held-out inputs. Distortion on x (right is closer to the targets), ` +
    "realism on y: FID of the judge's features (down is more realistic), precision (up: more outputs look like real images). " +
    'The best corner is bottom right on the left chart and top right on the right one; the perception-distortion bound says no method reaches it.';
  return section(
    'plane',
    'The perception-distortion plane',
    `<p class="note">${esc(note)}</p><div class="charts">` +
      card(
        'FID vs PSNR',
        lineChart(series('psnr', 'fid'), { xLabel: 'PSNR (dB)', yLabel: 'FID', markers: true, logY }),
      ) +
      card(
        'Precision vs SSIM',
        lineChart(series('ssim', 'precision'), { xLabel: 'SSIM', yLabel: 'precision', markers: true }),
      ) +
      '</div>',
  );
}

interface Row {
  label: string;
  value: (p: TranslationPoint) => unknown;
  show: (v: unknown) => string;
  /** Which way is better, for the highlight; none when it is not a score. */
  better?: 'high' | 'low';
}

const ROWS: Row[] = [
  { label: 'PSNR (dB)', value: (p) => p.psnr, show: (v) => fmt(v), better: 'high' },
  { label: 'SSIM', value: (p) => p.ssim, show: (v) => fmt(v, 3), better: 'high' },
  { label: 'FID (judge features)', value: (p) => p.fid, show: (v) => fmt(v), better: 'low' },
  { label: 'precision', value: (p) => p.precision, show: (v) => fmt(v, 3), better: 'high' },
  { label: 'recall', value: (p) => p.recall, show: (v) => fmt(v, 3), better: 'high' },
  { label: 'diversity (mean |Δ| per pixel)', value: (p) => p.diversity, show: (v) => fmt(v, 3) },
  { label: 'seconds per image', value: (p) => p.secondsPerImage, show: secs },
  { label: 'training seconds', value: (p) => p.trainSeconds, show: (v) => fmt(v, 0) },
  { label: 'steps (epochs)', value: (p) => p.steps, show: (v) => plain(v) },
  { label: 'parameters', value: (p) => p.parameters, show: (v) => (isNum(v) ? v.toLocaleString('en-US') : 'n/a') },
];

function table(r: TranslationResults): string {
  const head = r.points
    .map(
      (p, i) =>
        `<th><i class="dot" style="background:${colorOf(i)}"></i>${esc(p.name)}${p.kind === 'baseline' ? ' <small>baseline</small>' : ''}</th>`,
    )
    .join('');
  const body = ROWS.map((row) => {
    const values = r.points.map(row.value);
    const finite = values.filter(isNum);
    const top =
      row.better && finite.length > 1 ? (row.better === 'high' ? Math.max(...finite) : Math.min(...finite)) : NaN;
    const cells = values.map((v, i) => {
      let text = row.show(v);
      if (row.label.startsWith('steps') && isNum(r.points[i].epochs)) text += ` (${fmt(r.points[i].epochs, 2)})`;
      const cls = !isNum(v) ? ' class="na"' : v === top ? ' class="best"' : '';
      return `<td${cls}>${esc(text)}</td>`;
    });
    return `<tr><th>${esc(row.label)}</th>${cells.join('')}</tr>`;
  });
  return section(
    'measures',
    'Measures',
    `<div class="scroll"><table><thead><tr><th></th>${head}</tr></thead><tbody>${body.join('')}</tbody></table></div>` +
      `<p class="note">${esc(`Best of each score highlighted. FID and precision/recall: the judge classifier's features (${pct(r.judge.testAccuracy)} test accuracy) of the outputs against all ${plain(r.data.test)} real test images. PSNR of the mean squared error over all images.`)}</p>`,
  );
}

function curves(r: TranslationResults): string {
  const fams = families(r);
  if (!fams.some((f) => (f.losses ?? []).length)) return '';
  const series = (x: 'seconds' | 'step'): ChartSeries[] =>
    fams.map((f) => ({
      name: f.name,
      color: colorOf(r.points.indexOf(f)),
      points: (f.losses ?? []).map((p): [number, number] => [p[x], p.losses?.l1 ?? NaN]),
    }));
  const card = (title: string, x: 'seconds' | 'step', xLabel: string) =>
    `<div class="card"><h3>${esc(title)}</h3>${lineChart(series(x), { xLabel, yLabel: 'L1 per image', smooth: 0.6 })}</div>`;
  return section(
    'curves',
    'Training',
    `<p class="note">${esc('The L1 distance of each training batch to its targets (summed over an image), which every family minimises (the GAN beside its adversarial loss, the VAE beside its KL); faint raw, bold smoothed.')}</p>` +
      `<div class="charts">${card('L1 per image vs training seconds', 'seconds', 'training seconds')}${card('L1 per image vs step', 'step', 'step')}</div>`,
  );
}

async function examples(r: TranslationResults, dir: string): Promise<string> {
  const image = await inlinePng(resolve(dir, r.examples.image), 'the examples grid');
  return section(
    'examples',
    'Examples',
    `<figure class="card">${imgTag(image, 'inputs, targets and outputs')}<figcaption>${esc(`Rows, top to bottom: ${r.examples.rows.join('; ')}. Columns: the first held-out inputs.`)}</figcaption></figure>`,
  );
}

/**
 * The image-to-image report as one self-contained HTML document; the examples
 * PNG is read relative to `dir` and inlined.
 *
 * @throws GentorchError E_IO naming a missing image, E_DATA naming one that is not a PNG.
 */
export async function renderTranslationReport(r: TranslationResults, dir: string): Promise<string> {
  const title = `Image to image: ${taskTitle(r)} on ${r.data.name}`;
  const budget =
    r.budget.kind === 'seconds'
      ? `Each family trained for the same ${plain(r.budget.value)} s on ${r.device}`
      : `Each family trained for the same ${plain(r.budget.value)} epoch(s) on ${r.device}`;
  const meta = `gentorch ${r.gentorch}, libtorch ${r.torch}, seed ${r.seed}, ${r.createdAt}. Data: ${r.data.name}, ${plain(r.data.train)} training images of ${r.data.shape.join('×')}; inputs made from the first ${plain(r.testImages)} test images.`;
  const body = [
    `<header><h1>${esc(title)}</h1><p class="budget">${esc(`${budget}.`)}</p><p class="meta">${esc(meta)}</p></header>`,
    section('findings', 'Findings', items(translationFindings(r))),
    plane(r),
    table(r),
    await examples(r, dir),
    curves(r),
  ];
  return page(`gentorch report: ${title}`, body.filter(Boolean).join('\n'));
}
