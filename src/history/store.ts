// The history store of one context, shared by every moxxie process (TUI, MCP server, scheduler, CLI).
// It is sharded (see layout.ts) so that a write costs what changed:
//   - the index (history.json, lowdb) holds jobs, job runs, migrations and one small summary per
//     operation; it changes under a cross-process lock (re-read, change, atomic replace) when an operation
//     starts or ends, and when jobs or runs change;
//   - each operation has its own record, written by the process that runs it, and while it runs a journal
//     of appended lines (one per phase transition or target change, fsynced before the call returns);
//   - the audit trail is a file of appended lines.
// A file that cannot be read as what it should be is never taken for an empty history: reads throw
// HistoryDamagedError naming the file and the problem; a write over a damaged index sets it aside first.
import { mkdirSync } from 'node:fs';
import { copyFile, mkdir, open, readdir, stat, unlink } from 'node:fs/promises';
import { Low } from 'lowdb';
import type { AuditEntry, CoreRecorder } from '../ops/recorder.js';
import type { Operation, OperationTarget, PhaseRecord } from '../ops/types.js';
import { AtomicJsonFile, fileKey, removeOrphanTempFiles } from './atomic-json-file.js';
import { AuditLog } from './audit-log.js';
import { HistoryDamagedError, setAside } from './damaged.js';
import { markInterrupted, markRunInterrupted, rowsFromOperations } from './interrupted.js';
import type { JobRecord, JobRunRecord, JobRunVm } from './job-records.js';
import { OperationFiles, readOperation, readOperationFile, withPhase } from './journal.js';
import { historyLayout, type HistoryLayout } from './layout.js';
import { isLegacy, readLegacy, upgradeOperation } from './legacy.js';
import { currentOwner, ownerGone, type ProcessOwner } from './process-owner.js';
import { checkShape, indexShape, jobRunRowsShape, notAnObject } from './record-shapes.js';
import {
  DEFAULT_RETENTION,
  emptyIndex,
  indexEntry,
  type HistoryIndex,
  type JobRunIndexEntry,
  type JobRunRowsShard,
  type LegacyHistory,
  type MigrationRecord,
  type OperationIndexEntry,
  type OperationRecord,
  type OperationShard,
  type RetentionPolicy,
} from './records.js';
import { finishedMigration, queryMigrations, type MigrationQuery } from './migrations.js';
import { applyRetentionTo, retentionCutoff } from './retention.js';
import { acquireStoreLock } from './store-lock.js';

export { HistoryDamagedError } from './damaged.js';

export interface OpenHistoryOptions {
  /** The directory holding history.json: a context's state directory (config's contextStateDir). */
  dir: string;
  retention?: Partial<RetentionPolicy>;
  /** How long a write waits for a lock before failing (default 60 s). */
  lockTimeoutMs?: number;
  /** An operation's record is rewritten, folding its journal in, once this many journal bytes were added since (default 1 MiB). */
  compactBytes?: number;
  /** Told when a write fails: the core records best-effort and never sees these errors. */
  onError?: (err: Error) => void;
}

export interface OperationQuery {
  limit?: number;
  offset?: number;
  status?: Operation['status'];
  frontEnd?: Operation['frontEnd'];
}

/** An operation this process is recording. */
interface LiveOperation {
  files: OperationFiles;
  owner: ProcessOwner;
  /** The core's operation as last seen (the record is rewritten from it). */
  latest: Operation;
  /** Each target as last journaled (its JSON), so a target update writes only the targets that changed. */
  written: Map<string, string>;
  /** Journal bytes queued since the record was last queued for a rewrite. */
  unrecorded: number;
}

const upsert = <T extends { id: string }>(list: T[], item: T) => {
  const i = list.findIndex((x) => x.id === item.id);
  if (i >= 0) list[i] = item;
  else list.push(item);
};

const missing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

async function removeFile(file: string): Promise<void> {
  await unlink(file).catch((err) => {
    if (!missing(err)) throw err;
  });
}

export class HistoryStore implements CoreRecorder {
  readonly dir: string;
  /** The index, history.json. */
  readonly file: string;
  readonly layout: HistoryLayout;
  readonly retention: RetentionPolicy;
  /** The last write that failed (also passed to onError). */
  lastError: Error | undefined;
  private readonly index: AtomicJsonFile<unknown>;
  private readonly auditLog: AuditLog;
  private readonly compactBytes: number;
  private readonly live = new Map<string, LiveOperation>();
  /** Writers of ended operations still closing: a new writer of the same operation waits for them. */
  private readonly closing = new Map<string, Promise<void>>();
  /** Operations that ended here: a late progress call for one is ignored, never written over the final record. */
  private readonly ended = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private indexChain: Promise<unknown> = Promise.resolve();
  /** The index as last read or written here (checked then), keyed by the file's identity; parsed when needed. */
  private cache: { key: string; text?: string; data?: HistoryIndex } | undefined;

  constructor(private readonly opts: OpenHistoryOptions) {
    this.dir = opts.dir;
    // The directory exists once a store is opened on it (the scheduler watches it for job changes).
    mkdirSync(this.dir, { recursive: true });
    this.layout = historyLayout(this.dir);
    this.file = this.layout.index;
    this.index = new AtomicJsonFile<unknown>(this.file);
    this.retention = { ...DEFAULT_RETENTION, ...(opts.retention ?? {}) };
    this.compactBytes = opts.compactBytes ?? 1024 * 1024;
    this.auditLog = new AuditLog(this.layout.audit, this.lockOptions());
  }

  private lockOptions() {
    return {
      timeoutMs: this.opts.lockTimeoutMs,
      onCompromised: (err: Error) => this.report(new Error(`history lock lost while writing (${err.message}); a concurrent write may have been overwritten`)),
    };
  }

  private report(err: Error): void {
    this.lastError = err;
    this.opts.onError?.(err);
  }

  /** For writers beside the store (the job manager's run progress): a failed write, told like the store's own. */
  reportError(err: Error): void {
    this.report(err);
  }

  /** Recorder writes report their failure instead of rejecting into a caller that may not await; flush() waits for them. */
  private track(p: Promise<unknown>): Promise<void> {
    const guarded = p.then(
      () => undefined,
      (err: Error) => this.report(err),
    );
    this.inFlight.add(guarded);
    void guarded.then(() => this.inFlight.delete(guarded));
    return guarded;
  }

  // ---- the index ---------------------------------------------------------------------------------------

  private checkIndex(value: unknown): HistoryIndex {
    const wrong = notAnObject(value);
    if (wrong) throw new HistoryDamagedError(this.file, wrong);
    const version = (value as { version?: unknown }).version;
    if (version !== 2) throw new HistoryDamagedError(this.file, `it has version ${JSON.stringify(version)}, which this moxxie does not know (written by a newer one?)`);
    return checkShape(indexShape, value, this.file) as unknown as HistoryIndex;
  }

  /** An index set aside by a write and not yet repaired or removed: reading on would show an empty history. */
  private async setAsideIndex(): Promise<string | undefined> {
    const prefix = `history.json.damaged-`;
    const names = (await readdir(this.dir).catch(() => [] as string[])).filter((n) => n.startsWith(prefix)).sort();
    return names.length ? `${this.dir}/${names.at(-1)}` : undefined;
  }

  private async refuseIfSetAside(): Promise<void> {
    const aside = await this.setAsideIndex();
    if (aside) throw new HistoryDamagedError(this.file, 'it is missing because it was found damaged', aside);
  }

  private async hasOperationFiles(): Promise<boolean> {
    const names = await readdir(this.layout.operationsDir).catch(() => [] as string[]);
    return names.some((n) => n.endsWith('.json') && !n.startsWith('.'));
  }

  /** The index as it is now (validated; cached while the file is unchanged). Callers must not change it. */
  private async readIndex(): Promise<HistoryIndex> {
    for (let attempt = 0; attempt < 5; attempt++) {
      let key: string;
      try {
        key = fileKey(await stat(this.file, { bigint: true }));
      } catch (err) {
        if (!missing(err)) throw err;
        await this.refuseIfSetAside();
        // Operations on disk but no index: rebuild it from them (under the lock) rather than show nothing.
        if (await this.hasOperationFiles()) {
          await this.withIndex(() => undefined);
          continue;
        }
        return emptyIndex();
      }
      if (this.cache?.key === key) return (this.cache.data ??= JSON.parse(this.cache.text!) as HistoryIndex);
      let raw: unknown;
      try {
        raw = await this.index.read();
      } catch (err) {
        if (err instanceof SyntaxError) throw new HistoryDamagedError(this.file, `it is not valid JSON (${err.message})`);
        throw err;
      }
      if (raw === null) continue;
      if (isLegacy(raw)) {
        readLegacy(raw, this.file); // A wrongly shaped old file is reported as it is, before anything moves.
        await this.withIndex(() => undefined);
        continue;
      }
      const data = this.checkIndex(raw);
      this.cache = { key, data };
      return data;
    }
    throw new Error(`history store ${this.file} kept changing while it was read; try again`);
  }

  /**
   * The one way to change the index: lock, re-read, change, write atomically, unlock. Serialised within
   * the process as well, so one process never waits on its own lock. A damaged or wrongly shaped index
   * is set aside and the write fails with HistoryDamagedError; an old single-file store is migrated first.
   */
  private withIndex<T>(fn: (data: HistoryIndex) => T | Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      await mkdir(this.dir, { recursive: true });
      const release = await acquireStoreLock(this.file, this.lockOptions());
      try {
        const db = new Low<unknown>(this.index, null);
        const current = await stat(this.file, { bigint: true }).then(fileKey, () => undefined);
        let data: HistoryIndex;
        if (current !== undefined && this.cache?.key === current) {
          // Unchanged since this process last read or wrote it (and checked it then): no need to parse and check again.
          data = this.cache.text !== undefined ? (JSON.parse(this.cache.text) as HistoryIndex) : structuredClone(this.cache.data!);
          return await this.commit(db, data, fn);
        }
        try {
          await db.read();
        } catch (err) {
          if (!(err instanceof SyntaxError)) throw err;
          this.damagedOnWrite(`it is not valid JSON (${err.message})`);
        }
        if (db.data === null) {
          await this.refuseIfSetAside();
          data = await this.rebuildIndex();
        } else if (isLegacy(db.data)) {
          let legacy: LegacyHistory;
          try {
            legacy = readLegacy(db.data, this.file);
          } catch (err) {
            if (err instanceof HistoryDamagedError) this.damagedOnWrite(err.problem);
            throw err;
          }
          data = await this.migrate(legacy);
        } else {
          try {
            data = this.checkIndex(db.data);
          } catch (err) {
            if (err instanceof HistoryDamagedError) this.damagedOnWrite(err.problem);
            throw err;
          }
        }
        return await this.commit(db, data, fn);
      } finally {
        await release().catch(() => {
          // Released already (compromised and reported), nothing more to do.
        });
      }
    };
    const next = this.indexChain.then(run, run);
    this.indexChain = next.catch(() => {});
    return next;
  }

  /** Applies the change and writes the index; keeps what was written as the cache (it was checked). */
  private async commit<T>(db: Low<unknown>, data: HistoryIndex, fn: (data: HistoryIndex) => T | Promise<T>): Promise<T> {
    this.cache = undefined;
    const result = await fn(data);
    await this.moveRunRows(data);
    db.data = data;
    await db.write();
    const written = this.index.lastWrite;
    // The text, not the object: the caller may still hold (and change) objects it put in.
    if (written) this.cache = { key: written.key, text: written.text };
    return result;
  }

  private damagedOnWrite(problem: string): never {
    this.cache = undefined;
    const aside = setAside(this.file);
    throw new HistoryDamagedError(this.file, problem, aside);
  }

  /** Per-VM rows given with a run go to its own file; the index keeps the run without them. */
  private async moveRunRows(data: HistoryIndex): Promise<void> {
    for (let i = 0; i < data.jobRuns.length; i++) {
      if (!('vms' in data.jobRuns[i])) continue;
      // A copy: the caller's run object (a run going on) keeps its rows.
      const { vms, ...run } = data.jobRuns[i];
      data.jobRuns[i] = run;
      if (vms?.length) await this.writeRunRows(run.id, vms);
    }
  }

  private async writeRunRows(runId: string, vms: JobRunVm[]): Promise<void> {
    await mkdir(this.layout.runsDir, { recursive: true });
    await new AtomicJsonFile<JobRunRowsShard>(this.layout.runRows(runId)).write({ version: 2, vms });
  }

  private async readRunRows(runId: string): Promise<JobRunVm[]> {
    const file = this.layout.runRows(runId);
    const raw = await new AtomicJsonFile<unknown>(file).read().catch((err: Error) => {
      if (err instanceof SyntaxError) throw new HistoryDamagedError(file, `it is not valid JSON (${err.message})`);
      throw err;
    });
    if (raw === null) return [];
    return (checkShape(jobRunRowsShape, raw, file) as JobRunRowsShard).vms;
  }

  /** The index was missing: a summary for every operation on disk (none, in a new store). */
  private async rebuildIndex(): Promise<HistoryIndex> {
    const data = emptyIndex();
    const names = await readdir(this.layout.operationsDir).catch(() => [] as string[]);
    for (const name of names) {
      if (!name.endsWith('.json') || name.startsWith('.')) continue;
      const id = decodeURIComponent(name.slice(0, -'.json'.length));
      const found = await readOperation(this.layout.operation(id), this.layout.journal(id));
      if (found) data.operations.push(indexEntry(found.op));
    }
    data.operations.sort((a, b) => a.startedAt - b.startedAt);
    // Operations being started right now (their record is written before the index lists them) are no loss:
    // running ones of a live process, and this process's own (one whose only target was blocked is written
    // already failed, the first time a new store is written).
    const self = currentOwner();
    const ours = (o: { owner?: ProcessOwner }) => o.owner?.pid === self.pid && o.owner.host === self.host && o.owner.start === self.start;
    const lost = data.operations.filter((o) => !ours(o) && (o.status !== 'running' || ownerGone(o.owner)));
    if (lost.length) this.report(new Error(`history index ${this.file} was missing; rebuilt it from the ${data.operations.length} operation file(s) (jobs and job runs were not in them)`));
    return data;
  }

  /** Moves an old single-file store into this layout (under the index lock); the old file is kept as history.v1.json. */
  private async migrate(legacy: LegacyHistory): Promise<HistoryIndex> {
    await copyFile(this.file, this.layout.legacyBackup);
    const backup = await open(this.layout.legacyBackup, 'r+');
    await backup.sync().finally(() => backup.close());
    const data = emptyIndex();
    await mkdir(this.layout.operationsDir, { recursive: true });
    const byId = new Map<string, OperationRecord>();
    for (const raw of legacy.operations) {
      const op = upgradeOperation(raw);
      byId.set(op.id, op);
    }
    for (const op of byId.values()) {
      // An operation file already there (a migration cut off and run again) is kept as it is.
      const existing = await readOperationFile(this.layout.operation(op.id));
      if (!existing) await new AtomicJsonFile<OperationShard>(this.layout.operation(op.id)).write({ version: 2, operation: op });
      data.operations.push(indexEntry(existing?.operation ?? op));
    }
    for (const run of legacy.jobRuns) {
      const { vms, ...rest } = run;
      const entry: JobRunIndexEntry = rest;
      const rowsFile = this.layout.runRows(run.id);
      if (vms?.length && !(await stat(rowsFile).catch(() => undefined))) await this.writeRunRows(run.id, vms);
      data.jobRuns.push(entry);
    }
    await this.auditLog.prepend(legacy.audit);
    data.migrations = legacy.migrations;
    data.jobs = legacy.jobs;
    this.report(new Error(`history store ${this.file} was in the single-file layout of an older moxxie; moved into the sharded layout (${byId.size} operation(s), ${legacy.jobRuns.length} run(s), ${legacy.audit.length} audit entries, ${legacy.jobs.length} job(s)); the old file is kept as ${this.layout.legacyBackup}`));
    return data;
  }

  /** The index as it is now: operation summaries, job runs (without their rows), migrations, jobs. */
  async read(): Promise<HistoryIndex> {
    return structuredClone(await this.readIndex());
  }

  /** Changes the index (jobs, job runs, migrations) under the lock. A run given with `vms` has them kept in its own file. */
  update<T>(fn: (data: HistoryIndex) => T): Promise<T> {
    return this.withIndex(fn);
  }

  /** Marks operations and job runs whose process died as interrupted. */
  async recoverInterrupted(now = Date.now()): Promise<number> {
    const index = await this.readIndex();
    const suspects = index.operations.some((o) => o.status === 'running' && ownerGone(o.owner)) || index.jobRuns.some((r) => r.status === 'running' && ownerGone(r.owner));
    // Most opens find nothing: skip the write then.
    if (!suspects) return 0;
    return this.withIndex(async (data) => {
      let n = 0;
      const recovered = new Map<string, OperationRecord>();
      for (let i = 0; i < data.operations.length; i++) {
        const entry = data.operations[i];
        if (entry.status !== 'running' || !ownerGone(entry.owner)) continue;
        const recordFile = this.layout.operation(entry.id);
        let found: Awaited<ReturnType<typeof readOperation>>;
        try {
          found = await readOperation(recordFile, this.layout.journal(entry.id));
        } catch (err) {
          if (!(err instanceof HistoryDamagedError)) throw err;
          // Its files stay as they are for a human to look at; the index says what happened.
          this.report(err);
          found = undefined;
        }
        if (!found) {
          data.operations[i] = { ...entry, status: 'interrupted', finishedAt: entry.finishedAt ?? now };
          n++;
          continue;
        }
        const op = found.op;
        // A later process took it over (a resume) and is still running it.
        if (op.status === 'running' && !ownerGone(op.owner)) continue;
        if (op.status === 'running') markInterrupted(op, now);
        await new AtomicJsonFile<OperationShard>(recordFile).write({ version: 2, ...(found.journal ? { journal: found.journal } : {}), operation: op });
        await removeFile(this.layout.journal(entry.id));
        data.operations[i] = indexEntry(op);
        recovered.set(op.id, op);
        n++;
      }
      for (const run of data.jobRuns) {
        if (run.status !== 'running' || !ownerGone(run.owner)) continue;
        markRunInterrupted(run, now);
        // Its rows as its operations left them (they are written as they start, so a crashed run links to them).
        const ops: OperationRecord[] = [];
        for (const id of run.operationIds) {
          const op = recovered.get(id) ?? (await readOperation(this.layout.operation(id), this.layout.journal(id)).catch(() => undefined))?.op;
          if (op) ops.push(op);
        }
        if (ops.length) run.vms = rowsFromOperations(await this.readRunRows(run.id).catch(() => []), ops);
        n++;
      }
      return n;
    });
  }

  // ---- CoreRecorder ----------------------------------------------------------------------------------

  private recordOf(op: Operation, owner: ProcessOwner): OperationRecord {
    return { ...structuredClone(op), owner };
  }

  /**
   * This process's writer for an operation. One first seen here in a progress call (not started here) gets
   * its record written first, so its journal lines have a record to apply to.
   */
  private liveFor(op: Operation, writeRecord = true): LiveOperation {
    let l = this.live.get(op.id);
    if (l) return l;
    const previous = this.closing.get(op.id);
    const files = new OperationFiles(this.layout.operation(op.id), this.layout.journal(op.id), op.id, previous);
    l = { files, owner: currentOwner(), latest: op, written: new Map(op.targets.map((t) => [t.id, JSON.stringify(t)])), unrecorded: 0 };
    this.live.set(op.id, l);
    if (writeRecord) {
      const first = this.recordOf(op, l.owner);
      void this.track(files.writeRecord(() => first));
    }
    return l;
  }

  /** Appends journal text; now and then rewrites the record so a reader has few lines to apply. */
  private journal(l: LiveOperation, text: string): Promise<void> {
    const appended = l.files.append(text);
    l.unrecorded += text.length;
    if (l.unrecorded > this.compactBytes) {
      l.unrecorded = 0;
      // Made when its turn comes, after the lines before it: a line after it can only be newer.
      void this.track(l.files.writeRecord(() => this.recordOf(l.latest, l.owner)));
    }
    return this.track(appended);
  }

  operationStarted(op: Operation): Promise<void> {
    this.ended.delete(op.id);
    const l = this.liveFor(op, false);
    l.latest = op;
    l.written = new Map(op.targets.map((t) => [t.id, JSON.stringify(t)]));
    // The index lists it once its record is on disk.
    const record = this.recordOf(op, l.owner);
    return this.track(l.files.writeRecord(() => record).then(() => this.withIndex((data) => upsert(data.operations, indexEntry(record)))));
  }

  /** The journal: one line per phase transition, on disk when this resolves. No lock is taken. */
  phaseChanged(op: Operation, target: OperationTarget, phase: PhaseRecord): Promise<void> {
    if (this.ended.has(op.id)) return Promise.resolve();
    const l = this.liveFor(op);
    l.latest = op;
    const json = JSON.stringify(withPhase(target, phase));
    l.written.set(target.id, json);
    return this.journal(l, `{"k":"phase","at":${Date.now()},"phase":${JSON.stringify(phase.name)},"state":${JSON.stringify(phase.state)},"target":${json}}\n`);
  }

  /**
   * A target changed: the targets that differ from what was journaled are appended, nothing else is
   * written. Given the target that changed, only it is compared (otherwise every target is).
   */
  targetUpdated(op: Operation, changed?: OperationTarget): Promise<void> {
    if (this.ended.has(op.id)) return Promise.resolve();
    const l = this.liveFor(op);
    l.latest = op;
    const at = Date.now();
    let text = '';
    const candidates = changed ? [op.targets.find((t) => t.id === changed.id) ?? changed] : op.targets;
    for (const t of candidates) {
      const json = JSON.stringify(t);
      if (l.written.get(t.id) === json) continue;
      l.written.set(t.id, json);
      text += `{"k":"target","at":${at},"target":${json}}\n`;
    }
    const migration = finishedMigration(op, changed);
    if (migration) void this.track(this.recordMigration(migration));
    return text ? this.journal(l, text) : Promise.resolve();
  }

  operationFinished(op: Operation): Promise<void> {
    const l = this.liveFor(op, false);
    this.ended.add(op.id);
    this.live.delete(op.id);
    // A resume of it in this process waits for this writer to close before opening a new journal.
    this.closing.set(op.id, l.files.closed);
    void l.files.closed.then(() => {
      if (this.closing.get(op.id) === l.files.closed) this.closing.delete(op.id);
    });
    const record = this.recordOf(op, l.owner);
    // The final record holds everything: only once it is on disk does the journal go.
    const done = l.files
      .writeRecord(() => record)
      .then(
        () => l.files.close(true),
        async (err: Error) => {
          await l.files.close(false).catch(() => {});
          throw err;
        },
      )
      .then(() => this.withIndex((data) => upsert(data.operations, indexEntry(record))));
    return this.track(done);
  }

  audit(entry: AuditEntry): Promise<void> {
    return this.track(this.auditLog.append([structuredClone(entry)]));
  }

  /** One migration's record (replaced when its target is resumed). */
  recordMigration(m: MigrationRecord): Promise<void> {
    return this.withIndex((data) => upsert(data.migrations, m));
  }

  /** A running job run's per-VM rows, written to its own file (the index is not touched). */
  saveJobRunRows(runId: string, vms: JobRunVm[]): Promise<void> {
    return this.writeRunRows(runId, structuredClone(vms));
  }

  /** Waits for every queued write (shutdown, tests). */
  async flush(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
    await this.indexChain;
  }

  /** Waits for queued writes and closes the journals still open (their operations stay as recorded). */
  async close(): Promise<void> {
    await this.flush();
    const open = [...this.live.values()];
    this.live.clear();
    await Promise.all(open.map((l) => l.files.close(false).catch((err: Error) => this.report(err))));
  }

  // ---- queries -------------------------------------------------------------------------------------

  /** Operation summaries from the index alone, newest first: cheap at any history size. */
  async listOperationSummaries(q: OperationQuery = {}): Promise<OperationIndexEntry[]> {
    let { operations } = await this.readIndex();
    // A process that died mid-operation (kill -9) left it `running`: a long-lived reader (the TUI, MCP, the
    // REST server) marks it interrupted now, as an open of the store does, instead of showing it running.
    if (operations.some((o) => o.status === 'running' && ownerGone(o.owner)) && (await this.recoverInterrupted()) > 0) ({ operations } = await this.readIndex());
    const matching = operations.filter((o) => (!q.status || o.status === q.status) && (!q.frontEnd || o.frontEnd === q.frontEnd));
    const sorted = matching.sort((a, b) => b.startedAt - a.startedAt);
    const offset = q.offset ?? 0;
    return structuredClone(sorted.slice(offset, offset + (q.limit ?? 50)));
  }

  /** Whole operations, newest first (each read from its own file; prefer listOperationSummaries for long lists). */
  async listOperations(q: OperationQuery = {}): Promise<OperationRecord[]> {
    const summaries = await this.listOperationSummaries(q);
    const ops: OperationRecord[] = [];
    // A few files at a time: a long list reads many, each is small.
    for (let i = 0; i < summaries.length; i += 16) {
      const read = await Promise.all(summaries.slice(i, i + 16).map((s) => this.getOperation(s.id)));
      // One dropped by retention since the index was read is left out.
      for (const op of read) if (op) ops.push(op);
    }
    return ops;
  }

  /** The recorded operation with its journal applied: after a crash, which phases ran and with which UPIDs. */
  async getOperation(id: string): Promise<OperationRecord | undefined> {
    const found = await readOperation(this.layout.operation(id), this.layout.journal(id));
    if (found) return found.op;
    // Missing: damage if the index (as it is now) still lists it; otherwise unknown, or dropped by retention.
    const listed = (await this.readIndex()).operations.some((o) => o.id === id);
    if (!listed) return undefined;
    // Another process may have written the record, then listed it, between the two reads above (the index
    // lists an operation only once its record is on disk): read it again before calling it damage.
    const again = await readOperation(this.layout.operation(id), this.layout.journal(id));
    if (again) return again.op;
    throw new HistoryDamagedError(this.layout.operation(id), `it is missing, though ${this.file} lists operation ${id}`);
  }

  /** Newest first. */
  async listAudit(limit = 100): Promise<AuditEntry[]> {
    return this.auditLog.newest(limit);
  }

  /** Newest first, each with its per-VM rows. */
  async listJobRuns(opts: { jobId?: string; limit?: number } = {}): Promise<JobRunRecord[]> {
    const runs = (await this.readIndex()).jobRuns.filter((r) => !opts.jobId || r.jobId === opts.jobId);
    const chosen = [...runs].sort((a, b) => b.startedAt - a.startedAt).slice(0, opts.limit ?? 50);
    const out: JobRunRecord[] = [];
    for (const r of chosen) out.push({ ...structuredClone(r), vms: await this.readRunRows(r.id) } as JobRunRecord);
    return out;
  }

  async listJobs(): Promise<JobRecord[]> {
    return structuredClone((await this.readIndex()).jobs);
  }

  /** Newest first; by guest, drained node or kind. */
  async listMigrations(query: MigrationQuery = {}): Promise<MigrationRecord[]> {
    return structuredClone(queryMigrations((await this.readIndex()).migrations, query));
  }

  /** Drops records past the retention age and beyond the count limits, with their files. */
  async applyRetention(now = Date.now()): Promise<{ removed: number }> {
    const dropped = await this.withIndex((data) => applyRetentionTo(data, this.retention, now));
    for (const id of dropped.operations) {
      await removeFile(this.layout.operation(id));
      await removeFile(this.layout.journal(id));
    }
    for (const id of dropped.jobRuns) await removeFile(this.layout.runRows(id));
    const cutoff = retentionCutoff(this.retention, now);
    const audit = await this.auditLog.retain((a) => a.at >= cutoff, this.retention.maxRecords * 4);
    return { removed: dropped.operations.length + dropped.jobRuns.length + dropped.migrations + audit };
  }
}

/**
 * Opens a context's store: migrates an older single-file store, cleans up after processes that died
 * (their temp files and running records), and throws HistoryDamagedError when the index cannot be read,
 * so no front end (nor the scheduler) runs on a history it would take for empty.
 */
export async function openHistory(opts: OpenHistoryOptions): Promise<HistoryStore> {
  const store = new HistoryStore(opts);
  const host = currentOwner().host;
  for (const dir of [store.dir, store.layout.operationsDir, store.layout.runsDir]) removeOrphanTempFiles(dir, (pid) => ownerGone({ pid, host }));
  await store.recoverInterrupted();
  return store;
}
