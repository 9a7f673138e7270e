// The simulated cluster's state and its task engine. Handlers change state only through here, so the
// resource views, persistence and the true-state view stay consistent.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, renameSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { configMissing, SimApiError, SimTaskError } from './api-error.js';
import type { FaultSettings } from './faults.js';
import type { GeneratedCluster } from './generator.js';
import type {
  SimConfig,
  SimNodeRecord,
  SimStorageRecord,
  SimTaskRecord,
  SimVmRecord,
  SimVolumeRecord,
} from './model.js';

export interface TaskSpec {
  node: string;
  type: string;
  id: string;
  user: string;
  tokenid?: string;
  /** Lock the VM carries while the task runs. */
  vm?: SimVmRecord;
  lock?: string;
  /** Overrides the configured task duration. */
  durationMs?: number;
  /** Runs when the task starts; a SimTaskError fails the task at once (PVE checks locks inside workers). */
  begin?: () => void;
  /** Runs when the task ends; a SimTaskError becomes the exitstatus. Returns extra log lines. */
  finish?: () => string[] | void;
  /** Fault injection never fails this task (e.g. internal bookkeeping tasks). */
  noFaults?: boolean;
}

const hex8 = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');
const nowSec = () => Math.floor(Date.now() / 1000);
export const TASK_HISTORY_LIMIT = 5000;

export class SimCluster {
  readonly nodes = new Map<string, SimNodeRecord>();
  readonly storages = new Map<string, SimStorageRecord>();
  readonly vms = new Map<number, SimVmRecord>();
  readonly volumes = new Map<string, SimVolumeRecord>();
  readonly pools = new Map<string, { poolid: string; comment?: string }>();
  readonly tasks = new Map<string, SimTaskRecord>();
  private readonly tasksByNode = new Map<string, SimTaskRecord[]>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private nextPid = 0x1000;
  private version = 0;
  private resourcesCache = new Map<string, { version: number; body: string }>();
  private saveTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** SHA-256 of the served certificate, as GET /nodes reports it. */
  fingerprint = '';
  /** Guests whose OS ignores ACPI shutdown requests (set by tests through the simulator's control API). */
  readonly ignoresShutdown = new Set<number>();

  constructor(
    generated: GeneratedCluster,
    readonly faults: FaultSettings,
    private readonly rand: () => number,
    private readonly statePath?: string,
  ) {
    for (const n of generated.nodes) this.nodes.set(n.node, n);
    for (const s of generated.storages) this.storages.set(s.storage, s);
    for (const v of generated.vms) this.vms.set(v.vmid, v);
    for (const v of generated.volumes) this.volumes.set(v.volid, v);
    for (const p of generated.pools) this.pools.set(p.poolid, p);
    for (const n of this.nodes.keys()) this.tasksByNode.set(n, []);
  }

  // ---- lookups -----------------------------------------------------------------------------

  node(name: string): SimNodeRecord {
    const n = this.nodes.get(name);
    if (!n) throw new SimApiError(500, `hostname lookup '${name}' failed - failed to get address info for: ${name}: Name or service not known`);
    return n;
  }

  isOnline(name: string): boolean {
    const n = this.nodes.get(name);
    return !!n && n.online && !this.faults.offlineNodes.includes(name);
  }

  /** A qemu VM addressed on a node, failing as PVE does when it lives elsewhere. */
  qemu(node: string, vmid: number): SimVmRecord {
    const vm = this.vms.get(vmid);
    if (!vm || vm.node !== node || vm.type !== 'qemu') throw configMissing(node, vmid);
    return vm;
  }

  storage(id: string): SimStorageRecord {
    const s = this.storages.get(id);
    if (!s) throw new SimApiError(500, `storage '${id}' does not exist`);
    return s;
  }

  lockOf(vm: SimVmRecord): string | undefined {
    const l = vm.config.lock;
    return l === undefined ? undefined : String(l);
  }

  assertUnlocked(vm: SimVmRecord): void {
    const lock = this.lockOf(vm);
    if (lock) throw new SimApiError(500, `VM is locked (${lock})`);
  }

  tagsOf(vm: SimVmRecord): string[] {
    const t = vm.config.tags;
    return t === undefined || t === '' ? [] : String(t).split(/[;, ]+/).filter(Boolean);
  }

  nameOf(vm: SimVmRecord): string {
    return String(vm.type === 'lxc' ? (vm.config.hostname ?? `CT${vm.vmid}`) : (vm.config.name ?? `VM${vm.vmid}`));
  }

  digest(config: SimConfig): string {
    const text = Object.keys(config)
      .sort()
      .map((k) => `${k}: ${config[k]}`)
      .join('\n');
    return createHash('sha1').update(text).digest('hex');
  }

  // ---- mutation bookkeeping ----------------------------------------------------------------

  /** Call after every state change: invalidates cached views and schedules persistence. */
  touch(): void {
    this.version++;
    if (this.statePath && !this.closed && !this.saveTimer) {
      this.saveTimer = setTimeout(() => {
        this.saveTimer = undefined;
        this.save();
      }, 500);
      this.saveTimer.unref();
    }
  }

  cachedResources(key: string, build: () => unknown): string {
    const hit = this.resourcesCache.get(key);
    if (hit && hit.version === this.version) return hit.body;
    const body = JSON.stringify({ data: build() });
    this.resourcesCache.set(key, { version: this.version, body });
    return body;
  }

  // ---- tasks -------------------------------------------------------------------------------

  startTask(spec: TaskSpec): SimTaskRecord {
    const starttime = nowSec();
    const pid = this.nextPid++;
    const pstart = 0x0a000000 + pid;
    const userField = spec.tokenid ? `${spec.user}!${spec.tokenid}` : spec.user;
    const upid = `UPID:${spec.node}:${hex8(pid)}:${hex8(pstart)}:${hex8(starttime)}:${spec.type}:${spec.id}:${userField}:`;
    const task: SimTaskRecord = {
      upid,
      node: spec.node,
      pid,
      pstart,
      starttime,
      type: spec.type,
      id: spec.id,
      user: spec.user,
      tokenid: spec.tokenid,
      status: 'running',
      log: [],
    };
    this.tasks.set(upid, task);
    const list = this.tasksByNode.get(spec.node) ?? [];
    list.push(task);
    if (list.length > TASK_HISTORY_LIMIT) {
      const dropped = list.splice(0, list.length - TASK_HISTORY_LIMIT);
      for (const d of dropped) if (d.status === 'stopped') this.tasks.delete(d.upid);
    }
    this.tasksByNode.set(spec.node, list);

    try {
      spec.begin?.();
    } catch (err) {
      this.endTask(task, errorText(err));
      return task;
    }
    if (spec.vm && spec.lock) {
      spec.vm.config.lock = spec.lock;
      this.touch();
    }
    const duration = spec.durationMs ?? this.faults.taskDurationMs;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (spec.vm && spec.lock && spec.vm.config.lock === spec.lock) delete spec.vm.config.lock;
      if (!spec.noFaults && this.faults.taskFailureRate > 0 && this.rand() < this.faults.taskFailureRate) {
        this.endTask(task, 'simulated task failure (fault injection)');
        return;
      }
      try {
        const lines = spec.finish?.() ?? [];
        task.log.push(...lines);
        this.endTask(task);
      } catch (err) {
        this.endTask(task, errorText(err));
      }
    }, duration);
    this.timers.add(timer);
    return task;
  }

  /** DELETE /nodes/{node}/tasks/{upid}: stops a running task; its VM lock is released. */
  stopTask(task: SimTaskRecord): void {
    if (task.status !== 'running') return;
    for (const vm of this.vms.values()) {
      if (String(vm.vmid) === task.id && vm.config.lock !== undefined) delete vm.config.lock;
    }
    this.endTask(task, 'interrupted by signal');
  }

  private endTask(task: SimTaskRecord, error?: string): void {
    if (task.status === 'stopped') return;
    task.status = 'stopped';
    task.endtime = nowSec();
    task.exitstatus = error ?? 'OK';
    task.log.push(error ? `TASK ERROR: ${error}` : 'TASK OK');
    this.touch();
  }

  nodeTasks(node: string): SimTaskRecord[] {
    return this.tasksByNode.get(node) ?? [];
  }

  // ---- persistence (demo) ------------------------------------------------------------------

  save(): void {
    if (!this.statePath) return;
    const data = {
      vms: [...this.vms.values()].map((v) => ({ ...v, config: { ...v.config, lock: undefined } })),
      volumes: [...this.volumes.values()],
      pools: [...this.pools.values()],
    };
    mkdirSync(dirname(this.statePath), { recursive: true });
    const tmp = `${this.statePath}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(data));
    renameSync(tmp, this.statePath);
  }

  /** Loads a saved state if present; returns whether it did. Locks are not persisted: tasks die with the process. */
  load(): boolean {
    if (!this.statePath) return false;
    let raw: string;
    try {
      raw = readFileSync(this.statePath, 'utf8');
    } catch {
      return false;
    }
    const data = JSON.parse(raw) as { vms: SimVmRecord[]; volumes: SimVolumeRecord[]; pools: Array<{ poolid: string; comment?: string }> };
    this.vms.clear();
    for (const v of data.vms) {
      delete v.config.lock;
      if (this.nodes.has(v.node)) this.vms.set(v.vmid, v);
    }
    this.volumes.clear();
    for (const v of data.volumes) this.volumes.set(v.volid, v);
    this.pools.clear();
    for (const p of data.pools) this.pools.set(p.poolid, p);
    this.touch();
    return true;
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.save();
  }
}

function errorText(err: unknown): string {
  if (err instanceof SimTaskError || err instanceof SimApiError || err instanceof Error) return err.message.replace(/\n/g, ' ');
  return String(err);
}
