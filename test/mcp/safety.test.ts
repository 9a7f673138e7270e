// The core's safety rules as an assistant meets them through MCP: safe mode (only VMs tagged moxxie),
// always-on and PVE protection show up in the plan as skips with reasons; force lifts them but needs
// confirmation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, textOf, type CallResult, type Harness } from './in-memory-server.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ vms: 60, taskDurationMs: 20 }, { safeMode: true });
});
afterAll(() => h.close());

const sc = (r: CallResult) => r.structuredContent as { needsConfirmation: boolean; confirmToken?: string; counts: Record<string, number>; targets: Array<{ vmid: number; state: string; message?: string }> };
const status = (id: number) => h.cluster.sim.state.vm(id)!.status;

describe('safe mode, always-on and protection', () => {
  it('a STOP plan skips untagged, always-on and protected VMs, and only the rest are stopped', async () => {
    const vm101 = h.cluster.sim.state.vm(101)!;
    await h.cluster.client.put(`/nodes/${vm101.node}/qemu/101/config`, { protection: 1 });
    const args = { selector: 'id:100-104', operation: 'STOP' };
    const plan = await h.call('power_vms', args);
    const byId = new Map(sc(plan).targets.map((t) => [t.vmid, t]));
    expect(byId.get(100)?.state).toBe('planned'); // tagged moxxie
    expect(byId.get(101)?.message).toMatch(/protection/);
    expect(byId.get(102)?.message).toMatch(/always-on/);
    expect(byId.get(103)?.message).toMatch(/safe mode/);
    expect(byId.get(104)?.message).toMatch(/safe mode/);
    expect(textOf(plan)).toMatch(/Skipped 2: safe mode/);

    const done = await h.call('power_vms', { ...args, confirm: sc(plan).confirmToken });
    expect(sc(done).counts).toMatchObject({ succeeded: 1, skipped: 4 });
    expect(status(100)).toBe('stopped');
    for (const id of [101, 102, 103, 104]) expect(status(id)).toBe('running');
  });

  it('force lifts the rules but always needs confirmation, even for a START', async () => {
    const plan = await h.call('power_vms', { selector: 'id:103', operation: 'REBOOT', force: true });
    expect(sc(plan).needsConfirmation).toBe(true);
    expect(sc(plan).counts.planned).toBe(1);
    const start = await h.call('power_vms', { selector: 'id:100', operation: 'START', force: true });
    expect(sc(start).needsConfirmation).toBe(true);
    expect(status(100)).toBe('stopped');
  });

  it('safe mode keeps snapshot deletion to VMs tagged moxxie', async () => {
    const plan = await h.call('delete_snapshots', { selector: 'id:100,107', snapshotName: 'pre-upgrade', moxxieOnly: false });
    const byId = new Map(sc(plan).targets.map((t) => [t.vmid, t]));
    expect(byId.get(107)?.message).toMatch(/safe mode/);
    expect(byId.get(100)?.state).toBe('planned');
  });
});

describe('list_operations', () => {
  it('filters by status, and names a bad one', async () => {
    const r = await h.call('list_operations', { status: 'succeeded' });
    const ops = r.structuredContent!.operations as Array<{ status: string; kind: string }>;
    expect(ops.length).toBeGreaterThan(0);
    expect(ops.every((o) => o.status === 'succeeded')).toBe(true);
    const bad = await h.call('list_operations', { status: 'exploded' });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toMatch(/status/);
  });
});
