/**
 * The comparison report. `summarize()` turns CompareResults into sentences
 * that each name the numbers they rest on (nothing canned: every claim is
 * computed from the results), and `renderReport()` draws one self-contained
 * HTML page from them: inline CSS, hand-written SVG charts and the PNGs
 * inlined as data URIs, so it opens offline and loads nothing.
 */
import { resolve } from 'node:path';
import { GentorchError } from './errors.js';
import { readFileChecked } from './fsutil.js';
import type { CompareResults, CurvePoint, ModelResult } from './results.js';

/** What one model is good and bad at, each item with its numbers. */
export interface ModelSummary {
  name: string;
  strengths: string[];
  /** Alerts first, then the milder weaknesses. */
  weaknesses: string[];
}

/** The comparison in words, computed from the measured numbers only. */
export interface Summary {
  /** One line for the top of the report: which model, for what, at what cost. */
  verdict: string;
  /** Cross-model findings, one sentence each. */
  findings: string[];
  /** What went wrong (mode dropping, a winning discriminator, divergence), each prefixed with the model's name. */
  alerts: string[];
  models: ModelSummary[];
}

type Better = 'lower' | 'higher';
type Axis = 'seconds' | 'epochs';
interface Ranked { m: ModelResult; v: number }
interface Verdicts { strengths: string[]; weaknesses: string[]; alerts: string[] }

const PALETTE = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];
const colorOf = (i: number): string => PALETTE[i % PALETTE.length];

// ------------------------------------------------------------ numbers as text

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** A number for people with `digits` decimals (none from 1,000 up); `n/a` for missing, NaN and infinite values. */
export function fmt(x: unknown, digits = 2): string {
  if (!isNum(x)) return 'n/a';
  return Math.abs(x) >= 1000 ? Math.round(x).toLocaleString('en-US') : x.toFixed(digits);
}

/** A count or setting as written: 150, 0.5, 12. */
const plain = (x: unknown): string => (isNum(x) ? String(Number(x.toPrecision(6))) : 'n/a');
const pct = (x: unknown): string => (isNum(x) ? `${(x * 100).toFixed(1)}%` : 'n/a');
const dB = (x: unknown): string => `${fmt(x, 1)} dB`;
const times = (a: number, b: number): string => (isNum(a / b) ? `${(a / b).toFixed(1)}×` : 'n/a');
function gain(from: unknown, to: unknown): string {
  if (!isNum(from) || !isNum(to)) return 'n/a';
  const d = to - from;
  return `${d >= 0 ? '+' : ''}${d.toFixed(1)} dB`;
}

/** "a", "a and b", "a, b and c". */
function joinAnd(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** The models with a finite value, best first. */
function ranked(models: ModelResult[], value: (m: ModelResult) => unknown, better: Better): Ranked[] {
  const out = models.flatMap((m) => { const v = value(m); return isNum(v) ? [{ m, v }] : []; });
  return out.sort((a, b) => (better === 'lower' ? a.v - b.v : b.v - a.v));
}

const fidOf = (m: ModelResult): unknown => m.metrics.quality.fid;
const trainRate = (m: ModelResult): unknown => m.timings.trainImagesPerSecond;
const hasEncoder = (m: ModelResult): boolean => m.family === 'vae';
const classTotal = (m: ModelResult, r: CompareResults): number =>
  m.metrics.quality.classHistogram?.length || r.data.classNames?.length || 10;
function dWinning(m: ModelResult): boolean {
  const { dReal, dFake } = m.metrics.stability;
  return isNum(dReal) && isNum(dFake) && dReal >= 0.9 && dFake <= 0.1;
}

// ------------------------------------------------------------ findings

function fidFinding(r: CompareResults): string {
  const judge = `judge classifier test accuracy ${pct(r.judge.testAccuracy)}`;
  const order = ranked(r.models, fidOf, 'lower');
  const missing = r.models.filter((m) => !isNum(fidOf(m))).map((m) => `n/a for ${m.name}`);
  if (order.length === 0) return `No model has a finite FID (${judge}).`;
  const [best, next] = order;
  const others = [...order.slice(1).map((o) => `${fmt(o.v)} for ${o.m.name}`), ...missing];
  if (others.length === 0) return `${best.m.name} reaches FID ${fmt(best.v)} (${judge}).`;
  const by = next ? `, ${times(next.v, best.v)} lower than ${next.m.name}'s` : '';
  return `${best.m.name} has the lowest FID: ${fmt(best.v)} against ${joinAnd(others)}${by} (${judge}).`;
}

function speedFinding(r: CompareResults): string {
  const order = ranked(r.models, trainRate, 'higher');
  const rates = (value: (m: ModelResult) => unknown): string => joinAnd(r.models.map((m) => `${m.name} ${fmt(value(m), 0)}`));
  const sampling = `Sampling: ${rates((m) => m.timings.sampleImagesPerSecond)} images/s.`;
  if (order.length < 2) return `Training: ${rates(trainRate)} images/s. ${sampling}`;
  const fast = order[0], slow = order[order.length - 1];
  return `${fast.m.name} trains ${times(fast.v, slow.v)} as many images per second as ${slow.m.name} (${rates(trainRate)} images/s). ${sampling}`;
}

function curvePoints(curve: CurvePoint[] | undefined, axis: Axis): CurvePoint[] {
  return (curve ?? []).filter((p) => isNum(p[axis]) && isNum(p.fid)).sort((a, b) => a[axis] - b[axis]);
}

/** The curve's FID at x, linearly interpolated; undefined outside the curve. */
function fidAt(points: CurvePoint[], axis: Axis, x: number): number | undefined {
  const i = points.findIndex((p) => p[axis] >= x);
  if (i < 0) return undefined;
  const p = points[i];
  if (p[axis] === x) return p.fid;
  if (i === 0) return undefined;
  const q = points[i - 1];
  return q.fid + ((x - q[axis]) / (p[axis] - q[axis])) * (p.fid - q.fid);
}

/** The models ranked by cheap FID at the largest x every curve reaches; undefined when fewer than two overlap. */
function atCommonX(models: ModelResult[], axis: Axis): { x: number; order: Ranked[] } | undefined {
  const curves = models.map((m) => ({ m, pts: curvePoints(m.curve, axis) })).filter((c) => c.pts.length > 0);
  if (curves.length < 2) return undefined;
  const x = Math.min(...curves.map((c) => c.pts[c.pts.length - 1][axis]));
  const values = new Map(curves.map((c) => [c.m, fidAt(c.pts, axis, x)]));
  const order = ranked(curves.map((c) => c.m), (m) => values.get(m), 'lower');
  return order.length >= 2 ? { x, order } : undefined;
}

function curveFindings(r: CompareResults): string[] {
  const s = atCommonX(r.models, 'seconds');
  const e = atCommonX(r.models, 'epochs');
  const line = (view: string, at: { order: Ranked[] }): string =>
    `At ${view}, ${at.order[0].m.name} has the ${at.order.length > 2 ? 'lowest' : 'lower'} cheap FID: ${joinAnd(at.order.map((o) => `${o.m.name} ${fmt(o.v)}`))}.`;
  const out: string[] = [];
  if (s) out.push(line(`equal training time (${fmt(s.x, 1)} s, the longest every curve reaches)`, s));
  if (e) out.push(line(`equal epochs (${fmt(e.x, 2)}, the most every curve reaches)`, e));
  if (s && e) {
    const a = s.order[0].m, b = e.order[0].m;
    out.push(a === b
      ? `${a.name} leads both per second and per epoch of training.`
      : `The winner flips between the two views: ${a.name} leads at equal seconds, ${b.name} at equal epochs, so ${b.name} learns more from each image and ${a.name} makes up for it with speed.`);
  }
  return out;
}

function leaning(precision: unknown, recall: unknown): string {
  if (!isNum(precision) || !isNum(recall)) return 'n/a';
  const d = precision - recall;
  return d > 0.1 ? 'fidelity over diversity' : d < -0.1 ? 'diversity over fidelity' : 'balanced';
}

function fidelityFinding(r: CompareResults): string {
  const parts = r.models.map((m) => {
    const { precision, recall } = m.metrics.quality;
    return `${m.name} ${fmt(precision)} / ${fmt(recall)} (${leaning(precision, recall)})`;
  });
  return `Fidelity vs diversity, as k-NN precision / recall (k = 3): ${parts.join('; ')}.`;
}

function coverageFinding(r: CompareResults): string {
  const parts = r.models.map((m) => {
    const q = m.metrics.quality, total = classTotal(m, r);
    const drop = isNum(q.classesCovered) && q.classesCovered < total ? ', mode dropping' : '';
    return `${m.name} ${plain(q.classesCovered)} of ${total} (KL ${fmt(q.classKl, 3)} nats${drop})`;
  });
  return `Class coverage, classes the judge finds in at least 5% of the samples: ${parts.join('; ')}.`;
}

function stabilityFinding(r: CompareResults): string {
  const parts = r.models.map((m) => {
    const s = m.metrics.stability;
    const d = isNum(s.dReal) || isNum(s.dFake)
      ? `, D(x) ${fmt(s.dReal)} and D(G(z)) ${fmt(s.dFake)}${dWinning(m) ? ' (the discriminator is winning)' : ''}`
      : '';
    return `${m.name} loss oscillation ${fmt(s.lossOscillation, 3)}, FID swing ${pct(s.fidSwing)}${d}`;
  });
  return `Stability over the second half of training: ${parts.join('; ')}.`;
}

function latentFinding(r: CompareResults): string {
  const parts = r.models.map((m) => {
    const v = m.metrics.vae;
    if (v) return `${m.name} uses ${plain(v.activeUnits)} of ${plain(v.latentDim)} latent units (posterior-mean variance above 0.01)`;
    return hasEncoder(m) ? `${m.name}'s encoder measures are n/a` : `${m.name} has no encoder, so no image can be mapped to its latent code`;
  });
  return `Interpretability: ${parts.join('; ')}.`;
}

function usesOf(m: ModelResult): string {
  if (!hasEncoder(m)) return `${m.name}: compression and restoration n/a (no encoder)`;
  const c = m.metrics.compression, x = m.metrics.restoration;
  const comp = c
    ? `stores an image in ${fmt(c.bytesPerImage, 0)} instead of ${fmt(c.rawBytesPerImage, 0)} bytes (${fmt(c.ratio, 1)}× smaller) at ${dB(c.psnr)} PSNR`
    : 'compression n/a';
  const rest = x
    ? `denoising (noise std ${plain(x.noiseStd)}) takes PSNR from ${dB(x.noisyPsnr)} to ${dB(x.restoredNoisyPsnr)} (${gain(x.noisyPsnr, x.restoredNoisyPsnr)}) and filling a ${pct(x.maskShare)} hole from ${dB(x.maskedPsnr)} to ${dB(x.restoredMaskedPsnr)} (${gain(x.maskedPsnr, x.restoredMaskedPsnr)})`
    : 'restoration n/a';
  return `${m.name} ${comp}, and ${rest}`;
}

function verdictOf(r: CompareResults): string {
  const byFid = ranked(r.models, fidOf, 'lower');
  if (byFid.length === 0) return 'No model produced measurable samples: every FID is n/a.';
  const [best, next] = byFid;
  const parts = [next
    ? `${best.m.name} draws the most realistic samples (FID ${fmt(best.v)} vs ${fmt(next.v)} for ${next.m.name})`
    : `${best.m.name} reaches FID ${fmt(best.v)}`];
  const bySpeed = ranked(r.models, trainRate, 'higher');
  const bestSpeed = bySpeed.find((o) => o.m === best.m);
  if (bySpeed[0] && bestSpeed && bySpeed[0].m !== best.m) {
    parts.push(`${bySpeed[0].m.name} trains ${times(bySpeed[0].v, bestSpeed.v)} as many images per second`);
  }
  const encoders = r.models.filter((m) => isNum(m.metrics.vae?.psnr));
  const others = r.models.filter((m) => !hasEncoder(m));
  if (encoders.length > 0 && others.length > 0) {
    const psnr = joinAnd(encoders.map((m) => `${m.name} ${dB(m.metrics.vae?.psnr)}`));
    parts.push(`${joinAnd(encoders.map((m) => m.name))} can also encode, compress and restore images (reconstruction PSNR ${psnr}), which ${joinAnd(others.map((m) => m.name))} cannot`);
  }
  return `${parts.join('; ')}.`;
}

// ------------------------------------------------------------ per-model verdicts

const RANKED: { label: string; better: Better; digits: number; unit: string; value: (m: ModelResult) => unknown }[] = [
  { label: 'FID', better: 'lower', digits: 2, unit: '', value: fidOf },
  { label: 'precision (fidelity)', better: 'higher', digits: 2, unit: '', value: (m) => m.metrics.quality.precision },
  { label: 'recall (diversity)', better: 'higher', digits: 2, unit: '', value: (m) => m.metrics.quality.recall },
  { label: 'training throughput', better: 'higher', digits: 0, unit: ' images/s', value: trainRate },
  { label: 'sampling throughput', better: 'higher', digits: 0, unit: ' images/s', value: (m) => m.timings.sampleImagesPerSecond },
];

/** Best and worst of each ranked measure, where the models differ. */
function rankVerdicts(models: ModelResult[], out: Map<ModelResult, Verdicts>): void {
  for (const c of RANKED) {
    const order = ranked(models, c.value, c.better);
    if (order.length < 2 || order[0].v === order[order.length - 1].v) continue;
    const [best, next] = order, worst = order[order.length - 1];
    const [top, bottom] = c.better === 'lower' ? ['lowest', 'highest'] : ['highest', 'lowest'];
    out.get(best.m)?.strengths.push(`${top} ${c.label}: ${fmt(best.v, c.digits)}${c.unit} (next: ${next.m.name} ${fmt(next.v, c.digits)})`);
    out.get(worst.m)?.weaknesses.push(`${bottom} ${c.label}: ${fmt(worst.v, c.digits)}${c.unit} (best: ${best.m.name} ${fmt(best.v, c.digits)})`);
  }
}

function firstNonFinite(m: ModelResult): { key: string; step: number } | undefined {
  for (const p of m.losses ?? []) {
    for (const [key, v] of Object.entries(p.losses ?? {})) if (!isNum(v)) return { key, step: p.step };
  }
  return undefined;
}

function qualityChecks(m: ModelResult, r: CompareResults, v: Verdicts): void {
  const q = m.metrics.quality, total = classTotal(m, r);
  if (!isNum(q.fid)) v.alerts.push('FID is n/a: the samples could not be measured');
  if (isNum(q.classesCovered) && q.classesCovered < total) {
    v.alerts.push(`mode dropping: covers ${q.classesCovered} of ${total} classes (KL ${fmt(q.classKl, 3)} nats)`);
  } else if (q.classesCovered === total) {
    v.strengths.push(`covers all ${total} classes (KL ${fmt(q.classKl, 3)} nats)`);
  }
}

function stabilityChecks(m: ModelResult, v: Verdicts): void {
  const s = m.metrics.stability;
  if (dWinning(m)) v.alerts.push(`discriminator winning: D(x) ${fmt(s.dReal)} and D(G(z)) ${fmt(s.dFake)}, so the generator gets little gradient`);
  if (isNum(s.fidSwing) && s.fidSwing > 0.2) v.alerts.push(`quality oscillates: the cheap FID swung ${pct(s.fidSwing)} over the last three evaluations`);
  if (isNum(s.lossOscillation) && s.lossOscillation > 0.3) v.weaknesses.push(`training loss oscillates: relative std ${fmt(s.lossOscillation, 3)}`);
  const bad = firstNonFinite(m);
  if (bad) v.alerts.push(`diverged: ${bad.key} is not finite at step ${bad.step}`);
}

function encoderChecks(m: ModelResult, v: Verdicts): void {
  if (!hasEncoder(m)) {
    v.weaknesses.push('no encoder: reconstruction, compression and restoration are n/a');
    return;
  }
  const e = m.metrics.vae, c = m.metrics.compression, x = m.metrics.restoration;
  if (e) {
    v.strengths.push(`reconstructs test images at ${dB(e.psnr)} PSNR`);
    if (isNum(e.activeUnits) && isNum(e.latentDim) && e.activeUnits < e.latentDim / 2) {
      v.alerts.push(`posterior collapse: only ${e.activeUnits} of ${e.latentDim} latent units active`);
    } else {
      v.strengths.push(`readable latent code: ${plain(e.activeUnits)} of ${plain(e.latentDim)} units active`);
    }
  }
  if (c) v.strengths.push(`compresses images ${fmt(c.ratio, 1)}× at ${dB(c.psnr)} PSNR`);
  if (!x) return;
  for (const [what, from, to] of [['denoising', x.noisyPsnr, x.restoredNoisyPsnr], ['inpainting', x.maskedPsnr, x.restoredMaskedPsnr]] as const) {
    if (!isNum(from) || !isNum(to)) continue;
    (to > from ? v.strengths : v.weaknesses).push(`${what}: ${dB(from)} to ${dB(to)} PSNR (${gain(from, to)})`);
  }
}

/**
 * The comparison in words. Every sentence names the numbers it rests on;
 * missing, NaN and infinite values read "n/a". Works for one model or many.
 */
export function summarize(results: CompareResults): Summary {
  const r = results;
  const verdicts = new Map<ModelResult, Verdicts>(r.models.map((m) => [m, { strengths: [], weaknesses: [], alerts: [] }]));
  rankVerdicts(r.models, verdicts);
  for (const m of r.models) {
    const v = verdicts.get(m) as Verdicts;
    qualityChecks(m, r, v);
    stabilityChecks(m, v);
    encoderChecks(m, v);
  }
  const findings = [
    fidFinding(r), speedFinding(r), ...curveFindings(r), fidelityFinding(r), coverageFinding(r),
    stabilityFinding(r), latentFinding(r), `Uses beyond sampling: ${r.models.map(usesOf).join('; ')}.`,
  ];
  const models = r.models.map((m) => {
    const v = verdicts.get(m) as Verdicts;
    return { name: m.name, strengths: v.strengths, weaknesses: [...v.alerts, ...v.weaknesses] };
  });
  const alerts = r.models.flatMap((m) => (verdicts.get(m) as Verdicts).alerts.map((a) => `${m.name}: ${a}`));
  return { verdict: verdictOf(r), findings, alerts, models };
}

// ------------------------------------------------------------ SVG charts

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
  /** EMA weight in [0, 1): draw the raw line faint and the smoothed one over it, TensorBoard-style. */
  smooth?: number;
}

interface Scale { lo: number; hi: number; ticks: number[]; label: (v: number) => string }
interface Frame { x: Scale; y: Scale; width: number; height: number; px: (v: number) => number; py: (v: number) => number }
interface Line { name: string; color: string; points: [number, number][] }

const MARGIN = { left: 58, right: 14, top: 12, bottom: 42 };
const r1 = (v: number): number => Math.round(v * 10) / 10;

function tickLabel(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e4) return `${Number((v / 1e3).toPrecision(3))}k`;
  return a !== 0 && a < 1e-3 ? v.toExponential(0) : String(Number(v.toPrecision(4)));
}

function linearScale(lo: number, hi: number, count = 5): Scale {
  if (hi - lo <= 1e-12 * Math.max(1, Math.abs(hi))) { const pad = Math.abs(lo) * 0.1 || 1; lo -= pad; hi += pad; }
  const raw = (hi - lo) / count, mag = 10 ** Math.floor(Math.log10(raw)), n = raw / mag;
  const step = (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * mag;
  const a = Math.floor(lo / step) * step, b = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  for (let k = 0; a + k * step <= b + step / 2; k++) ticks.push(Number((a + k * step).toPrecision(12)));
  return { lo: a, hi: b, ticks, label: tickLabel };
}

/** lo and hi are log10 values; ticks at 1, 2, 5 per decade when few decades. */
function logScale(lo: number, hi: number): Scale {
  const a = Math.floor(lo), b = Math.max(Math.ceil(hi), a + 1);
  const mults = b - a <= 2 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let k = a; k <= b; k++) for (const m of mults) if (k + Math.log10(m) <= b + 1e-9) ticks.push(k + Math.log10(m));
  return { lo: a, hi: b, ticks, label: (v) => tickLabel(10 ** v) };
}

function cleanLines(series: ChartSeries[], logY: boolean): Line[] {
  return series.map((s, i) => ({
    name: s.name,
    color: s.color ?? colorOf(i),
    points: s.points
      .filter(([x, y]) => isNum(x) && isNum(y) && (!logY || y > 0))
      .map(([x, y]): [number, number] => [x, logY ? Math.log10(y) : y])
      .sort((p, q) => p[0] - q[0]),
  })).filter((l) => l.points.length > 0);
}

function frameOf(lines: Line[], width: number, height: number, logY: boolean): Frame {
  const all = lines.flatMap((l) => l.points);
  const min = (k: 0 | 1): number => all.reduce((m, p) => Math.min(m, p[k]), Infinity);
  const max = (k: 0 | 1): number => all.reduce((m, p) => Math.max(m, p[k]), -Infinity);
  const x = linearScale(min(0), max(0));
  const y = logY ? logScale(min(1), max(1)) : linearScale(min(1), max(1));
  const w = width - MARGIN.left - MARGIN.right, h = height - MARGIN.top - MARGIN.bottom;
  return {
    x, y, width, height,
    px: (v) => r1(MARGIN.left + ((v - x.lo) / (x.hi - x.lo)) * w),
    py: (v) => r1(MARGIN.top + (1 - (v - y.lo) / (y.hi - y.lo)) * h),
  };
}

function axesSvg(f: Frame, xLabel: string, yLabel: string): string {
  const { left, top } = MARGIN, right = f.width - MARGIN.right, base = f.height - MARGIN.bottom;
  const xs = f.x.ticks.map((v) => `<line class="gl" x1="${f.px(v)}" y1="${top}" x2="${f.px(v)}" y2="${base}"/><text x="${f.px(v)}" y="${base + 16}" text-anchor="middle">${escapeHtml(f.x.label(v))}</text>`);
  const ys = f.y.ticks.map((v) => `<line class="gl" x1="${left}" y1="${f.py(v)}" x2="${right}" y2="${f.py(v)}"/><text x="${left - 6}" y="${f.py(v) + 4}" text-anchor="end">${escapeHtml(f.y.label(v))}</text>`);
  const frame = `<rect x="${left}" y="${top}" width="${right - left}" height="${base - top}" fill="none" stroke="#cbd5e1"/>`;
  const labels = `<text class="axis" x="${(left + right) / 2}" y="${f.height - 6}" text-anchor="middle">${escapeHtml(xLabel)}</text>` +
    `<text class="axis" transform="translate(14 ${(top + base) / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(yLabel)}</text>`;
  return xs.join('') + ys.join('') + frame + labels;
}

/** Exponential moving average with TensorBoard's debiasing. */
function ema(points: [number, number][], weight: number): [number, number][] {
  let acc = 0;
  return points.map(([x, y], i) => { acc = acc * weight + (1 - weight) * y; return [x, acc / (1 - weight ** (i + 1))]; });
}

/** At most `max` points, evenly strided, keeping the last. */
function thin(points: [number, number][], max = 1200): [number, number][] {
  if (points.length <= max) return points;
  const stride = Math.ceil(points.length / max);
  return points.filter((_, i) => i % stride === 0 || i === points.length - 1);
}

function polyline(points: [number, number][], f: Frame, color: string, width: number, opacity: number): string {
  if (points.length === 1) return `<circle cx="${f.px(points[0][0])}" cy="${f.py(points[0][1])}" r="3" fill="${escapeHtml(color)}"/>`;
  const d = thin(points).map(([x, y]) => `${f.px(x)},${f.py(y)}`).join(' ');
  return `<polyline fill="none" stroke="${escapeHtml(color)}" stroke-width="${width}" stroke-opacity="${opacity}" stroke-linejoin="round" points="${d}"/>`;
}

function lineSvg(l: Line, f: Frame, smooth: number | undefined): string {
  if (smooth === undefined || !(smooth > 0 && smooth < 1) || l.points.length <= 8) return polyline(l.points, f, l.color, 2, 1);
  return polyline(l.points, f, l.color, 1, 0.25) + polyline(ema(l.points, smooth), f, l.color, 2, 1);
}

/**
 * A line chart as an HTML fragment: a <figure> holding inline SVG (no script,
 * no external resources) and a legend. All text is escaped.
 */
export function lineChart(series: ChartSeries[], options: ChartOptions): string {
  const { xLabel, yLabel, width = 520, height = 300, logY = false } = options;
  const lines = cleanLines(series, logY);
  if (lines.length === 0) return `<p class="note">No finite values of ${escapeHtml(yLabel)} to plot.</p>`;
  const f = frameOf(lines, width, height, logY);
  const svg = `<svg viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(`${yLabel} against ${xLabel}`)}">` +
    axesSvg(f, xLabel, logY ? `${yLabel} (log scale)` : yLabel) + lines.map((l) => lineSvg(l, f, options.smooth)).join('') + '</svg>';
  const legend = lines.map((l) => `<span><i class="dot" style="background:${escapeHtml(l.color)}"></i>${escapeHtml(l.name)}</span>`).join('');
  return `<figure class="chart">${svg}<figcaption class="legend">${legend}</figcaption></figure>`;
}

// ------------------------------------------------------------ HTML

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}
const esc = escapeHtml;

const section = (id: string, title: string, body: string): string => `<section id="${id}"><h2>${esc(title)}</h2>${body}</section>`;
const items = (list: string[], cls = ''): string => `<ul${cls ? ` class="${cls}"` : ''}>${list.map((t) => `<li>${esc(t)}</li>`).join('')}</ul>`;
const modelHead = (m: ModelResult, i: number): string =>
  `<i class="dot" style="background:${colorOf(i)}"></i>${esc(m.name)}${m.name === m.family ? '' : ` <small>${esc(m.family)}</small>`}`;

function budgetLine(r: CompareResults): string {
  const { kind, value } = r.budget;
  return kind === 'seconds'
    ? `Each model trained for the same ${plain(value)} s of wall-clock time on ${r.device}.`
    : `Each model trained for the same ${plain(value)} epoch${value === 1 ? '' : 's'} on ${r.device}.`;
}

function header(r: CompareResults, s: Summary): string {
  const d = r.data;
  const meta = `gentorch ${r.gentorch}, libtorch ${r.torch}, seed ${r.seed}, ${r.createdAt}. Data: ${d.name}, ${plain(d.train)} training and ${plain(d.test)} test images of ${d.shape.join('×')}. ` +
    `FID and class coverage use a judge classifier with ${pct(r.judge.testAccuracy)} test accuracy and ${plain(r.judge.featureDim)}-d features.`;
  const alerts = s.alerts.length > 0 ? `<div class="alerts"><strong>Alerts</strong>${items(s.alerts)}</div>` : '';
  return `<header><h1>${esc(reportTitle(r))}</h1><p class="verdict">${esc(s.verdict)}</p>` +
    `<p class="budget">${esc(budgetLine(r))}</p><p class="meta">${esc(meta)}</p>${alerts}</header>`;
}

const reportTitle = (r: CompareResults): string => `${r.models.map((m) => m.name).join(' vs ')} on ${r.data.name}`;

interface MetricRow {
  group: string;
  label: string;
  how: string;
  better?: Better;
  value: (m: ModelResult) => unknown;
  show?: (m: ModelResult) => string;
  note?: (m: ModelResult) => string;
}

function qualityRows(r: CompareResults): MetricRow[] {
  const q = (m: ModelResult) => m.metrics.quality, g = 'Sample quality';
  return [
    { group: g, label: 'FID', how: 'judge features vs the test set', better: 'lower', value: (m) => q(m).fid, note: (m) => `judge ${pct(q(m).judgeAccuracy)}, ${fmt(q(m).samples, 0)} samples` },
    { group: g, label: 'Precision', how: 'fidelity, k-NN manifold, k = 3', better: 'higher', value: (m) => q(m).precision },
    { group: g, label: 'Recall', how: 'diversity, k-NN manifold, k = 3', better: 'higher', value: (m) => q(m).recall },
    { group: g, label: 'Classes covered', how: 'at least 5% of the samples each', better: 'higher', value: (m) => q(m).classesCovered, show: (m) => `${plain(q(m).classesCovered)} / ${classTotal(m, r)}` },
    { group: g, label: 'Class KL', how: 'KL(data classes ‖ sample classes), nats', better: 'lower', value: (m) => q(m).classKl, show: (m) => fmt(q(m).classKl, 3) },
  ];
}

function costRows(): MetricRow[] {
  const t = (m: ModelResult) => m.timings, g = 'Cost';
  return [
    { group: g, label: 'Training throughput', how: 'images/s', better: 'higher', value: (m) => t(m).trainImagesPerSecond, show: (m) => fmt(t(m).trainImagesPerSecond, 0) },
    { group: g, label: 'Sampling throughput', how: 'images/s', better: 'higher', value: (m) => t(m).sampleImagesPerSecond, show: (m) => fmt(t(m).sampleImagesPerSecond, 0) },
    { group: g, label: 'Training time', how: 's, evaluations excluded', value: (m) => t(m).trainSeconds, show: (m) => fmt(t(m).trainSeconds, 1) },
    { group: g, label: 'Epochs / steps', how: 'reached in the budget', value: (m) => t(m).epochs, show: (m) => `${fmt(t(m).epochs)} / ${plain(t(m).steps)}` },
    { group: g, label: 'Seconds per epoch', how: 's', better: 'lower', value: (m) => t(m).secondsPerEpoch, show: (m) => fmt(t(m).secondsPerEpoch, 1) },
    { group: g, label: 'Parameters', how: 'count', value: (m) => t(m).parameters, show: (m) => fmt(t(m).parameters, 0) },
    { group: g, label: 'Peak memory', how: 'MiB resident, whole process', better: 'lower', value: (m) => t(m).peakRssBytes, show: (m) => fmt(t(m).peakRssBytes / 2 ** 20, 0) },
  ];
}

function stabilityRows(): MetricRow[] {
  const s = (m: ModelResult) => m.metrics.stability, g = 'Stability (second half of training)';
  return [
    { group: g, label: 'Loss oscillation', how: 'windowed std / mean |loss|', better: 'lower', value: (m) => s(m).lossOscillation, show: (m) => fmt(s(m).lossOscillation, 3) },
    { group: g, label: 'FID swing', how: 'relative change, last 3 evaluations', better: 'lower', value: (m) => s(m).fidSwing, show: (m) => pct(s(m).fidSwing) },
    { group: g, label: 'D(x) / D(G(z))', how: 'mean probabilities; near 1 / 0: D winning', value: (m) => s(m).dReal, show: (m) => `${fmt(s(m).dReal)} / ${fmt(s(m).dFake)}` },
    { group: g, label: 'Gradient norm D / G', how: 'mean', value: (m) => s(m).gradNormD, show: (m) => `${fmt(s(m).gradNormD)} / ${fmt(s(m).gradNormG)}` },
  ];
}

function encoderRows(): MetricRow[] {
  const v = (m: ModelResult) => m.metrics.vae, c = (m: ModelResult) => m.metrics.compression, x = (m: ModelResult) => m.metrics.restoration;
  const g = 'Encoder (VAE only; a GAN has none)';
  return [
    { group: g, label: 'Negative ELBO', how: 'nats per test image', better: 'lower', value: (m) => v(m)?.nelbo, show: (m) => fmt(v(m)?.nelbo, 1), note: (m) => `recon ${fmt(v(m)?.recon, 1)} + KL ${fmt(v(m)?.kl, 1)}` },
    { group: g, label: 'IWAE bound', how: 'nats per test image', better: 'lower', value: (m) => v(m)?.iwae, show: (m) => fmt(v(m)?.iwae, 1), note: (m) => `k = ${plain(v(m)?.iwaeSamples)}` },
    { group: g, label: 'Reconstruction PSNR', how: 'dB, decode(μ(x)) vs x', better: 'higher', value: (m) => v(m)?.psnr, show: (m) => fmt(v(m)?.psnr, 1), note: (m) => `MSE ${fmt(v(m)?.mse, 4)}` },
    { group: g, label: 'Active latent units', how: 'posterior-mean variance > 0.01', better: 'higher', value: (m) => v(m)?.activeUnits, show: (m) => `${plain(v(m)?.activeUnits)} / ${plain(v(m)?.latentDim)}` },
    { group: g, label: 'Compression', how: 'ratio, float16 latent codes', better: 'higher', value: (m) => c(m)?.ratio, show: (m) => `${fmt(c(m)?.ratio, 1)}×`, note: (m) => `${fmt(c(m)?.bytesPerImage, 0)} B/image, ${dB(c(m)?.psnr)}` },
    { group: g, label: 'Denoising', how: 'PSNR after restoration, dB', better: 'higher', value: (m) => x(m)?.restoredNoisyPsnr, show: (m) => fmt(x(m)?.restoredNoisyPsnr, 1), note: (m) => `from ${dB(x(m)?.noisyPsnr)}, noise std ${plain(x(m)?.noiseStd)}` },
    { group: g, label: 'Inpainting', how: 'PSNR after restoration, dB', better: 'higher', value: (m) => x(m)?.restoredMaskedPsnr, show: (m) => fmt(x(m)?.restoredMaskedPsnr, 1), note: (m) => `from ${dB(x(m)?.maskedPsnr)}, ${pct(x(m)?.maskShare)} masked` },
  ];
}

function rowHtml(row: MetricRow, models: ModelResult[]): string {
  const values = models.map((m) => row.value(m));
  const finite = values.filter(isNum);
  const best = row.better && finite.length >= 2 && Math.min(...finite) !== Math.max(...finite)
    ? (row.better === 'lower' ? Math.min(...finite) : Math.max(...finite))
    : undefined;
  const cells = models.map((m, i) => {
    if (!isNum(values[i])) return '<td class="na">n/a</td>';
    const note = row.note ? ` <small>${esc(row.note(m))}</small>` : '';
    return `<td${values[i] === best ? ' class="best"' : ''}>${esc(row.show ? row.show(m) : fmt(values[i]))}${note}</td>`;
  });
  return `<tr><th>${esc(row.label)}<br><small>${esc(row.how)}</small></th>${cells.join('')}</tr>`;
}

function metricsTable(r: CompareResults): string {
  const rows = [...qualityRows(r), ...costRows(), ...stabilityRows(), ...encoderRows()]
    .filter((row) => row.label === 'FID' || r.models.some((m) => isNum(row.value(m))));
  let group = '';
  const body = rows.map((row) => {
    const head = row.group === group ? '' : `<tr class="group"><th colspan="${r.models.length + 1}">${esc(row.group)}</th></tr>`;
    group = row.group;
    return head + rowHtml(row, r.models);
  });
  const thead = `<tr><th>Metric</th>${r.models.map((m, i) => `<th>${modelHead(m, i)}</th>`).join('')}</tr>`;
  return section('metrics', 'Metrics', `<p class="note">The best value in each row is highlighted; n/a: not measured or not finite.</p>` +
    `<div class="scroll"><table><thead>${thead}</thead><tbody>${body.join('')}</tbody></table></div>`);
}

type ImageKind = keyof ModelResult['images'];
const IMAGE_KINDS: { kind: ImageKind; title: string; note: string; needsEncoder: boolean }[] = [
  { kind: 'samples', title: 'Samples', note: 'Random draws from each model.', needsEncoder: false },
  { kind: 'reconstruction', title: 'Reconstructions', note: 'Test images and their reconstructions decode(μ(x)).', needsEncoder: true },
  { kind: 'restoration', title: 'Restoration', note: 'Noisy and masked test images, restored through the encoder and decoder.', needsEncoder: true },
  { kind: 'interpolation', title: 'Interpolations', note: 'Decoded along straight lines between latent codes.', needsEncoder: false },
  { kind: 'traversal', title: 'Latent traversals', note: 'One latent unit varied at a time, the others held fixed.', needsEncoder: false },
];

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface InlineImage { uri: string; width: number; height: number }

/** Every PNG the results name, as data URIs with their size from the IHDR chunk, keyed `index/kind`. */
async function loadImages(r: CompareResults, dir: string): Promise<Map<string, InlineImage>> {
  const out = new Map<string, InlineImage>();
  for (const [i, m] of r.models.entries()) {
    for (const { kind } of IMAGE_KINDS) {
      const rel = m.images?.[kind];
      if (typeof rel !== 'string' || rel.length === 0) continue;
      const path = resolve(dir, rel);
      const bytes = await readFileChecked(path, 'E_IO');
      if (bytes.length < 24 || !bytes.subarray(0, 8).equals(PNG_MAGIC)) {
        throw new GentorchError('E_DATA', `Expected a PNG file for ${m.name}'s ${kind} image but ${path} is not one`);
      }
      const uri = `data:image/png;base64,${bytes.toString('base64')}`;
      out.set(`${i}/${kind}`, { uri, width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) });
    }
  }
  return out;
}

/** An <img> shown at a whole multiple of its size (pixels stay sharp), about 480 px wide, never wider than its box. */
function imgTag(image: InlineImage, alt: string): string {
  const scale = Math.min(4, Math.max(1, Math.round(480 / Math.max(1, image.width))));
  return `<img src="${esc(image.uri)}" width="${image.width * scale}" height="${image.height * scale}" alt="${esc(alt)}">`;
}

function imageSection(r: CompareResults, images: Map<string, InlineImage>, k: (typeof IMAGE_KINDS)[number]): string {
  if (!r.models.some((_, i) => images.has(`${i}/${k.kind}`))) return '';
  const figures = r.models.map((m, i) => {
    const image = images.get(`${i}/${k.kind}`);
    const body = image
      ? imgTag(image, `${k.title} from ${m.name}`)
      : `<div class="placeholder">n/a${k.needsEncoder && !hasEncoder(m) ? ': a GAN has no encoder' : ''}</div>`;
    return `<figure class="card">${body}<figcaption>${modelHead(m, i)}</figcaption></figure>`;
  });
  return section(`img-${k.kind}`, k.title, `<p class="note">${esc(k.note)}</p><div class="grid">${figures.join('')}</div>`);
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
  const fidSeries = (axis: Axis): ChartSeries[] => r.models.map((m, i) => ({
    name: m.name, color: colorOf(i), points: (m.curve ?? []).map((p): [number, number] => [p[axis], p.fid]),
  }));
  const card = (title: string, chart: string): string => `<div class="card"><h3>${esc(title)}</h3>${chart}</div>`;
  const losses = r.models.map((m) => card(`Training loss: ${m.name}`, lineChart(
    lossKeys(m).map((k, j) => ({ name: k, color: colorOf(j + 4), points: (m.losses ?? []).map((p): [number, number] => [p.step, p.losses?.[k] ?? NaN]) })),
    { xLabel: 'step', yLabel: 'loss', smooth: 0.6 })));
  return section('curves', 'Curves', `<p class="note">Cheap FID: judge features of a few thousand samples, measured during training. Losses: faint raw, bold smoothed (EMA 0.6).</p><div class="charts">` +
    card('Cheap FID vs training seconds', lineChart(fidSeries('seconds'), { xLabel: 'training seconds', yLabel: 'cheap FID', logY })) +
    card('Cheap FID vs epochs', lineChart(fidSeries('epochs'), { xLabel: 'epochs', yLabel: 'cheap FID', logY })) +
    losses.join('') + '</div>');
}

function verdictsSection(s: Summary): string {
  const cards = s.models.map((m, i) => `<div class="card"><h3><i class="dot" style="background:${colorOf(i)}"></i>${esc(m.name)}</h3>` +
    `<h4>Strengths</h4>${m.strengths.length ? items(m.strengths, 'good') : '<p class="note">none measured</p>'}` +
    `<h4>Weaknesses</h4>${m.weaknesses.length ? items(m.weaknesses, 'bad') : '<p class="note">none measured</p>'}</div>`);
  return section('verdicts', 'Strengths and weaknesses', `<div class="grid">${cards.join('')}</div>`);
}

function detailsSection(r: CompareResults): string {
  const rows = r.models.map((m) => `<details><summary>${esc(m.name)} (${esc(m.family)}): checkpoint ${esc(m.checkpoint)}</summary>` +
    `<pre>${esc(JSON.stringify({ config: m.config, timings: m.timings }, null, 2))}</pre></details>`);
  return section('details', 'Run details', rows.join(''));
}

const STYLE = `:root{--fg:#1f2937;--muted:#6b7280;--line:#e5e7eb;--bg:#f8fafc;--card:#fff}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:1100px;margin:0 auto;padding:32px 24px 64px}h1{font-size:28px;margin:0 0 8px}
h2{font-size:20px;margin:40px 0 12px;padding-bottom:6px;border-bottom:1px solid var(--line)}h3{font-size:15px;margin:0 0 8px}h4{margin:12px 0 4px;font-size:13px;color:var(--muted)}
.verdict{font-size:18px;font-weight:600;margin:0 0 8px}.budget{margin:0 0 4px}.meta,.note,small,figcaption{color:var(--muted)}small{font-size:12px}.meta{font-size:13px}
nav{display:flex;flex-wrap:wrap;gap:4px 16px;margin:20px 0;padding:10px 14px;background:var(--card);border:1px solid var(--line);border-radius:8px}nav a{color:#2563eb;text-decoration:none}
.alerts{background:#fef3c7;border-left:4px solid #f59e0b;padding:10px 16px;border-radius:6px;margin:16px 0}.alerts ul{margin:4px 0 0}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px;margin:0}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:16px}.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(440px,1fr));gap:16px}
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;background:var(--card);border:1px solid var(--line)}
th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top;font-weight:400}thead th{font-weight:600}tbody th{font-weight:500}
td{font-variant-numeric:tabular-nums}tr.group th{background:#f1f5f9;font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-weight:600}
td.best{background:#dcfce7;color:#166534;font-weight:600}td.na{color:var(--muted)}
.dot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:6px}
figure{margin:0}figure img{display:block;max-width:100%;height:auto;margin:0 auto;image-rendering:pixelated;border-radius:4px}figcaption{font-size:13px;margin-top:6px}
.placeholder{display:flex;align-items:center;justify-content:center;min-height:140px;border:1px dashed #cbd5e1;border-radius:6px;color:var(--muted)}
svg{display:block;width:100%;height:auto;font-size:12px}svg text{fill:#4b5563}svg .axis{fill:#374151;font-size:13px}svg .gl{stroke:#eef0f3}
.legend span{margin-right:14px;white-space:nowrap}ul.good li::marker{content:"+  ";color:#16a34a}ul.bad li::marker{content:"−  ";color:#dc2626}
pre{overflow:auto;background:#0f172a;color:#e2e8f0;padding:12px;border-radius:6px;font-size:12px}details{margin:6px 0}`;

function page(title: string, body: string): string {
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${esc(title)}</title><link rel="icon" href="data:,"><style>${STYLE}</style></head><body><main>${body}</main></body></html>\n`;
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
  const toc = [['findings', 'Findings'], ['metrics', 'Metrics'], ...imageParts.map((p) => [`img-${p.k.kind}`, p.k.title]),
    ['curves', 'Curves'], ['verdicts', 'Strengths and weaknesses'], ['details', 'Run details']];
  const nav = `<nav>${toc.map(([id, t]) => `<a href="#${id}">${esc(t)}</a>`).join('')}</nav>`;
  const body = [
    header(results, summary), nav, section('findings', 'Findings', items(summary.findings)), metricsTable(results),
    ...imageParts.map((p) => p.html), chartsSection(results), verdictsSection(summary), detailsSection(results),
  ];
  return page(`gentorch report: ${reportTitle(results)}`, body.join('\n'));
}
