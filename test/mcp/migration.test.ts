// MCP: check_migration and migration_history read; migrate_vms runs at once unless its offline fallback may
// stop a running VM, and drain_node is always confirmed; state read back from the simulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, textOf, type Harness } from './in-memory-server.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ vms: 40, taskDurationMs: 10, faults: { migrationMsPerGiB: 0.2 } });
});
afterAll(() => h.close());

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const sc = (r: { structuredContent?: Record<string, unknown> }) => r.structuredContent as Record<string, any>;
const vm = (id: number) => h.cluster.sim.state.vm(id)!;

describe('migration tools', () => {
  it("check_migration sums up PVE's precondition and changes nothing", async () => {
    const before = JSON.stringify(h.cluster.sim.state.vms());
    const r = await h.call('check_migration', { vmid: 8200, target: 'pve3' });
    expect(r.isError).toBeFalsy();
    expect(sc(r)).toMatchObject({ vmid: 8200, node: 'pve1', target: 'pve3', allowed: true, mode: 'online', withLocalDisks: true });
    expect(textOf(r)).toMatch(/can move online/);
    const bad = await h.call('check_migration', { vmid: 8200, target: 'hv2' });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toMatch(/no node 'hv2'/);
    expect(JSON.stringify(h.cluster.sim.state.vms())).toBe(before);
  });

  it('migrate_vms moves at once; with allowOfflineMigration it first answers with the plan and a token', async () => {
    const simple = await h.call('migrate_vms', { selector: 'id:8201', targetNode: 'pve3' });
    expect(simple.isError).toBeFalsy();
    expect(sc(simple).status).toBe('succeeded');
    expect(vm(8201).node).toBe('pve3');

    const args = { selector: 'id:8202', targetNode: 'pve1', allowOfflineMigration: true };
    const plan = await h.call('migrate_vms', args);
    expect(sc(plan).needsConfirmation).toBe(true);
    expect(vm(8202).node).toBe('pve3');
    const done = await h.call('migrate_vms', { ...args, confirm: sc(plan).confirmToken });
    expect(sc(done).status).toBe('succeeded');
    expect(vm(8202)).toMatchObject({ node: 'pve1', status: 'running' });
  });

  it('drain_node is confirmed: the plan shows the placement, nothing moves without the token', async () => {
    const before = JSON.stringify(h.cluster.sim.state.vms().map((v) => [v.vmid, v.node]));
    const plan = await h.call('drain_node', { node: 'pve4' });
    expect(sc(plan).needsConfirmation).toBe(true);
    expect(textOf(plan)).toMatch(/migrate to pve[123] \(/);
    expect(JSON.stringify(h.cluster.sim.state.vms().map((v) => [v.vmid, v.node]))).toBe(before);
    const done = await h.call('drain_node', { node: 'pve4', confirm: sc(plan).confirmToken });
    expect(['succeeded', 'partial']).toContain(sc(done).status);
    expect(h.cluster.sim.state.vms().filter((v) => v.node === 'pve4' && v.type === 'qemu' && !v.template).length).toBe(0);
  });

  it('migration_history lists recorded moves, by VM', async () => {
    await h.history.recordMigration({ id: 'op-x/vm-8203', at: Date.now(), vmid: 8203, from: 'pve4', to: 'pve1', status: 'succeeded', mode: 'online', stateBefore: 'running', stateAfter: 'running', upids: ['UPID:pve4:1:1:1:qmigrate:8203:root@pam:'] });
    const r = await h.call('migration_history', { vmid: 8203 });
    expect(sc(r).total).toBe(1);
    expect(sc(r).migrations[0]).toMatchObject({ vmid: 8203, from: 'pve4', to: 'pve1', mode: 'online', status: 'succeeded' });
    expect(sc(await h.call('migration_history', { vmid: 999 })).total).toBe(0);
  });
});
