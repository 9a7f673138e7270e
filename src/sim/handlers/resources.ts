// Resource entries as /cluster/resources shows them (also reused by /pools members and the qemu list).
import type { SimCluster } from '../cluster.js';
import type { SimStorageRecord, SimVmRecord } from '../model.js';
import { DRIVE_RE, driveSize, isCdrom, isCloudinit } from '../vm-config.js';
import { nowSec } from './context.js';
import { memhostField } from '../guest-status.js';
import { haHandles } from '../ha.js';
import { crmServiceState } from '../ha-manager.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

/** Boot disk size: PVE reports it as maxdisk for qemu guests (disk is always 0). */
function bootDiskSize(vm: SimVmRecord): number {
  const c = vm.config;
  if (vm.type === 'lxc') return driveSize(String(c.rootfs ?? ''));
  const order = /order=([^,]+)/.exec(String(c.boot ?? ''))?.[1]?.split(';') ?? [];
  for (const k of [...order, 'scsi0', 'virtio0', 'sata0', 'ide0']) {
    const v = c[k];
    if (v !== undefined && DRIVE_RE.test(k) && !isCdrom(String(v)) && !isCloudinit(String(v))) return driveSize(String(v));
  }
  return 0;
}

/** Used space of a running container's root filesystem (qemu guests report 0: PVE cannot see inside them). */
export function containerDiskUsed(vm: SimVmRecord, maxdisk: number): number {
  return vm.type === 'lxc' && vm.state !== 'stopped' ? Math.floor(maxdisk * 0.3) : 0;
}

export function maxMem(vm: SimVmRecord): number {
  const m = /^(?:current=)?(\d+)/.exec(String(vm.config.memory ?? (vm.type === 'lxc' ? 512 : 2048)));
  return Number(m?.[1] ?? 2048) * MiB;
}

export function maxCpu(vm: SimVmRecord): number {
  return Number(vm.config.cores ?? 1) * Number(vm.config.sockets ?? 1);
}

export function guestResource(sim: SimCluster, vm: SimVmRecord, now = nowSec()): Record<string, unknown> {
  const entry: Record<string, unknown> = { id: `${vm.type}/${vm.vmid}`, vmid: vm.vmid, type: vm.type, node: vm.node };
  if (!sim.isOnline(vm.node)) {
    // Stats come from the node's RRD and are gone; config-derived fields live in the replicated pmxcfs.
    entry.status = 'unknown';
  } else {
    const running = vm.state !== 'stopped';
    const maxmem = maxMem(vm);
    // A frozen (suspended) container still reports running, as PVE::LXC::vmstatus does.
    entry.status = vm.state === 'paused' && vm.type === 'qemu' ? 'paused' : running ? 'running' : 'stopped';
    entry.name = sim.nameOf(vm);
    entry.template = vm.config.template ? 1 : 0;
    entry.uptime = running && vm.startedAt ? Math.max(0, now - vm.startedAt) : 0;
    entry.maxcpu = maxCpu(vm);
    entry.cpu = running ? Math.round(vm.cpuLoad * 10000) / 10000 : 0;
    entry.maxmem = maxmem;
    entry.mem = running ? Math.floor(maxmem * vm.memLoad) : 0;
    entry.maxdisk = bootDiskSize(vm);
    entry.disk = containerDiskUsed(vm, Number(entry.maxdisk));
    entry.netin = running ? vm.vmid * 1000 : 0;
    entry.netout = running ? vm.vmid * 700 : 0;
    entry.diskread = running ? vm.vmid * 4096 : 0;
    entry.diskwrite = running ? vm.vmid * 2048 : 0;
    Object.assign(entry, memhostField(sim, vm, Number(entry.mem)));
  }
  // pve-manager: the CRM's state of the service, or (a service it does not manage, such as an ignored one)
  // the state its resource asks for.
  const ha = sim.ha.managed(vm.vmid);
  if (ha) entry.hastate = haHandles(sim, vm.vmid) ? crmServiceState(sim, vm) : ha.state;
  if (vm.config.tags) entry.tags = String(vm.config.tags);
  if (vm.config.lock) entry.lock = String(vm.config.lock);
  if (vm.pool) entry.pool = vm.pool;
  return entry;
}

/** Memory the PVE host itself uses besides its guests (pve daemons, kernel; no ZFS ARC). */
export const HOST_BASE_MEM = 4 * GiB;

/** What a node's running guests use: how many, the memory their resources report, and their CPU in cores. */
export interface NodeLoad {
  guests: number;
  mem: number;
  cores: number;
}

/** A node's used memory and CPU share: the host's base plus exactly what its running guests report. */
export function nodeUsage(n: { maxmem: number; maxcpu: number }, load: NodeLoad | undefined): { mem: number; cpu: number } {
  const l = load ?? { guests: 0, mem: 0, cores: 0 };
  return { mem: Math.min(n.maxmem, HOST_BASE_MEM + l.mem), cpu: Math.min(1, Math.round((0.02 + l.cores / n.maxcpu) * 10000) / 10000) };
}

export function nodeResource(sim: SimCluster, name: string, load: NodeLoad | undefined, now = nowSec()): Record<string, unknown> {
  const n = sim.node(name);
  const entry: Record<string, unknown> = { id: `node/${name}`, node: name, type: 'node', level: '' };
  if (!sim.isOnline(name)) {
    entry.status = 'offline';
    return entry;
  }
  const used = nodeUsage(n, load);
  entry.status = 'online';
  entry.uptime = now - n.bootedAt;
  entry.cpu = used.cpu;
  entry.maxcpu = n.maxcpu;
  entry.mem = used.mem;
  entry.maxmem = n.maxmem;
  entry.disk = 10 * GiB;
  entry.maxdisk = n.maxdisk;
  entry['cgroup-mode'] = 2;
  return entry;
}

/** Bytes used per storage as a node sees it; one pass over the volumes. */
export function storageUsage(sim: SimCluster): Map<string, number> {
  const used = new Map<string, number>();
  const add = (key: string, size: number) => used.set(key, (used.get(key) ?? 0) + size);
  for (const v of sim.volumes.values()) add(v.node ? `${v.node}/${v.storage}` : v.storage, v.size);
  // VM disks live in the VM configs; count them where their storage keeps them.
  for (const vm of sim.vms.values()) {
    for (const [k, raw] of Object.entries(vm.config)) {
      if (!DRIVE_RE.test(k) && !k.startsWith('unused') && k !== 'rootfs') continue;
      const value = String(raw);
      const storage = value.slice(0, value.indexOf(':'));
      const s = sim.storages.get(storage);
      if (!s || isCdrom(value)) continue;
      add(s.shared ? storage : `${vm.node}/${storage}`, driveSize(value));
    }
  }
  return used;
}

export function storageResource(sim: SimCluster, node: string, s: SimStorageRecord, used: Map<string, number>): Record<string, unknown> {
  const online = sim.isOnline(node);
  const entry: Record<string, unknown> = {
    id: `storage/${node}/${s.storage}`,
    storage: s.storage,
    node,
    type: 'storage',
    plugintype: s.type,
    status: online ? 'available' : 'unknown',
    shared: s.shared ? 1 : 0,
    content: s.content.join(','),
  };
  if (online) {
    entry.disk = used.get(s.shared ? s.storage : `${node}/${s.storage}`) ?? 0;
    entry.maxdisk = s.total;
  }
  return entry;
}

/** Running guests per node, for node load figures. */
export function loadPerNode(sim: SimCluster): Map<string, NodeLoad> {
  const out = new Map<string, NodeLoad>();
  for (const vm of sim.vms.values()) {
    if (vm.state === 'stopped') continue;
    const l = out.get(vm.node) ?? { guests: 0, mem: 0, cores: 0 };
    // The same figures guestResource reports for it, so a node's use is the sum of what its guests show.
    l.guests++;
    l.mem += Math.floor(maxMem(vm) * vm.memLoad);
    l.cores += (Math.round(vm.cpuLoad * 10000) / 10000) * maxCpu(vm);
    out.set(vm.node, l);
  }
  return out;
}
