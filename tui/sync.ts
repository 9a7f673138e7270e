// Keeps the store in step with the cluster: polls the inventory (and the open view's data) every few
// seconds and folds the core's operation events in. Target updates are batched per frame: a bulk
// operation over thousands of VMs sends thousands of events, the screen needs a few redraws a second.
import type { MoxxieCore } from '../src/core.js';
import type { HistoryStore } from '../src/history/store.js';
import type { Inventory } from '../src/inventory/model.js';
import type { Operation, OperationEvent, OperationTarget, PhaseRecord } from '../src/ops/types.js';
import type { JobManager } from '../src/schedule/jobs.js';
import { applyInventory } from './inventory-apply.js';
import { listRowsFor } from './layout.js';
import { snapshotRows } from './rows.js';
import { finishCounts, phasesOf, targetKey } from './operation-text.js';
import { opName } from './operation-name.js';
import { say, type JobRow, type TuiStore } from './store.js';

export interface TuiSession {
  core: MoxxieCore;
  history?: HistoryStore;
  jobs?: JobManager;
  close?: () => Promise<void>;
}

const FLUSH_MS = 50;
const KEEP_LIVE_OPS = 50;

function copyOp(op: Operation): Operation {
  return { ...op, targets: op.targets.map((t) => ({ ...t, phases: phasesOf(t).map((p) => ({ ...p })) })) };
}

/** The target with one phase put in (replacing the phase of that name, or appended). */
function withPhase(t: OperationTarget, phase: PhaseRecord): OperationTarget {
  const phases = phasesOf(t);
  const i = phases.findIndex((p) => p.name === phase.name);
  return { ...t, phases: i < 0 ? [...phases, phase] : phases.map((p, j) => (j === i ? phase : p)) };
}

/** Batched changes to one operation's targets, by target id: whole targets and single phases. */
interface PendingTargets {
  targets: Map<string, OperationTarget>;
  phases: Map<string, PhaseRecord[]>;
}

export class Sync {
  private timer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private inFlight: Promise<void> | undefined;
  private again: Promise<void> | undefined;
  private pending = new Map<string, PendingTargets>();
  private stopped = false;
  /** Called when an operation this process runs finishes (the controller refreshes around it). */
  onFinished: (op: Operation) => void = () => {};

  constructor(
    private readonly store: TuiStore,
    private readonly session: TuiSession,
    private readonly refreshMs: number,
  ) {}

  start(initial?: Inventory | null): Promise<void> {
    this.stopped = false;
    this.unsubscribe = this.session.core.operations.subscribe((e) => this.onEvent(e));
    // An inventory fetched while Ink loaded is fresh: only the view's own data is still to load.
    let first: Promise<void>;
    if (initial) {
      applyInventory(this.store, initial);
      first = this.loadView().catch((err: Error) => this.store.setState({ refreshError: err.message }));
    } else {
      first = this.refresh();
    }
    this.schedule();
    return first;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.refresh().finally(() => this.schedule());
    }, this.refreshMs);
    this.timer.unref?.();
  }

  /** One refresh at a time; a second caller shares the one in flight. */
  refresh(): Promise<void> {
    if (!this.inFlight) this.inFlight = this.load().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /**
   * A refresh that reads the cluster after this moment: one already in flight may have read it while an
   * operation still held its VMs' locks (its LOCK column then stayed until the next timed refresh).
   */
  refreshAfter(): Promise<void> {
    if (!this.inFlight) return this.refresh();
    this.again ??= this.inFlight.then(() => {
      this.again = undefined;
      return this.refresh();
    });
    return this.again;
  }

  private async load(): Promise<void> {
    const { core } = this.session;
    try {
      const inventory = await core.inventory();
      if (this.stopped) return;
      applyInventory(this.store, inventory);
      await this.loadView();
    } catch (err) {
      if (!this.stopped) this.store.setState({ refreshError: (err as Error).message });
    }
  }

  /** The open view's own data (tasks, history, jobs, runs, a VM's detail). */
  async loadView(): Promise<void> {
    const { core, history, jobs } = this.session;
    const s = this.store.getState();
    switch (s.view) {
      case 'tasks':
        this.store.setState({ tasks: await core.listTasks({ limit: 500 }) });
        break;
      case 'storage':
        this.store.setState({ storageItems: (await core.storageContent()).items });
        break;
      case 'backups': {
        const vmid = s.backups.vmid;
        const report = await core.listBackups(vmid === undefined ? undefined : { vmids: [vmid] });
        if (this.store.getState().backups.vmid === vmid) this.store.setState({ backups: { rows: report.backups, warnings: report.warnings, vmid, loaded: true } });
        break;
      }
      case 'history':
      case 'operation':
        if (history) this.store.setState({ pastOps: await history.listOperations({ limit: 500 }) });
        break;
      case 'jobs':
        if (jobs) this.store.setState({ jobs: await this.jobRows(jobs) });
        break;
      case 'runs':
        if (jobs) this.store.setState({ runs: await jobs.runs(s.runsJob ?? undefined, { limit: 200 }) });
        break;
      case 'retention': {
        const r = s.retention;
        if (!r) break;
        try {
          const preview = await core.retentionCandidates(r.query);
          // The view may have moved to another query meanwhile.
          if (this.store.getState().retention?.query === r.query) this.store.setState({ retention: { query: r.query, preview } });
        } catch (err) {
          if (this.store.getState().retention?.query === r.query) this.store.setState({ retention: { query: r.query, preview: null, error: (err as Error).message } });
        }
        break;
      }
      case 'tasklog': {
        const upid = s.taskLog?.upid;
        if (!upid) break;
        const log = await core.taskLog(upid, { limit: 1000 });
        const now = this.store.getState();
        if (now.taskLog?.upid !== upid) break;
        // Follow the end like `tail -f` while the cursor is on the last line (it is, when first opened).
        const follow = !now.taskLog.log || now.pos.tasklog.cursor >= now.taskLog.log.lines.length - 1;
        const height = listRowsFor({ ...now, view: 'tasklog' });
        const last = Math.max(0, log.lines.length - 1);
        const pos = follow ? { cursor: last, scroll: Math.max(0, log.lines.length - height) } : now.pos.tasklog;
        this.store.setState({ taskLog: { upid, log }, pos: { ...now.pos, tasklog: pos } });
        break;
      }
      case 'detail': {
        const vmid = s.detail?.vmid;
        if (vmid === undefined) break;
        // VMs and containers alike: the core picks qemu or lxc paths from the inventory's type.
        const [snapshots, config, all] = await Promise.all([core.listSnapshots(vmid), core.getVmConfig(vmid), core.listTasks({ limit: 500 })]);
        const tasks = all.filter((t) => t.id === String(vmid)).slice(0, 5);
        const now = this.store.getState();
        if (now.detail?.vmid !== vmid) break;
        const detail = { vmid, snapshots, config, loaded: true, tasks };
        // After a delete the list is shorter: the cursor stays on a row that is there (at worst NOW).
        const last = Math.max(0, snapshotRows({ detail, filters: now.filters }).length - 1);
        const cursor = Math.min(now.pos.detail.cursor, last);
        this.store.setState({ detail, pos: { ...now.pos, detail: { cursor, scroll: Math.min(now.pos.detail.scroll, cursor) } } });
        break;
      }
      default:
        break;
    }
  }

  private async jobRows(jobs: JobManager): Promise<JobRow[]> {
    const [list, runs] = await Promise.all([jobs.list(), jobs.runs(undefined, { limit: 500 })]);
    return Promise.all(
      list.map(async (j) => {
        let nextRun: number | undefined;
        if (j.enabled) {
          try {
            nextRun = (await jobs.preview(j.id, 1))[0]?.getTime();
          } catch {
            nextRun = undefined;
          }
        }
        const lastRun = runs.filter((r) => r.jobId === j.id && !r.dryRun).sort((a, b) => b.startedAt - a.startedAt)[0];
        return { ...j, nextRun, lastRun };
      }),
    );
  }

  private pendingFor(operationId: string): PendingTargets {
    let p = this.pending.get(operationId);
    if (!p) this.pending.set(operationId, (p = { targets: new Map(), phases: new Map() }));
    if (!this.flushTimer) this.flushTimer = setTimeout(() => this.flush(), FLUSH_MS);
    return p;
  }

  private onEvent(e: OperationEvent): void {
    if (this.stopped) return;
    switch (e.type) {
      case 'target-updated': {
        const p = this.pendingFor(e.operationId);
        const key = targetKey(e.target);
        // A whole target carries its phases as they are now: earlier phase changes are in it.
        p.targets.set(key, { ...e.target, phases: phasesOf(e.target).map((x) => ({ ...x })) });
        p.phases.delete(key);
        return;
      }
      case 'phase-changed': {
        const p = this.pendingFor(e.operationId);
        const list = p.phases.get(e.targetId) ?? [];
        p.phases.set(e.targetId, [...list, { ...e.phase }]);
        return;
      }
      case 'operation-started':
      case 'operation-finished':
        break;
    }
    this.flush();
    const op = copyOp(e.operation);
    const s = this.store.getState();
    const liveOps = [op, ...s.liveOps.filter((o) => o.id !== op.id)].slice(0, KEEP_LIVE_OPS);
    if (e.type === 'operation-started') {
      this.store.setState({ liveOps, paneOpId: op.id });
      return;
    }
    this.store.setState({ liveOps });
    say(this.store, `${opName(op)} ${op.status}: ${finishCounts(op)}`, op.status === 'succeeded' || op.status === 'rolled-back' ? 'ok' : 'error');
    this.onFinished(op);
  }

  /** Folds the batched target and phase updates into the store in one change. */
  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (!this.pending.size) return;
    const pending = this.pending;
    this.pending = new Map();
    const liveOps = this.store.getState().liveOps.map((op) => {
      const updates = pending.get(op.id);
      if (!updates) return op;
      return {
        ...op,
        targets: op.targets.map((t) => {
          const key = targetKey(t);
          let next = updates.targets.get(key) ?? t;
          for (const phase of updates.phases.get(key) ?? []) next = withPhase(next, phase);
          return next;
        }),
      };
    });
    this.store.setState({ liveOps });
  }
}
