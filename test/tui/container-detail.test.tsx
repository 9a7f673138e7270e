// Enter on a container in the TUI shows its detail like a VM's (it used to be a connection error): that it is a
// container, its config (rootfs, swap, privilege), status, snapshots and recent vz* tasks; a snapshot taken from
// the detail lands on the container, and the plan dialog says qemu or lxc per row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY, startTui, type Harness } from './harness.js';

let t: Harness;
beforeAll(async () => {
  t = await startTui();
});
afterAll(() => t.close());

describe('container detail in the TUI', () => {
  it('Enter on CT 300 shows its config, status, snapshots and tasks; no error', async () => {
    // A task of its own first, so the detail has one to show.
    const op = await t.core.run('snapshot.create', { vmSelectors: 'id:300', snapshotName: 'tui-ct-snap' });
    expect(op.status).toBe('succeeded');
    const ct = t.sim.state.vm(300)!;
    await t.type(':vms id:300');
    await t.press(KEY.enter);
    await t.press(KEY.enter);
    await t.waitFor(/rootfs local-zfs:subvol-300-disk-0 8G/);
    const frame = await t.waitFor(/tui-ct-snap/);
    expect(frame).toMatch(new RegExp(`300 ${ct.name} container \\(lxc\\) on ${ct.node} — running`));
    expect(frame).toMatch(/cores 1 · swap \? MiB · privileged · memory 512 MiB/);
    expect(frame).toMatch(/tasks vzsnapshot OK/);
    expect(frame).not.toMatch(/error|only qemu/i);
    expect(t.store.getState().detail).toMatchObject({ vmid: 300, loaded: true });
  });

  it('the plan dialog of a bulk snapshot over a VM and a container says lxc and qemu per row', async () => {
    await t.press(KEY.esc);
    await t.type(':vms id:100,300');
    await t.press(KEY.enter, 'a', 's');
    expect(t.frame()).toMatch(/snapshot 2 VMs[\s\S]*› snapshot name/);
    await t.press(KEY.ctrlU);
    await t.type('tui-both');
    await t.press(KEY.enter, KEY.enter);
    const plan = await t.waitFor(/TYPE\s+VMID\s+NAME/);
    expect(plan).toMatch(/qemu\s+100\s+\S+/);
    expect(plan).toMatch(/lxc\s+300\s+\S+/);
    await t.press('y');
    await t.controller.lastRun;
    expect(t.sim.state.vm(300)!.snapshots.map((s) => s.name)).toContain('tui-both');
    expect(t.sim.state.vm(100)!.snapshots.map((s) => s.name)).toContain('tui-both');
  });
});
