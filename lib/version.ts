/**
 * The package version, read once from package.json (lib/ compiles to dist/,
 * one level below the package root). Every layer that stamps a file with it
 * (checkpoints, results.json, `gentorch --version`) takes it from here.
 */
import { readFileSync } from 'node:fs';

export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
