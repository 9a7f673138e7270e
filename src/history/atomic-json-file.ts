// A lowdb adapter that never leaves a half-written file: write a unique temp file, fsync, rename over
// the store, fsync the directory. A crash at any instant leaves either the old or the new JSON.
// (lowdb's own JSONFile, via steno, renames too but neither fsyncs nor uses a per-process temp name,
// so two processes writing at once could rename each other's half-written temp file.)
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readdirSync, unlinkSync, type BigIntStats } from 'node:fs';
import { open, readFile, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Adapter } from 'lowdb';

export class AtomicJsonFile<T> implements Adapter<T> {
  /** What the last write of this adapter put on disk: its file's identity (inode, size, mtime) and its text. */
  lastWrite: { key: string; text: string } | undefined;

  constructor(private readonly file: string) {}

  /** The parsed file, or null when it does not exist yet. Throws SyntaxError on a damaged file. */
  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    return JSON.parse(text) as T;
  }

  async write(data: T): Promise<void> {
    const text = JSON.stringify(data);
    const st = await atomicWriteText(this.file, text);
    this.lastWrite = { key: fileKey(st), text };
  }
}

/** A file's identity as of one write: a replaced file has another inode, so another key. */
export const fileKey = (st: BigIntStats) => `${st.ino}:${st.size}:${st.mtimeNs}`;

/**
 * Replaces `file` with `text`: a unique temp file, fsync, rename, fsync of the directory. Returns the
 * written file's stats (taken before the rename, so they are this write's even if another follows).
 */
export async function atomicWriteText(file: string, text: string): Promise<BigIntStats> {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(tmp, 'w', 0o600);
  let st: BigIntStats;
  try {
    await handle.writeFile(text);
    await handle.sync();
    st = await handle.stat({ bigint: true });
  } catch (err) {
    await handle.close();
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await handle.close();
  try {
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  try {
    const dirFd = openSync(dirname(file), 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    // Some file systems cannot fsync a directory; the rename is still atomic.
  }
  return st;
}

/**
 * Removes temp files left in `dir` by writers that were killed mid-write (`.<name>.<pid>.<hex>.tmp`; their
 * pid is passed to `isGone`).
 */
export function removeOrphanTempFiles(dir: string, isGone: (pid: number) => boolean): number {
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!name.startsWith('.') || !name.endsWith('.tmp')) continue;
    const parts = name.split('.');
    const pid = Number(parts[parts.length - 3]);
    if (!Number.isInteger(pid) || pid <= 0 || !isGone(pid)) continue;
    try {
      unlinkSync(join(dir, name));
      removed++;
    } catch {
      // Already gone.
    }
  }
  return removed;
}

/** Writes all of `buf` at the handle's position (at the end, for a file opened to append). */
export async function writeFully(handle: FileHandle, buf: Buffer): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const { bytesWritten } = await handle.write(buf, off, buf.length - off);
    off += bytesWritten;
  }
}
