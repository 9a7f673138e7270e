// Bridges per node, on the simulator's true state: the demo's uplink bridge wsdc1up exists on pve1 and pve2
// only. Provisioning placement rules out a node without a group's bridge (HARD that needs it fails, naming the
// bridge and the node); a migration to such a node is refused with the reason; the simulator's
// GET /nodes/{node}/network answers validate against the 9.1 and 8.4 schemas.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseClusterSpec } from '../../src/ops/provisioning/cluster-spec.js';
import { planClusterOn } from '../../src/ops/provisioning/plan-on-cluster.js';
import { routeTable, splitApiPath, type SchemaProperty, type SchemaVersion } from '../../src/sim/schema/routes.js';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';
import { SMALL_VM_TEMPLATE } from './provisioning/seed-specs.js';

let c: TestCluster;
let old: TestCluster;
beforeAll(async () => {
  c = await startCluster({ nodes: 4, vms: 20, seed: 3 });
  old = await startCluster({ nodes: 3, vms: 10, seed: 3, pve: '8.4' });
});
afterAll(async () => {
  await c?.close();
  await old?.close();
});

/** Every item's keys are declared in the schema's `returns`, required ones present, types and enums as declared. */
function schemaProblems(version: SchemaVersion, path: string, items: Array<Record<string, unknown>>): string[] {
  const match = routeTable(version).match(splitApiPath(path))!;
  const returns = (match.entry.info.GET as unknown as { returns: { items: { properties: Record<string, SchemaProperty> } } }).returns;
  const props = returns.items.properties;
  const problems: string[] = [];
  for (const item of items) {
    for (const [k, p] of Object.entries(props)) if (!p.optional && item[k] === undefined) problems.push(`${String(item.iface)}: ${k} missing`);
    for (const [k, v] of Object.entries(item)) {
      const p = props[k];
      if (!p) problems.push(`${String(item.iface)}: ${k} is not in the schema`);
      else if (p.type === 'boolean' && ![0, 1, true, false].includes(v as never)) problems.push(`${k}: ${JSON.stringify(v)} is not a boolean`);
      else if (p.type === 'integer' && !Number.isInteger(v)) problems.push(`${k}: ${JSON.stringify(v)} is not an integer`);
      else if (p.type === 'string' && typeof v !== 'string') problems.push(`${k}: ${JSON.stringify(v)} is not a string`);
      else if (p.type === 'array' && !Array.isArray(v)) problems.push(`${k}: ${JSON.stringify(v)} is not an array`);
      if (p?.enum && !p.enum.includes(v as never)) problems.push(`${k}: ${JSON.stringify(v)} is not one of ${p.enum.join('|')}`);
    }
  }
  return problems;
}

describe('GET /nodes/{node}/network in the simulator', () => {
  it('lists the node\'s NIC and bridges, filtered by type, valid against the 9.1 and 8.4 schemas', async () => {
    for (const [cluster, version] of [[c, '9'], [old, '8.4']] as const) {
      for (const query of ['', '?type=any_bridge', '?type=eth', '?type=bond']) {
        const items = await cluster.client.get<Array<Record<string, unknown>>>(`/nodes/pve1/network${query}`);
        expect(schemaProblems(version, '/nodes/pve1/network', items), `${version} ${query}`).toEqual([]);
      }
    }
    const bridges = (node: string) => c.client.get<Array<{ iface: string; type: string }>>(`/nodes/${node}/network`, { type: 'any_bridge' });
    expect((await bridges('pve1')).map((i) => i.iface)).toEqual(['vmbr0', 'workshop', 'wsdc1up']);
    expect((await bridges('pve3')).map((i) => [i.iface, i.type])).toEqual([['vmbr0', 'bridge'], ['workshop', 'bridge']]);
    expect(await c.client.get('/nodes/pve1/network', { type: 'bond' })).toEqual([]);
  });
});

function spec(name: string, antiAffinity: 'HARD' | 'SOFT', count: number) {
  return parseClusterSpec({
    name,
    nodeGroups: [
      {
        name: 'edge',
        role: 'WORKER',
        count,
        template: { ...SMALL_VM_TEMPLATE, networks: [{ model: 'virtio', bridge: 'wsdc1up' }] },
        placement: { antiAffinity },
      },
    ],
    options: { startAfterCreation: true },
  });
}

describe('provisioning placement', () => {
  it('places a group only on nodes with its bridge; HARD that needs more such nodes is refused naming the bridge and the nodes', async () => {
    const soft = (await planClusterOn(c.client, spec('up', 'SOFT', 4))).plan;
    expect(soft.problems).toEqual([]);
    expect(new Set(soft.vms.map((v) => v.host))).toEqual(new Set(['pve1', 'pve2']));
    const hard = (await planClusterOn(c.client, spec('up', 'HARD', 3))).plan;
    expect(hard.ok).toBe(false);
    expect(hard.problems[0].message).toMatch(/needs 3 hosts.*2 can hold one: pve1, pve2/);
    expect(hard.problems[0].message).toContain("pve3 (no bridge 'wsdc1up' on pve3 (it has vmbr0, workshop))");
    expect(hard.problems[0].message).toContain("pve4 (no bridge 'wsdc1up' on pve4");
    // The run refuses it the same way, before anything is made.
    const before = c.sim.state.vms().length;
    await expect(c.core.run('cluster.provision', { ...spec('up', 'HARD', 3), dryRun: false })).rejects.toThrow(/no bridge 'wsdc1up' on pve3/);
    expect(c.sim.state.vms()).toHaveLength(before);
  });
});

describe('migration checks', () => {
  it('a VM whose NIC uses a bridge the target lacks is refused with the bridge and node named; it stays where it is', async () => {
    const vm = c.sim.state.vms().find((v) => v.type === 'qemu' && !v.template && v.status === 'stopped' && v.node === 'pve1' && !c.sim.state.ha().resources.some((r) => r.sid === `vm:${v.vmid}`))!;
    await c.client.put(`/nodes/pve1/qemu/${vm.vmid}/config`, { net1: 'virtio,bridge=wsdc1up' });
    const check = await c.core.checkMigration(vm.vmid, 'pve3');
    expect(check.allowed).toBe(false);
    expect(check.reasons).toContain("no bridge 'wsdc1up' on pve3 (it has vmbr0, workshop): its NICs would not start there");
    expect((await c.core.checkMigration(vm.vmid, 'pve2')).reasons.join('; ')).not.toContain('bridge');

    const op = await c.core.run('migrate', { vmSelectors: `id:${vm.vmid}`, targetNode: 'pve3' });
    expect(op.targets[0].state).not.toBe('succeeded');
    expect(op.targets[0].message ?? op.targets[0].action).toContain("no bridge 'wsdc1up' on pve3");
    expect(c.sim.state.vm(vm.vmid)!.node).toBe('pve1');
    expect(c.sim.state.tasks().some((t) => t.type === 'qmigrate' && t.id === String(vm.vmid))).toBe(false);
  });

  it('a node drain moves such a VM only to a node with its bridge, or leaves it with the reason', async () => {
    const vm = c.sim.state.vms().find((v) => v.type === 'qemu' && !v.template && v.status === 'stopped' && v.node === 'pve2' && !c.sim.state.ha().resources.some((r) => r.sid === `vm:${v.vmid}`))!;
    await c.client.put(`/nodes/pve2/qemu/${vm.vmid}/config`, { net1: 'virtio,bridge=wsdc1up' });
    const anywhere = await c.core.run('node.drain', { node: 'pve2', dryRun: true });
    expect(anywhere.targets.find((t) => t.vmid === vm.vmid)!.action).toMatch(/^migrate to pve1 /);
    const elsewhere = await c.core.run('node.drain', { node: 'pve2', targetNodes: ['pve3', 'pve4'], dryRun: true });
    const t = elsewhere.targets.find((x) => x.vmid === vm.vmid)!;
    expect(t.state).toBe('skipped'); // the plan's block: it is not moved
    expect(t.message).toContain("no bridge 'wsdc1up' on pve3 (it has vmbr0, workshop)");
    expect(c.sim.state.vm(vm.vmid)!.node).toBe('pve2');
  });
});
