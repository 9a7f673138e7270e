// The audit trail: audit.jsonl, one JSON line per change attempt. Appends from every process are taken
// under the file's own cross-process lock (not the index's), because retention replaces the file and a
// writer killed mid-line must not have the next line glued to its fragment: such a fragment is moved to
// audit.jsonl.torn-<time> before the next append.
import { mkdir, open, readFile, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AuditEntry } from '../ops/recorder.js';
import { atomicWriteText, writeFully } from './atomic-json-file.js';
import { HistoryDamagedError } from './damaged.js';
import { auditShape, checkShape } from './record-shapes.js';
import { acquireStoreLock, type StoreLockOptions } from './store-lock.js';

const CHUNK = 64 * 1024;

function parseAuditLine(line: string, file: string, at: number): AuditEntry {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw new HistoryDamagedError(file, `the line at byte ${at} is not valid JSON (${(err as Error).message})`);
  }
  return checkShape(auditShape, value, file, `the line at byte ${at}`) as AuditEntry;
}

const serialise = (entries: readonly AuditEntry[]) => entries.map((e) => `${JSON.stringify(e)}\n`).join('');

export class AuditLog {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly lock: StoreLockOptions = {},
  ) {}

  /** Runs `fn` under the audit lock, after the other calls of this process. */
  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = async () => {
      await mkdir(dirname(this.file), { recursive: true });
      const release = await acquireStoreLock(this.file, this.lock);
      try {
        return await fn();
      } finally {
        await release().catch(() => {});
      }
    };
    const next = this.chain.then(run, run);
    this.chain = next.catch(() => {});
    return next;
  }

  private waiting: Array<{ entries: readonly AuditEntry[]; resolve: () => void; reject: (err: Error) => void }> = [];
  private scheduled = false;

  /** Appends entries in order; resolves once they are on disk. Appends queued meanwhile share one write. */
  append(entries: readonly AuditEntry[]): Promise<void> {
    if (!entries.length) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ entries, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      this.locked(async () => {
        this.scheduled = false;
        const batch = this.waiting.splice(0);
        try {
          const handle = await open(this.file, 'a+', 0o600);
          try {
            await this.setTornTailAside(handle);
            await writeFully(handle, Buffer.from(serialise(batch.flatMap((b) => b.entries))));
            await handle.datasync();
          } finally {
            await handle.close();
          }
          for (const b of batch) b.resolve();
        } catch (err) {
          for (const b of batch) b.reject(err as Error);
        }
      }).catch((err: Error) => {
        // The lock could not be had: nothing of the batch was written.
        this.scheduled = false;
        for (const b of this.waiting.splice(0)) b.reject(err);
      });
    });
  }

  private async setTornTailAside(handle: FileHandle): Promise<void> {
    const { size } = await handle.stat();
    if (size === 0) return;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    if (last[0] === 0x0a) return;
    // Find the last newline, reading backwards.
    let end = size;
    let start = Math.max(0, end - CHUNK);
    let keep = 0;
    for (;;) {
      const buf = Buffer.alloc(end - start);
      await handle.read(buf, 0, buf.length, start);
      const nl = buf.lastIndexOf(0x0a);
      if (nl >= 0) {
        keep = start + nl + 1;
        break;
      }
      if (start === 0) break;
      end = start;
      start = Math.max(0, end - CHUNK);
    }
    const torn = Buffer.alloc(size - keep);
    await handle.read(torn, 0, torn.length, keep);
    await writeFile(`${this.file}.torn-${Date.now()}`, torn, { mode: 0o600 });
    await handle.truncate(keep);
  }

  /** Every entry, oldest first (a last line cut off by a crash is left out). */
  async all(): Promise<AuditEntry[]> {
    let buf: Buffer;
    try {
      buf = await readFile(this.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return this.parse(buf, 0);
  }

  private parse(buf: Buffer, base: number): AuditEntry[] {
    const out: AuditEntry[] = [];
    let pos = 0;
    for (;;) {
      const nl = buf.indexOf(0x0a, pos);
      if (nl < 0) break;
      const line = buf.subarray(pos, nl).toString('utf8');
      if (line.trim()) out.push(parseAuditLine(line, this.file, base + pos));
      pos = nl + 1;
    }
    return out;
  }

  /** The newest `limit` entries, newest first; reads only the end of the file. */
  async newest(limit: number): Promise<AuditEntry[]> {
    if (limit <= 0) return [];
    let handle: FileHandle;
    try {
      handle = await open(this.file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    try {
      const { size } = await handle.stat();
      let start = size;
      const chunks: Buffer[] = [];
      let lines = 0;
      // Read back until the chunks hold limit + 1 newlines (so `limit` whole lines), or the file's start.
      while (start > 0 && lines <= limit) {
        const from = Math.max(0, start - CHUNK);
        const chunk = Buffer.alloc(start - from);
        await handle.read(chunk, 0, chunk.length, from);
        chunks.unshift(chunk);
        start = from;
        for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, i + 1)) lines++;
      }
      const buf = Buffer.concat(chunks);
      // Drop the partial first line when the read did not reach the file's start.
      const skip = start > 0 ? buf.indexOf(0x0a) + 1 : 0;
      const entries = this.parse(buf.subarray(skip), start + skip);
      return entries.slice(-limit).reverse();
    } finally {
      await handle.close();
    }
  }

  /** Keeps the entries `keep` accepts, at most `max` of the newest; returns how many were dropped. */
  retain(keep: (e: AuditEntry) => boolean, max: number): Promise<number> {
    return this.locked(async () => {
      const all = await this.all();
      const kept = all.filter(keep);
      const final = kept.length > max ? kept.slice(kept.length - max) : kept;
      if (final.length === all.length) return 0;
      await atomicWriteText(this.file, serialise(final));
      return all.length - final.length;
    });
  }

  /**
   * Puts the entries of an older single-file store before those already here (skipping any already
   * here, so a migration cut off and run again adds nothing twice).
   */
  prepend(entries: readonly AuditEntry[]): Promise<void> {
    if (!entries.length) return Promise.resolve();
    return this.locked(async () => {
      const present = await this.all();
      const seen = new Set(present.map((e) => JSON.stringify(e)));
      const older = entries.filter((e) => !seen.has(JSON.stringify(e)));
      if (!older.length) return;
      await atomicWriteText(this.file, serialise([...older, ...present]));
    });
  }
}
