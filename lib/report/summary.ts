/**
 * The comparison in words. `summarize()` turns CompareResults into a verdict,
 * cross-model findings, alerts and each model's strengths and weaknesses;
 * every sentence names the numbers it rests on (nothing canned: every claim
 * is computed from the results). Also the number formatters the report shares.
 */
import type {
  CompareResults,
  CurvePoint,
  ModelResult,
  RatePoint,
  RestorationMeasures,
  Spread,
  SpreadKey,
} from './results.js';
import { COVERED_CLASS_SHARE } from './results.js';

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
/** Seconds to two significant digits: 0.00021, 0.85, 12. */
export const secs = (x: unknown): string => (isNum(x) ? String(Number(x.toPrecision(2))) : 'n/a');
/** a / b as "4.0×", "250×", "4,250×". */
function times(a: number, b: number): string {
  const q = a / b;
  return isNum(q) ? `${q >= 100 ? fmt(q, 0) : q.toFixed(1)}×` : 'n/a';
}
function gain(from: unknown, to: unknown): string {
  if (!isNum(from) || !isNum(to)) return 'n/a';
  const d = to - from;
  return `${d >= 0 ? '+' : ''}${d.toFixed(1)} dB`;
}

/** "a", "a and b", "a, b and c". */
export function joinAnd(items: string[]): string {
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
export const classTotal = (m: ModelResult, r: CompareResults): number =>
  m.metrics.quality.classHistogram?.length || r.data.classNames?.length || 10;
function dWinning(m: ModelResult): boolean {
  const { dReal, dFake } = m.metrics.stability;
  return isNum(dReal) && isNum(dFake) && dReal >= 0.9 && dFake <= 0.1;
}

// ------------------------------------------------------------ seeds (compare --seeds)

/** The seeds a model's spread runs over, in the order of its values: its runs' seeds, else the comparison's. */
export function seedsOf(m: ModelResult, r: CompareResults): number[] {
  return m.seedRuns?.map((s) => s.seed) ?? r.seeds ?? [];
}

/** The comparison's seeds when it ran each model under two or more, else undefined. */
export const manySeeds = (r: CompareResults): number[] | undefined =>
  r.seeds && r.seeds.length >= 2 ? r.seeds : undefined;

/** A model's spread of one figure over the seeds, when measured and finite. */
export function figureSpread(m: ModelResult, key: SpreadKey): Spread | undefined {
  const s = m.spread?.[key];
  return s && [s.min, s.max, s.mean, s.std].every(isNum) ? s : undefined;
}

/** Whether two spreads' [min, max] ranges share a value. */
export const overlap = (a: Spread, b: Spread): boolean => a.min <= b.max && b.min <= a.max;

/**
 * Whether the difference between two models in one figure is within what a
 * change of seed does: true when their ranges over the seeds overlap, false
 * when they do not, undefined unless both have the figure's spread.
 */
export function withinSpread(a: ModelResult, b: ModelResult, key: SpreadKey): boolean | undefined {
  const x = figureSpread(a, key),
    y = figureSpread(b, key);
  return x && y ? overlap(x, y) : undefined;
}

/** A model's range of a figure over the seeds, "gan 17.90 to 19.60". */
const rangeText = (m: ModelResult, s: Spread, digits: number, unit: string): string =>
  `${m.name} ${fmt(s.min, digits)} to ${fmt(s.max, digits)}${unit}`;

/** Range over mean of a model's FID beyond which its quality is said to depend on the seed. */
const SEED_DEPENDENT_FID = 0.25;

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

/** The classes a model's samples miss, by name where the data has names: "Sandal, Bag" or "classes 5, 8". */
export function missingClasses(m: ModelResult, r: CompareResults): string {
  const hist = m.metrics.quality.classHistogram ?? [];
  const missing = hist.flatMap((h, i) => (h < COVERED_CLASS_SHARE ? [i] : []));
  const names = r.data.classNames;
  return names && names.length === hist.length
    ? missing.map((i) => names[i]).join(', ')
    : `class${missing.length > 1 ? 'es' : ''} ${missing.join(', ')}`;
}

function coverageFinding(r: CompareResults): string {
  const parts = r.models.map((m) => {
    const q = m.metrics.quality,
      total = classTotal(m, r);
    const drop =
      isNum(q.classesCovered) && q.classesCovered < total ? `, mode dropping: no ${missingClasses(m, r)}` : '';
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
    return m.family === 'gan'
      ? `${m.name} has no encoder, so no posterior whose active units could be counted`
      : `${m.name}'s latent measures are n/a`;
  });
  return `Interpretability: ${parts.join('; ')}.`;
}

const howCoded = (m: ModelResult): string =>
  m.metrics.reconstruction?.method === 'encoder' ? 'by its encoder' : 'by latent search';

function reconstructionFinding(r: CompareResults): string | undefined {
  const order = ranked(r.models, (m) => m.metrics.reconstruction?.psnr, 'higher');
  if (order.length === 0) return undefined;
  const parts = order.map(({ m, v }) => {
    const e = m.metrics.reconstruction!;
    return `${m.name} ${dB(v)} (SSIM ${fmt(e.ssim, 3)}), its codes found ${howCoded(m)} in ${secs(e.secondsPerImage)} s/image`;
  });
  const missing = r.models.filter((m) => !order.some((o) => o.m === m)).map((m) => `n/a for ${m.name}`);
  const bySpeed = ranked(r.models, (m) => m.metrics.reconstruction?.secondsPerImage, 'lower');
  const fast = bySpeed[0],
    slow = bySpeed[bySpeed.length - 1];
  const speed =
    bySpeed.length >= 2 && fast.v > 0 && slow.v > fast.v
      ? `; ${fast.m.name} finds a code ${times(slow.v, fast.v)} faster than ${slow.m.name}`
      : '';
  return `Reconstruction of the first ${plain(order[0].m.metrics.reconstruction!.images)} test images, PSNR: ${joinAnd([...parts, ...missing])}${speed}.`;
}

function compressionFinding(r: CompareResults): string | undefined {
  const parts = r.models.flatMap((m) => {
    const c = m.metrics.compression;
    return c
      ? [
          `${m.name} ${fmt(c.bytesPerImage, 0)} B/image (${fmt(c.ratio, 1)}× smaller than the ${fmt(c.rawBytesPerImage, 0)} B raw image) at ${dB(c.psnr)} PSNR`,
        ]
      : [];
  });
  return parts.length > 0 ? `Compression as float16 codes: ${joinAnd(parts)}.` : undefined;
}

const CODEC_NAMES: Record<string, string> = { jpeg: 'JPEG', webp: 'WebP' };
export const codecName = (scheme: string): string => CODEC_NAMES[scheme] ?? scheme;

/** A code's point with the model it came from. */
interface CodePoint extends RatePoint {
  model: string;
}

const finitePoint = (p: RatePoint): boolean => isNum(p.bytesPerImage) && isNum(p.psnr);
const codePoints = (r: CompareResults): CodePoint[] =>
  r.models.flatMap((m) =>
    (m.metrics.compression?.curve ?? []).filter(finitePoint).map((p) => ({ ...p, model: m.name })),
  );
const codecPoints = (r: CompareResults): RatePoint[] => (r.codecs ?? []).filter(finitePoint);

/** The point of highest PSNR among those of at most `bytes` bytes per image (the fewer bytes on a tie). */
function bestWithin<P extends RatePoint>(points: P[], bytes: number): P | undefined {
  return points
    .filter((p) => p.bytesPerImage <= bytes)
    .reduce<P | undefined>(
      (a, p) => (!a || p.psnr > a.psnr || (p.psnr === a.psnr && p.bytesPerImage < a.bytesPerImage) ? p : a),
      undefined,
    );
}

const codeText = (p: CodePoint): string => `${p.model} at ${plain(p.setting)} bits, ${fmt(p.bytesPerImage, 0)} B`;
const codecText = (p: RatePoint): string =>
  `${codecName(p.scheme)} at quality ${plain(p.setting)}, ${fmt(p.bytesPerImage, 0)} B`;

/** Where the codes win: the best code beating every JPEG and WebP file of at most its size. */
function codesWin(codes: CodePoint[], codecs: RatePoint[]): string {
  const wins = codes.filter((p) => p.psnr > (bestWithin(codecs, p.bytesPerImage)?.psnr ?? -Infinity));
  const best = bestWithin(wins, Infinity);
  if (!best) return 'no code beats the best JPEG or WebP file of at most its size';
  const rival = bestWithin(codecs, best.bytesPerImage);
  const smallest = [...codecs].sort((a, b) => a.bytesPerImage - b.bytesPerImage)[0];
  return rival
    ? `the codes win: at ${fmt(best.bytesPerImage, 0)} B/image ${best.model}'s ${plain(best.setting)}-bit code reaches ${dB(best.psnr)} where the best JPEG or WebP file of at most that size reaches ${dB(rival.psnr)} (${codecText(rival)})`
    : `the codes win where files must be small: ${best.model}'s ${plain(best.setting)}-bit code reaches ${dB(best.psnr)} in ${fmt(best.bytesPerImage, 0)} B/image, and no JPEG or WebP file is that small (the smallest: ${codecText(smallest)}, ${dB(smallest.psnr)})`;
}

/** Where JPEG and WebP win: the smallest file beating every code of at most its size. */
function codecsWin(codes: CodePoint[], codecs: RatePoint[]): string {
  const win = [...codecs]
    .sort((a, b) => a.bytesPerImage - b.bytesPerImage)
    .find((p) => p.psnr > (bestWithin(codes, p.bytesPerImage)?.psnr ?? -Infinity));
  if (!win) return 'no JPEG or WebP file beats the best code of at most its size';
  const rival = bestWithin(codes, win.bytesPerImage);
  const where = rival
    ? `where the best code of at most that size reaches ${dB(rival.psnr)} (${codeText(rival)})`
    : 'where no code is that small';
  const top = bestWithin(codecs, Infinity)!;
  return `JPEG and WebP win from ${fmt(win.bytesPerImage, 0)} B/image: there ${codecName(win.scheme)} (quality ${plain(win.setting)}) reaches ${dB(win.psnr)} ${where}, up to ${dB(top.psnr)} (${codecText(top)})`;
}

/** The honest comparison of the codes with JPEG and WebP on the same images, at equal or fewer bytes. */
function codecFinding(r: CompareResults): string | undefined {
  const codes = codePoints(r),
    codecs = codecPoints(r);
  if (codes.length === 0 || codecs.length === 0) return undefined;
  const n = r.models.find((m) => isNum(m.metrics.compression?.images))?.metrics.compression?.images;
  const on = isNum(n) ? ` on the same ${plain(n)} test images` : ' on the same test images';
  return `Codes against JPEG and WebP files${on}, PSNR at equal or fewer bytes per image: ${codesWin(codes, codecs)}; ${codecsWin(codes, codecs)}.`;
}

/** One damage's clause: the models ranked by PSNR after restoration, each with its starting PSNR and gain. */
function restoreClause(
  r: CompareResults,
  damage: string,
  from: (x: RestorationMeasures) => number,
  to: (x: RestorationMeasures) => number,
): string | undefined {
  const order = ranked(r.models, (m) => (m.metrics.restoration ? to(m.metrics.restoration) : undefined), 'higher');
  if (order.length === 0) return undefined;
  const part = ({ m, v }: Ranked): string => {
    const start = from(m.metrics.restoration!);
    return `${m.name} ${dB(start)} to ${dB(v)} (${gain(start, v)})`;
  };
  if (order.length === 1) return `${damage}, ${part(order[0])}`;
  const [best, ...rest] = order;
  const tie = best.v === rest[0].v;
  const lead = tie
    ? 'the models restore equally well'
    : `${best.m.name} restores ${rest.length > 1 ? 'best' : 'better'}`;
  return `${damage}, ${lead}: ${part(best)}, against ${joinAnd(rest.map(part))}`;
}

function restorationFinding(r: CompareResults): string | undefined {
  const x = r.models.find((m) => m.metrics.restoration)?.metrics.restoration;
  if (!x) return undefined;
  const clauses = [
    restoreClause(
      r,
      `under noise (std ${plain(x.noiseStd)})`,
      (y) => y.noisyPsnr,
      (y) => y.restoredNoisyPsnr,
    ),
    restoreClause(
      r,
      `inside random holes (${pct(x.holeShare)} of the pixels)`,
      (y) => y.holesPsnr,
      (y) => y.restoredHolesPsnr,
    ),
  ].filter((c): c is string => c !== undefined);
  const baselines = r.models.flatMap((m) => {
    const y = m.metrics.restoration;
    return y && (isNum(y.encoderNoisyPsnr) || isNum(y.encoderHolesPsnr))
      ? [
          `${m.name}'s encoder alone reaches ${dB(y.encoderNoisyPsnr)} under noise and ${dB(y.encoderHolesPsnr)} inside the holes`,
        ]
      : [];
  });
  if (clauses.length === 0 && baselines.length === 0) return undefined;
  const time = r.models.flatMap((m) =>
    m.metrics.restoration ? [`${m.name} ${secs(m.metrics.restoration.secondsPerImage)}`] : [],
  );
  return (
    `Restoration by latent search of the first ${plain(x.images)} test images: ${[...clauses, ...baselines].join('; ')}. ` +
    `Seconds per image, both restorations: ${joinAnd(time)}.`
  );
}

/** The figures whose spread over seeds the findings weigh against the differences between models. */
const SEED_FINDINGS: {
  key: SpreadKey;
  label: string;
  better: Better;
  digits: number;
  unit: string;
  value: (m: ModelResult) => unknown;
}[] = [
  { key: 'fid', label: 'FID', better: 'lower', digits: 2, unit: '', value: fidOf },
  {
    key: 'reconstructionPsnr',
    label: 'reconstruction PSNR',
    better: 'higher',
    digits: 1,
    unit: ' dB',
    value: (m) => m.metrics.reconstruction?.psnr,
  },
  {
    key: 'restoredNoisyPsnr',
    label: 'denoising PSNR',
    better: 'higher',
    digits: 1,
    unit: ' dB',
    value: (m) => m.metrics.restoration?.restoredNoisyPsnr,
  },
  {
    key: 'restoredHolesPsnr',
    label: 'inpainting PSNR inside the holes',
    better: 'higher',
    digits: 1,
    unit: ' dB',
    value: (m) => m.metrics.restoration?.restoredHolesPsnr,
  },
];

/**
 * Under several seeds, one figure's range per model (best first, by the
 * figures shown) and whether the best two differ by more than the seeds do;
 * undefined unless two models have the figure's spread.
 */
function seedFinding(r: CompareResults, key: SpreadKey): string | undefined {
  const seeds = manySeeds(r);
  const f = SEED_FINDINGS.find((x) => x.key === key)!;
  const order = ranked(
    r.models.filter((m) => figureSpread(m, key)),
    f.value,
    f.better,
  );
  if (!seeds || order.length < 2) return undefined;
  const [a, b] = order;
  const ranges = order.map(({ m }) => rangeText(m, figureSpread(m, key)!, f.digits, f.unit));
  const which = order.length > 2 ? ` between ${a.m.name} and ${b.m.name}, the best two,` : '';
  const how = withinSpread(a.m, b.m, key)
    ? 'is within the seed spread (the ranges overlap)'
    : 'is larger than the seed spread (the ranges do not overlap)';
  return `Over seeds ${joinAnd(seeds.map(String))}: ${f.label} ${ranges.join(', ')}: the difference${which} ${how}.`;
}

/** "over seeds 1, 2 and 3" for a model's spread. */
const overSeeds = (m: ModelResult, r: CompareResults): string => `over seeds ${joinAnd(seedsOf(m, r).map(String))}`;

function verdictOf(r: CompareResults): string {
  const byFid = ranked(r.models, fidOf, 'lower');
  if (byFid.length === 0) return 'No model produced measurable samples: every FID is n/a.';
  const [best, next] = byFid;
  const fidRange = (m: ModelResult): string => rangeText(m, figureSpread(m, 'fid')!, 2, '');
  // Within the seed spread, the ranking of the two says nothing about their quality.
  const parts = [
    !next
      ? `${best.m.name} reaches FID ${fmt(best.v)}`
      : withinSpread(best.m, next.m, 'fid')
        ? `${best.m.name} and ${next.m.name} draw samples of comparable quality: FID ${fmt(best.v)} vs ${fmt(next.v)}, a difference within the seed spread (${fidRange(best.m)} and ${fidRange(next.m)} ${overSeeds(best.m, r)})`
        : `${best.m.name} draws the most realistic samples (FID ${fmt(best.v)} vs ${fmt(next.v)} for ${next.m.name})`,
  ];
  const bySpeed = ranked(r.models, trainRate, 'higher');
  const bestSpeed = bySpeed.find((o) => o.m === best.m);
  if (bySpeed[0] && bestSpeed && bySpeed[0].m !== best.m) {
    parts.push(`${bySpeed[0].m.name} trains ${times(bySpeed[0].v, bestSpeed.v)} as many images per second`);
  }
  const byRecon = ranked(r.models, (m) => m.metrics.reconstruction?.psnr, 'higher');
  if (byRecon.length >= 2 && byRecon[0].v !== byRecon[1].v) {
    const [top, second] = byRecon;
    const psnrs = `PSNR ${dB(top.v)} ${howCoded(top.m)} vs ${dB(second.v)} for ${second.m.name} ${howCoded(second.m)}`;
    parts.push(
      withinSpread(top.m, second.m, 'reconstructionPsnr')
        ? `${top.m.name} and ${second.m.name} reconstruct test images about equally well (${psnrs}, within the seed spread)`
        : `${top.m.name} reconstructs test images best (${psnrs})`,
    );
  }
  return `${parts.join('; ')}.`;
}

// ------------------------------------------------------------ per-model verdicts

const RANKED: {
  label: string;
  better: Better;
  digits: number;
  unit: string;
  value: (m: ModelResult) => unknown;
  /** Its spread over seeds, under which a difference within it is said to be. */
  spread?: SpreadKey;
}[] = [
  { label: 'FID', better: 'lower', digits: 2, unit: '', value: fidOf, spread: 'fid' },
  {
    label: 'precision (fidelity)',
    better: 'higher',
    digits: 2,
    unit: '',
    value: (m) => m.metrics.quality.precision,
    spread: 'precision',
  },
  {
    label: 'recall (diversity)',
    better: 'higher',
    digits: 2,
    unit: '',
    value: (m) => m.metrics.quality.recall,
    spread: 'recall',
  },
  {
    label: 'training throughput',
    better: 'higher',
    digits: 0,
    unit: ' images/s',
    value: trainRate,
    spread: 'trainImagesPerSecond',
  },
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
    const within = (a: Ranked): string =>
      c.spread && withinSpread(best.m, a.m, c.spread) ? ', within the seed spread' : '';
    out
      .get(best.m)
      ?.strengths.push(
        `${top} ${c.label}: ${fmt(best.v, c.digits)}${c.unit} (next: ${next.m.name} ${fmt(next.v, c.digits)}${within(next)})`,
      );
    out
      .get(worst.m)
      ?.weaknesses.push(
        `${bottom} ${c.label}: ${fmt(worst.v, c.digits)}${c.unit} (best: ${best.m.name} ${fmt(best.v, c.digits)}${within(worst)})`,
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
    v.alerts.push(
      `mode dropping: covers ${q.classesCovered} of ${total} classes, missing ${missingClasses(m, r)} (KL ${fmt(q.classKl, 3)} nats)`,
    );
  } else if (q.classesCovered === total) {
    v.strengths.push(`covers all ${total} classes (KL ${fmt(q.classKl, 3)} nats)`);
  }
}

/** Under several seeds: a model whose FID moves a lot with the seed. */
function seedChecks(m: ModelResult, r: CompareResults, v: Verdicts): void {
  const s = figureSpread(m, 'fid');
  if (!s || s.values.length < 2 || !(s.mean > 0) || (s.max - s.min) / s.mean <= SEED_DEPENDENT_FID) return;
  v.weaknesses.push(`quality depends on the seed: FID ${fmt(s.min)} to ${fmt(s.max)} ${overSeeds(m, r)}`);
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

function vaeChecks(m: ModelResult, v: Verdicts): void {
  if (m.family === 'gan') {
    v.weaknesses.push('no likelihood: NELBO and the IWAE bound are n/a, so only its samples judge its fit');
    return;
  }
  const e = m.metrics.vae;
  if (!e) return;
  if (isNum(e.activeUnits) && isNum(e.latentDim) && e.activeUnits < e.latentDim / 2) {
    v.alerts.push(`posterior collapse: only ${e.activeUnits} of ${e.latentDim} latent units active`);
  } else {
    v.strengths.push(`readable latent code: ${plain(e.activeUnits)} of ${plain(e.latentDim)} units active`);
  }
}

/** The best code of the model against JPEG and WebP: beaten outright (a file no larger and better), or smaller than any file. */
function codecCheck(m: ModelResult, r: CompareResults, v: Verdicts): void {
  const codes = (m.metrics.compression?.curve ?? []).filter(finitePoint),
    codecs = codecPoints(r);
  const best = bestWithin(codes, Infinity);
  if (!best || codecs.length === 0) return;
  const code = `${dB(best.psnr)} in ${fmt(best.bytesPerImage, 0)} B (${plain(best.setting)}-bit)`;
  const rival = bestWithin(codecs, best.bytesPerImage);
  if (rival && rival.psnr >= best.psnr) {
    v.weaknesses.push(
      `its best code is beaten outright: ${codecText(rival)} reaches ${dB(rival.psnr)}, against its ${code}`,
    );
  } else if (!rival) {
    const smallest = [...codecs].sort((a, b) => a.bytesPerImage - b.bytesPerImage)[0];
    v.strengths.push(
      `its codes are smaller than any JPEG or WebP file: ${code}; the smallest file, ${codecText(smallest)}, reaches ${dB(smallest.psnr)}`,
    );
  }
}

function usesChecks(m: ModelResult, r: CompareResults, v: Verdicts): void {
  const e = m.metrics.reconstruction,
    c = m.metrics.compression,
    x = m.metrics.restoration;
  if (e) {
    v.strengths.push(`reconstructs test images at ${dB(e.psnr)} PSNR (SSIM ${fmt(e.ssim, 3)}) ${howCoded(m)}`);
    if (e.method === 'search') {
      const encoders = r.models.filter((o) => o.metrics.reconstruction?.method === 'encoder');
      const than = encoders.length
        ? ` (${joinAnd(encoders.map((o) => `${o.name}'s encoder: ${secs(o.metrics.reconstruction?.secondsPerImage)} s/image`))})`
        : '';
      v.weaknesses.push(`finding a code needs a latent search: ${secs(e.secondsPerImage)} s/image${than}`);
    }
  }
  if (c) v.strengths.push(`compresses images ${fmt(c.ratio, 1)}× at ${dB(c.psnr)} PSNR as float16 codes`);
  codecCheck(m, r, v);
  if (!x) return;
  for (const [what, from, to, encoder] of [
    ['denoising', x.noisyPsnr, x.restoredNoisyPsnr, x.encoderNoisyPsnr],
    ['inpainting inside holes', x.holesPsnr, x.restoredHolesPsnr, x.encoderHolesPsnr],
  ] as const) {
    if (!isNum(from) || !isNum(to)) continue;
    (to > from ? v.strengths : v.weaknesses).push(`${what}: ${dB(from)} to ${dB(to)} PSNR (${gain(from, to)})`);
    if (isNum(encoder) && encoder > to)
      v.weaknesses.push(`${what}: the latent search (${dB(to)}) falls short of its own encoder (${dB(encoder)})`);
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
    seedChecks(m, r, v);
    stabilityChecks(m, v);
    vaeChecks(m, v);
    usesChecks(m, r, v);
  }
  const findings = [
    fidFinding(r),
    seedFinding(r, 'fid'),
    speedFinding(r),
    ...curveFindings(r),
    fidelityFinding(r),
    coverageFinding(r),
    stabilityFinding(r),
    latentFinding(r),
    reconstructionFinding(r),
    seedFinding(r, 'reconstructionPsnr'),
    compressionFinding(r),
    codecFinding(r),
    restorationFinding(r),
    seedFinding(r, 'restoredNoisyPsnr'),
    seedFinding(r, 'restoredHolesPsnr'),
  ].filter((f): f is string => f !== undefined);
  const models = r.models.map((m) => {
    const v = verdicts.get(m) as Verdicts;
    return { name: m.name, strengths: v.strengths, weaknesses: [...v.alerts, ...v.weaknesses] };
  });
  const alerts = r.models.flatMap((m) => (verdicts.get(m) as Verdicts).alerts.map((a) => `${m.name}: ${a}`));
  return { verdict: verdictOf(r), findings, alerts, models };
}
