// PVE's lock files as flock(2) gives them: shared (LOCK_SH) holders coexist, an exclusive (LOCK_EX) holder is
// alone, and a waiter gives up after its timeout (lock_file_full's alarm: "can't lock file '...' - got timeout";
// pmxcfs's cfs_lock: "cfs-lock '...' error: got lock request timeout"). Used by simulated task workers, e.g.
// a clone's shared lock on its stopped source and its storage lock while a volume is allocated or cloned.

export type FlockMode = 'shared' | 'exclusive';

interface Waiter {
  mode: FlockMode;
  grant: () => void;
}

interface Entry {
  shared: number;
  exclusive: boolean;
  waiters: Waiter[];
}

/** Thrown to a waiter whose timeout passed; the caller turns it into PVE's message. */
export class FlockTimeout extends Error {}

export class FlockTable {
  private readonly entries = new Map<string, Entry>();

  /** Holds `key` in `mode` (waiting at most `timeoutMs`), runs `body`, releases. */
  async with<T>(key: string, mode: FlockMode, timeoutMs: number, body: () => Promise<T>): Promise<T> {
    await this.acquire(key, mode, timeoutMs);
    try {
      return await body();
    } finally {
      this.release(key, mode);
    }
  }

  /** Whether anyone holds `key` now (tests and the state view). */
  held(key: string): { shared: number; exclusive: boolean } | undefined {
    const e = this.entries.get(key);
    return e && (e.shared || e.exclusive) ? { shared: e.shared, exclusive: e.exclusive } : undefined;
  }

  private entry(key: string): Entry {
    let e = this.entries.get(key);
    if (!e) this.entries.set(key, (e = { shared: 0, exclusive: false, waiters: [] }));
    return e;
  }

  private compatible(e: Entry, mode: FlockMode): boolean {
    return mode === 'shared' ? !e.exclusive : !e.exclusive && e.shared === 0;
  }

  private take(e: Entry, mode: FlockMode): void {
    if (mode === 'shared') e.shared++;
    else e.exclusive = true;
  }

  private acquire(key: string, mode: FlockMode, timeoutMs: number): Promise<void> {
    const e = this.entry(key);
    // flock grants a compatible request at once, even past earlier waiters (no writer preference).
    if (this.compatible(e, mode)) {
      this.take(e, mode);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        mode,
        grant: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        e.waiters = e.waiters.filter((w) => w !== waiter);
        this.forget(key, e);
        reject(new FlockTimeout(key));
      }, timeoutMs);
      e.waiters.push(waiter);
    });
  }

  private release(key: string, mode: FlockMode): void {
    const e = this.entries.get(key);
    if (!e) return;
    if (mode === 'shared') e.shared = Math.max(0, e.shared - 1);
    else e.exclusive = false;
    // Wake every waiter now compatible, in the order they came.
    for (const w of [...e.waiters]) {
      if (!this.compatible(e, w.mode)) continue;
      e.waiters = e.waiters.filter((x) => x !== w);
      this.take(e, w.mode);
      w.grant();
    }
    this.forget(key, e);
  }

  private forget(key: string, e: Entry): void {
    if (!e.shared && !e.exclusive && !e.waiters.length) this.entries.delete(key);
  }
}
