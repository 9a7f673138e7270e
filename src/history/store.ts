// The history store: one lowdb JSON file per context, shared by every moxxie process. Each change is a
// read-modify-write under a cross-process lock (lowdb alone would let two processes overwrite each
// other), and the file is replaced atomically.
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Low } from 'lowdb';
import lockfile from 'proper-lockfile';
import type { CoreRecorder, AuditEntry } from '../ops/recorder.js';
import type { Operation } from '../ops/types.js';
import type { JobRecord, JobRunRecord } from '../schedule/job-types.js';
import { AtomicJsonFile } from './atomic-json-file.js';
import { DEFAULT_RETENTION, emptyHistory, type HistoryData, type OperationRecord, type RetentionPolicy } from './records.js';

export interface OpenHistoryOptions {
  dir: string;
  retention?: Partial<RetentionPolicy>;
}

const HOST = hostname();
const DAY = 86_400_000;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class HistoryStore implements CoreRecorder {
  readonly file: string;
  private readonly db: Low<HistoryData>;
  private readonly retention: RetentionPolicy;
  private pendingTargets = new Map<string, Operation>();
  private flushTimer: NodeJS.Timeout | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(opts: OpenHistoryOptions) {
    mkdirSync(opts.dir, { recursive: true });
    this.file = join(opts.dir, 'history.json');
    this.db = new Low<HistoryData>(new AtomicJsonFile<HistoryData>(this.file), emptyHistory());
    this.retention = { ...DEFAULT_RETENTION, ...(opts.retention ?? {}) };
  }

  /** Reads under the lock, so a reader never sees a write in progress (the rename makes that moot, but keeps order). */
  async read(): Promise<HistoryData> {
    await this.db.read();
    return this.db.data ?? emptyHistory();
  }

  /** The one way to change the store: lock, re-read, change, write atomically, unlock. Serialised in-process too. */
  update<T>(fn: (data: HistoryData) => T): Promise<T> {
    const run = async (): Promise<T> => {
      const release = await lockfile.lock(this.file, {
        realpath: false,
        stale: 10_000,
        update: 2_000,
        retries: { retries: 1000, minTimeout: 2, maxTimeout: 40, randomize: true },
      });
      try {
        await this.db.read();
        const data = this.db.data ?? emptyHistory();
        this.db.data = data;
        const result = fn(data);
        await this.db.write();
        return result;
      } finally {
        await release();
      }
    };
    const next = this.chain.then(run, run);
    this.chain = next.catch(() => {});
    return next;
  }

  /** Marks operations and job runs whose process died while they ran as interrupted. */
  async recoverInterrupted(): Promise<number> {
    return this.update((data) => {
      let n = 0;
      for (const op of data.operations) {
        if (op.status === 'running' && op.owner.host === HOST && !processAlive(op.owner.pid)) {
          op.status = 'interrupted';
          op.finishedAt = op.finishedAt ?? Date.now();
          for (const t of op.targets) {
            if (t.state === 'running' || t.state === 'planned') {
              t.message = t.state === 'running' ? `interrupted while running (moxxie process ${op.owner.pid} died); check the VM${t.upid ? ` and task ${t.upid}` : ''}` : 'not started: moxxie process died';
              t.state = 'cancelled';
            }
          }
          n++;
        }
      }
      for (const run of data.jobRuns) {
        if (run.status === 'running' && run.owner?.host === HOST && !processAlive(run.owner.pid)) {
          run.status = 'interrupted';
          run.finishedAt = run.finishedAt ?? Date.now();
          run.message = `interrupted: scheduler process ${run.owner.pid} died`;
          n++;
        }
      }
      return n;
    });
  }

  // ---- CoreRecorder -------------------------------------------------------------------------------

  operationStarted(op: Operation): Promise<void> {
    const record: OperationRecord = { ...structuredClone(op), owner: { pid: process.pid, host: HOST } };
    return this.update((data) => {
      data.operations.push(record);
    });
  }

  /** Per-target progress is coalesced: at most one write per operation every half second. */
  targetUpdated(op: Operation): void {
    this.pendingTargets.set(op.id, op);
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      void this.flushTargets();
    }, 500);
  }

  private flushTargets(): Promise<void> {
    const ops = [...this.pendingTargets.values()].map((o) => structuredClone(o));
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
    return this.update((data) => {
      const i = data.operations.findIndex((o) => o.id === op.id);
      const record: OperationRecord = { ...final, owner: i >= 0 ? data.operations[i].owner : { pid: process.pid, host: HOST } };
      if (i >= 0) data.operations[i] = record;
      else data.operations.push(record);
    });
  }

  audit(entry: AuditEntry): Promise<void> {
    return this.update((data) => {
      data.audit.push(entry);
    });
  }

  /** Waits for coalesced writes (tests, shutdown). */
  async flush(): Promise<void> {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
      await this.flushTargets();
    }
    await this.chain;
  }

  // ---- queries ----------------------------------------------------------------------------------

  async listOperations(opts: { limit?: number; offset?: number } = {}): Promise<OperationRecord[]> {
    const data = await this.read();
    const sorted = [...data.operations].sort((a, b) => b.startedAt - a.startedAt);
    return sorted.slice(opts.offset ?? 0, (opts.offset ?? 0) + (opts.limit ?? 50));
  }

  async getOperation(id: string): Promise<OperationRecord | undefined> {
    return (await this.read()).operations.find((o) => o.id === id);
  }

  async listAudit(limit = 100): Promise<AuditEntry[]> {
    return (await this.read()).audit.slice(-limit).reverse();
  }

  async listJobRuns(opts: { jobId?: string; limit?: number } = {}): Promise<JobRunRecord[]> {
    const runs = (await this.read()).jobRuns.filter((r) => !opts.jobId || r.jobId === opts.jobId);
    return runs.sort((a, b) => b.startedAt - a.startedAt).slice(0, opts.limit ?? 50);
  }

  async listJobs(): Promise<JobRecord[]> {
    return (await this.read()).jobs;
  }

  /** Drops records past the retention age and beyond the count limits. */
  applyRetention(now = Date.now()): Promise<{ removed: number }> {
    const cutoff = now - this.retention.maxAgeDays * DAY;
    const max = this.retention.maxRecords;
    return this.update((data) => {
      const before = data.operations.length + data.jobRuns.length + data.audit.length + data.migrations.length;
      data.operations = data.operations.filter((o) => o.status === 'running' || o.startedAt >= cutoff).slice(-max);
      data.jobRuns = data.jobRuns.filter((r) => r.status === 'running' || r.startedAt >= cutoff).slice(-max);
      data.audit = data.audit.filter((a) => a.at >= cutoff).slice(-max * 4);
      data.migrations = data.migrations.filter((m) => m.at >= cutoff).slice(-max);
      const after = data.operations.length + data.jobRuns.length + data.audit.length + data.migrations.length;
      return { removed: before - after };
    });
  }
}

export async function openHistory(opts: OpenHistoryOptions): Promise<HistoryStore> {
  const store = new HistoryStore(opts);
  await store.recoverInterrupted();
  return store;
}
