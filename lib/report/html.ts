/** The reports' page, style and small HTML builders, shared by report.ts, translation.ts and metrics-table.ts. */
import { GentorchError } from '../errors.js';
import { readFileChecked } from '../io/fsutil.js';
import type { ModelResult } from './results.js';
import { colorOf, escapeHtml } from './charts.js';

export const esc = escapeHtml;

export const section = (id: string, title: string, body: string): string =>
  `<section id="${id}"><h2>${esc(title)}</h2>${body}</section>`;

export const items = (list: string[], cls = ''): string =>
  `<ul${cls ? ` class="${cls}"` : ''}>${list.map((t) => `<li>${esc(t)}</li>`).join('')}</ul>`;

/** A model's column head: its colour dot, name and (when different) family. */
export const modelHead = (m: ModelResult, i: number): string =>
  `<i class="dot" style="background:${colorOf(i)}"></i>${esc(m.name)}${m.name === m.family ? '' : ` <small>${esc(m.family)}</small>`}`;

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A PNG as a data URI, with its size from the IHDR chunk. */
export interface InlineImage {
  uri: string;
  width: number;
  height: number;
}

/** Reads a PNG to inline: E_IO naming a missing file, E_DATA naming one that is not a PNG. */
export async function inlinePng(path: string, what: string): Promise<InlineImage> {
  const bytes = await readFileChecked(path, 'E_IO');
  if (bytes.length < 24 || !bytes.subarray(0, 8).equals(PNG_MAGIC))
    throw new GentorchError('E_DATA', `Expected a PNG file for ${what} but ${path} is not one`);
  return {
    uri: `data:image/png;base64,${bytes.toString('base64')}`,
    width: bytes.readUInt32BE(16),
    height: bytes.readUInt32BE(20),
  };
}

/** An <img> shown at a whole multiple of its size (pixels stay sharp), about 480 px wide, never wider than its box. */
export function imgTag(image: InlineImage, alt: string): string {
  const scale = Math.min(4, Math.max(1, Math.round(480 / Math.max(1, image.width))));
  return `<img src="${esc(image.uri)}" width="${image.width * scale}" height="${image.height * scale}" alt="${esc(alt)}">`;
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
td.best{background:#dcfce7;color:#166534;font-weight:600}td.tie{background:#fef9c3}td.na{color:var(--muted)}
.dot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:6px}
figure{margin:0}figure img{display:block;max-width:100%;height:auto;margin:0 auto;image-rendering:pixelated;border-radius:4px}figcaption{font-size:13px;margin-top:6px}
.placeholder{display:flex;align-items:center;justify-content:center;min-height:140px;border:1px dashed #cbd5e1;border-radius:6px;color:var(--muted)}
svg{display:block;width:100%;height:auto;font-size:12px}svg text{fill:#4b5563}svg .axis{fill:#374151;font-size:13px}svg .gl{stroke:#eef0f3}
.legend span{margin-right:14px;white-space:nowrap}ul.good li::marker{content:"+  ";color:#16a34a}ul.bad li::marker{content:"−  ";color:#dc2626}
pre{overflow:auto;background:#0f172a;color:#e2e8f0;padding:12px;border-radius:6px;font-size:12px}details{margin:6px 0}`;

/** One self-contained HTML page: inline style, no script, nothing fetched. */
export function page(title: string, body: string): string {
  return (
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${esc(title)}</title><link rel="icon" href="data:,"><style>${STYLE}</style></head><body><main>${body}</main></body></html>\n`
  );
}
