/**
 * File helpers shared by the format readers and writers: an atomic write
 * (so a crash or a failed save never leaves a half-written checkpoint where a
 * good one was) and a read that turns Node's errno soup into GentorchErrors.
 */

import { randomBytes } from 'node:crypto';
import { open, readdir, readFile, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { GentorchError, type ErrorCode } from '../errors.js';

/** Errors from fsync on a directory that only mean "this platform can't do that". */
const DIR_SYNC_UNSUPPORTED = new Set(['EINVAL', 'EISDIR', 'EBADF', 'EPERM', 'EACCES', 'ENOTSUP', 'ENOSYS']);

function errnoOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string'
    ? (err as { code: string }).code
    : undefined;
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Flush the directory entry so the rename itself survives a power cut.
 * Best effort: Windows and some file systems cannot open or fsync a directory.
 */
async function syncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (err) {
    if (!DIR_SYNC_UNSUPPORTED.has(errnoOf(err) ?? '')) throw err;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Write `data` to `path` atomically: readers see either the old file or the
 * complete new one, never a torn write. Writes a temp file in the same
 * directory (rename is only atomic within one file system), fsyncs it,
 * renames it over `path` and fsyncs the directory.
 *
 * @throws GentorchError E_IO naming `path` when any step fails; the temp file
 *   is removed and an existing file at `path` is left untouched.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  let tmp: string | undefined;
  let renamed = false;
  try {
    if (typeof path !== 'string' || path.length === 0) throw new Error('path must be a non-empty string');
    if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
      throw new Error('data must be a Uint8Array or a string');
    }
    tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    // 'wx' so two writers that somehow pick the same name never share a temp file.
    const handle = await open(tmp, 'wx', 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
    renamed = true;
    await syncDir(dirname(path));
  } catch (err) {
    if (tmp !== undefined && !renamed) await unlink(tmp).catch(() => undefined);
    throw new GentorchError('E_IO', `Could not write ${String(path)}: ${reasonOf(err)}`, { cause: err });
  }
}

/**
 * Removes the temp files that writeFileAtomic left beside `path` in processes
 * that were killed between creating and renaming them (SIGKILL, a power cut),
 * so interrupted runs do not pile them up. A temp file of a live process
 * (another writer right now) is left alone. Best effort: never throws.
 */
export async function removeStaleTemps(path: string): Promise<void> {
  const dir = dirname(path);
  const prefix = `.${basename(path)}.`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = name.startsWith(prefix) ? /^(\d+)\.[0-9a-f]{12}\.tmp$/.exec(name.slice(prefix.length)) : null;
    if (!m || processAlive(Number(m[1]))) continue;
    await unlink(join(dir, name)).catch(() => undefined);
  }
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Read a whole file into a Buffer.
 *
 * @param code - the error code for a missing file or a directory, so each
 *   format reports its own kind of failure (E_DATA for datasets, E_CHECKPOINT
 *   for checkpoints).
 * @throws GentorchError `code` "File not found: path" or "Expected a file but
 *   path is a directory"; E_IO naming `path` for any other failure.
 */
export async function readFileChecked(path: string, code: ErrorCode = 'E_IO'): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const errno = errnoOf(err);
    if (errno === 'ENOENT' || errno === 'ENOTDIR') {
      throw new GentorchError(code, `File not found: ${String(path)}`, { cause: err });
    }
    if (errno === 'EISDIR') {
      throw new GentorchError(code, `Expected a file but ${String(path)} is a directory`, { cause: err });
    }
    throw new GentorchError('E_IO', `Could not read ${String(path)}: ${reasonOf(err)}`, { cause: err });
  }
}
