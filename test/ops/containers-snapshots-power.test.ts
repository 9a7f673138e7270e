// Containers (pct) in the snapshot and power capabilities, through core.run against the simulator, asserting
// the simulator's true state: CT 300-302 (running) beside VMs, `type:lxc`/`type:qemu` selections, the vz* tasks,
// a container snapshot that cannot hold RAM, a freeze that PVE reports as running.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';
import { ok } from '../fixtures/operation.js';
import { controlWallClock } from '../fixtures/clock.js';

let c: TestCluster;
beforeAll(async () => {
  c = await startCluster({ taskDurationMs: 20 });
});
afterAll(async () => {
  await c.close();
});

const ctTasks = (vmid: number, type: string) => c.sim.state.tasks().filter((t) => t.id === String(vmid) && t.type === type);

describe('snapshots of containers', () => {
  it('a bulk snapshot over VMs and containers takes both; each target says its type; the CT gets a vzsnapshot', async () => {
    const op = ok(await c.core.run('snapshot.create', { vmSelectors: 'id:100,300', snapshotName: 'lxc-test-{vmid}', ttlHours: 2 }));
    expect(op.targets.map((t) => [t.vmid, t.guestType, t.state])).toEqual([[100, 'qemu', 'succeeded'], [300, 'lxc', 'succeeded']]);
    const snap = c.sim.state.vm(300)!.snapshots.find((s) => s.name === 'lxc-test-300');
    expect(snap).toMatchObject({ vmstate: false });
    expect(snap!.description).toMatch(/TTL: 2h/);
    expect(ctTasks(300, 'vzsnapshot').at(-1)).toMatchObject({ status: 'stopped', exitstatus: 'OK' });
    expect(c.sim.state.vm(100)!.snapshots.some((s) => s.name === 'lxc-test-100')).toBe(true);
  });

  it('includeMemory: containers are skipped with the reason, VMs get RAM; `type:lxc` selects containers only', async () => {
    const op = await c.core.run('snapshot.create', { vmSelectors: 'type:lxc', snapshotName: 'ram-{vmid}', includeMemory: true });
    expect(op.targets.map((t) => t.vmid)).toEqual([300, 301, 302]);
    for (const t of op.targets) {
      expect(t.state).toBe('skipped');
      expect(t.message).toMatch(/container snapshot cannot include memory/);
    }
    for (const vmid of [300, 301, 302]) expect(c.sim.state.vm(vmid)!.snapshots.some((s) => s.name.startsWith('ram-'))).toBe(false);
  });

  it('listSnapshots and the TTL marker read a container like a VM', async () => {
    const list = await c.core.listSnapshots(300);
    expect(list.find((s) => s.name === 'lxc-test-300')).toMatchObject({ ttlHours: 2, moxxieMade: true, vmstate: false });
  });

  it('delete by name removes the container snapshot (a vzdelsnapshot task)', async () => {
    ok(await c.core.run('snapshot.delete', { vmSelectors: 'type:lxc id:300', snapshotName: 'lxc-test-300' }));
    expect(c.sim.state.vm(300)!.snapshots.some((s) => s.name === 'lxc-test-300')).toBe(false);
    expect(ctTasks(300, 'vzdelsnapshot').at(-1)).toMatchObject({ exitstatus: 'OK' });
    // The VM's snapshot of the same run is untouched: the selection said type:lxc.
    expect(c.sim.state.vm(100)!.snapshots.some((s) => s.name === 'lxc-test-100')).toBe(true);
  });

  it('expired TTL deletes a container snapshot past its time', async () => {
    ok(await c.core.run('snapshot.create', { vmSelectors: 'id:301', snapshotName: 'ttl-{vmid}', ttlHours: 1 }));
    // Two hours later (the wall clock moved, not slept on): the 1h TTL has run out.
    const clock = controlWallClock();
    try {
      clock.jump(2 * 3600_000);
      ok(await c.core.run('snapshot.delete', { vmSelectors: 'id:301', expiredOnly: true }));
    } finally {
      clock.restore();
    }
    expect(c.sim.state.vm(301)!.snapshots.some((s) => s.name === 'ttl-301')).toBe(false);
  });

  it('rollback of a running container stops it and, with start, starts it again (vzrollback)', async () => {
    ok(await c.core.run('snapshot.create', { vmSelectors: 'id:302', snapshotName: 'before' }));
    ok(await c.core.run('tags', { vmSelectors: 'id:302', action: 'ADD', tags: ['changed'] }));
    expect(c.sim.state.vm(302)!.tags).toContain('changed');
    ok(await c.core.run('snapshot.rollback', { vmSelectors: 'id:302', snapshotName: 'before', start: true }));
    const ct = c.sim.state.vm(302)!;
    expect(ct.tags).not.toContain('changed');
    expect(ct.status).toBe('running');
    expect(ctTasks(302, 'vzrollback').at(-1)).toMatchObject({ exitstatus: 'OK' });
  });
});

describe('power of containers', () => {
  it('shutdown then start a container: vzshutdown/vzstart, state read back', async () => {
    ok(await c.core.run('power', { vmSelectors: 'id:301', operation: 'SHUTDOWN', timeoutSeconds: 30 }));
    expect(c.sim.state.vm(301)!.status).toBe('stopped');
    expect(ctTasks(301, 'vzshutdown').at(-1)).toMatchObject({ exitstatus: 'OK' });
    ok(await c.core.run('power', { vmSelectors: 'id:301', operation: 'START' }));
    expect(c.sim.state.vm(301)!.status).toBe('running');
    expect(ctTasks(301, 'vzstart').at(-1)).toMatchObject({ exitstatus: 'OK' });
  });

  it('stop and reboot; a forced reboot (reset) is skipped for a container: pct has no reset', async () => {
    ok(await c.core.run('power', { vmSelectors: 'id:300', operation: 'REBOOT' }));
    expect(ctTasks(300, 'vzreboot').at(-1)).toMatchObject({ exitstatus: 'OK' });
    const forced = await c.core.run('power', { vmSelectors: 'id:300', operation: 'REBOOT', force: true });
    expect(forced.targets[0]).toMatchObject({ state: 'skipped', guestType: 'lxc' });
    expect(forced.targets[0].message).toMatch(/no hard reset/);
    ok(await c.core.run('power', { vmSelectors: 'id:300', operation: 'STOP' }));
    expect(c.sim.state.vm(300)!.status).toBe('stopped');
    ok(await c.core.run('power', { vmSelectors: 'id:300', operation: 'START' }));
  });

  it('suspend freezes a container (PVE still reports it running) and resume thaws it', async () => {
    ok(await c.core.run('power', { vmSelectors: 'id:300', operation: 'SUSPEND' }));
    expect(c.sim.state.vm(300)!.status).toBe('paused');
    expect(ctTasks(300, 'vzsuspend').at(-1)).toMatchObject({ exitstatus: 'OK' });
    // A frozen CT reports running, so RESUME is not skipped as "already running".
    const op = ok(await c.core.run('power', { vmSelectors: 'id:300', operation: 'RESUME' }));
    expect(op.targets[0].state).toBe('succeeded');
    expect(c.sim.state.vm(300)!.status).toBe('running');
    expect(ctTasks(300, 'vzresume').at(-1)).toMatchObject({ exitstatus: 'OK' });
  });

  it('a dry run over `type:lxc status:running` plans each container as lxc and changes nothing', async () => {
    const before = c.sim.state.tasks().length;
    const op = await c.core.run('power', { vmSelectors: 'type:lxc status:running', operation: 'SHUTDOWN', dryRun: true });
    expect(op.targets.length).toBeGreaterThan(0);
    expect(op.targets.every((t) => t.guestType === 'lxc' && t.state === 'planned')).toBe(true);
    expect(c.sim.state.tasks().length).toBe(before);
  });
});
