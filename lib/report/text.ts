/**
 * The text report of `gentorch compare --data words`: one self-contained HTML
 * page from TextResults (lib/report/text-results.ts) with the findings, the
 * table of every model's measures (the n-gram baseline a row like the
 * others), the n-gram orders, the samples side by side, the training curves,
 * and the uses: compression, repair and interpolation (lib/report/text-tables.ts).
 */
import type { TextModelResult, TextResults } from './text-results.js';
import { colorOf, lineChart, type ChartSeries } from './charts.js';
import { esc, items, page, section } from './html.js';
import { fmt, isNum, joinAnd, pct, plain } from './summary.js';
import {
  compressionTable,
  interpolationTable,
  jsdOf,
  measuresTable,
  modelCell,
  MONO,
  ordersTable,
  repairTables,
} from './text-tables.js';

/** Under this KL (nats per string) the VAE's code carries next to nothing: its decoder does without z. */
const COLLAPSED_KL = 0.5;
/** GAN samples under this share of distinct strings repeat themselves. */
const LOW_DIVERSITY = 0.5;
/** A length histogram this far (total variation) from the test lines' misses whole lengths. */
const LENGTH_TV = 0.3;

type Better = 'lower' | 'higher';
interface Ranked {
  m: TextModelResult;
  v: number;
}

/** The models with a finite value, best first. */
function ranked(models: TextModelResult[], value: (m: TextModelResult) => unknown, better: Better): Ranked[] {
  const out = models.flatMap((m) => {
    const v = value(m);
    return isNum(v) ? [{ m, v }] : [];
  });
  return out.sort((a, b) => (better === 'lower' ? a.v - b.v : b.v - a.v));
}

/** The sample measures the findings rank, each with its words and its figure as text. */
const SAMPLE_MEASURES: {
  what: string;
  label: string;
  better: Better;
  value: (m: TextModelResult) => unknown;
  show: (v: number) => string;
}[] = [
  {
    what: 'Closest to the test lines',
    label: '3-gram JSD',
    better: 'lower',
    value: (m) => jsdOf(m, 3),
    show: (v) => `${fmt(v, 3)} bits`,
  },
  { what: 'Most valid', label: 'validity', better: 'higher', value: (m) => m.samples?.validity, show: pct },
  { what: 'Most novel', label: 'novelty', better: 'higher', value: (m) => m.samples?.novelty, show: pct },
  { what: 'Most diverse', label: 'diversity', better: 'higher', value: (m) => m.samples?.diversity, show: pct },
];

/** "vae 0.061 bits, gan 0.080 bits". */
const listed = (order: Ranked[], show: (v: number) => string): string =>
  order.map((o) => `${o.m.name} ${show(o.v)}`).join(', ');

/** Whether the VAE's bound on its test cost is below the best n-gram order's. */
function likelihoodFinding(r: TextResults, vae: TextModelResult | undefined): string | undefined {
  const best = r.ngram?.best;
  if (!vae || !best) return undefined;
  const iwae = vae.bitsPerChar?.iwae;
  const [bound, label] = isNum(iwae) ? [iwae, 'IWAE'] : [vae.bitsPerChar?.nelbo, '-ELBO'];
  if (!isNum(bound) || !isNum(best.bitsPerChar)) return undefined;
  const figures = `${vae.name}'s test ${label} bound, ${fmt(bound, 3)} bits per character, is`;
  const ngram = `the best n-gram's (order ${plain(best.order)}, ${fmt(best.bitsPerChar, 3)} bits per character exact) on ${plain(r.testStrings)} test lines`;
  return bound < best.bitsPerChar
    ? `${figures} below ${ngram}: an upper bound on its cost, so the VAE models the test lines better than any n-gram order tried.`
    : `${figures} not below ${ngram}: the bound does not show the VAE ahead of the n-gram (it is an upper bound, so its true cost may be lower).`;
}

/** Which model leads each sample measure, with every model's figure. */
function sampleFindings(r: TextResults): string[] {
  const out: string[] = [];
  for (const s of SAMPLE_MEASURES) {
    const order = ranked(r.models, s.value, s.better);
    if (order.length < 2) continue;
    const leaders = order.filter((o) => o.v === order[0].v);
    const rest = order.slice(leaders.length);
    const tail = rest.length ? ` (${listed(rest, s.show)})` : '';
    if (leaders.length === order.length) {
      out.push(`No model leads on ${s.label}: all ${s.show(order[0].v)}.`);
      continue;
    }
    out.push(`${s.what}: ${joinAnd(leaders.map((o) => o.m.name))}, ${s.label} ${s.show(order[0].v)}${tail}.`);
  }
  return out;
}

/** Where the n-gram baseline stands on the sample measures: best, or behind whom. */
function baselineFinding(r: TextResults): string | undefined {
  const ngram = r.models.find((m) => m.family === 'ngram');
  if (!ngram || r.models.length < 2) return undefined;
  const ahead: string[] = [];
  const behind: string[] = [];
  for (const s of SAMPLE_MEASURES) {
    const order = ranked(r.models, s.value, s.better);
    const own = order.find((o) => o.m === ngram);
    if (!own || order.length < 2) continue;
    const better = order.filter((o) => (s.better === 'lower' ? o.v < own.v : o.v > own.v));
    const figure = `${s.label} (${s.show(own.v)})`;
    if (better.length === 0) ahead.push(figure);
    else behind.push(`behind ${joinAnd(better.map((o) => o.m.name))} on ${figure}`);
  }
  if (ahead.length === 0 && behind.length === 0) return undefined;
  const parts = [...(ahead.length ? [`at least as good as every model on ${joinAnd(ahead)}`] : []), ...behind];
  return `The n-gram baseline ${ngram.name} is ${parts.join('; ')}.`;
}

/** Posterior collapse: no active unit, or a KL too small to carry information. */
function collapseFinding(vae: TextModelResult | undefined): string | undefined {
  const e = vae?.vae;
  if (!vae || !e) return undefined;
  const figures = `${plain(e.activeUnits)} of ${plain(e.latentDim)} latent units active, KL ${fmt(e.kl, 2)} nats per string`;
  if (e.activeUnits === 0 || (isNum(e.kl) && e.kl < COLLAPSED_KL))
    return `${vae.name}'s posterior collapsed: ${figures}. The decoder ignores z, so its samples and repairs come from a language model alone and its interpolations barely move.`;
  if (isNum(e.activeUnits) && isNum(e.kl))
    return `${vae.name} uses its latent code: ${figures} (reconstruction ${fmt(e.recon, 2)} nats per string).`;
  return undefined;
}

/** Mode collapse signs of the GAN: repeated samples, or lengths far from the test lines'. */
function modeCollapseFinding(gan: TextModelResult | undefined): string | undefined {
  if (!gan) return undefined;
  const diversity = gan.samples?.diversity;
  const tv = gan.samples?.length?.tvDistance;
  const signs: string[] = [];
  if (isNum(diversity) && diversity < LOW_DIVERSITY)
    signs.push(`only ${pct(diversity)} of its samples are distinct (under ${pct(LOW_DIVERSITY)})`);
  if (isNum(tv) && tv > LENGTH_TV)
    signs.push(
      `its lengths are ${fmt(tv, 2)} in total variation from the test lines' (over ${fmt(LENGTH_TV, 2)}; mean ${fmt(gan.samples.length.samples.mean, 1)} against ${fmt(gan.samples.length.test.mean, 1)} characters)`,
    );
  if (signs.length) return `${gan.name} shows signs of mode collapse: ${signs.join('; ')}.`;
  if (!isNum(diversity) || !isNum(tv)) return undefined;
  return `${gan.name} shows no sign of mode collapse by these measures: ${pct(diversity)} of its samples distinct, length total variation ${fmt(tv, 2)}.`;
}

const isGzip = (method: string): boolean => /gzip/i.test(method);

/** The smallest lossless code of a model against gzip's. */
function compressionFinding(r: TextResults): string | undefined {
  const rows = (r.compression?.rows ?? []).filter((x) => x.lossless && isNum(x.bytesPerString));
  const byBytes = (a: { bytesPerString: number }, b: { bytesPerString: number }) => a.bytesPerString - b.bytesPerString;
  const code = rows.filter((x) => !isGzip(x.method)).sort(byBytes)[0];
  const gzip = rows.filter((x) => isGzip(x.method)).sort(byBytes)[0];
  if (!code) return undefined;
  const on = `on ${plain(r.compression.strings)} test strings`;
  const codeText = `${code.method}, ${fmt(code.bytesPerString, 2)} bytes per string`;
  if (!gzip) return `Smallest lossless code ${on}: ${codeText}.`;
  const gzipText = `${gzip.method} (${fmt(gzip.bytesPerString, 2)} bytes per string)`;
  return code.bytesPerString < gzip.bytesPerString
    ? `Smallest lossless code ${on}: ${codeText}, ${fmt(gzip.bytesPerString / code.bytesPerString, 1)}× smaller than ${gzipText}.`
    : `No model's lossless code beats gzip ${on}: the smallest, ${codeText}, against ${gzipText}.`;
}

/** The best repair of the masked test strings by character accuracy. */
function repairFinding(r: TextResults): string | undefined {
  const order = (r.repair?.rows ?? [])
    .filter((x) => isNum(x.charAccuracy))
    .sort((a, b) => b.charAccuracy - a.charAccuracy);
  if (order.length === 0) return undefined;
  const [best, ...rest] = order;
  const others = rest.length ? ` (${rest.map((x) => `${x.method} ${pct(x.charAccuracy)}`).join(', ')})` : '';
  const tie = rest[0]?.charAccuracy === best.charAccuracy ? ', tied' : '';
  return (
    `Repair of ${plain(r.repair.strings)} test strings with ${pct(r.repair.maskShare)} of their characters masked: ` +
    `${best.method} restores the most${tie}, ${pct(best.charAccuracy)} of the masked characters and ${pct(best.exactShare)} of the strings entirely${others}.`
  );
}

/** What the figures say, in sentences; every sentence names its numbers, and a model or figure that is missing is left out. */
export function textFindings(r: TextResults): string[] {
  const vae = r.models.find((m) => m.family === 'vae');
  const gan = r.models.find((m) => m.family === 'gan');
  return [
    likelihoodFinding(r, vae),
    ...sampleFindings(r),
    baselineFinding(r),
    collapseFinding(vae),
    modeCollapseFinding(gan),
    compressionFinding(r),
    repairFinding(r),
  ].filter((f): f is string => f !== undefined);
}

/** Each model's first samples, one monospace column per model. */
function samplesSection(r: TextResults): string {
  const shown = r.models.filter((m) => (m.examples ?? []).length);
  if (shown.length === 0) return '';
  const card = (m: TextModelResult): string => {
    const lines = m.examples.map((s) => `<li>${s === '' ? '<small>(empty)</small>' : esc(s)}</li>`).join('');
    return `<div class="card"><h3>${modelCell(m, r.models.indexOf(m))}</h3><ol style="${MONO};margin:0;padding-left:2.2em">${lines}</ol></div>`;
  };
  return section(
    'samples',
    'Samples',
    `<p class="note">${esc('The first strings each model drew, as drawn (not picked).')}</p><div class="grid">${shown.map(card).join('')}</div>`,
  );
}

/** A flat reference line across the chart's seconds, for the n-gram's figure. */
const flat = (name: string, y: unknown, end: number, i: number): ChartSeries[] =>
  isNum(y) && end > 0
    ? [
        {
          name,
          color: colorOf(i),
          points: [
            [0, y],
            [end, y],
          ],
        },
      ]
    : [];

function curvesSection(r: TextResults): string {
  const trained = r.models.filter((m) => m.family !== 'ngram');
  const ngram = r.models.find((m) => m.family === 'ngram');
  const ni = ngram ? r.models.indexOf(ngram) : 0;
  const end = Math.max(0, ...trained.flatMap((m) => (m.curve ?? []).map((p) => p.seconds)).filter(isNum));
  const card = (title: string, chart: string) => `<div class="card"><h3>${esc(title)}</h3>${chart}</div>`;
  const cards: string[] = [];
  if (trained.some((m) => (m.curve ?? []).length))
    cards.push(
      card(
        '3-gram JSD vs training seconds',
        lineChart(
          [
            ...trained.map((m) => ({
              name: m.name,
              color: colorOf(r.models.indexOf(m)),
              points: (m.curve ?? []).map((p): [number, number] => [p.seconds, p.jsd3]),
            })),
            ...flat(`${ngram?.name ?? 'n-gram'} (final)`, ngram && jsdOf(ngram, 3), end, ni),
          ],
          { xLabel: 'training seconds', yLabel: '3-gram JSD (bits)', markers: true },
        ),
      ),
    );
  for (const m of trained.filter((x) => (x.curve ?? []).some((p) => isNum(p.bitsPerChar))))
    cards.push(
      card(
        `${m.name}: bits per character vs training seconds`,
        lineChart(
          [
            {
              name: `${m.name} -ELBO`,
              color: colorOf(r.models.indexOf(m)),
              points: m.curve.map((p): [number, number] => [p.seconds, p.bitsPerChar ?? NaN]),
            },
            ...flat(`best n-gram (order ${plain(r.ngram?.best?.order)})`, r.ngram?.best?.bitsPerChar, end, ni),
          ],
          { xLabel: 'training seconds', yLabel: 'bits per character', markers: true },
        ),
      ),
    );
  for (const m of trained.filter((x) => (x.losses ?? []).length)) {
    const keys = [...new Set(m.losses.flatMap((p) => Object.keys(p.losses ?? {})))];
    const series = keys.map((k, i) => ({
      name: k,
      color: colorOf(i),
      points: m.losses.map((p): [number, number] => [p.seconds, p.losses?.[k] ?? NaN]),
    }));
    const osc = isNum(m.lossOscillation) ? ` (second half oscillation ${fmt(m.lossOscillation, 3)})` : '';
    cards.push(
      card(
        `${m.name}: training losses${osc}`,
        lineChart(series, { xLabel: 'training seconds', yLabel: 'loss', smooth: 0.6 }),
      ),
    );
  }
  if (cards.length === 0) return '';
  const note =
    'JSD of a few hundred samples against the test lines, and the VAE’s -ELBO on a test subset, measured during training (the evaluations are not counted as training time); the n-gram’s final figures as flat lines. Losses faint raw, bold smoothed.';
  return section('curves', 'Training', `<p class="note">${esc(note)}</p><div class="charts">${cards.join('')}</div>`);
}

const SECTION_TITLES: [string, string][] = [
  ['findings', 'Findings'],
  ['measures', 'Measures'],
  ['orders', 'n-gram orders'],
  ['samples', 'Samples'],
  ['curves', 'Training'],
  ['compression', 'Compression'],
  ['repair', 'Repair'],
  ['interpolation', 'Interpolation'],
];

/** The links to the sections present. */
function nav(sections: string[]): string {
  const present = SECTION_TITLES.filter(([id]) => sections.some((s) => s.startsWith(`<section id="${id}"`)));
  return `<nav>${present.map(([id, title]) => `<a href="#${id}">${esc(title)}</a>`).join('')}</nav>`;
}

function header(r: TextResults): string {
  const title = `Text: ${joinAnd(r.models.map((m) => m.name))} on ${r.data.name}`;
  const unit = r.budget.kind === 'seconds' ? 's' : 'epoch(s)';
  const ngram = r.models.find((m) => m.family === 'ngram');
  const counted = ngram ? `; the n-gram baseline is counted in seconds (${fmt(ngram.timings?.trainSeconds, 2)} s)` : '';
  const budget = `Each trained model had the same ${plain(r.budget.value)} ${unit} on ${r.device}${counted}.`;
  const d = r.data;
  const meta =
    `gentorch ${r.gentorch}, libtorch ${r.torch}, seed ${r.seed}, ${r.createdAt}. Data: ${d.name}, ${plain(d.train)} training and ${plain(d.test)} test lines, ` +
    `${plain(d.characters)} characters, up to ${plain(d.maxLength)} long (mean ${fmt(d.meanLength, 1)}); bits per character on ${plain(r.testStrings)} test lines.`;
  return `<header><h1>${esc(title)}</h1><p class="budget">${esc(budget)}</p><p class="meta">${esc(meta)}</p></header>`;
}

/** The text comparison's report as one self-contained HTML document (no script, nothing fetched); every string from the results is escaped. */
export function renderTextReport(r: TextResults): string {
  const sections = [
    section('findings', 'Findings', items(textFindings(r))),
    measuresTable(r),
    ordersTable(r),
    samplesSection(r),
    curvesSection(r),
    compressionTable(r),
    repairTables(r),
    interpolationTable(r),
  ].filter(Boolean);
  const title = `Text: ${joinAnd(r.models.map((m) => m.name))} on ${r.data.name}`;
  return page(`gentorch report: ${title}`, [header(r), nav(sections), ...sections].join('\n'));
}
