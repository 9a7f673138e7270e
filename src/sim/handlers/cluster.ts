// /version, /cluster/resources, /cluster/nextid, /cluster/tasks, /cluster/status, /nodes and node status.
import { SimApiError, paramError } from '../api-error.js';
import { RawJson, int, nowSec, str, type HandlerTable } from './context.js';
import { guestResource, nodeResource, loadPerNode, nodeUsage, storageResource, storageUsage } from './resources.js';
import { taskListItem } from './tasks.js';

const CLUSTER_TASKS_LIMIT = 500;

export const clusterHandlers: HandlerTable = {
  'GET /version': ({ sim }) => ({ ...sim.profile.version }),

  'GET /cluster/resources': ({ sim, params }) => {
    const type = str(params, 'type');
    // Cached until the next state change: at 10k VMs building the answer dominates the call.
    return new RawJson(
      sim.cachedView(`resources|${type ?? 'all'}`, () => {
        const out: unknown[] = [];
        const now = nowSec();
        if (!type || type === 'vm') for (const vm of sim.vms.values()) out.push(guestResource(sim, vm, now));
        if (!type || type === 'node') {
          const load = loadPerNode(sim);
          for (const n of sim.nodes.keys()) out.push(nodeResource(sim, n, load.get(n), now));
        }
        if (!type || type === 'storage') {
          const used = storageUsage(sim);
          for (const node of sim.nodes.keys()) for (const s of sim.storages.values()) out.push(storageResource(sim, node, s, used));
        }
        if (!type) for (const p of sim.pools.values()) out.push({ id: `/pool/${p.poolid}`, pool: p.poolid, type: 'pool' });
        if (!type || type === 'sdn') for (const node of sim.nodes.keys()) out.push({ id: `sdn/${node}/localnetwork`, sdn: 'localnetwork', node, type: 'sdn', status: sim.isOnline(node) ? 'ok' : 'unknown' });
        return out;
      }),
    );
  },

  'GET /cluster/nextid': ({ sim, params }) => {
    const want = int(params, 'vmid');
    if (want !== undefined) {
      if (sim.vms.has(want)) throw paramError({ vmid: `VM ${want} already exists` });
      return String(want);
    }
    for (let id = 100; id < 1_000_000; id++) if (!sim.vms.has(id)) return String(id);
    throw new SimApiError(500, 'unable to get any free VMID in range [100, 1000000]');
  },

  'GET /cluster/tasks': ({ sim }) => {
    const all = [...sim.tasks.values()].sort((a, b) => b.starttime - a.starttime || b.pid - a.pid).slice(0, CLUSTER_TASKS_LIMIT);
    return all.map(taskListItem);
  },

  'GET /cluster/status': ({ sim }) => [
    { id: 'cluster', type: 'cluster', name: sim.clusterName, nodes: sim.nodes.size, quorate: 1, version: sim.nodes.size + 2 },
    ...[...sim.nodes.keys()].map((n, i) => ({ id: `node/${n}`, type: 'node', name: n, nodeid: i + 1, online: sim.isOnline(n) ? 1 : 0, local: i === 0 ? 1 : 0, ip: `10.0.0.${i + 11}`, level: '' })),
  ],

  'GET /nodes': ({ sim }) => {
    const load = loadPerNode(sim);
    return [...sim.nodes.keys()].map((n) => ({ ...nodeResource(sim, n, load.get(n)), ssl_fingerprint: sim.fingerprint }));
  },

  'GET /nodes/{node}': () => ['qemu', 'lxc', 'storage', 'tasks', 'status', 'vzdump', 'version'].map((subdir) => ({ subdir })),

  'GET /nodes/{node}/version': ({ sim }) => ({ ...sim.profile.version }),

  'GET /nodes/{node}/status': ({ sim, params }) => {
    const n = sim.node(String(params.node));
    const { mem: used, cpu } = nodeUsage(n, loadPerNode(sim).get(n.node));
    return {
      uptime: nowSec() - n.bootedAt,
      idle: 0,
      loadavg: ['0.12', '0.20', '0.18'],
      cpu,
      wait: 0.0005,
      kversion: `Linux ${sim.profile.kernel} #1 SMP PREEMPT_DYNAMIC PMX ${sim.profile.kernel.replace(/-pve$/, '')} (2025-03-16T19:18Z)`,
      'current-kernel': { sysname: 'Linux', release: sim.profile.kernel, version: `#1 SMP PREEMPT_DYNAMIC PMX ${sim.profile.kernel.replace(/-pve$/, '')} (2025-03-16T19:18Z)`, machine: 'x86_64' },
      'boot-info': { mode: 'efi', secureboot: 0 },
      cpuinfo: { model: 'AMD EPYC 7313P 16-Core Processor', sockets: 1, cpus: n.maxcpu, cores: n.maxcpu / 2, mhz: '3000.000', hvm: '1', flags: 'fpu vme de pse tsc msr pae mce', user_hz: 100 },
      memory: { total: n.maxmem, used: Math.min(used, n.maxmem), free: Math.max(0, n.maxmem - used) },
      swap: { total: 8589930496, used: 0, free: 8589930496 },
      ksm: { shared: 0 },
      rootfs: { total: n.maxdisk, used: 10 * 1024 ** 3, avail: n.maxdisk - 12 * 1024 ** 3, free: n.maxdisk - 10 * 1024 ** 3 },
      pveversion: sim.profile.pveversion,
    };
  },
};
