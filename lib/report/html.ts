/** The report's small HTML builders, shared by report.ts and metrics-table.ts. */
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
