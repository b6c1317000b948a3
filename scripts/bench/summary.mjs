// Turns the bench's raw child records into medians, ratios against PyTorch at
// its best thread setting, the issue's targets, and the printed table.

/** Matmul FLOPs of one MLP-VAE epoch (60,000 images): forward 2*(784*400 + 400*20*2 + 20*400 + 400*784)
 * per image, backward twice that less fc1's input gradient (x needs none). About 197 GFLOP. */
const VAE_EPOCH_FLOP = 60_000 * (3 * 2 * (784 * 400 + 400 * 40 + 20 * 400 + 400 * 784) - 2 * 784 * 400);
/** The issue's OpenBLAS sgemm rate on 2 threads, GFLOP/s. */
const ISSUE_SGEMM_GFLOPS = 178;

/** The table's rows: which child case and value each reads, and the issue's target. */
const ROWS = [
  { key: 'vae', label: 'MLP-VAE epoch', child: 'vae', metric: 'epochSeconds', target: { ratio: 0.8 } },
  { key: 'dcgan', label: 'DCGAN epoch', child: 'dcgan', metric: 'epochSeconds', target: { ratio: 0.95 } },
  { key: 'mlp-gan', label: 'MLP GAN epoch', child: 'mlp-gan', metric: 'epochSeconds', target: { ratio: 0.8 } },
  {
    key: 'load',
    label: 'load F-MNIST train -> tensor',
    child: 'load',
    metric: 'totalSeconds',
    target: { seconds: 0.3 },
  },
  // "well under a second": read here as at most half a second
  {
    key: 'sample',
    label: 'sample 10k, MLP VAE',
    child: 'sample',
    metric: 'vaeSampleSeconds',
    target: { seconds: 0.5 },
  },
  {
    key: 'sample',
    label: 'sample 10k, MLP GAN',
    child: 'sample',
    metric: 'ganSampleSeconds',
    target: { seconds: 0.5 },
  },
  { key: 'rss', label: 'peak RSS, VAE fit', child: 'vae', metric: 'peakRssBytes', target: { ratio: 1.2 }, bytes: true },
];

export function median(xs) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median, range and count of one value over the successful records of one implementation. */
function stats(records, metric) {
  const ok = (records ?? []).filter((r) => !r.error && Number.isFinite(r[metric]));
  const xs = ok.map((r) => r[metric]);
  return {
    median: median(xs),
    min: Math.min(...xs),
    max: Math.max(...xs),
    n: xs.length,
    failed: (records ?? []).length - ok.length,
    extrapolatedFromSteps: ok.some((r) => r.measured === 'steps') ? ok[0].steps : undefined,
  };
}

/** PyTorch's settings for one row, and the best (lowest median); RSS follows the VAE's fastest setting. */
function pytorchBest(byImpl, metric, preferred) {
  const settings = Object.fromEntries(
    Object.entries(byImpl ?? {})
      .filter(([k]) => k.startsWith('pytorch@'))
      .map(([k, recs]) => [k.slice('pytorch@'.length), stats(recs, metric)]),
  );
  const valid = Object.entries(settings).filter(([, s]) => s.n > 0);
  if (preferred && settings[preferred]?.n > 0)
    return { settings, best: { threads: preferred, ...settings[preferred] } };
  const [threads, s] = valid.sort((a, b) => a[1].median - b[1].median)[0] ?? [undefined, { median: NaN }];
  return { settings, best: { threads, ...s } };
}

function verdict(row, g, ref, cpu) {
  const ratio = g / ref;
  if (!Number.isFinite(g))
    return {
      ratio,
      target: row.target.seconds !== undefined ? `<= ${row.target.seconds} s` : `<= ${row.target.ratio}x`,
      met: null,
    };
  if (row.target.seconds !== undefined)
    return { ratio, target: `<= ${row.target.seconds} s`, met: g <= row.target.seconds };
  if (!cpu) return { ratio, target: `(CPU: <= ${row.target.ratio}x)`, met: null };
  return { ratio, target: `<= ${row.target.ratio}x`, met: Number.isFinite(ratio) ? ratio <= row.target.ratio : false };
}

/**
 * Fraction of the MLP-VAE's matmul floor reached (floor seconds over epoch
 * seconds), against the issue's floor (178 GFLOP/s) and, when measured, this
 * run's own sgemm rate (which drops when the machine is shared).
 */
function floorShare(floor, epochs) {
  const at = (gflops) => VAE_EPOCH_FLOP / (gflops * 1e9);
  const shares = (floorSeconds) =>
    Object.fromEntries(Object.entries(epochs).map(([k, s]) => [k, Number.isFinite(s) ? floorSeconds / s : null]));
  const measured = floor && !floor.error ? floor.sgemmGflops : null;
  return {
    epochGflop: VAE_EPOCH_FLOP / 1e9,
    issue: {
      sgemmGflops: ISSUE_SGEMM_GFLOPS,
      floorSeconds: at(ISSUE_SGEMM_GFLOPS),
      share: shares(at(ISSUE_SGEMM_GFLOPS)),
    },
    measured: measured ? { sgemmGflops: measured, floorSeconds: at(measured), share: shares(at(measured)) } : null,
  };
}

export function summarize(raw, o, floor) {
  const cpu = o.device === 'cpu';
  const rows = [];
  let vaeBest;
  for (const row of ROWS) {
    if (!o.cases.includes(row.key) || !raw[row.child]) continue;
    const g = stats(raw[row.child].gentorch, row.metric);
    const { settings, best } = pytorchBest(raw[row.child], row.metric, row.key === 'rss' ? vaeBest : undefined);
    if (row.key === 'vae') vaeBest = best.threads;
    rows.push({
      key: row.key,
      label: row.label,
      metric: row.metric,
      bytes: !!row.bytes,
      gentorch: g,
      pytorch: best,
      pytorchSettings: settings,
      ...verdict(row, g.median, best.median, cpu),
    });
  }
  const tfjs = raw.tfjs ? stats(raw.tfjs['tfjs-wasm'], 'epochSeconds') : undefined;
  const vaeRow = rows.find((r) => r.key === 'vae');
  if (tfjs) {
    const g = vaeRow?.gentorch ?? { median: NaN };
    rows.push({
      key: 'tfjs',
      label: 'MLP-VAE epoch vs TF.js wasm',
      metric: 'epochSeconds',
      gentorch: g,
      tfjs,
      ratio: g.median / tfjs.median,
      target: '(peer)',
      met: null,
      pytorchOverTfjs: vaeRow ? vaeRow.pytorch.median / tfjs.median : null,
    });
  }
  const floorRecord =
    vaeRow && cpu
      ? floorShare(floor, {
          gentorch: vaeRow.gentorch.median,
          pytorch: vaeRow.pytorch.median,
          tfjs: tfjs?.median ?? NaN,
        })
      : undefined;
  return { rows, floor: floorRecord };
}

const fmt = (s, bytes) => {
  if (!Number.isFinite(s?.median)) return 'n/a';
  const v = bytes ? `${(s.median / 2 ** 20).toFixed(0)} MiB` : `${s.median.toFixed(s.median < 10 ? 3 : 1)} s`;
  return `${v}${s.extrapolatedFromSteps ? '*' : ''}`;
};

function table(header, lines) {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [row(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(row)].join('\n');
}

export function printSummary(summary, o) {
  const lines = summary.rows.map((r) => {
    const ref = r.tfjs ? `${fmt(r.tfjs)} (tfjs-wasm)` : `${fmt(r.pytorch, r.bytes)} (${r.pytorch.threads ?? '-'})`;
    const met = r.met === null ? (Number.isFinite(r.gentorch.median) ? '-' : 'n/a') : r.met ? 'yes' : 'NO';
    return [
      r.label,
      fmt(r.gentorch, r.bytes),
      ref,
      Number.isFinite(r.ratio) ? `${r.ratio.toFixed(2)}x` : 'n/a',
      r.target,
      met,
    ];
  });
  const out = [
    `\ngentorch vs PyTorch ${o.loop === 'tensor' ? '(tensor-resident loop)' : '(pytorch/examples DataLoader loop)'}, ` +
      `${o.device}, medians of ${o.reps} run(s), each in its own process`,
  ];
  out.push(table(['case', 'gentorch median', 'PyTorch best (threads)', 'ratio', 'target', 'met?'], lines));
  if (
    summary.rows.some(
      (r) => r.gentorch.extrapolatedFromSteps || r.pytorch?.extrapolatedFromSteps || r.tfjs?.extrapolatedFromSteps,
    )
  ) {
    out.push('* timed over a fixed number of steps and extrapolated to a 469-step epoch (--quick or --steps)');
  }
  out.push(
    'threads T:B = torch.set_num_threads(T), OMP_NUM_THREADS=T, OPENBLAS_NUM_THREADS=B; gentorch runs with its defaults',
  );
  for (const r of summary.rows.filter((x) => x.pytorchSettings)) {
    const per = Object.entries(r.pytorchSettings)
      .map(([t, s]) => `${t}: ${fmt(s, r.bytes)}${s.failed ? ` (${s.failed} failed)` : ''}`)
      .join(', ');
    out.push(
      `  ${r.label}: PyTorch ${per}; gentorch range ${fmt({ median: r.gentorch.min }, r.bytes)}..${fmt({ median: r.gentorch.max }, r.bytes)}`,
    );
  }
  const tf = summary.rows.find((r) => r.key === 'tfjs');
  if (tf && Number.isFinite(tf.pytorchOverTfjs))
    out.push(
      `  TF.js wasm MLP-VAE epoch ${fmt(tf.tfjs)}: PyTorch takes ${tf.pytorchOverTfjs.toFixed(2)}x of it, gentorch ${tf.ratio.toFixed(2)}x`,
    );
  const f = summary.floor;
  if (f) {
    const pct = (x) => (x === null ? 'n/a' : `${(100 * x).toFixed(0)}%`);
    const shares = (b) =>
      `gentorch ${pct(b.share.gentorch)}, PyTorch ${pct(b.share.pytorch)}${b.share.tfjs !== null ? `, TF.js ${pct(b.share.tfjs)}` : ''}`;
    out.push(
      `MLP-VAE floor: ${f.epochGflop.toFixed(1)} GFLOP of matmuls per epoch; at the issue's ${f.issue.sgemmGflops} GFLOP/s (OpenBLAS sgemm, 2 threads) ` +
        `${f.issue.floorSeconds.toFixed(2)} s; share of it reached: ${shares(f.issue)}`,
    );
    if (f.measured) {
      out.push(
        `  sgemm measured in this run: ${f.measured.sgemmGflops.toFixed(0)} GFLOP/s (2048x2048, all cores) -> floor ${f.measured.floorSeconds.toFixed(2)} s; ` +
          `share: ${shares(f.measured)}`,
      );
    }
  }
  console.log(`${out.join('\n')}\n`);
}
