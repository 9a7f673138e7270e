// Containers through MCP on the simulator: get_vm on a container (config, snapshots, tasks; it used to answer
// no snapshots), and a bulk tool's rows that say qemu or lxc per guest, then its effect in the true state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, textOf, type Harness } from './in-memory-server.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ vms: 30 });
});
afterAll(() => h.close());

describe('containers over MCP', () => {
  it('get_vm 300: the container row, its config, its snapshots and its vz* tasks', async () => {
    const made = await h.call('create_snapshots', { selector: 'id:300', snapshotName: 'mcp-ct', ttlHours: 3 });
    expect(made.isError, textOf(made)).toBeFalsy();
    const r = await h.call('get_vm', { vmid: 300 });
    expect(r.isError).toBeFalsy();
    const s = r.structuredContent as { vm: { vmid: number }; config: Record<string, unknown>; snapshots: Array<{ name: string; ttlHours?: number; moxxieMade: boolean }>; recentTasks: Array<{ type: string }> };
    const ct = h.cluster.sim.state.vm(300)!;
    expect(s.vm.vmid).toBe(300);
    expect(s.config).toMatchObject({ hostname: ct.name, rootfs: ct.config.rootfs });
    expect(s.snapshots.find((x) => x.name === 'mcp-ct')).toMatchObject({ ttlHours: 3, moxxieMade: true });
    expect(s.recentTasks.map((t) => t.type)).toContain('vzsnapshot');
    expect(textOf(r)).toMatch(/1 snapshot\(s\): mcp-ct/);
  });

  it('a dry run over a VM and a container answers guestType per row and says it in the text', async () => {
    const r = await h.call('power_vms', { selector: 'id:100,300', operation: 'REBOOT', dryRun: true });
    expect(r.isError).toBeFalsy();
    const rows = (r.structuredContent as { targets: Array<{ vmid: number; guestType?: string; state: string }> }).targets;
    expect(rows.find((t) => t.vmid === 300)).toMatchObject({ guestType: 'lxc', state: 'planned' });
    expect(rows.find((t) => t.vmid === 100)?.guestType).toBe('qemu');
    expect(textOf(r)).toMatch(/300 \S+: reboot \(lxc\)/);
    // A dry run changed nothing: no reboot task for the container.
    expect(h.cluster.sim.state.tasks().some((t) => t.type === 'vzreboot' && t.id === '300')).toBe(false);
  });
});
