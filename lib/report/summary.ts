/**
 * The comparison in words. `summarize()` turns CompareResults into a verdict,
 * cross-model findings, alerts and each model's strengths and weaknesses;
 * every sentence names the numbers it rests on (nothing canned: every claim
 * is computed from the results). Also the number formatters the report shares.
 */
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

export type Better = 'lower' | 'higher';
export type Axis = 'seconds' | 'epochs';
interface Ranked {
  m: ModelResult;
  v: number;
}
interface Verdicts {
  strengths: string[];
  weaknesses: string[];
  alerts: string[];
}

// ------------------------------------------------------------ numbers as text

export const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** A number for people with `digits` decimals (none from 1,000 up); `n/a` for missing, NaN and infinite values. */
export function fmt(x: unknown, digits = 2): string {
  if (!isNum(x)) return 'n/a';
  return Math.abs(x) >= 1000 ? Math.round(x).toLocaleString('en-US') : x.toFixed(digits);
}

/** A count or setting as written: 150, 0.5, 12. */
export const plain = (x: unknown): string => (isNum(x) ? String(Number(x.toPrecision(6))) : 'n/a');
export const pct = (x: unknown): string => (isNum(x) ? `${(x * 100).toFixed(1)}%` : 'n/a');
export const dB = (x: unknown): string => `${fmt(x, 1)} dB`;
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
  const out = models.flatMap((m) => {
    const v = value(m);
    return isNum(v) ? [{ m, v }] : [];
  });
  return out.sort((a, b) => (better === 'lower' ? a.v - b.v : b.v - a.v));
}

const fidOf = (m: ModelResult): unknown => m.metrics.quality.fid;
const trainRate = (m: ModelResult): unknown => m.timings.trainImagesPerSecond;
export const hasEncoder = (m: ModelResult): boolean => m.family === 'vae';
export const classTotal = (m: ModelResult, r: CompareResults): number =>
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
  const a = best.m.metrics.quality.fidInterval;
  const b = next?.m.metrics.quality.fidInterval;
  // Overlapping 95% bootstrap intervals: the ranking of the two is not settled by these samples.
  const within =
    a && b && a[1] >= b[0] && b[1] >= a[0]
      ? `; the 95% intervals of ${best.m.name} and ${next!.m.name} overlap ([${fmt(a[0])}, ${fmt(a[1])}] and [${fmt(b[0])}, ${fmt(b[1])}]), so that difference is within the spread`
      : '';
  return `${best.m.name} has the lowest FID: ${fmt(best.v)} against ${joinAnd(others)}${by} (${judge})${within}.`;
}

function speedFinding(r: CompareResults): string {
  const order = ranked(r.models, trainRate, 'higher');
  const rates = (value: (m: ModelResult) => unknown): string =>
    joinAnd(r.models.map((m) => `${m.name} ${fmt(value(m), 0)}`));
  const sampling = `Sampling: ${rates((m) => m.timings.sampleImagesPerSecond)} images/s.`;
  if (order.length < 2) return `Training: ${rates(trainRate)} images/s. ${sampling}`;
  const fast = order[0],
    slow = order[order.length - 1];
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
  const order = ranked(
    curves.map((c) => c.m),
    (m) => values.get(m),
    'lower',
  );
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
    const a = s.order[0].m,
      b = e.order[0].m;
    out.push(
      a === b
        ? `${a.name} leads both per second and per epoch of training.`
        : `The winner flips between the two views: ${a.name} leads at equal seconds, ${b.name} at equal epochs, so ${b.name} learns more from each image and ${a.name} makes up for it with speed.`,
    );
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
    const q = m.metrics.quality,
      total = classTotal(m, r);
    const drop = isNum(q.classesCovered) && q.classesCovered < total ? ', mode dropping' : '';
    return `${m.name} ${plain(q.classesCovered)} of ${total} (KL ${fmt(q.classKl, 3)} nats${drop})`;
  });
  return `Class coverage, classes the judge finds in at least 5% of the samples: ${parts.join('; ')}.`;
}

function stabilityFinding(r: CompareResults): string {
  const parts = r.models.map((m) => {
    const s = m.metrics.stability;
    const d =
      isNum(s.dReal) || isNum(s.dFake)
        ? `, D(x) ${fmt(s.dReal)} and D(G(z)) ${fmt(s.dFake)}${dWinning(m) ? ' (the discriminator is winning)' : ''}`
        : '';
    return `${m.name} loss oscillation ${fmt(s.lossOscillation, 3)}, FID oscillation ${pct(s.fidOscillation)}${d}`;
  });
  return `Stability over the second half of training: ${parts.join('; ')}.`;
}

function latentFinding(r: CompareResults): string {
  const parts = r.models.map((m) => {
    const v = m.metrics.vae;
    if (v)
      return `${m.name} uses ${plain(v.activeUnits)} of ${plain(v.latentDim)} latent units (posterior-mean variance above 0.01)`;
    return hasEncoder(m)
      ? `${m.name}'s encoder measures are n/a`
      : `${m.name} has no encoder, so no image can be mapped to its latent code`;
  });
  return `Interpretability: ${parts.join('; ')}.`;
}

function usesOf(m: ModelResult): string {
  if (!hasEncoder(m)) return `${m.name}: compression and restoration n/a (no encoder)`;
  const c = m.metrics.compression,
    x = m.metrics.restoration;
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
  const parts = [
    next
      ? `${best.m.name} draws the most realistic samples (FID ${fmt(best.v)} vs ${fmt(next.v)} for ${next.m.name})`
      : `${best.m.name} reaches FID ${fmt(best.v)}`,
  ];
  const bySpeed = ranked(r.models, trainRate, 'higher');
  const bestSpeed = bySpeed.find((o) => o.m === best.m);
  if (bySpeed[0] && bestSpeed && bySpeed[0].m !== best.m) {
    parts.push(`${bySpeed[0].m.name} trains ${times(bySpeed[0].v, bestSpeed.v)} as many images per second`);
  }
  const encoders = r.models.filter((m) => isNum(m.metrics.vae?.psnr));
  const others = r.models.filter((m) => !hasEncoder(m));
  if (encoders.length > 0 && others.length > 0) {
    const psnr = joinAnd(encoders.map((m) => `${m.name} ${dB(m.metrics.vae?.psnr)}`));
    parts.push(
      `${joinAnd(encoders.map((m) => m.name))} can also encode, compress and restore images (reconstruction PSNR ${psnr}), which ${joinAnd(others.map((m) => m.name))} cannot`,
    );
  }
  return `${parts.join('; ')}.`;
}

// ------------------------------------------------------------ per-model verdicts

const RANKED: { label: string; better: Better; digits: number; unit: string; value: (m: ModelResult) => unknown }[] = [
  { label: 'FID', better: 'lower', digits: 2, unit: '', value: fidOf },
  { label: 'precision (fidelity)', better: 'higher', digits: 2, unit: '', value: (m) => m.metrics.quality.precision },
  { label: 'recall (diversity)', better: 'higher', digits: 2, unit: '', value: (m) => m.metrics.quality.recall },
  { label: 'training throughput', better: 'higher', digits: 0, unit: ' images/s', value: trainRate },
  {
    label: 'sampling throughput',
    better: 'higher',
    digits: 0,
    unit: ' images/s',
    value: (m) => m.timings.sampleImagesPerSecond,
  },
];

/** Best and worst of each ranked measure, where the models differ. */
function rankVerdicts(models: ModelResult[], out: Map<ModelResult, Verdicts>): void {
  for (const c of RANKED) {
    const order = ranked(models, c.value, c.better);
    if (order.length < 2 || order[0].v === order[order.length - 1].v) continue;
    const [best, next] = order,
      worst = order[order.length - 1];
    const [top, bottom] = c.better === 'lower' ? ['lowest', 'highest'] : ['highest', 'lowest'];
    out
      .get(best.m)
      ?.strengths.push(
        `${top} ${c.label}: ${fmt(best.v, c.digits)}${c.unit} (next: ${next.m.name} ${fmt(next.v, c.digits)})`,
      );
    out
      .get(worst.m)
      ?.weaknesses.push(
        `${bottom} ${c.label}: ${fmt(worst.v, c.digits)}${c.unit} (best: ${best.m.name} ${fmt(best.v, c.digits)})`,
      );
  }
}

function firstNonFinite(m: ModelResult): { key: string; step: number } | undefined {
  for (const p of m.losses ?? []) {
    for (const [key, v] of Object.entries(p.losses ?? {})) if (!isNum(v)) return { key, step: p.step };
  }
  return undefined;
}

function qualityChecks(m: ModelResult, r: CompareResults, v: Verdicts): void {
  const q = m.metrics.quality,
    total = classTotal(m, r);
  if (!isNum(q.fid)) v.alerts.push('FID is n/a: the samples could not be measured');
  if (isNum(q.classesCovered) && q.classesCovered < total) {
    v.alerts.push(`mode dropping: covers ${q.classesCovered} of ${total} classes (KL ${fmt(q.classKl, 3)} nats)`);
  } else if (q.classesCovered === total) {
    v.strengths.push(`covers all ${total} classes (KL ${fmt(q.classKl, 3)} nats)`);
  }
}

function stabilityChecks(m: ModelResult, v: Verdicts): void {
  const s = m.metrics.stability;
  if (dWinning(m))
    v.alerts.push(
      `discriminator winning: D(x) ${fmt(s.dReal)} and D(G(z)) ${fmt(s.dFake)}, so the generator gets little gradient`,
    );
  if (isNum(s.fidOscillation) && s.fidOscillation > 0.1)
    v.alerts.push(
      `quality oscillates: the cheap FID went back and forth by ${pct(s.fidOscillation)} of its level over the last evaluations`,
    );
  if (isNum(s.lossOscillation) && s.lossOscillation > 0.3)
    v.weaknesses.push(`training loss oscillates: relative std ${fmt(s.lossOscillation, 3)}`);
  const bad = firstNonFinite(m);
  if (bad) v.alerts.push(`diverged: ${bad.key} is not finite at step ${bad.step}`);
}

function encoderChecks(m: ModelResult, v: Verdicts): void {
  if (!hasEncoder(m)) {
    v.weaknesses.push('no encoder: reconstruction, compression and restoration are n/a');
    return;
  }
  const e = m.metrics.vae,
    c = m.metrics.compression,
    x = m.metrics.restoration;
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
  for (const [what, from, to] of [
    ['denoising', x.noisyPsnr, x.restoredNoisyPsnr],
    ['inpainting', x.maskedPsnr, x.restoredMaskedPsnr],
  ] as const) {
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
  const verdicts = new Map<ModelResult, Verdicts>(
    r.models.map((m) => [m, { strengths: [], weaknesses: [], alerts: [] }]),
  );
  rankVerdicts(r.models, verdicts);
  for (const m of r.models) {
    const v = verdicts.get(m) as Verdicts;
    qualityChecks(m, r, v);
    stabilityChecks(m, v);
    encoderChecks(m, v);
  }
  const findings = [
    fidFinding(r),
    speedFinding(r),
    ...curveFindings(r),
    fidelityFinding(r),
    coverageFinding(r),
    stabilityFinding(r),
    latentFinding(r),
    `Uses beyond sampling: ${r.models.map(usesOf).join('; ')}.`,
  ];
  const models = r.models.map((m) => {
    const v = verdicts.get(m) as Verdicts;
    return { name: m.name, strengths: v.strengths, weaknesses: [...v.alerts, ...v.weaknesses] };
  });
  const alerts = r.models.flatMap((m) => (verdicts.get(m) as Verdicts).alerts.map((a) => `${m.name}: ${a}`));
  return { verdict: verdictOf(r), findings, alerts, models };
}
