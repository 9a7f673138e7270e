// /version, /cluster/*, /nodes list and node status.
import { SimApiError } from '../api-error.js';
import type { SimCluster } from '../cluster.js';
import type { SimVmRecord } from '../model.js';
import { RawJson, str, int, type HandlerTable } from './context.js';

const nowSec = () => Math.floor(Date.now() / 1000);

export function guestResource(sim: SimCluster, vm: SimVmRecord): Record<string, unknown> {
  const base: Record<string, unknown> = { id: `${vm.type}/${vm.vmid}`, vmid: vm.vmid, type: vm.type, node: vm.node };
  if (!sim.isOnline(vm.node)) {
    // Stats come from the node's RRD and are gone; config-derived fields live in the replicated pmxcfs.
    return { ...base, status: 'unknown', ...(vm.config.tags ? { tags: String(vm.config.tags) } : {}), ...(vm.config.template ? { template: 1 } : {}), ...(vm.pool ? { pool: vm.pool } : {}) };
  }
  const running = vm.state !== 'stopped';
  const maxcpu = Number(vm.config.cores ?? 1) * Number(vm.config.sockets ?? 1);
  const maxmem = Number(String(vm.config.memory ?? 1024).replace(/^current=/, '')) * 1024 * 1024;
  const size = /size=(\d+)G/.exec(String(vm.config.scsi0 ?? vm.config.rootfs ?? ''));
  const entry: Record<string, unknown> = {
    ...base,
    status: vm.state === 'paused' ? 'paused' : vm.state,
    name: sim.nameOf(vm),
    template: vm.config.template ? 1 : 0,
    uptime: running && vm.startedAt ? nowSec() - vm.startedAt : 0,
    maxcpu,
    cpu: running ? Math.round(vm.cpuLoad * 10000) / 10000 : 0,
    maxmem,
    mem: running ? Math.floor(maxmem * vm.memLoad) : 0,
    maxdisk: size ? Number(size[1]) * 1024 ** 3 : 0,
    disk: 0,
    netin: running ? vm.vmid * 1000 : 0,
    netout: running ? vm.vmid * 700 : 0,
    diskread: 0,
    diskwrite: 0,
  };
  if (vm.config.tags) entry.tags = String(vm.config.tags);
  if (vm.config.lock) entry.lock = String(vm.config.lock);
  if (vm.pool) entry.pool = vm.pool;
  return entry;
}

function nodeResource(sim: SimCluster, name: string): Record<string, unknown> {
  const n = sim.node(name);
  const base = { id: `node/${name}`, node: name, type: 'node', level: '' };
  if (!sim.isOnline(name)) return { ...base, status: 'offline' };
  let mem = 0;
  for (const vm of sim.vms.values()) if (vm.node === name && vm.state !== 'stopped') mem += 512 * 1024 * 1024;
  return {
    ...base,
    status: 'online',
    uptime: nowSec() - n.bootedAt,
    cpu: 0.05,
    maxcpu: n.maxcpu,
    mem: Math.min(mem, n.maxmem),
    maxmem: n.maxmem,
    disk: 10 * 1024 ** 3,
    maxdisk: n.maxdisk,
    'cgroup-mode': 2,
  };
}

function storageResources(sim: SimCluster): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const node of sim.nodes.keys()) {
    for (const s of sim.storages.values()) {
      const used = [...sim.volumes.values()].filter((v) => v.storage === s.storage && (s.shared || v.node === node)).reduce((a, v) => a + v.size, 0);
      out.push({
        id: `storage/${node}/${s.storage}`,
        storage: s.storage,
        node,
        type: 'storage',
        plugintype: s.type,
        status: sim.isOnline(node) ? 'available' : 'unknown',
        shared: s.shared ? 1 : 0,
        content: s.content.join(','),
        disk: used,
        maxdisk: s.total,
      });
    }
  }
  return out;
}

export const clusterHandlers: HandlerTable = {
  'GET /version': () => ({ version: '8.4.1', release: '8.4', repoid: '2a5fa54a8503f96d' }),

  'GET /cluster/resources': ({ sim, params }) => {
    const type = str(params, 'type');
    const key = `${type ?? 'all'}|${sim.faults.offlineNodes.join(',')}`;
    return new RawJson(
      sim.cachedResources(key, () => {
        const out: unknown[] = [];
        if (!type || type === 'vm') for (const vm of sim.vms.values()) out.push(guestResource(sim, vm));
        if (!type || type === 'node') for (const n of sim.nodes.keys()) out.push(nodeResource(sim, n));
        if (!type || type === 'storage') out.push(...storageResources(sim));
        if (!type) for (const p of sim.pools.values()) out.push({ id: `/pool/${p.poolid}`, pool: p.poolid, type: 'pool' });
        return out;
      }),
    );
  },

  'GET /cluster/nextid': ({ sim, params }) => {
    const want = int(params, 'vmid');
    if (want !== undefined) {
      if (sim.vms.has(want)) throw new SimApiError(400, 'Parameter verification failed.', { vmid: `VM ${want} already exists` });
      return String(want);
    }
    for (let id = 100; id < 1_000_000; id++) if (!sim.vms.has(id)) return String(id);
    throw new SimApiError(500, 'unable to get any free VMID in range [100, 1000000]');
  },

  'GET /cluster/tasks': ({ sim }) => {
    const all = [...sim.tasks.values()].sort((a, b) => b.starttime - a.starttime).slice(0, 500);
    return all.map((t) => ({
      upid: t.upid,
      node: t.node,
      pid: t.pid,
      pstart: t.pstart,
      starttime: t.starttime,
      type: t.type,
      id: t.id,
      user: t.user,
      ...(t.status === 'stopped' ? { endtime: t.endtime, status: t.exitstatus } : {}),
    }));
  },

  'GET /cluster/status': ({ sim }) => [
    { id: 'cluster', type: 'cluster', name: 'moxxie-sim', nodes: sim.nodes.size, quorate: 1, version: 1 },
    ...[...sim.nodes.keys()].map((n, i) => ({ id: `node/${n}`, type: 'node', name: n, nodeid: i + 1, online: sim.isOnline(n) ? 1 : 0, local: i === 0 ? 1 : 0, ip: `10.0.0.${i + 1}`, level: '' })),
  ],

  'GET /nodes': ({ sim }) => [...sim.nodes.keys()].map((n) => ({ ...nodeResource(sim, n), ssl_fingerprint: sim.fingerprint })),

  'GET /nodes/{node}/status': ({ sim, params }) => {
    const n = sim.node(String(params.node));
    return {
      uptime: nowSec() - n.bootedAt,
      idle: 0,
      loadavg: ['0.12', '0.20', '0.18'],
      cpu: 0.05,
      wait: 0.0005,
      kversion: 'Linux 6.8.12-9-pve #1 SMP PREEMPT_DYNAMIC PMX 6.8.12-9',
      cpuinfo: { model: 'Simulated EPYC', sockets: 1, cpus: n.maxcpu, cores: n.maxcpu / 2, mhz: '3000.000', hvm: '1', user_hz: 100 },
      memory: { total: n.maxmem, used: Math.floor(n.maxmem / 4), free: n.maxmem - Math.floor(n.maxmem / 4) },
      swap: { total: 0, used: 0, free: 0 },
      rootfs: { total: n.maxdisk, used: 10 * 1024 ** 3, avail: n.maxdisk - 10 * 1024 ** 3, free: n.maxdisk - 10 * 1024 ** 3 },
      pveversion: 'pve-manager/8.4.1/2a5fa54a8503f96d',
    };
  },
};
