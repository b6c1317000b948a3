// lib/'s folders are layers and calls go one way (README "Layout"): every
// import of every lib/**/*.ts file, read with TypeScript's own import scanner,
// must point at the same or a lower rank, and the folders must not form a
// cycle. Needs no addon: it only reads the sources.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const LIB = fileURLToPath(new URL('../../lib', import.meta.url));

/** A layer's rank: a file may import its own layer or a lower rank. lib/index.ts sits on top. */
const RANK: Readonly<Record<string, number>> = {
  errors: 0,
  tensor: 0,
  version: 0,
  native: 1,
  'native-help': 1,
  config: 1,
  io: 1,
  data: 2,
  report: 2,
  models: 3,
  compare: 4,
  cli: 5,
  index: 6,
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The layer of a lib file: its folder, or for a file at the root its name. */
function layerOf(file: string): string {
  const parts = relative(LIB, file).split(sep);
  return parts.length > 1 ? parts[0] : parts[0].replace(/\.ts$/, '');
}

interface Edge {
  from: string;
  to: string;
  spec: string;
}

/** Every relative import, export-from and import() of every lib file, resolved to its .ts source. */
function edges(): Edge[] {
  return sources(LIB).flatMap((from) => {
    const info = ts.preProcessFile(readFileSync(from, 'utf8'), true, true);
    return info.importedFiles
      .map((f) => f.fileName)
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => ({ from, spec, to: resolve(dirname(from), spec).replace(/\.js$/, '.ts') }));
  });
}

/** A cycle in the folder graph, as a path of layers, or undefined. */
function findCycle(graph: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const visit = (node: string, path: string[]): string[] | undefined => {
    if (state.get(node) === 'open') return [...path.slice(path.indexOf(node)), node];
    if (state.get(node) === 'done') return undefined;
    state.set(node, 'open');
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next, [...path, node]);
      if (cycle) return cycle;
    }
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node, []);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('lib/ layers', () => {
  const all = edges();
  const name = (file: string): string => relative(LIB, file).split(sep).join('/');

  it('reads the imports of every file', () => {
    expect(sources(LIB).length).toBeGreaterThan(30);
    expect(all.length).toBeGreaterThan(100);
    const missing = all.filter((e) => !existsSync(e.to)).map((e) => `${name(e.from)}: ${e.spec}`);
    expect(missing).toEqual([]);
  });

  it('puts every file in a ranked layer', () => {
    const unranked = sources(LIB)
      .map(name)
      .filter((f) => RANK[layerOf(join(LIB, f))] === undefined);
    expect(unranked).toEqual([]);
  });

  it('imports only the same or a lower layer', () => {
    const upward = all
      .filter((e) => layerOf(e.from) !== 'index' && RANK[layerOf(e.to)] > RANK[layerOf(e.from)])
      .map((e) => `${name(e.from)} (${layerOf(e.from)}) imports ${name(e.to)} (${layerOf(e.to)})`);
    expect(upward).toEqual([]);
  });

  it('has no cycle between folders', () => {
    const graph = new Map<string, Set<string>>();
    for (const e of all) {
      const [a, b] = [layerOf(e.from), layerOf(e.to)];
      if (a !== b) graph.set(a, (graph.get(a) ?? new Set()).add(b));
    }
    expect(findCycle(graph)).toBeUndefined();
  });
});
