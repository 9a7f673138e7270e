// options.haResourceAffinity against the simulator's true state: on PVE 9.1 a HARD group's VMs become HA
// resources in one negative resource-affinity rule, and a FULL rollback removes both; on 8.4 the flag is
// refused with the reason before anything is made. Also the simulator's HA writes themselves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseClusterSpec } from '../../../src/ops/provisioning/cluster-spec.js';
import { planClusterOn } from '../../../src/ops/provisioning/plan-on-cluster.js';
import { startCluster, type TestCluster } from '../../fixtures/cluster.js';
import { KEY, SMALL_VM_TEMPLATE } from './seed-specs.js';

function spec(name: string, extra: { haResourceAffinity?: boolean; count?: number } = {}) {
  return {
    name,
    nodeGroups: [
      {
        name: 'cp',
        role: 'CONTROL_PLANE',
        count: extra.count ?? 3,
        template: SMALL_VM_TEMPLATE,
        placement: { antiAffinity: 'HARD' },
      },
    ],
    options: { startAfterCreation: true, rollbackStrategy: 'FULL', ...(extra.haResourceAffinity !== undefined ? { haResourceAffinity: extra.haResourceAffinity } : {}) },
  };
}

/** A HARD group of containers (imageSource an OS template). */
function ctSpec(name: string) {
  const s = spec(name, { haResourceAffinity: true, count: 2 });
  const g = s.nodeGroups[0];
  g.template = { ...g.template, imageSource: 'util-iso:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst', cloudInit: { sshKeys: KEY, ipConfigPatterns: ['ip=dhcp'] } as typeof g.template.cloudInit };
  return s;
}

const named = (c: TestCluster, prefix: string) => c.sim.state.vms().filter((v) => String(v.config.name ?? '').startsWith(`${prefix}-`));

describe('haResourceAffinity on PVE 9.1', () => {
  let c: TestCluster;
  beforeAll(async () => {
    c = await startCluster({ nodes: 4, vms: 20, seed: 3 });
  });
  afterAll(() => c.close());

  it('off by default: no HA resource or rule is made', async () => {
    const before = c.sim.state.ha();
    const op = await c.core.run('cluster.provision', spec('plain'));
    expect(op.status).toBe('succeeded');
    const made = named(c, 'plain').map((v) => `vm:${v.vmid}`);
    expect(made).toHaveLength(3);
    const after = c.sim.state.ha();
    expect(after.resources.filter((r) => made.includes(r.sid))).toEqual([]);
    expect(after.rules).toEqual(before.rules);
  });

  it('makes the HARD group HA resources in one negative resource-affinity rule; shown in the plan; FULL rollback removes both', async () => {
    const { plan } = await planClusterOn(c.client, parseClusterSpec(spec('hx', { haResourceAffinity: true })));
    expect(plan.haRules).toEqual([expect.objectContaining({ rule: 'hx-cp-apart', type: 'resource-affinity', affinity: 'negative' })]);
    expect(plan.warnings.join('\n')).not.toMatch(/plan only/);
    const op = await c.core.run('cluster.provision', spec('hx', { haResourceAffinity: true }));
    expect(op.status).toBe('succeeded');
    const vms = named(c, 'hx');
    expect(vms).toHaveLength(3);
    expect(new Set(vms.map((v) => v.node)).size).toBe(3);
    const sids = vms.map((v) => `vm:${v.vmid}`).sort();
    const ha = c.sim.state.ha();
    // In id order: the two CTs' HA resources are added side by side, in either order.
    expect(ha.resources.filter((r) => sids.includes(r.sid)).map((r) => [r.sid, r.state]).sort()).toEqual(sids.map((s) => [s, 'started']));
    const rule = ha.rules.find((r) => r.rule === 'hx-cp-apart');
    expect(rule).toMatchObject({ type: 'resource-affinity', affinity: 'negative' });
    expect([...rule!.resources].sort()).toEqual(sids);
    // Each VM's journal shows the step.
    for (const t of op.targets) expect(t.phases.map((p) => p.name)).toContain('ha-rule');

    const back = await c.core.rollback(op.id);
    expect(back.status).toBe('rolled-back');
    expect(named(c, 'hx')).toEqual([]);
    const gone = c.sim.state.ha();
    expect(gone.resources.filter((r) => sids.includes(r.sid))).toEqual([]);
    expect(gone.rules.find((r) => r.rule === 'hx-cp-apart')).toBeUndefined();
  });

  it('a HARD group of containers: each CT becomes ct:ID in the group\'s rule, running; FULL rollback removes both', async () => {
    const { plan } = await planClusterOn(c.client, parseClusterSpec(ctSpec('hc')));
    expect(plan.haRules).toHaveLength(1);
    expect(plan.haRules[0].resources).toMatch(/^ct:\d+,ct:\d+$/);
    const op = await c.core.run('cluster.provision', ctSpec('hc'));
    expect(op.status, op.targets.map((t) => `${t.name}: ${t.state} ${t.message ?? ''}`).join('; ')).toBe('succeeded');
    const cts = c.sim.state.vms().filter((v) => String(v.config.hostname ?? '').startsWith('hc-'));
    expect(cts.map((v) => [v.type, v.status])).toEqual([['lxc', 'running'], ['lxc', 'running']]);
    expect(new Set(cts.map((v) => v.node)).size).toBe(2);
    const sids = cts.map((v) => `ct:${v.vmid}`).sort();
    const ha = c.sim.state.ha();
    expect(ha.resources.filter((r) => sids.includes(r.sid)).map((r) => [r.sid, r.state])).toEqual(sids.map((s) => [s, 'started']));
    expect([...ha.rules.find((r) => r.rule === 'hc-cp-apart')!.resources].sort()).toEqual(sids);
    for (const t of op.targets) expect(t.phases.map((p) => p.name)).toContain('ha-rule');

    const back = await c.core.rollback(op.id);
    expect(back.status, back.targets.map((t) => `${t.name}: ${t.state} ${t.message ?? ''}`).join('; ')).toBe('rolled-back');
    for (const v of cts) expect(c.sim.state.vm(v.vmid)).toBeUndefined();
    const gone = c.sim.state.ha();
    expect(gone.resources.filter((r) => sids.includes(r.sid))).toEqual([]);
    expect(gone.rules.find((r) => r.rule === 'hc-cp-apart')).toBeUndefined();
  });

  it('the simulator refuses a rule over unmanaged resources, an unknown property, a duplicate, and an unpurged destroy', async () => {
    const free = c.sim.state.vms().filter((v) => !v.template && v.type === 'qemu' && v.status === 'stopped' && !c.sim.state.ha().resources.some((r) => r.sid === `vm:${v.vmid}`));
    const [a, b] = free;
    const both = `vm:${a.vmid},vm:${b.vmid}`;
    await expect(c.client.post('/cluster/ha/rules', { rule: 'tst', type: 'resource-affinity', affinity: 'negative', resources: both })).rejects.toThrow(/cannot use unmanaged resource\(s\) vm:/);
    await expect(c.client.post('/cluster/ha/rules', { rule: 'tst', type: 'resource-affinity', resources: both })).rejects.toThrow(/missing value for required option 'affinity'/);
    for (const v of [a, b]) await c.client.post('/cluster/ha/resources', { sid: `vm:${v.vmid}`, state: 'stopped' });
    await expect(c.client.post('/cluster/ha/resources', { sid: `vm:${a.vmid}` })).rejects.toThrow(/already defined/);
    await expect(c.client.post('/cluster/ha/rules', { rule: 'tst', type: 'resource-affinity', affinity: 'negative', nodes: 'pve1', resources: both })).rejects.toThrow(/unexpected property 'nodes'/);
    await c.client.post('/cluster/ha/rules', { rule: 'tst', type: 'resource-affinity', affinity: 'negative', resources: both });
    expect(c.sim.state.ha().rules.find((r) => r.rule === 'tst')).toMatchObject({ resources: [`vm:${a.vmid}`, `vm:${b.vmid}`], affinity: 'negative' });
    await expect(c.client.post('/cluster/ha/rules', { rule: 'tst', type: 'resource-affinity', affinity: 'negative', resources: both })).rejects.toThrow(/already defined/);
    await expect(c.client.delete(`/nodes/${a.node}/qemu/${a.vmid}`)).rejects.toThrow(/used in HA resources and purge parameter not set/);
    // purge (the default) takes a resource out of its rules and drops a rule left empty.
    await c.client.delete(`/cluster/ha/resources/vm:${a.vmid}`);
    expect(c.sim.state.ha().rules.find((r) => r.rule === 'tst')?.resources).toEqual([`vm:${b.vmid}`]);
    await c.client.delete(`/cluster/ha/resources/vm:${b.vmid}`);
    expect(c.sim.state.ha().rules.find((r) => r.rule === 'tst')).toBeUndefined(); // purged with its last resource
  });
});

describe('haResourceAffinity on PVE 8.4', () => {
  let c: TestCluster;
  beforeAll(async () => {
    c = await startCluster({ nodes: 4, vms: 20, seed: 3, pve: '8.4' });
  });
  afterAll(() => c.close());

  it('the plan preview refuses it as the run does (a problem, not a warning)', async () => {
    const { plan } = await planClusterOn(c.client, parseClusterSpec(spec('old', { haResourceAffinity: true })));
    expect(plan.ok).toBe(false);
    expect(plan.problems).toEqual([{ where: 'options.haResourceAffinity', message: expect.stringMatching(/needs PVE 9's HA rules, which this cluster lacks \(.*\/cluster\/ha\/rules/) }]);
    expect(plan.haRules).toEqual([]);
    expect(plan.warnings.join('\n')).not.toContain('haResourceAffinity');
    // Without a HARD group there is no rule to make: nothing to refuse.
    const soft = spec('old', { haResourceAffinity: true, count: 1 });
    expect((await planClusterOn(c.client, parseClusterSpec(soft))).plan.problems).toEqual([]);
  });

  it('is refused with the reason and nothing is created', async () => {
    const before = c.sim.state.vms().length;
    const ha = c.sim.state.ha();
    await expect(c.core.run('cluster.provision', spec('old', { haResourceAffinity: true }))).rejects.toThrow(/options\.haResourceAffinity.*HA rules.*Nothing was created/);
    expect(c.sim.state.vms()).toHaveLength(before);
    expect(named(c, 'old')).toEqual([]);
    expect(c.sim.state.ha()).toEqual(ha);
    await expect(c.client.post('/cluster/ha/rules', { rule: 'x1', type: 'resource-affinity', affinity: 'negative', resources: 'vm:100' })).rejects.toThrow(/501|not implemented|outside/i);
  });
});
