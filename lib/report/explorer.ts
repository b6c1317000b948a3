/**
 * The latent explorer: one self-contained HTML page (nothing loaded from the
 * network, opens from a file) where a slider moves each latent dimension, a
 * map of encoded images can be clicked to decode a point, and two codes can
 * be morphed. The page decodes in the browser: the model's decoder (or
 * generator) as ONNX, run by onnxruntime-web's WebAssembly build, both
 * inlined as base64. The page script is written here by hand: it is the
 * page's own logic (sliders, map, morph) and small.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { GentorchError } from '../errors.js';
import { classColor, escapeHtml } from './charts.js';

/** onnxruntime-web's wasm-only ES module bundle and its WebAssembly binary, read from node_modules. */
export interface OrtWebAssets {
  script: Buffer;
  wasm: Buffer;
  version: string;
}

/** Finds onnxruntime-web (an optional peer dependency); E_CONFIG naming the install command when absent. */
export function ortWebAssets(): OrtWebAssets {
  const require = createRequire(import.meta.url);
  let dist: string;
  let version: string;
  try {
    dist = dirname(require.resolve('onnxruntime-web/wasm'));
    version = (JSON.parse(readFileSync(join(dist, '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    throw new GentorchError(
      'E_CONFIG',
      'The explorer page runs the decoder with onnxruntime-web, which is not installed; run `npm install onnxruntime-web`',
    );
  }
  try {
    return {
      script: readFileSync(join(dist, 'ort.wasm.bundle.min.mjs')),
      wasm: readFileSync(join(dist, 'ort-wasm-simd-threaded.wasm')),
      version,
    };
  } catch (err) {
    throw new GentorchError(
      'E_IO',
      `onnxruntime-web ${version} at ${dist} lacks its wasm bundle (${(err as Error).message}); reinstall it`,
    );
  }
}

/** What the page shows; codes are rows of [K, latentDim]. */
export interface ExplorerInput {
  title: string;
  kind: 'vae' | 'gan';
  latentDim: number;
  /** [C, H, W] of the decoded images. */
  image: [number, number, number];
  /** The decoder (VAE) or generator (GAN) as ONNX: z [, label] -> image in [0, 1]. */
  onnx: Uint8Array;
  /** Classes of a conditional GAN (its label input); 0 otherwise. */
  numClasses: number;
  classNames?: string[];
  /** Latent dimensions in slider order, each with the variance of its code over the data when known. */
  dims: { index: number; variance?: number }[];
  /** Active units (variance over the data above 0.01), for a VAE. */
  activeUnits?: number;
  /** Codes the page starts from and morphs between: encoded images (VAE) or prior draws (GAN). */
  codes: Float32Array;
  /** Class of each code, when known. */
  labels?: number[];
  /** A VAE's map: each code on its principal plane, and the plane (z = mean + x * axes[0] + y * axes[1]). */
  map?: { x: number[]; y: number[]; mean: number[]; axes: [number[], number[]]; explained: [number, number] };
  ort: OrtWebAssets;
}

const b64 = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

/** A JSON value safe inside a <script type="application/json"> element. */
const safeJson = (v: unknown): string => JSON.stringify(v).replace(/</g, '\\u003c');

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 16px; color: #222; background: #fafafa; }
h1 { font-size: 20px; margin: 0 0 4px; }
.note { color: #555; margin: 0 0 12px; }
.row { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
.panel { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 12px; }
.panel h2 { font-size: 15px; margin: 0 0 8px; }
canvas.img { width: 224px; height: 224px; image-rendering: pixelated; border: 1px solid #ccc; background: #000; }
canvas.thumb { width: 84px; height: 84px; image-rendering: pixelated; border: 1px solid #ccc; }
#sliders { max-height: 520px; overflow-y: auto; min-width: 330px; }
.dim { display: grid; grid-template-columns: 120px 160px 48px; gap: 6px; align-items: center; font-size: 12px; }
.dim.unused label { color: #999; }
#map { border: 1px solid #ccc; cursor: crosshair; background: #fff; }
.legend span { display: inline-block; margin-right: 10px; font-size: 12px; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border-radius: 50%; }
#status { font-size: 12px; color: #555; }
`;

// The page's script (an ES module). DATA is the JSON of the page; the model,
// ort's bundle and its wasm are base64 in <script type="text/plain"> elements.
const SCRIPT = String.raw`
const DATA = JSON.parse(document.getElementById('explorer-data').textContent);
const bytes = (id) => {
  const s = atob(document.getElementById(id).textContent.trim());
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
};
const [C, H, W] = DATA.image;
const D = DATA.latentDim;
const codes = new Float32Array(bytes('codes').buffer);
const K = codes.length / D;
const codeOf = (i) => codes.slice(i * D, (i + 1) * D);
const status = document.getElementById('status');
const state = { z: codeOf(0), label: 0, renders: 0, busy: false, error: null };

function draw(canvas, pixels) {
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(W, H);
  const to8 = (v) => Math.round(Math.min(1, Math.max(0, v)) * 255);
  for (let p = 0; p < H * W; p++) {
    const r = to8(pixels[p]);
    img.data[4 * p] = r;
    img.data[4 * p + 1] = C === 3 ? to8(pixels[H * W + p]) : r;
    img.data[4 * p + 2] = C === 3 ? to8(pixels[2 * H * W + p]) : r;
    img.data[4 * p + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

let session = null;
let ort = null;
async function decode(z, label) {
  const feeds = { z: new ort.Tensor('float32', Float32Array.from(z), [1, D]) };
  if (DATA.numClasses > 0) feeds.label = new ort.Tensor('int64', BigInt64Array.of(BigInt(label)), [1]);
  const out = await session.run(feeds);
  return out.image.data;
}

// Decoding is serial: a change while one runs is drawn right after it, the latest state only.
const jobs = new Map();
let running = false;
function schedule(canvas, makeCode) {
  jobs.set(canvas, makeCode);
  if (!running) pump();
}
async function pump() {
  running = true;
  state.busy = true;
  try {
    while (jobs.size) {
      const [canvas, makeCode] = jobs.entries().next().value;
      jobs.delete(canvas);
      const z = makeCode();
      draw(canvas, await decode(z, state.label));
      canvas.dataset.code = JSON.stringify(Array.from(z));
      canvas.dataset.label = String(state.label);
      state.renders++;
    }
  } catch (err) {
    state.error = String(err && err.message ? err.message : err);
    status.textContent = 'decoding failed: ' + state.error;
  } finally {
    running = false;
    state.busy = false;
  }
}

const main = document.getElementById('decoded');
const renderMain = () => schedule(main, () => Float32Array.from(state.z));

// Sliders, one per dimension, in the order DATA.dims gives.
const sliders = [];
const sliderBox = document.getElementById('sliders');
for (const { index, variance } of DATA.dims) {
  const row = document.createElement('div');
  row.className = 'dim' + (variance !== undefined && variance <= 0.01 ? ' unused' : '');
  const label = document.createElement('label');
  label.textContent = 'z[' + index + ']' + (variance !== undefined ? '  var ' + variance.toFixed(3) : '');
  const input = document.createElement('input');
  Object.assign(input, { type: 'range', min: -4, max: 4, step: 0.01 });
  input.dataset.dim = String(index);
  input.setAttribute('aria-label', 'latent dimension ' + index);
  const value = document.createElement('span');
  input.addEventListener('input', () => {
    state.z[index] = Number(input.value);
    value.textContent = Number(input.value).toFixed(2);
    renderMain();
  });
  row.append(label, input, value);
  sliderBox.append(row);
  sliders[index] = { input, value };
}
function showCode() {
  for (let j = 0; j < D; j++) {
    sliders[j].input.value = String(state.z[j]);
    sliders[j].value.textContent = state.z[j].toFixed(2);
  }
}

// The class of a conditional GAN.
const labelSelect = document.getElementById('label');
if (labelSelect) {
  labelSelect.addEventListener('change', () => {
    state.label = Number(labelSelect.value);
    renderMain();
    renderMorph();
  });
}

// The map: codes on their principal plane; a click decodes the nearest code, or the plane's point.
const map = document.getElementById('map');
const view = { pad: 12 };
if (map && DATA.map) {
  const { x, y } = DATA.map;
  const [x0, x1] = [Math.min(...x), Math.max(...x)];
  const [y0, y1] = [Math.min(...y), Math.max(...y)];
  const size = map.width - 2 * view.pad;
  view.toPx = (a, b) => [view.pad + ((a - x0) / (x1 - x0 || 1)) * size, view.pad + (1 - (b - y0) / (y1 - y0 || 1)) * size];
  view.fromPx = (px, py) => [x0 + ((px - view.pad) / size) * (x1 - x0), y0 + (1 - (py - view.pad) / size) * (y1 - y0)];
  const ctx = map.getContext('2d');
  const drawMap = (mark) => {
    ctx.clearRect(0, 0, map.width, map.height);
    for (let i = 0; i < x.length; i++) {
      const [px, py] = view.toPx(x[i], y[i]);
      ctx.fillStyle = DATA.colors[DATA.labels ? DATA.labels[i] % DATA.colors.length : 0];
      ctx.globalAlpha = 0.75;
      ctx.beginPath();
      ctx.arc(px, py, 2.2, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.globalAlpha = 1;
    if (mark) {
      ctx.strokeStyle = '#000';
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(mark[0], mark[1], 7, 0, 2 * Math.PI);
      ctx.stroke();
    }
  };
  drawMap();
  map.addEventListener('click', (ev) => {
    const r = map.getBoundingClientRect();
    const px = ((ev.clientX - r.left) / r.width) * map.width;
    const py = ((ev.clientY - r.top) / r.height) * map.height;
    let best = -1;
    let bestD = 8 * 8;
    for (let i = 0; i < x.length; i++) {
      const [qx, qy] = view.toPx(x[i], y[i]);
      const d2 = (qx - px) ** 2 + (qy - py) ** 2;
      if (d2 < bestD) [best, bestD] = [i, d2];
    }
    if (best >= 0) {
      state.z = codeOf(best);
      const name = DATA.labels ? DATA.classNames?.[DATA.labels[best]] ?? 'class ' + DATA.labels[best] : '';
      status.textContent = 'image #' + best + (name ? ' (' + name + ')' : '') + ': its code';
      drawMap(view.toPx(x[best], y[best]));
    } else {
      const [a, b] = view.fromPx(px, py);
      const { mean, axes } = DATA.map;
      state.z = Float32Array.from(mean, (m, j) => m + a * axes[0][j] + b * axes[1][j]);
      status.textContent = 'the plane at (' + a.toFixed(2) + ', ' + b.toFixed(2) + ')';
      drawMap([px, py]);
    }
    map.dataset.picked = String(best);
    showCode();
    renderMain();
  });
}

// Morph: (1 - t) * code A + t * code B.
const morph = document.getElementById('morph');
const pickA = document.getElementById('morph-a');
const pickB = document.getElementById('morph-b');
const tInput = document.getElementById('morph-t');
const clampIndex = (v) => Math.max(0, Math.min(K - 1, Math.round(Number(v) || 0)));
const morphCode = () => {
  const a = codeOf(clampIndex(pickA.value));
  const b = codeOf(clampIndex(pickB.value));
  const t = Number(tInput.value);
  return Float32Array.from(a, (v, j) => (1 - t) * v + t * b[j]);
};
function renderMorph() {
  schedule(document.getElementById('morph-from'), () => codeOf(clampIndex(pickA.value)));
  schedule(document.getElementById('morph-to'), () => codeOf(clampIndex(pickB.value)));
  schedule(morph, morphCode);
}
for (const el of [pickA, pickB, tInput]) el.addEventListener('input', renderMorph);

window.explorer = {
  state,
  get ready() { return session !== null; },
  idle: async () => { while (running || jobs.size) await new Promise((r) => setTimeout(r, 10)); },
  code: () => Array.from(state.z),
  // Where code i is drawn on the map, in canvas pixels (for tests and scripts).
  mapPoint: (i) => (view.toPx ? view.toPx(DATA.map.x[i], DATA.map.y[i]) : null),
};

try {
  const url = URL.createObjectURL(new Blob([bytes('ort-script')], { type: 'text/javascript' }));
  ort = await import(url);
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmBinary = bytes('ort-wasm');
  session = await ort.InferenceSession.create(bytes('model'), { executionProviders: ['wasm'] });
  status.textContent = 'ready: decoding runs in this page (onnxruntime-web ' + DATA.ortVersion + ', WebAssembly)';
  showCode();
  renderMain();
  renderMorph();
  document.body.dataset.ready = '1';
} catch (err) {
  state.error = String(err && err.message ? err.message : err);
  status.textContent = 'could not start the decoder: ' + state.error;
  document.body.dataset.ready = 'error';
}
`;

/** The explorer page: one HTML string, everything inlined. */
export function explorerHtml(input: ExplorerInput): string {
  const [c, h, w] = input.image;
  const k = input.codes.length / input.latentDim;
  const names = input.classNames;
  const classes = Math.max(input.numClasses, ...(input.labels ?? [0]).map((l) => l + 1));
  const colors = Array.from({ length: Math.max(1, classes) }, (_, i) => classColor(i));
  const data = {
    kind: input.kind,
    latentDim: input.latentDim,
    image: [c, h, w],
    numClasses: input.numClasses,
    classNames: names,
    dims: input.dims,
    labels: input.labels,
    map: input.map,
    colors,
    ortVersion: input.ort.version,
  };
  const title = `${input.kind === 'vae' ? 'VAE' : 'GAN'} latent explorer: ${input.title}`;
  const canvas = (id: string, cls: string) => `<canvas id="${id}" class="${cls}" width="${w}" height="${h}"></canvas>`;
  const labelPicker =
    input.numClasses > 0
      ? `<p><label>class <select id="label">${Array.from(
          { length: input.numClasses },
          (_, i) => `<option value="${i}">${i} ${escapeHtml(names?.[i] ?? '')}</option>`,
        ).join('')}</select></label></p>`
      : '';
  const legend =
    input.map && input.labels
      ? `<div class="legend">${[...new Set(input.labels)]
          .sort((a, b) => a - b)
          .map(
            (l) => `<span><i style="background:${classColor(l)}"></i>${escapeHtml(names?.[l] ?? `class ${l}`)}</span>`,
          )
          .join('')}</div>`
      : '';
  const mapPanel = input.map
    ? `<div class="panel"><h2>Latent map</h2>
<p class="note">${k} encoded images on the top two principal components of their codes (${(100 * input.map.explained[0]).toFixed(0)}% and ${(100 * input.map.explained[1]).toFixed(0)}% of the variance). Click a point to decode its code, or empty space to decode that point of the plane.</p>
<canvas id="map" width="360" height="360"></canvas>${legend}</div>`
    : '';
  const what =
    input.kind === 'vae'
      ? `Sliders move each dimension of z (posterior means of ${k} images give the start); they are ordered by how much the data uses them (the variance of the code over the images${input.activeUnits !== undefined ? `; ${input.activeUnits} of ${input.latentDim} dimensions are active, variance above 0.01` : ''}).`
      : `Sliders move each dimension of the noise z; the GAN has no encoder, so the codes to morph are ${k} draws from N(0, I).`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'wasm-unsafe-eval' blob:; style-src 'unsafe-inline'; img-src data: blob:">
<style>${STYLE}</style></head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="note">${what} Decoding runs in this page with onnxruntime-web; nothing is loaded from the network.</p>
<p id="status">starting the decoder...</p>
<div class="row">
<div class="panel"><h2>Decoded</h2>${canvas('decoded', 'img')}${labelPicker}</div>
<div class="panel"><h2>Latent dimensions</h2><div id="sliders"></div></div>
${mapPanel}
<div class="panel"><h2>Morph</h2>
<p class="note">(1 - t) &middot; A + t &middot; B between two ${input.kind === 'vae' ? 'encoded images' : 'codes'} (numbers 0 to ${k - 1}).</p>
<p><label>A <input id="morph-a" type="number" min="0" max="${k - 1}" value="0"></label>
<label>B <input id="morph-b" type="number" min="0" max="${k - 1}" value="${Math.min(1, k - 1)}"></label></p>
<p>${canvas('morph-from', 'thumb')} ${canvas('morph-to', 'thumb')}</p>
<p><label>t <input id="morph-t" type="range" min="0" max="1" step="0.01" value="0.5"></label></p>
${canvas('morph', 'img')}</div>
</div>
<script type="application/json" id="explorer-data">${safeJson(data)}</script>
<script type="text/plain" id="codes">${b64(new Uint8Array(input.codes.buffer, input.codes.byteOffset, input.codes.byteLength))}</script>
<script type="text/plain" id="model">${b64(input.onnx)}</script>
<script type="text/plain" id="ort-script">${b64(input.ort.script)}</script>
<script type="text/plain" id="ort-wasm">${b64(input.ort.wasm)}</script>
<script type="module">${SCRIPT}</script>
</body></html>
`;
}
