// The cross-process lock around each read-modify-write of the store (proper-lockfile: an atomic mkdir of
// `history.json.lock` whose mtime the holder keeps fresh). A holder that was killed leaves the lock
// behind; it is taken over once it has not been refreshed for STALE_MS.
import lockfile from 'proper-lockfile';

export class HistoryLockError extends Error {
  constructor(file: string, waitedMs: number) {
    super(`history store ${file} stayed locked for ${Math.round(waitedMs / 1000)} s; another moxxie process is holding it (if none runs, remove ${file}.lock)`);
    this.name = 'HistoryLockError';
  }
}

const STALE_MS = 8_000;
const REFRESH_MS = 2_000;

export interface StoreLockOptions {
  /** Give up after this long (default 60 s); a stale lock is taken over well before that. */
  timeoutMs?: number;
  /** Told when the lock was lost while held (the event loop stalled past the stale limit). */
  onCompromised?: (err: Error) => void;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Acquires the lock for `file`; resolves to its release function. */
export async function acquireStoreLock(file: string, opts: StoreLockOptions = {}): Promise<() => Promise<void>> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const started = Date.now();
  let delay = 1;
  for (;;) {
    try {
      return await lockfile.lock(file, {
        realpath: false,
        stale: STALE_MS,
        update: REFRESH_MS,
        retries: 0,
        // The default throws from a timer, which would kill the process; a lost lock only risks this write.
        onCompromised: (err) => opts.onCompromised?.(err),
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
      if (Date.now() - started > timeoutMs) throw new HistoryLockError(file, Date.now() - started);
      // Short, jittered waits: a write holds the lock for a few milliseconds.
      await pause(delay * (0.5 + Math.random()));
      delay = Math.min(delay * 2, 10);
    }
  }
}
