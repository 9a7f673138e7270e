// The simulated cluster's state. Handlers change state only through here, so the resource views,
// persistence and the true-state view stay consistent.
import { createHash } from 'node:crypto';
import { configMissing, SimApiError } from './api-error.js';
import type { FaultSettings } from './faults.js';
import type { GeneratedCluster } from './generator.js';
import { SimHa } from './ha.js';
import { haRequestTask } from './ha-manager.js';
import type { SimConfig, SimNodeRecord, SimPoolRecord, SimStorageRecord, SimTaskRecord, SimVmRecord, SimVolumeRecord } from './model.js';
import { PROFILES, type PveProfile } from './profile.js';
import { TaskEngine, type TaskSpec } from './task-engine.js';

export type { TaskSpec } from './task-engine.js';

export class SimCluster {
  readonly nodes = new Map<string, SimNodeRecord>();
  readonly storages = new Map<string, SimStorageRecord>();
  readonly vms = new Map<number, SimVmRecord>();
  readonly volumes = new Map<string, SimVolumeRecord>();
  readonly pools = new Map<string, SimPoolRecord>();
  readonly engine: TaskEngine;
  readonly clusterName = 'moxxie-sim';
  private version = 0;
  private readonly viewCache = new Map<string, { version: number; body: string }>();
  private readonly listeners = new Set<() => void>();
  /** Next generated MAC suffix: per cluster, so MACs are deterministic for a seed. */
  private macCounter = 0xa00000;
  /** SHA-256 of the served certificate, as GET /nodes reports it. */
  fingerprint = '';
  /** Guests whose OS ignores ACPI shutdown requests (set by tests through the simulator's API). */
  readonly ignoresShutdown = new Set<number>();
  /** Disk volumes deleted through the storage API while a VM config still names them (PVE allows it). */
  readonly removedImages = new Set<string>();
  /** Guests whose live migration fails (the RAM never converges): the offline fallback becomes testable. */
  readonly failsOnlineMigration = new Set<number>();
  /** The PVE release this cluster answers as (set once at start). */
  profile: PveProfile = PROFILES['9'];
  /** HA resources and their placement rules (or groups on 8.4). */
  readonly ha = new SimHa();

  constructor(
    generated: GeneratedCluster,
    readonly faults: FaultSettings,
    readonly rand: () => number,
  ) {
    this.replace(generated);
    this.engine = new TaskEngine({
      taskDurationMs: () => this.faults.taskDurationMs,
      taskFailureRate: () => this.faults.taskFailureRate,
      lockTimeoutScale: () => this.faults.lockTimeoutScale,
      rand,
      changed: () => this.touch(),
    });
  }

  /** Swaps in a whole cluster (generation, or a persisted state). */
  replace(data: Pick<GeneratedCluster, 'nodes' | 'storages' | 'vms' | 'volumes' | 'pools'>): void {
    this.nodes.clear();
    this.storages.clear();
    this.vms.clear();
    this.volumes.clear();
    this.pools.clear();
    for (const n of data.nodes) this.nodes.set(n.node, n);
    for (const s of data.storages) this.storages.set(s.storage, s);
    for (const v of data.vms) this.vms.set(v.vmid, v);
    for (const v of data.volumes) this.volumes.set(v.volid, v);
    for (const p of data.pools) this.pools.set(p.poolid, p);
    this.touch();
  }

  // ---- lookups -----------------------------------------------------------------------------

  /** A node named in a path; an unknown name fails like pveproxy's DNS fallback does. */
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

  /** Volumes a node sees on a storage: all of a shared one, its own on a local one. */
  volumesOn(node: string, storage: string): SimVolumeRecord[] {
    const s = this.storages.get(storage);
    const out: SimVolumeRecord[] = [];
    for (const v of this.volumes.values()) if (v.storage === storage && (s?.shared || v.node === node)) out.push(v);
    return out;
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
    return String(vm.type === 'lxc' ? (vm.config.hostname ?? `CT${vm.vmid}`) : (vm.config.name ?? `VM ${vm.vmid}`));
  }

  /** SHA1 over a canonical config text, including the pending section, as PVE's digest covers the whole file. */
  digest(config: SimConfig, pending?: SimConfig, pendingDelete?: string[]): string {
    const text = (c: SimConfig) =>
      Object.keys(c)
        .sort()
        .map((k) => `${k}: ${c[k]}`)
        .join('\n');
    let body = text(config);
    if ((pending && Object.keys(pending).length) || pendingDelete?.length) {
      body += `\n[PENDING]\n${text(pending ?? {})}`;
      if (pendingDelete?.length) body += `\ndelete: ${pendingDelete.join(',')}`;
    }
    return createHash('sha1').update(body).digest('hex');
  }

  /** The digest of the whole config file: PVE's file also holds `parent` and one section per snapshot. */
  vmDigest(vm: SimVmRecord): string {
    const file: SimConfig = { ...vm.config };
    if (vm.parent) file.parent = vm.parent;
    for (const s of vm.snapshots) file[`[${s.name}]`] = s.snaptime;
    return this.digest(file, vm.pending, vm.pendingDelete);
  }

  /** A MAC with PVE's default BC:24:11 prefix. */
  newMac(): string {
    const n = (this.macCounter++ & 0xffffff).toString(16).toUpperCase().padStart(6, '0');
    return `BC:24:11:${n.slice(0, 2)}:${n.slice(2, 4)}:${n.slice(4, 6)}`;
  }

  // ---- mutation bookkeeping ----------------------------------------------------------------

  /** Call after every state change: invalidates cached views and tells listeners (persistence). */
  touch(): void {
    this.version++;
    for (const l of this.listeners) l();
  }

  onChange(listener: () => void): void {
    this.listeners.add(listener);
  }

  /** A serialized answer cached until the next state change (e.g. /cluster/resources at 10k VMs). */
  cachedView(key: string, build: () => unknown): string {
    const hit = this.viewCache.get(key);
    if (hit && hit.version === this.version) return hit.body;
    const body = JSON.stringify({ data: build() });
    this.viewCache.set(key, { version: this.version, body });
    return body;
  }

  // ---- tasks -------------------------------------------------------------------------------

  startTask(spec: TaskSpec): SimTaskRecord {
    // hastart/hastop only file a request; the HA manager changes the guest later (ha-manager.ts).
    return this.engine.start(haRequestTask(this, spec));
  }

  get tasks(): Map<string, SimTaskRecord> {
    return this.engine.tasks;
  }

  nodeTasks(node: string): SimTaskRecord[] {
    return this.engine.nodeTasks(node);
  }

  close(): void {
    this.engine.close();
  }
}
