/**
 * The tables of the text report (lib/report/text.ts): every model's
 * measures, the n-gram orders, compression, repair with its examples, and
 * interpolation. Every string from the results goes through esc().
 */
import type { TextModelResult, TextResults } from './text-results.js';
import { colorOf } from './charts.js';
import { esc, section } from './html.js';
import { fmt, isNum, pct, plain } from './summary.js';

/** Inline monospace that keeps spaces (page() has no class for it). */
export const MONO = 'font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:pre';

/** A string from the data in monospace, escaped; an empty one says so. */
export const mono = (s: unknown): string =>
  s === '' ? '<small>(empty)</small>' : `<span style="${MONO}">${esc(s)}</span>`;

/** A model's character n-gram JSD (bits) against the test lines. */
export const jsdOf = (m: TextModelResult, n: number): number | undefined =>
  m.samples?.jsd?.find((j) => j.n === n)?.bits;

/** A model's row head: its colour dot, name and (when different) family. */
export const modelCell = (m: TextModelResult, i: number): string =>
  `<i class="dot" style="background:${colorOf(i)}"></i>${esc(m.name)}${m.name === m.family ? '' : ` <small>${esc(m.family)}</small>`}`;

const table = (head: string, rows: string[]): string =>
  `<div class="scroll"><table><thead>${head}</thead><tbody>${rows.join('')}</tbody></table></div>`;
const note = (text: string): string => `<p class="note">${esc(text)}</p>`;

/** A cell: `n/a` greyed when the value is missing or not finite, highlighted when it is the best. */
function cell(value: unknown, text: string, best?: number, extra = ''): string {
  const cls = !isNum(value) ? ' class="na"' : value === best ? ' class="best"' : '';
  return `<td${cls}>${esc(text)}${extra}</td>`;
}

/** The best finite value of a column, when at least two rows have one. */
function bestOf(values: unknown[], better: 'lower' | 'higher'): number | undefined {
  const finite = values.filter(isNum);
  if (finite.length < 2) return undefined;
  return better === 'lower' ? Math.min(...finite) : Math.max(...finite);
}

/** A model's test bits per character: the n-gram's exact cost, else the VAE's IWAE bound, else its -ELBO. */
function testBits(m: TextModelResult): { value?: number; how: string } {
  const b = m.bitsPerChar ?? {};
  if (isNum(b.exact)) return { value: b.exact, how: 'exact' };
  if (isNum(b.iwae)) return { value: b.iwae, how: `IWAE${m.vae ? `, ${plain(m.vae.iwaeSamples)} samples` : ''}` };
  if (isNum(b.nelbo)) return { value: b.nelbo, how: '-ELBO' };
  return { how: '' };
}

interface Column {
  head: string;
  value: (m: TextModelResult) => unknown;
  show: (v: unknown, m: TextModelResult) => string;
  /** Small text after the figure. */
  extra?: (m: TextModelResult) => string;
  better?: 'lower' | 'higher';
}

const COLUMNS: Column[] = [
  {
    head: 'test bits/char',
    value: (m) => testBits(m).value,
    show: (v) => fmt(v, 3),
    extra: (m) => {
      const { how } = testBits(m);
      const nelbo = m.bitsPerChar?.nelbo;
      const parts = [how, ...(how.startsWith('IWAE') && isNum(nelbo) ? [`-ELBO ${fmt(nelbo, 3)}`] : [])].filter(
        Boolean,
      );
      return parts.map((t) => `<br><small>${esc(t)}</small>`).join('');
    },
    better: 'lower',
  },
  { head: 'validity', value: (m) => m.samples?.validity, show: pct, better: 'higher' },
  { head: 'novelty', value: (m) => m.samples?.novelty, show: pct },
  { head: 'diversity', value: (m) => m.samples?.diversity, show: pct },
  ...[1, 2, 3, 4].map((n): Column => ({
    head: `n=${n}`,
    value: (m) => jsdOf(m, n),
    show: (v) => fmt(v, 3),
    better: 'lower',
  })),
  {
    head: 'mean length / length TV',
    value: (m) => m.samples?.length?.tvDistance,
    show: (v, m) => `${fmt(m.samples?.length?.samples?.mean, 1)} / ${fmt(v, 3)}`,
    better: 'lower',
  },
  { head: 'train seconds', value: (m) => m.timings?.trainSeconds, show: (v) => fmt(v, 1) },
  {
    head: 'steps',
    value: (m) => m.timings?.steps,
    show: (v) => plain(v),
    extra: (m) => (isNum(m.timings?.epochs) ? ` <small>${esc(`${fmt(m.timings.epochs, 2)} epochs`)}</small>` : ''),
  },
  {
    head: 'parameters',
    value: (m) => m.timings?.parameters,
    show: (v) => (isNum(v) ? v.toLocaleString('en-US') : 'n/a'),
  },
];

/** Every model's measures, a row each (the n-gram baseline included), best of each score highlighted. */
export function measuresTable(r: TextResults): string {
  if (r.models.length === 0) return '';
  const best = COLUMNS.map((c) => (c.better ? bestOf(r.models.map(c.value), c.better) : undefined));
  const th = (c: Column) => `<th>${esc(c.head)}</th>`;
  const head =
    `<tr><th rowspan="2">model</th>${COLUMNS.slice(0, 4)
      .map((c) => `<th rowspan="2">${esc(c.head)}</th>`)
      .join('')}` +
    `<th colspan="4">JSD against the test lines (bits)</th>${COLUMNS.slice(8)
      .map((c) => `<th rowspan="2">${esc(c.head)}</th>`)
      .join('')}</tr>` +
    `<tr>${COLUMNS.slice(4, 8).map(th).join('')}</tr>`;
  const rows = r.models.map((m, i) => {
    const cells = COLUMNS.map((c, k) => {
      const v = c.value(m);
      return cell(v, c.show(v, m), best[k], c.extra?.(m) ?? '');
    });
    return `<tr><th style="white-space:nowrap">${modelCell(m, i)}</th>${cells.join('')}</tr>`;
  });
  const samples = r.models.map((m) => m.samples?.samples).find(isNum);
  const test = r.models.map((m) => m.samples?.length?.test?.mean).find(isNum);
  return section(
    'measures',
    'Measures',
    table(head, rows) +
      note(
        `Best of each score highlighted (novelty and diversity are not scores: noise is novel and diverse). ` +
          `Samples: ${plain(samples)} strings per model; validity: share that are lines of the data set; novelty: share not in the training lines; diversity: distinct / drawn. ` +
          `JSD: character n-gram frequencies of the samples against the test lines, 0 same, 1 disjoint. Length TV: total-variation distance of the length histograms (test mean ${fmt(test, 1)}). ` +
          `Bits per character on ${plain(r.testStrings)} test lines, end of string counted: the n-gram's exact cost, the VAE's IWAE and -ELBO upper bounds; the GAN has none.`,
      ),
  );
}

/** Each n-gram order's held-out and test bits per character, the chosen and the best marked. */
export function ordersTable(r: TextResults): string {
  const g = r.ngram;
  if (!g) return '';
  const orders = [...new Set([...(g.heldOut ?? []), ...(g.test ?? [])].map((x) => x.order))].sort((a, b) => a - b);
  if (orders.length === 0) return '';
  const at = (list: { order: number; bitsPerChar: number }[] | undefined, o: number) =>
    list?.find((x) => x.order === o)?.bitsPerChar;
  const rows = orders.map((o) => {
    const marks = [
      ...(o === g.chosen ? ['chosen on held-out lines'] : []),
      ...(o === g.best?.order ? ['best on test'] : []),
    ];
    const held = at(g.heldOut, o),
      test = at(g.test, o);
    return (
      `<tr><th>${esc(plain(o))}</th>${cell(held, fmt(held, 3), o === g.chosen ? held : undefined)}` +
      `${cell(test, fmt(test, 3), o === g.best?.order ? test : undefined)}<td>${esc(marks.join('; '))}</td></tr>`
    );
  });
  return section(
    'orders',
    'n-gram orders',
    table('<tr><th>order</th><th>held-out bits/char</th><th>test bits/char</th><th></th></tr>', rows) +
      note(
        `The order is chosen on lines held out of the training lines; the test figures say what choosing on the test lines would have given. The best order's ${fmt(g.best?.bitsPerChar, 3)} bits per character is the bar both families are held to.`,
      ),
  );
}

const isGzip = (method: string): boolean => /gzip/i.test(method);

/** Bytes per string of each lossless and lossy code, the smallest lossless highlighted. */
export function compressionTable(r: TextResults): string {
  const rows = r.compression?.rows ?? [];
  if (rows.length === 0) return '';
  const smallest = bestOf(
    rows.filter((x) => x.lossless).map((x) => x.bytesPerString),
    'lower',
  );
  const body = rows.map(
    (x) =>
      `<tr><th>${esc(x.method)}${isGzip(x.method) ? ' <small>baseline</small>' : ''}</th><td>${x.lossless ? 'lossless' : 'lossy'}</td>` +
      cell(x.bytesPerString, fmt(x.bytesPerString, 2), x.lossless ? smallest : undefined) +
      (x.lossless
        ? '<td class="na">—</td><td class="na">—</td>'
        : cell(x.exactShare, pct(x.exactShare)) + cell(x.charErrorRate, pct(x.charErrorRate))) +
      '</tr>',
  );
  return section(
    'compression',
    'Compression',
    table(
      '<tr><th>method</th><th>kind</th><th>bytes per string</th><th>decoded exactly</th><th>character error rate</th></tr>',
      body,
    ) +
      note(
        `Mean bytes per string over ${plain(r.compression.strings)} test strings. Lossless: the bytes of an ideal entropy code under the model, or gzip's file; lossy: the quantized latent code, with the share of strings decoded exactly and the edit distance per character. Smallest lossless highlighted.`,
      ),
  );
}

const RIGHT = '#dcfce7',
  WRONG = '#fee2e2';

/**
 * A repair with the filled characters marked (green when they match the
 * truth, red when not); plain when the mask is not one character or the
 * repair changed the length.
 */
export function markFilled(masked: string, truth: string, out: string, mask: string): string {
  const m = [...masked],
    o = [...out],
    t = [...truth];
  if ([...mask].length !== 1 || m.length !== o.length) return mono(out);
  const chars = o.map((c, i) =>
    m[i] === mask ? `<mark style="background:${c === t[i] ? RIGHT : WRONG}">${esc(c)}</mark>` : esc(c),
  );
  return `<span style="${MONO}">${chars.join('')}</span>`;
}

/** Each method's repair of the masked test strings, then the first examples. */
export function repairTables(r: TextResults): string {
  const x = r.repair;
  if (!x || ((x.rows ?? []).length === 0 && (x.examples ?? []).length === 0)) return '';
  const best = bestOf(
    (x.rows ?? []).map((y) => y.charAccuracy),
    'higher',
  );
  const bestExact = bestOf(
    (x.rows ?? []).map((y) => y.exactShare),
    'higher',
  );
  const scores = (x.rows ?? []).map(
    (y) =>
      `<tr><th>${esc(y.method)}</th>${cell(y.charAccuracy, pct(y.charAccuracy), best)}${cell(y.exactShare, pct(y.exactShare), bestExact)}</tr>`,
  );
  const methods = [
    ...new Set([
      ...(x.rows ?? []).map((y) => y.method),
      ...(x.examples ?? []).flatMap((e) => Object.keys(e.repaired ?? {})),
    ]),
  ];
  const examples = (x.examples ?? []).map((e) => {
    const outs = methods.map((k) => {
      const out = e.repaired?.[k];
      return typeof out === 'string'
        ? `<td>${markFilled(e.masked, e.truth, out, x.mask)}</td>`
        : '<td class="na">n/a</td>';
    });
    return `<tr><td>${mono(e.masked)}</td><td>${mono(e.truth)}</td>${outs.join('')}</tr>`;
  });
  const examplesTable = examples.length
    ? `<h3>Examples</h3>${table(`<tr><th>masked</th><th>truth</th>${methods.map((k) => `<th>${esc(k)}</th>`).join('')}</tr>`, examples)}` +
      note(
        `Filled characters marked: green where they match the truth, red where not. The mask character: “${x.mask}”.`,
      )
    : '';
  return section(
    'repair',
    'Repair',
    (scores.length
      ? table('<tr><th>method</th><th>masked characters restored</th><th>strings restored entirely</th></tr>', scores)
      : '') +
      note(
        `${plain(x.strings)} test strings with ${pct(x.maskShare)} of each string's characters masked (at least one). Best of each column highlighted.`,
      ) +
      examplesTable,
  );
}

/** Each line through latent space: from, the decoded path, to. */
export function interpolationTable(r: TextResults): string {
  const lines = r.interpolation ?? [];
  if (lines.length === 0) return '';
  const rows = lines.map((l) => {
    const i = r.models.findIndex((m) => m.name === l.model);
    const head = i >= 0 ? modelCell(r.models[i], i) : esc(l.model);
    const path = (l.path ?? []).map(mono).join(' → ');
    return `<tr><th>${head}</th><td>${mono(l.from)}</td><td>${path}</td><td>${mono(l.to)}</td></tr>`;
  });
  return section(
    'interpolation',
    'Interpolation',
    table('<tr><th>model</th><th>from</th><th>path</th><th>to</th></tr>', rows) +
      note(
        "Evenly spaced points on the line between two test strings' codes (the VAE's encodings, the GAN's inversions), each decoded.",
      ),
  );
}
