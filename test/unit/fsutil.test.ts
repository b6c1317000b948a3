import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { caughtAsync } from '../helpers/caught.js';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileChecked, writeFileAtomic } from '../../lib/io/fsutil.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gentorch-fsutil-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Temp files are dot-files ending in .tmp; none may survive a write, good or bad. */
async function tempFiles(d: string): Promise<string[]> {
  return (await readdir(d)).filter((f) => f.endsWith('.tmp'));
}

describe('writeFileAtomic', () => {
  it('writes bytes and strings, replacing an existing file', async () => {
    const p = join(dir, 'a.bin');
    await writeFileAtomic(p, new Uint8Array([1, 2, 3]));
    expect([...(await readFile(p))]).toEqual([1, 2, 3]);
    await writeFileAtomic(p, 'héllo');
    expect(await readFile(p, 'utf8')).toBe('héllo');
    expect(await tempFiles(dir)).toEqual([]);
  });

  it('writes an empty file', async () => {
    const p = join(dir, 'empty.bin');
    await writeFileAtomic(p, new Uint8Array(0));
    expect((await readFile(p)).length).toBe(0);
  });

  it('fails with E_IO naming the path when the directory does not exist', async () => {
    const p = join(dir, 'no-such-dir', 'x.bin');
    const err = await caughtAsync(() => writeFileAtomic(p, 'x'));
    expect(err.code).toBe('E_IO');
    expect(err.message).toContain(`Could not write ${p}`);
    expect(err.message).toMatch(/ENOENT/);
  });

  it('leaves the old file intact and no temp file when the data is invalid', async () => {
    const p = join(dir, 'keep.txt');
    await writeFile(p, 'old contents');
    const err = await caughtAsync(() => writeFileAtomic(p, 42 as unknown as string));
    expect(err.code).toBe('E_IO');
    expect(err.message).toContain(p);
    expect(await readFile(p, 'utf8')).toBe('old contents');
    expect(await tempFiles(dir)).toEqual([]);
  });

  it('removes the temp file when the rename fails (target is a non-empty directory)', async () => {
    const target = join(dir, 'is-a-dir');
    await mkdir(target);
    await writeFile(join(target, 'inside'), 'x');
    const err = await caughtAsync(() => writeFileAtomic(target, 'data'));
    expect(err.code).toBe('E_IO');
    expect(err.message).toContain(target);
    expect(await readFile(join(target, 'inside'), 'utf8')).toBe('x');
    expect(await tempFiles(dir)).toEqual([]);
  });

  // root ignores directory permissions, so this case only means something for other users.
  it.skipIf(process.platform === 'win32' || process.getuid?.() === 0)(
    'leaves the old file intact when the directory is not writable',
    async () => {
      const ro = join(dir, 'readonly');
      await mkdir(ro);
      const p = join(ro, 'f.txt');
      await writeFile(p, 'old');
      await chmod(ro, 0o555);
      try {
        const err = await caughtAsync(() => writeFileAtomic(p, 'new'));
        expect(err.code).toBe('E_IO');
        expect(err.message).toContain(p);
        expect(await readFile(p, 'utf8')).toBe('old');
      } finally {
        await chmod(ro, 0o755);
      }
    },
  );

  it('survives many concurrent writers to one path with one complete result', async () => {
    const p = join(dir, 'race.txt');
    const payloads = Array.from({ length: 20 }, (_, i) => String(i).repeat(1000));
    await Promise.all(payloads.map((s) => writeFileAtomic(p, s)));
    expect(payloads).toContain(await readFile(p, 'utf8'));
    expect(await tempFiles(dir)).toEqual([]);
  });
});

describe('readFileChecked', () => {
  it('reads a file', async () => {
    const p = join(dir, 'r.bin');
    await writeFile(p, Buffer.from([9, 8, 7]));
    expect([...(await readFileChecked(p))]).toEqual([9, 8, 7]);
  });

  it('reports a missing file with the given code (E_IO by default)', async () => {
    const p = join(dir, 'missing.bin');
    const err = await caughtAsync(() => readFileChecked(p));
    expect(err.code).toBe('E_IO');
    expect(err.message).toBe(`File not found: ${p}`);
    expect((await caughtAsync(() => readFileChecked(p, 'E_CHECKPOINT'))).code).toBe('E_CHECKPOINT');
  });

  it('reports a path under a file as not found', async () => {
    const p = join(dir, 'r.bin', 'below');
    expect((await caughtAsync(() => readFileChecked(p, 'E_DATA'))).message).toBe(`File not found: ${p}`);
  });

  it('reports a directory', async () => {
    const err = await caughtAsync(() => readFileChecked(dir, 'E_DATA'));
    expect(err.code).toBe('E_DATA');
    expect(err.message).toBe(`Expected a file but ${dir} is a directory`);
  });

  it('wraps other failures as E_IO naming the path', async () => {
    const err = await caughtAsync(() => readFileChecked('bad\0path'));
    expect(err.code).toBe('E_IO');
    expect(err.message).toContain('Could not read bad');
  });
});
