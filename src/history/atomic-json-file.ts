// A lowdb adapter that never leaves a half-written file: write a unique temp file, fsync, rename over
// the store, fsync the directory. A crash at any instant leaves either the old or the new JSON.
// (lowdb's own JSONFile, via steno, renames too but neither fsyncs nor uses a per-process temp name,
// so two processes writing at once could rename each other's half-written temp file.)
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readdirSync, unlinkSync } from 'node:fs';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Adapter } from 'lowdb';

export class AtomicJsonFile<T> implements Adapter<T> {
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
    const tmp = join(dirname(this.file), `.${basename(this.file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    const handle = await open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify(data));
      await handle.sync();
    } catch (err) {
      await handle.close();
      await unlink(tmp).catch(() => {});
      throw err;
    }
    await handle.close();
    try {
      await rename(tmp, this.file);
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw err;
    }
    try {
      const dirFd = openSync(dirname(this.file), 'r');
      try {
        fsyncSync(dirFd);
      } finally {
        closeSync(dirFd);
      }
    } catch {
      // Some file systems cannot fsync a directory; the rename is still atomic.
    }
  }
}

/** Removes temp files left by writers that were killed mid-write (their pid is passed to `isGone`). */
export function removeOrphanTempFiles(file: string, isGone: (pid: number) => boolean): number {
  const prefix = `.${basename(file)}.`;
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(dirname(file));
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = Number(name.slice(prefix.length).split('.')[0]);
    if (!Number.isInteger(pid) || !isGone(pid)) continue;
    try {
      unlinkSync(join(dirname(file), name));
      removed++;
    } catch {
      // Already gone.
    }
  }
  return removed;
}
