/**
 * Line charts for the report as inline SVG: `lineChart()` draws series on
 * linear or log axes with round ticks, optional TensorBoard-style smoothing,
 * point markers and a legend, using no script and no external resources. Also the report's
 * palette and `escapeHtml()`, which every HTML fragment goes through.
 */

import type { LatentMap } from './results.js';

const PALETTE = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];
export const colorOf = (i: number): string => PALETTE[i % PALETTE.length];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** One line of a chart: [x, y] points; non-finite points are left out. */
export interface ChartSeries {
  name: string;
  points: [number, number][];
  /** CSS colour (default: from the report's palette). */
  color?: string;
}

export interface ChartOptions {
  xLabel: string;
  yLabel: string;
  /** viewBox size in px (default 520 x 300); the chart scales to its box. */
  width?: number;
  height?: number;
  /** Logarithmic y axis (points with y <= 0 are left out). */
  logY?: boolean;
  /** Logarithmic x axis (points with x <= 0 are left out). */
  logX?: boolean;
  /** A dot at every point: for a few measured settings rather than a dense history. */
  markers?: boolean;
  /** EMA weight in [0, 1): draw the raw line faint and the smoothed one over it, TensorBoard-style. */
  smooth?: number;
}

interface Scale {
  lo: number;
  hi: number;
  ticks: number[];
  label: (v: number) => string;
}
interface Frame {
  x: Scale;
  y: Scale;
  width: number;
  height: number;
  px: (v: number) => number;
  py: (v: number) => number;
}
interface Line {
  name: string;
  color: string;
  points: [number, number][];
}

const MARGIN = { left: 58, right: 14, top: 12, bottom: 42 };
const r1 = (v: number): number => Math.round(v * 10) / 10;

function tickLabel(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e4) return `${Number((v / 1e3).toPrecision(3))}k`;
  return a !== 0 && a < 1e-3 ? v.toExponential(0) : String(Number(v.toPrecision(4)));
}

function linearScale(lo: number, hi: number, count = 5): Scale {
  if (hi - lo <= 1e-12 * Math.max(1, Math.abs(hi))) {
    const pad = Math.abs(lo) * 0.1 || 1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / count,
    mag = 10 ** Math.floor(Math.log10(raw)),
    n = raw / mag;
  const step = (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * mag;
  const a = Math.floor(lo / step) * step,
    b = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  for (let k = 0; a + k * step <= b + step / 2; k++) ticks.push(Number((a + k * step).toPrecision(12)));
  return { lo: a, hi: b, ticks, label: tickLabel };
}

/**
 * lo and hi are log10 values. Ticks at 1, 2 and 5 per decade over at most
 * three decades (the axis ends on the ticks around the data), else at the
 * powers of ten.
 */
function logScale(lo: number, hi: number): Scale {
  const first = Math.floor(lo),
    last = Math.max(Math.ceil(hi), first + 1);
  const mults = last - first <= 3 ? [1, 2, 5] : [1];
  const candidates: number[] = [];
  for (let k = first; k <= last + 1; k++) for (const m of mults) candidates.push(k + Math.log10(m));
  const eps = 1e-9;
  const a = candidates.filter((v) => v <= lo + eps).at(-1) ?? first;
  const b = candidates.find((v) => v >= hi - eps && v > a + eps) ?? last;
  const ticks = candidates.filter((v) => v >= a - eps && v <= b + eps);
  return { lo: a, hi: b, ticks, label: (v) => tickLabel(10 ** v) };
}

function cleanLines(series: ChartSeries[], logX: boolean, logY: boolean): Line[] {
  return series
    .map((s, i) => ({
      name: s.name,
      color: s.color ?? colorOf(i),
      points: s.points
        .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!logX || x > 0) && (!logY || y > 0))
        .map(([x, y]): [number, number] => [logX ? Math.log10(x) : x, logY ? Math.log10(y) : y])
        .sort((p, q) => p[0] - q[0]),
    }))
    .filter((l) => l.points.length > 0);
}

function frameOf(lines: Line[], width: number, height: number, logX: boolean, logY: boolean): Frame {
  const all = lines.flatMap((l) => l.points);
  const min = (k: 0 | 1): number => all.reduce((m, p) => Math.min(m, p[k]), Infinity);
  const max = (k: 0 | 1): number => all.reduce((m, p) => Math.max(m, p[k]), -Infinity);
  const x = logX ? logScale(min(0), max(0)) : linearScale(min(0), max(0));
  const y = logY ? logScale(min(1), max(1)) : linearScale(min(1), max(1));
  const w = width - MARGIN.left - MARGIN.right,
    h = height - MARGIN.top - MARGIN.bottom;
  return {
    x,
    y,
    width,
    height,
    px: (v) => r1(MARGIN.left + ((v - x.lo) / (x.hi - x.lo)) * w),
    py: (v) => r1(MARGIN.top + (1 - (v - y.lo) / (y.hi - y.lo)) * h),
  };
}

function axesSvg(f: Frame, xLabel: string, yLabel: string): string {
  const { left, top } = MARGIN,
    right = f.width - MARGIN.right,
    base = f.height - MARGIN.bottom;
  const xs = f.x.ticks.map(
    (v) =>
      `<line class="gl" x1="${f.px(v)}" y1="${top}" x2="${f.px(v)}" y2="${base}"/><text x="${f.px(v)}" y="${base + 16}" text-anchor="middle">${escapeHtml(f.x.label(v))}</text>`,
  );
  const ys = f.y.ticks.map(
    (v) =>
      `<line class="gl" x1="${left}" y1="${f.py(v)}" x2="${right}" y2="${f.py(v)}"/><text x="${left - 6}" y="${f.py(v) + 4}" text-anchor="end">${escapeHtml(f.y.label(v))}</text>`,
  );
  const frame = `<rect x="${left}" y="${top}" width="${right - left}" height="${base - top}" fill="none" stroke="#cbd5e1"/>`;
  const labels =
    `<text class="axis" x="${(left + right) / 2}" y="${f.height - 6}" text-anchor="middle">${escapeHtml(xLabel)}</text>` +
    `<text class="axis" transform="translate(14 ${(top + base) / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(yLabel)}</text>`;
  return xs.join('') + ys.join('') + frame + labels;
}

/** Exponential moving average with TensorBoard's debiasing. */
function ema(points: [number, number][], weight: number): [number, number][] {
  let acc = 0;
  return points.map(([x, y], i) => {
    acc = acc * weight + (1 - weight) * y;
    return [x, acc / (1 - weight ** (i + 1))];
  });
}

/** At most `max` points, evenly strided, keeping the last. */
function thin(points: [number, number][], max = 1200): [number, number][] {
  if (points.length <= max) return points;
  const stride = Math.ceil(points.length / max);
  return points.filter((_, i) => i % stride === 0 || i === points.length - 1);
}

function polyline(points: [number, number][], f: Frame, color: string, width: number, opacity: number): string {
  if (points.length === 1)
    return `<circle cx="${f.px(points[0][0])}" cy="${f.py(points[0][1])}" r="3" fill="${escapeHtml(color)}"/>`;
  const d = thin(points)
    .map(([x, y]) => `${f.px(x)},${f.py(y)}`)
    .join(' ');
  return `<polyline fill="none" stroke="${escapeHtml(color)}" stroke-width="${width}" stroke-opacity="${opacity}" stroke-linejoin="round" points="${d}"/>`;
}

function dots(points: [number, number][], f: Frame, color: string): string {
  return points
    .map(([x, y]) => `<circle cx="${f.px(x)}" cy="${f.py(y)}" r="2.5" fill="${escapeHtml(color)}"/>`)
    .join('');
}

function lineSvg(l: Line, f: Frame, options: ChartOptions): string {
  const { smooth, markers = false } = options;
  const marks = markers && l.points.length > 1 ? dots(l.points, f, l.color) : '';
  if (smooth === undefined || !(smooth > 0 && smooth < 1) || l.points.length <= 8)
    return polyline(l.points, f, l.color, 2, 1) + marks;
  return polyline(l.points, f, l.color, 1, 0.25) + polyline(ema(l.points, smooth), f, l.color, 2, 1) + marks;
}

/**
 * A line chart as an HTML fragment: a <figure> holding inline SVG (no script,
 * no external resources) and a legend. All text is escaped.
 */
export function lineChart(series: ChartSeries[], options: ChartOptions): string {
  const { xLabel, yLabel, width = 520, height = 300, logX = false, logY = false } = options;
  const lines = cleanLines(series, logX, logY);
  if (lines.length === 0) return `<p class="note">No finite values of ${escapeHtml(yLabel)} to plot.</p>`;
  const f = frameOf(lines, width, height, logX, logY);
  const svg =
    `<svg viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(`${yLabel} against ${xLabel}`)}">` +
    axesSvg(f, logX ? `${xLabel} (log scale)` : xLabel, logY ? `${yLabel} (log scale)` : yLabel) +
    lines.map((l) => lineSvg(l, f, options)).join('') +
    '</svg>';
  const legend = lines
    .map((l) => `<span><i class="dot" style="background:${escapeHtml(l.color)}"></i>${escapeHtml(l.name)}</span>`)
    .join('');
  return `<figure class="chart">${svg}<figcaption class="legend">${legend}</figcaption></figure>`;
}

/**
 * The same chart as a standalone SVG file (curves.svg of `gentorch train`):
 * its own styles and white background, a title, and the legend drawn in
 * SVG under the plot, so it shows the same in a browser, an image viewer or
 * a Markdown page.
 */
/**
 * A standalone SVG file around a plot of `width` x `height`: its own styles
 * and white background, an optional title above, and the legend drawn in
 * SVG below (four entries a row), so it shows the same in a browser, an
 * image viewer or a Markdown page.
 */
function standaloneSvg(
  body: string,
  legend: { color: string; name: string }[],
  o: { width: number; height: number; title?: string },
): string {
  const head = o.title ? 24 : 0;
  const total = head + o.height + 8 + Math.ceil(legend.length / 4) * 18;
  const items = legend
    .map((l, i) => {
      const x = MARGIN.left + (i % 4) * 140;
      const y = head + o.height + 8 + Math.floor(i / 4) * 18 + 10;
      return `<circle cx="${x}" cy="${y - 4}" r="5" fill="${escapeHtml(l.color)}"/><text x="${x + 10}" y="${y}">${escapeHtml(l.name)}</text>`;
    })
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${o.width} ${total}" width="${o.width}" height="${total}">` +
    '<style>text{font:12px system-ui,sans-serif;fill:#4b5563}.axis{fill:#374151;font-size:13px}.gl{stroke:#eef0f3}.title{font-size:15px;font-weight:600;fill:#111827}</style>' +
    '<rect width="100%" height="100%" fill="#fff"/>' +
    (o.title ? `<text class="title" x="${MARGIN.left}" y="17">${escapeHtml(o.title)}</text>` : '') +
    `<g transform="translate(0 ${head})">${body}</g>${items}</svg>\n`
  );
}

export function lineChartSvg(series: ChartSeries[], options: ChartOptions & { title?: string }): string {
  const { xLabel, yLabel, width = 640, height = 360, logX = false, logY = false, title } = options;
  const lines = cleanLines(series, logX, logY);
  const body = lines.length
    ? (() => {
        const f = frameOf(lines, width, height, logX, logY);
        return (
          axesSvg(f, logX ? `${xLabel} (log scale)` : xLabel, logY ? `${yLabel} (log scale)` : yLabel) +
          lines.map((l) => lineSvg(l, f, options)).join('')
        );
      })()
    : `<text x="${width / 2}" y="${height / 2}" text-anchor="middle">No finite values of ${escapeHtml(yLabel)} to plot.</text>`;
  return standaloneSvg(body, lines, { width, height, title });
}

/**
 * Bars of one model's class shares (the judge's histogram of its samples):
 * a class under `threshold` (not covered) in red, the threshold a dashed
 * line, and the class names (or indices) under the bars. Inline SVG.
 */
export function classBars(shares: number[], options: { names?: string[]; threshold: number; label: string }): string {
  const width = 360,
    height = 170,
    left = 34,
    bottom = 58,
    top = 8;
  const plotH = height - bottom - top;
  const max = Math.max(options.threshold * 2, ...shares.filter(Number.isFinite));
  const y = (v: number) => r1(top + plotH - (v / max) * plotH);
  const slot = (width - left - 6) / Math.max(1, shares.length);
  const bars = shares
    .map((s, i) => {
      const v = Number.isFinite(s) ? s : 0;
      const x = r1(left + i * slot + slot * 0.15);
      const name = options.names?.[i] ?? String(i);
      const color = v < options.threshold ? '#dc2626' : '#2563eb';
      return (
        `<rect x="${x}" y="${y(v)}" width="${r1(slot * 0.7)}" height="${r1(top + plotH - y(v))}" fill="${color}"><title>${escapeHtml(`${name}: ${(100 * v).toFixed(1)}%`)}</title></rect>` +
        `<text x="${r1(x + slot * 0.35)}" y="${height - bottom + 12}" text-anchor="end" transform="rotate(-40 ${r1(x + slot * 0.35)} ${height - bottom + 12})">${escapeHtml(name)}</text>`
      );
    })
    .join('');
  const t = y(options.threshold);
  const axis =
    `<line x1="${left}" y1="${top + plotH}" x2="${width - 6}" y2="${top + plotH}" stroke="#cbd5e1"/>` +
    `<line x1="${left}" y1="${t}" x2="${width - 6}" y2="${t}" stroke="#6b7280" stroke-dasharray="4 3"/>` +
    `<text x="${left - 4}" y="${t + 4}" text-anchor="end">${(100 * options.threshold).toFixed(0)}%</text>` +
    `<text x="${left - 4}" y="${top + 8}" text-anchor="end">${(100 * max).toFixed(0)}%</text>`;
  return `<svg viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(options.label)}">${axis}${bars}</svg>`;
}

/** Ten colours for classes, a categorical palette (Tableau 10). */
const CLASS_COLORS = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];
export const classColor = (k: number): string => CLASS_COLORS[k % CLASS_COLORS.length];

/** The axis labels of a latent map: "z1", or "principal component 1 (31.0% of the variance)". */
export function latentAxes(map: LatentMap): [string, string] {
  const axis = (k: 0 | 1) =>
    map.axes === 'latent'
      ? `z${k + 1}`
      : `principal component ${k + 1}${map.explained ? ` (${(100 * map.explained[k]).toFixed(1)}% of the variance)` : ''}`;
  return [axis(0), axis(1)];
}

interface ScatterOptions {
  names?: string[];
  xLabel: string;
  yLabel: string;
  label: string;
}

/** The plot of classScatter(): axes and dots inside a width x height frame, and the classes present. */
function scatterBody(x: number[], y: number[], labels: number[], o: ScatterOptions, width: number, height: number) {
  const pts = x
    .map((v, i) => [v, y[i], labels[i]] as const)
    .filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
  const lines: Line[] = [
    { name: '', color: '#000', points: pts.length ? pts.map(([a, b]) => [a, b] as [number, number]) : [[0, 0]] },
  ];
  const f = frameOf(lines, width, height, false, false);
  const dotsSvg = pts
    .map(([a, b, c]) => `<circle cx="${f.px(a)}" cy="${f.py(b)}" r="2" fill="${classColor(c)}" fill-opacity="0.7"/>`)
    .join('');
  const present = [...new Set(pts.map((p) => p[2]))].sort((a, b) => a - b);
  return {
    body: axesSvg(f, o.xLabel, o.yLabel) + dotsSvg,
    classes: present.map((c) => ({ color: classColor(c), name: o.names?.[c] ?? String(c) })),
  };
}

/**
 * Points on a plane coloured by class, with a legend of the classes present:
 * the report's latent-space map. Inline SVG; non-finite points are left out.
 */
export function classScatter(x: number[], y: number[], labels: number[], options: ScatterOptions): string {
  const { body, classes } = scatterBody(x, y, labels, options, 420, 320);
  const legend = classes
    .map((c) => `<span><i class="dot" style="background:${c.color}"></i>${escapeHtml(c.name)}</span>`)
    .join('');
  return `<figure class="chart"><svg viewBox="0 0 420 320" role="img" aria-label="${escapeHtml(options.label)}">${body}</svg><figcaption class="legend">${legend}</figcaption></figure>`;
}

/** The same map as a standalone SVG file (`gentorch encode --plot`), its legend drawn in SVG. */
export function classScatterSvg(x: number[], y: number[], labels: number[], options: ScatterOptions): string {
  const width = 640,
    height = 480;
  const { body, classes } = scatterBody(x, y, labels, options, width, height);
  return standaloneSvg(body, classes, { width, height, title: options.label });
}
