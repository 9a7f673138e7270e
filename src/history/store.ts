// The history store: one lowdb JSON file per context, shared by every moxxie process (TUI, MCP server,
// scheduler). Each change is a read-modify-write under a cross-process lock — lowdb alone would let two
// processes overwrite each other's records — and the file is replaced atomically.
import { mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { Low } from 'lowdb';
import type { AuditEntry, CoreRecorder } from '../ops/recorder.js';
import type { Operation } from '../ops/types.js';
import type { JobRecord, JobRunRecord } from './job-records.js';
import { AtomicJsonFile, removeOrphanTempFiles } from './atomic-json-file.js';
import { markInterrupted } from './interrupted.js';
import { currentOwner, ownerGone } from './process-owner.js';
import { DEFAULT_RETENTION, emptyHistory, normaliseHistory, type HistoryData, type MigrationRecord, type OperationRecord, type RetentionPolicy } from './records.js';
import { applyRetentionTo } from './retention.js';
import { acquireStoreLock } from './store-lock.js';

export interface OpenHistoryOptions {
  /** The directory holding history.json: a context's state directory (config's contextStateDir). */
  dir: string;
  retention?: Partial<RetentionPolicy>;
  /** Per-target progress is written at most this often per store (default 500 ms). */
  progressFlushMs?: number;
  /** How long a write waits for the lock before failing (default 60 s). */
  lockTimeoutMs?: number;
  /** Told when a write fails: the core records best-effort and never sees these errors. */
  onError?: (err: Error) => void;
}

export interface OperationQuery {
  limit?: number;
  offset?: number;
  status?: Operation['status'];
  frontEnd?: Operation['frontEnd'];
}

export class HistoryStore implements CoreRecorder {
  readonly dir: string;
  readonly file: string;
  readonly retention: RetentionPolicy;
  /** The last write that failed (also passed to onError). */
  lastError: Error | undefined;
  private readonly adapter: AtomicJsonFile<HistoryData>;
  private readonly progressFlushMs: number;
  private readonly pendingTargets = new Map<string, Operation>();
  private flushTimer: NodeJS.Timeout | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: OpenHistoryOptions) {
    this.dir = opts.dir;
    mkdirSync(this.dir, { recursive: true });
    this.file = join(this.dir, 'history.json');
    this.adapter = new AtomicJsonFile<HistoryData>(this.file);
    this.retention = { ...DEFAULT_RETENTION, ...(opts.retention ?? {}) };
    this.progressFlushMs = opts.progressFlushMs ?? 500;
  }

  private report(err: Error): void {
    this.lastError = err;
    this.opts.onError?.(err);
  }

  /** The current contents. Needs no lock: the file is only ever replaced whole. */
  async read(): Promise<HistoryData> {
    try {
      return normaliseHistory(await this.adapter.read());
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
      // Only a hand edit or a failing disk gets here; the next write sets the damaged file aside.
      this.report(new Error(`history store ${this.file} is not valid JSON (${err.message}); showing it as empty`));
      return emptyHistory();
    }
  }

  /**
   * The one way to change the store: lock, re-read, change, write atomically, unlock. Serialised within
   * the process as well, so one process never waits on its own lock.
   */
  update<T>(fn: (data: HistoryData) => T): Promise<T> {
    const run = async (): Promise<T> => {
      const release = await acquireStoreLock(this.file, {
        timeoutMs: this.opts.lockTimeoutMs,
        onCompromised: (err) => this.report(new Error(`history lock lost while writing (${err.message}); a concurrent write may have been overwritten`)),
      });
      try {
        const db = new Low<HistoryData>(this.adapter, emptyHistory());
        try {
          await db.read();
        } catch (err) {
          if (!(err instanceof SyntaxError)) throw err;
          const aside = `${this.file}.damaged-${Date.now()}`;
          renameSync(this.file, aside);
          this.report(new Error(`history store ${this.file} was not valid JSON; kept it as ${aside} and started a new one`));
        }
        db.data = normaliseHistory(db.data);
        const result = fn(db.data);
        await db.write();
        return result;
      } finally {
        await release().catch(() => {
          // Released already (compromised and reported), nothing more to do.
        });
      }
    };
    const next = this.chain.then(run, run);
    this.chain = next.catch(() => {});
    return next;
  }

  /** Marks operations and job runs whose process died while they ran as interrupted. */
  async recoverInterrupted(): Promise<number> {
    const data = await this.read();
    const suspects = data.operations.some((o) => o.status === 'running' && ownerGone(o.owner)) || data.jobRuns.some((r) => r.status === 'running' && ownerGone(r.owner));
    // Most opens find nothing: skip the write then.
    if (!suspects) return 0;
    return this.update((d) => markInterrupted(d));
  }

  // ---- CoreRecorder (the core calls these without awaiting; failures go to onError) ----------------

  operationStarted(op: Operation): Promise<void> {
    const record: OperationRecord = { ...structuredClone(op), owner: currentOwner() };
    return this.guard(
      this.update((data) => {
        const i = data.operations.findIndex((o) => o.id === op.id);
        if (i >= 0) data.operations[i] = record;
        else data.operations.push(record);
      }),
    );
  }

  /** Per-target progress is coalesced: one write per flush window for all operations that moved. */
  targetUpdated(op: Operation): void {
    this.pendingTargets.set(op.id, structuredClone(op));
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      void this.guard(this.flushTargets());
    }, this.progressFlushMs);
  }

  private flushTargets(): Promise<void> {
    const ops = [...this.pendingTargets.values()];
    this.pendingTargets.clear();
    if (!ops.length) return Promise.resolve();
    return this.update((data) => {
      for (const op of ops) {
        const i = data.operations.findIndex((o) => o.id === op.id);
        if (i >= 0 && data.operations[i].status === 'running') data.operations[i] = { ...op, owner: data.operations[i].owner };
      }
    });
  }

  operationFinished(op: Operation): Promise<void> {
    this.pendingTargets.delete(op.id);
    const final = structuredClone(op);
    return this.guard(
      this.update((data) => {
        const i = data.operations.findIndex((o) => o.id === op.id);
        const record: OperationRecord = { ...final, owner: i >= 0 ? data.operations[i].owner : currentOwner() };
        if (i >= 0) data.operations[i] = record;
        else data.operations.push(record);
      }),
    );
  }

  audit(entry: AuditEntry): Promise<void> {
    return this.guard(
      this.update((data) => {
        data.audit.push(structuredClone(entry));
      }),
    );
  }

  /** Reserved for the migration capability. */
  recordMigration(m: MigrationRecord): Promise<void> {
    return this.update((data) => {
      const i = data.migrations.findIndex((x) => x.id === m.id);
      if (i >= 0) data.migrations[i] = m;
      else data.migrations.push(m);
    });
  }

  /** Recorder writes report their failure instead of rejecting into a caller that does not await. */
  private guard(p: Promise<void>): Promise<void> {
    return p.catch((err: Error) => this.report(err));
  }

  /** Writes coalesced progress now and waits for every queued write (shutdown, tests). */
  async flush(): Promise<void> {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
      await this.guard(this.flushTargets());
    }
    await this.chain;
  }

  async close(): Promise<void> {
    await this.flush();
  }

  // ---- queries ------------------------------------------------------------------------------------

  async listOperations(q: OperationQuery = {}): Promise<OperationRecord[]> {
    const data = await this.read();
    const matching = data.operations.filter((o) => (!q.status || o.status === q.status) && (!q.frontEnd || o.frontEnd === q.frontEnd));
    const sorted = matching.sort((a, b) => b.startedAt - a.startedAt);
    const offset = q.offset ?? 0;
    return sorted.slice(offset, offset + (q.limit ?? 50));
  }

  async getOperation(id: string): Promise<OperationRecord | undefined> {
    return (await this.read()).operations.find((o) => o.id === id);
  }

  /** Newest first. */
  async listAudit(limit = 100): Promise<AuditEntry[]> {
    return (await this.read()).audit.slice(-limit).reverse();
  }

  /** Newest first. */
  async listJobRuns(opts: { jobId?: string; limit?: number } = {}): Promise<JobRunRecord[]> {
    const runs = (await this.read()).jobRuns.filter((r) => !opts.jobId || r.jobId === opts.jobId);
    return runs.sort((a, b) => b.startedAt - a.startedAt).slice(0, opts.limit ?? 50);
  }

  async listJobs(): Promise<JobRecord[]> {
    return (await this.read()).jobs;
  }

  async listMigrations(limit = 100): Promise<MigrationRecord[]> {
    return (await this.read()).migrations.slice(-limit).reverse();
  }

  /** Drops records past the retention age and beyond the count limits. */
  applyRetention(now = Date.now()): Promise<{ removed: number }> {
    return this.update((data) => ({ removed: applyRetentionTo(data, this.retention, now) }));
  }
}

/** Opens a context's store, cleaning up after processes that died: their temp files and running records. */
export async function openHistory(opts: OpenHistoryOptions): Promise<HistoryStore> {
  const store = new HistoryStore(opts);
  const host = currentOwner().host;
  removeOrphanTempFiles(store.file, (pid) => ownerGone({ pid, host }));
  await store.recoverInterrupted();
  return store;
}
