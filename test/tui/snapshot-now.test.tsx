// Where the VM is now in the snapshot tree: PVE keeps it in the config's `parent` (a new snapshot becomes
// it, a rollback sets it to the snapshot rolled back to, deleting it re-parents onto the deleted one's
// parent). The simulator does the same, and the TUI's NOW row sits under the snapshot the simulator's
// true state says, after a rollback made with R in the TUI. Long names stay whole at 80 columns.
import { afterEach, describe, expect, it } from 'vitest';
import { snapshotRows } from '../../tui/rows.js';
import { KEY, startTui, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A clone of a stopped workshop VM on Ceph: ZFS (every demo VM's disk) refuses a rollback past newer snapshots. */
const VMID = 8250;
/** 40 characters, PVE's longest snapshot name. */
const LONG = 'a-forty-character-snapshot-name-for-8250';

async function cephVm(t: Harness): Promise<void> {
  const op = await t.core.run('vm.clone', { sourceVmId: 8208, newVmId: VMID, targetStorage: 'ceph-vm' });
  expect(op.status, JSON.stringify(op.targets.map((x) => x.message))).toBe('succeeded');
  expect(String(t.sim.state.vm(VMID)!.config.scsi0)).toMatch(/^ceph-vm:/);
}

describe('snapshot tree: NOW', () => {
  it('the simulator keeps `parent` as PVE does: create, rollback, delete of the parent', async () => {
    h = await startTui({ vms: 40 });
    const { core, sim } = h;
    await cephVm(h);
    await core.createSnapshots({ vmSelectors: `id:${VMID}`, snapshotName: 'now-a' });
    await core.createSnapshots({ vmSelectors: `id:${VMID}`, snapshotName: 'now-b' });
    const vm = () => sim.state.vm(VMID)!;
    expect(vm().parent).toBe('now-b');
    expect(vm().snapshots.find((s) => s.name === 'now-b')!.parent).toBe('now-a');
    // PVE's config read carries `parent` (qm config shows it); the TUI reads it from there.
    expect((await core.getVmConfig({ vmid: VMID, node: vm().node })).parent).toBe('now-b');
    await core.rollbackSnapshot({ vmSelectors: `id:${VMID}`, snapshotName: 'now-a', force: true });
    expect(vm().parent).toBe('now-a');
    await core.createSnapshots({ vmSelectors: `id:${VMID}`, snapshotName: 'now-c' });
    expect(vm().snapshots.find((s) => s.name === 'now-c')!.parent).toBe('now-a');
    expect(vm().parent).toBe('now-c');
    // Deleting the VM's parent: the VM and the deleted snapshot's children move to its parent.
    await core.deleteSnapshots({ vmSelectors: `id:${VMID}`, snapshotName: 'now-c', moxxieOnly: false });
    expect(vm().parent).toBe('now-a');
    await core.deleteSnapshots({ vmSelectors: `id:${VMID}`, snapshotName: 'now-a', moxxieOnly: false });
    // now-a was the root: now-b becomes one, and the VM derives from no snapshot.
    expect(vm().snapshots.find((s) => s.name === 'now-b')!.parent).toBeUndefined();
    expect(vm().parent).toBeUndefined();
    expect((await core.getVmConfig({ vmid: VMID, node: vm().node })).parent).toBeUndefined();
  });

  it('puts NOW under the snapshot a rollback in the TUI went back to, with long names whole at 80×24', async () => {
    h = await startTui({ vms: 40 });
    const t = h;
    await cephVm(t);
    await t.controller.refresh();
    await t.core.createSnapshots({ vmSelectors: `id:${VMID}`, snapshotName: LONG });
    await t.core.createSnapshots({ vmSelectors: `id:${VMID}`, snapshotName: 'now-later' });
    t.store.setState({ size: { columns: 80, rows: 24 } });
    await t.type(`:vms id:${VMID}`);
    await t.press(KEY.enter, KEY.enter);
    let frame = await t.waitFor(/NOW\s+where the VM is now \(from now-later\)/);
    // A plain chain stays flush left: the 40-character name is whole.
    expect(frame).toContain(LONG);

    // R on the long-named snapshot: the plan, typed confirmation (destructive), the rollback.
    const names = () => snapshotRows(t.store.getState()).map((r) => r.name);
    await t.press('g');
    for (let i = 0; i < names().indexOf(LONG); i++) await t.press('j');
    expect(names()[t.store.getState().pos.detail.cursor]).toBe(LONG);
    await t.press('R');
    await t.waitFor(new RegExp(`roll back to\\s+${LONG}`));
    await t.press(KEY.enter, KEY.enter);
    await t.waitFor(/Plan: roll back .* to a-forty/);
    await t.press('1', KEY.enter);
    await t.controller.lastRun;
    expect(t.sim.state.vm(VMID)!.parent).toBe(LONG);
    await t.controller.refresh();

    frame = await t.waitFor(new RegExp(`NOW\\s+where the VM is now \\(from ${LONG}\\)`));
    // The tree: the long snapshot forks into now-later and NOW (where the sim says the VM is).
    const rows = snapshotRows(t.store.getState());
    const now = rows.find((r) => r.now)!;
    expect(now.parent).toBe(t.sim.state.vm(VMID)!.parent);
    const tree = rows.map((r) => `${r.branch}${r.name}`);
    expect(tree.slice(tree.indexOf(LONG))).toEqual([LONG, '├ now-later', '└ NOW']);
    const lines = frame.split('\n');
    expect(lines.find((l) => l.includes(LONG))).toBeDefined();
    expect(lines.find((l) => /├ now-later/.test(l))).toBeDefined();
    expect(lines.find((l) => /└ NOW/.test(l))).toBeDefined();
    // Every line fits 80 columns.
    for (const l of lines) expect(l.trimEnd().length, l).toBeLessThanOrEqual(80);
  });
});
