// Where the judge classifier is cached: GENTORCH_CACHE_DIR, else the XDG
// Base Directory spec's cache folder (an absolute XDG_CACHE_HOME), else ~/.cache.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheDir } from '../../lib/models/classifier.js';

describe('cacheDir', () => {
  it('honours GENTORCH_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache', () => {
    expect(cacheDir({ GENTORCH_CACHE_DIR: '/srv/gt', XDG_CACHE_HOME: '/x' })).toBe('/srv/gt');
    expect(cacheDir({ XDG_CACHE_HOME: '/var/cache/me' })).toBe('/var/cache/me/gentorch');
    expect(cacheDir({})).toBe(join(homedir(), '.cache', 'gentorch'));
  });

  it('ignores a relative XDG_CACHE_HOME, as the spec says', () => {
    expect(cacheDir({ XDG_CACHE_HOME: 'cache' })).toBe(join(homedir(), '.cache', 'gentorch'));
  });
});
