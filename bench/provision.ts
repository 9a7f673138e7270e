// Cluster placement figures: 1,000 random feasible cluster specs (1-4 groups of every anti-affinity
// strategy, some with allowed nodes) planned against random clusters (3-12 nodes, some offline, zones) by the
// real planner. Counts HARD groups with two VMs on one host in a plan that says it can run (target 0); a
// feasible spec the planner refuses, or a host given more memory or vCPUs than it has, fails the bench.
import { mapResources } from '../src/inventory/inventory.js';
import type { Inventory } from '../src/inventory/model.js';
import type { ClusterResource } from '../src/pve/endpoints/cluster.js';
import { ANTI_AFFINITY, parseClusterSpec, type ClusterSpec } from '../src/ops/provisioning/cluster-spec.js';
import { planCluster } from '../src/ops/provisioning/placement.js';
import { makespanFigures } from './provision-makespan.js';

const SPECS = 1000;
const GiB = 1024 ** 3;

/** mulberry32: a small seeded PRNG, so every run plans the same specs. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Case {
  inv: Inventory;
  zones: Record<string, string>;
  spec: ClusterSpec;
}

function randomCase(rand: () => number, i: number): Case {
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const nodeCount = int(3, 12);
  const offline = new Set(Array.from({ length: nodeCount }, (_, k) => `n${k + 1}`).filter((n) => n !== 'n1' && rand() < 0.15));
  const resources: ClusterResource[] = [];
  const zones: Record<string, string> = {};
  for (let k = 1; k <= nodeCount; k++) {
    const node = `n${k}`;
    const on = !offline.has(node);
    resources.push({ id: `node/${node}`, type: 'node', node, status: on ? 'online' : 'offline', ...(on ? { maxcpu: 64, cpu: 0.1, maxmem: 512 * GiB, mem: int(4, 64) * GiB } : {}) } as ClusterResource);
    resources.push({ id: `storage/${node}/local-zfs`, type: 'storage', storage: 'local-zfs', node, status: on ? 'available' : 'unknown', content: 'images,rootdir', shared: 0, plugintype: 'zfspool', disk: 0, maxdisk: 20_000 * GiB } as ClusterResource);
    zones[node] = `zone-${(k % 3) + 1}`;
  }
  resources.push({ id: 'qemu/9001', type: 'qemu', vmid: 9001, node: 'n1', name: 'template', status: 'stopped', template: 1, maxcpu: 2, maxmem: 2 * GiB } as ClusterResource);
  for (let v = 0; v < int(0, 40); v++) {
    const node = `n${int(1, nodeCount)}`;
    resources.push({ id: `qemu/${100 + v}`, type: 'qemu', vmid: 100 + v, node, name: `vm${v}`, status: offline.has(node) ? 'unknown' : 'running', maxcpu: int(1, 4), maxmem: 4 * GiB } as ClusterResource);
  }
  const inv = mapResources(resources, 0);
  const online = inv.nodes.filter((n) => n.status === 'online').map((n) => n.node);
  const groups = Array.from({ length: int(1, 4) }, (_, g) => {
    const antiAffinity = ANTI_AFFINITY[int(0, 3)];
    const allowed = rand() < 0.3 ? online.filter(() => rand() < 0.7) : undefined;
    const hosts = allowed && allowed.length ? allowed.length : online.length;
    const count = antiAffinity === 'HARD' ? int(1, hosts) : int(1, 8);
    return {
      name: `g${g}`,
      count,
      template: { cores: int(1, 8), memoryMB: int(1, 32) * 512, disks: [{ storage: 'local-zfs', sizeGB: int(10, 100) }], networks: [{ bridge: 'vmbr0' }], imageSource: 'local-zfs:base-9001-disk-0' },
      placement: { antiAffinity, ...(allowed && allowed.length ? { allowedNodes: allowed } : {}) },
    };
  });
  return { inv, zones, spec: parseClusterSpec({ name: `bench${i}`, nodeGroups: groups }) };
}

export async function run(): Promise<void> {
  const rand = prng(20261205);
  const cases = Array.from({ length: SPECS }, (_, i) => randomCase(rand, i));
  // A first pass warms the JIT up; the figures come from the second.
  for (const c of cases) planCluster(c.spec, c.inv, { zones: c.zones });
  (globalThis as { gc?: () => void }).gc?.();
  let violations = 0;
  const times: number[] = [];
  for (const c of cases) {
    const start = performance.now();
    const plan = planCluster(c.spec, c.inv, { zones: c.zones });
    times.push(performance.now() - start);
    if (!plan.ok) throw new Error(`bench/provision: a feasible spec (${c.spec.name}) was refused: ${plan.problems.map((p) => p.message).join('; ')}`);
    for (const g of c.spec.nodeGroups.filter((x) => x.placement?.antiAffinity === 'HARD')) {
      const hosts = plan.vms.filter((v) => v.group === g.name).map((v) => v.host);
      violations += hosts.length - new Set(hosts).size;
    }
    for (const h of plan.hosts) {
      if (h.memFreeAfter < 0 || h.vcpusAfter > h.vcpuLimit) throw new Error(`bench/provision: ${c.spec.name} overfills ${h.node}`);
      if (!h.online && Object.keys(h.groups).length) throw new Error(`bench/provision: ${c.spec.name} places VMs on offline ${h.node}`);
    }
  }
  // The median: on a shared machine the tail is other processes' time, not the planner's.
  times.sort((a, b) => a - b);
  console.log(`provision placement hard-violations: ${violations}`);
  console.log(`provision plan median ms: ${times[Math.floor(times.length / 2)].toFixed(3)}`);
  await makespanFigures();
}
