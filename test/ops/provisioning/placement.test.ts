// Cluster planning against the demo's simulated cluster (4 nodes, 40 guests, seed 7): the seed's two
// cluster specs verbatim, the anti-affinity strategies, the IP checks, and that planning creates nothing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchInventory } from '../../../src/inventory/inventory.js';
import type { Inventory } from '../../../src/inventory/model.js';
import { RequestError } from '../../../src/ops/errors.js';
import { groupWaves, parseClusterSpec, recordableSpec, type ClusterSpec } from '../../../src/ops/provisioning/cluster-spec.js';
import { parseClusterSpecText } from '../../../src/ops/provisioning/cluster-spec-text.js';
import { evalIndexExpression } from '../../../src/ops/provisioning/ip-patterns.js';
import { planClusterOn } from '../../../src/ops/provisioning/plan-on-cluster.js';
import { placementTable, planCluster } from '../../../src/ops/provisioning/placement.js';
import { planTargets } from '../../../src/ops/provisioning/plan-targets.js';
import { startCluster, type TestCluster } from '../../fixtures/cluster.js';

const here = (f: string) => join(import.meta.dirname, f);
const seedJson = (f: string): Record<string, unknown> => JSON.parse(readFileSync(here(f), 'utf8')) as Record<string, unknown>;
const TEST_CLUSTER = 'seed-test-cluster.json';
const TALOS = 'seed-talos-prod-01.json';

/** A copy of a seed spec with its first group changed. */
function variant(file: string, change: (g: Record<string, any>, spec: Record<string, any>) => void): ClusterSpec {
  const raw = seedJson(file) as Record<string, any>;
  change(raw.nodeGroups[0], raw);
  return parseClusterSpec(raw);
}

let c: TestCluster;
let inv: Inventory;
let before: { vms: number; tasks: number };
/** The lowest ids no guest of the simulator uses: what the plan must show, in spec order. */
let freeIds: number[];

beforeAll(async () => {
  c = await startCluster({ nodes: 4, vms: 40, seed: 7 });
  inv = await fetchInventory(c.client);
  const used = new Set(c.sim.state.vms().map((v) => v.vmid));
  freeIds = [];
  for (let id = 100; freeIds.length < 20; id++) if (!used.has(id)) freeIds.push(id);
  before = { vms: c.sim.state.vms().length, tasks: c.sim.state.tasks().length };
});
afterAll(async () => {
  // Planning never creates anything: the simulator holds the same guests and ran no task.
  expect(c.sim.state.vms().length).toBe(before.vms);
  expect(c.sim.state.tasks().length).toBe(before.tasks);
  await c.close();
});

describe('the seed\'s cluster specs, verbatim, planned on the demo cluster', () => {
  it('plans the 2-node test cluster: names, ids, hosts, dhcp, the template it clones', async () => {
    const spec = parseClusterSpec(seedJson(TEST_CLUSTER));
    const { plan } = await planClusterOn(c.client, spec);
    expect(plan.problems).toEqual([]);
    expect(plan.ok).toBe(true);
    expect(plan.vms.map((v) => [v.name, v.vmid])).toEqual([
      ['test-cluster-nodes-01', freeIds[0]],
      ['test-cluster-nodes-02', freeIds[1]],
    ]);
    const template = c.sim.state.vm(9001)!;
    expect(template.template).toBe(true);
    const online = c.sim.state.nodes().filter((n) => n.online).map((n) => n.node);
    for (const vm of plan.vms) {
      expect(online).toContain(vm.host);
      expect(vm.ipconfig).toEqual(['ip=dhcp']);
      expect(vm.nets).toEqual(['virtio,bridge=vmbr0']);
      expect(vm.tags).toEqual(['test', 'debian']);
      expect(vm.source).toEqual({ volid: 'local-zfs:base-9001-disk-0', templateVmid: 9001, node: template.node });
      // local-zfs is not shared: on the template's node a clone, elsewhere a clone there and a migration.
      expect(vm.route).toBe(vm.host === template.node ? 'clone' : 'clone+migrate');
    }
    // NONE puts each on the roomiest node (free memory read from the sim's /nodes), counting what the
    // plan already placed: the second sees the first's 4 GiB taken.
    const free = new Map(inv.nodes.filter((n) => n.status === 'online').map((n) => [n.node, n.maxmem - n.mem]));
    const able = new Set(inv.storages.filter((s) => s.storage === 'local-zfs' && s.status === 'available').map((s) => s.node));
    for (const vm of plan.vms) {
      const roomiest = Math.max(...[...free].filter(([n]) => able.has(n)).map(([, f]) => f));
      expect(free.get(vm.host)).toBe(roomiest);
      free.set(vm.host, free.get(vm.host)! - 4096 * 1024 * 1024);
    }
    expect(plan.options).toMatchObject({ startAfterCreation: true, parallelProvisioning: true, rollbackStrategy: 'FULL' });
  });

  it('plans the Talos 3+3 cluster: HARD control plane on 3 hosts, SOFT workers spread, ids in spec order, static IPs', async () => {
    const spec = parseClusterSpec(seedJson(TALOS));
    const { plan } = await planClusterOn(c.client, spec);
    expect(plan.ok).toBe(true);
    expect(plan.vms.map((v) => `${v.name} ${v.vmid} ${v.ipconfig.join(' ')}`)).toEqual([
      `talos-prod-01-control-plane-01 ${freeIds[0]} ip=10.0.100.10/24,gw=10.0.100.1`,
      `talos-prod-01-control-plane-02 ${freeIds[1]} ip=10.0.100.11/24,gw=10.0.100.1`,
      `talos-prod-01-control-plane-03 ${freeIds[2]} ip=10.0.100.12/24,gw=10.0.100.1`,
      `talos-prod-01-worker-01 ${freeIds[3]} ip=10.0.100.20/24,gw=10.0.100.1`,
      `talos-prod-01-worker-02 ${freeIds[4]} ip=10.0.100.21/24,gw=10.0.100.1`,
      `talos-prod-01-worker-03 ${freeIds[5]} ip=10.0.100.22/24,gw=10.0.100.1`,
    ]);
    const cp = plan.vms.filter((v) => v.group === 'control-plane');
    const workers = plan.vms.filter((v) => v.group === 'worker');
    expect(new Set(cp.map((v) => v.host)).size).toBe(3);
    expect(new Set(workers.map((v) => v.host)).size).toBe(3);
    for (const vm of plan.vms) {
      expect(vm.nets).toEqual(['virtio,bridge=vmbr0,tag=100']);
      expect(vm.disks).toEqual([{ key: 'scsi0', storage: 'local-zfs', sizeGB: vm.group === 'worker' ? 100 : 50, ssd: true, iothread: true }]);
      expect(vm.source.templateVmid).toBe(9002);
      expect(c.sim.state.vm(vm.vmid)).toBeUndefined();
    }
    expect(cp.map((v) => v.cores)).toEqual([4, 4, 4]);
    expect(plan.vms[0].cloudInit).toEqual({ ciuser: 'talos', sshkeys: 'ssh-ed25519 AAAAC3... admin@talos', nameserver: '1.1.1.1 8.8.8.8', searchdomain: 'cluster.local', password: false });
    expect(workers.map((v) => v.memoryMB)).toEqual([16384, 16384, 16384]);
    expect(plan.options).toMatchObject({ startAfterCreation: false, maxParallelOperations: 3, rollbackStrategy: 'FULL' });
    // Memory is accounted: every host's free memory drops by exactly what the plan puts there.
    for (const h of plan.hosts) {
      const placed = plan.vms.filter((v) => v.host === h.node).reduce((s, v) => s + v.memoryMB * 1024 ** 2, 0);
      expect(h.memFreeBefore - h.memFreeAfter).toBe(placed);
    }
    const table = placementTable(plan);
    expect(table.groups).toEqual(['control-plane', 'worker']);
    expect(table.rows.reduce((s, r) => s + r.total, 0)).toBe(6);
    expect(table.rows.every((r) => r.counts[0] <= 1)).toBe(true);
    // The seam to the run: one new-guest target per VM, with the spec its phases are rebuilt from.
    const targets = planTargets(plan);
    expect(targets.map((t) => [t.kind, t.vmid, t.node, t.state])).toEqual(plan.vms.map((v) => ['new-guest', v.vmid, v.host, 'planned']));
    expect(targets[0].spec).toMatchObject({ cluster: 'talos-prod-01', group: 'control-plane', plannedVmid: freeIds[0], ipconfig: ['ip=10.0.100.10/24,gw=10.0.100.1'] });
  });

  it('reads the Talos spec from YAML exactly as from JSON', () => {
    const fromJson = parseClusterSpecText(readFileSync(here(TALOS), 'utf8'), TALOS);
    const fromYaml = parseClusterSpecText(readFileSync(here('seed-talos-prod-01.yaml'), 'utf8'), 'seed-talos-prod-01.yaml');
    expect(fromYaml).toEqual(fromJson);
    expect(planCluster(fromYaml, inv)).toEqual(planCluster(fromJson, inv));
  });
});

describe('anti-affinity', () => {
  it('HARD that cannot be met fails the plan before anything is created, naming the hosts needed and those ruled out', async () => {
    const spec = variant(TALOS, (g) => {
      g.count = 4;
      g.placement.allowedNodes = ['pve1', 'pve2', 'pve3'];
    });
    const { plan } = await planClusterOn(c.client, spec);
    expect(plan.ok).toBe(false);
    expect(plan.vms.some((v) => v.group === 'control-plane')).toBe(false);
    const problem = plan.problems.find((p) => p.where === 'nodeGroups[0].placement.antiAffinity');
    expect(problem?.message).toBe("HARD anti-affinity for group 'control-plane' needs 4 hosts (one per VM); 3 can hold one: pve1, pve2, pve3. Ruled out: pve4 (not in allowedNodes)");
  });

  it('HARD rules out an offline node and one without room, saying why', async () => {
    const down = await startCluster({ nodes: 4, vms: 40, seed: 7, offlineNodes: ['pve4'] });
    try {
      const downInv = await fetchInventory(down.client);
      // vCPUs of running guests per online node, from the simulator's true state.
      const running = new Map(['pve1', 'pve2', 'pve3'].map((n) => [n, down.sim.state.vms().filter((v) => v.node === n && v.status === 'running' && !v.template).reduce((s, v) => s + Number(v.config.cores ?? 1) * Number(v.config.sockets ?? 1), 0)]));
      const busiest = Math.max(...running.values());
      const cores = 64 - busiest + 1; // with overcommit 2, exactly the busiest node(s) cannot take one
      const full = [...running].filter(([, n]) => n === busiest).map(([node]) => node);
      const plan = planCluster(variant(TALOS, (g) => (g.template.cores = cores)), downInv, { cpuOvercommit: 2 });
      expect(plan.ok).toBe(false);
      const msg = plan.problems[0].message;
      expect(msg).toContain(`needs 3 hosts (one per VM); ${3 - full.length} can hold one`);
      expect(msg).toContain('pve4 (offline)');
      for (const n of full) expect(msg).toContain(`${n} (CPU: ${busiest} + ${cores} vCPUs would exceed 64 (32 cores x overcommit 2))`);
      const big = planCluster(variant(TALOS, (g) => (g.template.memoryMB = 300 * 1024)), downInv);
      expect(big.problems[0].message).toMatch(/needs 3 hosts \(one per VM\); 0 can hold one\. Ruled out: pve1 \(memory: \d+ GiB free after this plan, 300 GiB needed\); .*pve4 \(offline\)$/);
      expect(down.sim.state.tasks()).toEqual([]);
    } finally {
      await down.close();
    }
  });

  it('HARD never shares a host; SOFT spreads evenly; NONE fills the roomiest', () => {
    const soft = planCluster(variant(TEST_CLUSTER, (g) => ((g.count = 8), (g.placement = { antiAffinity: 'SOFT' }))), inv);
    expect(Object.values(countBy(soft.vms.map((v) => v.host)))).toEqual([2, 2, 2, 2]);
    const hard = planCluster(variant(TEST_CLUSTER, (g) => ((g.count = 4), (g.placement = { antiAffinity: 'HARD' }))), inv);
    expect(new Set(hard.vms.map((v) => v.host)).size).toBe(4);
    const tooMany = planCluster(variant(TEST_CLUSTER, (g) => ((g.count = 5), (g.placement = { antiAffinity: 'HARD' }))), inv);
    expect(tooMany.ok).toBe(false);
    expect(tooMany.problems[0].message).toContain('needs 5 hosts (one per VM); 4 can hold one: pve1, pve2, pve3, pve4. Ruled out: none');
  });

  it('ZONE_AWARE spreads across zones first, then hosts', () => {
    const zones = { pve1: 'rack-a', pve2: 'rack-a', pve3: 'rack-a', pve4: 'rack-b' };
    const spec = variant(TEST_CLUSTER, (g) => ((g.count = 4), (g.placement = { antiAffinity: 'ZONE_AWARE' })));
    const plan = planCluster(spec, inv, { zones });
    expect(plan.ok).toBe(true);
    const perZone = countBy(plan.vms.map((v) => v.zone!));
    expect(perZone).toEqual({ 'rack-a': 2, 'rack-b': 2 });
    // Within rack-a, two hosts rather than one.
    expect(new Set(plan.vms.filter((v) => v.zone === 'rack-a').map((v) => v.host)).size).toBe(2);
    // SOFT on the same cluster would not favour pve4 (it spreads over hosts, one each).
    const soft = planCluster(variant(TEST_CLUSTER, (g) => ((g.count = 4), (g.placement = { antiAffinity: 'SOFT' }))), inv, { zones });
    expect(soft.vms.filter((v) => v.host === 'pve4')).toHaveLength(1);
    // Without zones: a warning, and each host is its own zone.
    const none = planCluster(spec, inv);
    expect(none.warnings.join('\n')).toContain('no zones are configured');
    expect(new Set(none.vms.map((v) => v.host)).size).toBe(4);
  });

  it('records HARD groups as a PVE 9 negative resource-affinity HA rule only when asked', () => {
    const off = planCluster(parseClusterSpec(seedJson(TALOS)), inv);
    expect(off.haRules).toEqual([]);
    const on = planCluster(variant(TALOS, (_g, s) => (s.options.haResourceAffinity = true)), inv, { pveMajor: 9 });
    const cp = on.vms.filter((v) => v.group === 'control-plane').map((v) => `vm:${v.vmid}`).join(',');
    expect(on.haRules).toEqual([{ rule: 'talos-prod-01-control-plane-apart', type: 'resource-affinity', affinity: 'negative', resources: cp, comment: expect.stringContaining('HARD') }]);
    expect(on.warnings.join('\n')).not.toContain('haResourceAffinity'); // made by the run now (provision-ha-rule.test.ts)
    const digits = planCluster(variant(TALOS, (_g, s) => ((s.name = '9lab'), (s.options.haResourceAffinity = true))), inv, { pveMajor: 9 });
    expect(digits.haRules[0].rule).toBe('c-9lab-control-plane-apart'); // PVE's configid starts with a letter
    // Refused as the run refuses it (one check): a problem, so the plan cannot run; not a warning.
    const old = planCluster(variant(TALOS, (_g, s) => (s.options.haResourceAffinity = true)), inv, { pveMajor: 8 });
    expect(old.haRules).toEqual([]);
    expect(old.ok).toBe(false);
    expect(old.problems).toEqual([{ where: 'options.haResourceAffinity', message: expect.stringContaining('need PVE 9') }]);
    expect(old.warnings.join('\n')).not.toContain('haResourceAffinity');
  });
});

describe('capacity and reach', () => {
  it('takes VM ids from the context\'s range, and refuses a plan the range cannot hold', () => {
    const inRange = planCluster(parseClusterSpec(seedJson(TEST_CLUSTER)), inv, { vmidRange: { min: 5000, max: 5001 } });
    expect(inRange.vms.map((v) => v.vmid)).toEqual([5000, 5001]);
    const tooSmall = planCluster(parseClusterSpec(seedJson(TALOS)), inv, { vmidRange: { min: 5000, max: 5001 } });
    expect(tooSmall.ok).toBe(false);
    expect(tooSmall.problems[0].message).toBe("only 2 free VM ids in this context's range 5000-5001 for 6 VMs");
  });

  it('refuses a storage that holds no VM disks, and a CPU overcommit beyond the ratio', () => {
    const noImages = planCluster(variant(TEST_CLUSTER, (g) => (g.template.disks[0].storage = 'backup-nfs')), inv);
    expect(noImages.ok).toBe(false);
    expect(noImages.problems[0].message).toContain("storage 'backup-nfs' does not hold VM disks (content: backup)");
    const cpu = planCluster(variant(TEST_CLUSTER, (g) => (g.template.cores = 200)), inv, { cpuOvercommit: 4 });
    expect(cpu.ok).toBe(false);
    expect(cpu.problems[0].message).toMatch(/CPU: \d+ \+ 200 vCPUs would exceed 128 \(32 cores x overcommit 4\)/);
  });

  it('imports an image from shared storage on any node; a missing template VM is refused', () => {
    const shared = planCluster(variant(TEST_CLUSTER, (g) => (g.template.imageSource = 'util-iso:import/talos-amd64.qcow2')), inv);
    expect(shared.ok).toBe(true);
    expect(shared.vms.map((v) => v.route)).toEqual(['import', 'import']);
    const gone = planCluster(variant(TEST_CLUSTER, (g) => (g.template.imageSource = 'local-zfs:base-7777-disk-0')), inv);
    expect(gone.problems[0].message).toContain('image local-zfs:base-7777-disk-0 belongs to VM 7777, which does not exist');
  });
});

describe('IP patterns', () => {
  it('evaluates {index} arithmetic', () => {
    expect([0, 1, 2].map((i) => evalIndexExpression('10+index', i))).toEqual([10, 11, 12]);
    expect(evalIndexExpression('2*index+1', 3)).toBe(7);
    expect(evalIndexExpression('(index+1)*10', 2)).toBe(30);
    expect(() => evalIndexExpression('index/2', 1)).toThrow(/only integers, index/);
  });

  it('refuses an address two VMs would share', () => {
    const spec = parseClusterSpec({
      name: 'ipc',
      nodeGroups: [
        { name: 'a', count: 3, template: tpl('ip=10.0.1.{10+index}/24,gw=10.0.1.1') },
        { name: 'b', count: 2, template: tpl('ip=10.0.1.{12+index}/24,gw=10.0.1.1') },
      ],
    });
    const plan = planCluster(spec, inv);
    expect(plan.ok).toBe(false);
    expect(plan.problems.map((p) => p.message)).toEqual(['address 10.0.1.12 would be given to both ipc-a-03 and ipc-b-01']);
  });

  it('refuses an address outside its subnet: a broadcast address, a gateway elsewhere, an octet past 255', () => {
    const broadcast = planCluster(parseClusterSpec({ name: 'ipb', nodeGroups: [{ name: 'a', count: 6, template: tpl('ip=10.0.1.{250+index}/24,gw=10.0.1.1') }] }), inv);
    expect(broadcast.problems.map((p) => p.message)).toEqual(['ipb-a-06: 10.0.1.255 is the broadcast address of 10.0.1.0/24']);
    const gw = planCluster(parseClusterSpec({ name: 'ipg', nodeGroups: [{ name: 'a', count: 1, template: tpl('ip=10.0.2.{10+index}/24,gw=10.0.1.1') }] }), inv);
    expect(gw.problems[0]).toEqual({ where: 'nodeGroups[0].template.cloudInit.ipConfigPatterns[0]', message: 'ipg-a-01: gateway 10.0.1.1 is outside 10.0.2.0/24' });
    const past = planCluster(parseClusterSpec({ name: 'ipp', nodeGroups: [{ name: 'a', count: 8, template: tpl('ip=10.0.1.{250+index}/16') }] }), inv);
    expect(past.problems.map((p) => p.message)).toEqual(["ipp-a-07 (index 6): ip '10.0.1.256/16' is not dhcp or an IPv4 address with a prefix such as 10.0.1.10/24", "ipp-a-08 (index 7): ip '10.0.1.257/16' is not dhcp or an IPv4 address with a prefix such as 10.0.1.10/24"]);
  });

  it('refuses a malformed pattern and more patterns than interfaces in the schema, naming the field', () => {
    expect(() => parseClusterSpec({ name: 'x', nodeGroups: [{ name: 'a', count: 1, template: tpl('ip=10.0.1.{10+idx}/24') }] })).toThrow(
      new RequestError('nodeGroups[0].template.cloudInit.ipConfigPatterns[0]', "'ip=10.0.1.{10+idx}/24': '{10+idx}': unknown word 'idx' (only 'index')"),
    );
    const two = { ...tpl('ip=dhcp'), cloudInit: { ipConfigPatterns: ['ip=dhcp', 'ip=dhcp'] } };
    expect(() => parseClusterSpec({ name: 'x', nodeGroups: [{ name: 'a', count: 1, template: two }] })).toThrow(/ipConfigPatterns: one pattern per network interface: 2 patterns for 1 interface/);
  });
});

describe('the spec schema', () => {
  it('refuses unknown fields naming the nearest valid one', () => {
    const raw = seedJson(TALOS) as Record<string, any>;
    raw.nodeGroups[0].template.core = 4;
    expect(() => parseClusterSpec(raw)).toThrow("nodeGroups[0].template.core: unknown field 'core'; did you mean 'cores'?");
    expect(() => parseClusterSpec({ ...seedJson(TEST_CLUSTER), options: { rollbackStrategy: 'ALL' } })).toThrow("options.rollbackStrategy: 'ALL' is not valid; use one of FULL, PARTIAL, NONE, MARK_FAILED");
  });

  it('reports a broken spec file by line, never quoting it (it may hold a password)', () => {
    const yaml = () => parseClusterSpecText('name: x\nnodeGroups:\n  - password: hunter2\n    count: [1\n', 'c.yaml');
    expect(yaml).toThrow(/^c\.yaml: is not valid YAML at line \d+/);
    expect(yaml).not.toThrow(/hunter2/);
    const json = () => parseClusterSpecText('{"name": "x",\n "password": "hunter2",', 'c.json');
    expect(json).toThrow(/^c\.json: is not valid JSON at line 2$/);
    expect(json).not.toThrow(/hunter2/);
  });

  it('never records a cloud-init password', () => {
    const spec = parseClusterSpec(seedJson(TEST_CLUSTER));
    expect(spec.nodeGroups[0].template.cloudInit?.password).toBe('changeme');
    expect(JSON.stringify(recordableSpec(spec))).not.toContain('changeme');
    expect(planCluster(spec, inv).vms[0].cloudInit).toEqual({ ciuser: 'debian', sshkeys: 'ssh-ed25519 AAAAC3... user@example', password: true });
    expect(JSON.stringify(planCluster(spec, inv))).not.toContain('changeme');
    expect(JSON.stringify(planTargets(planCluster(spec, inv)))).not.toContain('changeme');
  });

  it('orders groups by dependsOn (control plane first) and refuses a cycle', () => {
    const ordered = variant(TALOS, (_g, s) => (s.nodeGroups[1].dependsOn = ['control-plane']));
    expect(groupWaves(ordered)).toEqual([['control-plane'], ['worker']]);
    expect(planCluster(ordered, inv).vms.map((v) => v.wave)).toEqual([0, 0, 0, 1, 1, 1]);
    expect(groupWaves(parseClusterSpec(seedJson(TALOS)))).toEqual([['control-plane', 'worker']]);
    expect(() => variant(TALOS, (g, s) => ((g.dependsOn = ['worker']), (s.nodeGroups[1].dependsOn = ['control-plane'])))).toThrow(/dependsOn forms a cycle: control-plane -> worker -> control-plane/);
  });
});

function tpl(pattern: string): Record<string, unknown> {
  return { cores: 1, memoryMB: 512, disks: [{ storage: 'local-zfs', sizeGB: 4 }], networks: [{ bridge: 'vmbr0' }], imageSource: 'local-zfs:base-9001-disk-0', cloudInit: { ipConfigPatterns: [pattern] } };
}

function countBy(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}
