// The operation runner's failure paths, against the simulator.
import { afterEach, describe, expect, it } from 'vitest';
import { postQemuSnapshot, postQemuMigrate } from '../../src/pve/endpoints/qemu.js';
import { ReadOnlyError } from '../../src/ops/errors.js';
import type { AuditEntry } from '../../src/ops/recorder.js';
import type { OperationEvent } from '../../src/ops/types.js';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';

let c: TestCluster | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

describe('operation runner', () => {
  it('respects maxParallel and never runs two steps on one VM', async () => {
    c = await startCluster({ vms: 40, taskDurationMs: 60 });
    let running = 0;
    let peak = 0;
    const events: OperationEvent[] = [];
    const op = await c.core.createSnapshots(
      { vmSelectors: [{ type: 'ALL' }], snapshotName: 'par-{vmid}', maxParallel: 4 },
      {
        onEvent: (e) => {
          events.push(e);
          if (e.type === 'target-updated' && e.target.state === 'running' && !e.target.upid) peak = Math.max(peak, ++running);
          if (e.type === 'target-updated' && (e.target.state === 'succeeded' || e.target.state === 'failed')) running--;
        },
      },
    );
    expect(op.status).toBe('succeeded');
    expect(peak).toBeLessThanOrEqual(4);
    expect(peak).toBeGreaterThan(1);
    expect(events[0].type).toBe('operation-started');
    expect(events.at(-1)?.type).toBe('operation-finished');
    expect(op.summary?.counts.succeeded).toBe(op.targets.filter((t) => t.state !== 'skipped').length);
    expect(op.targets.filter((t) => t.state === 'skipped').every((t) => /lxc guests/.test(t.message ?? ''))).toBe(true);
  });

  it('honours a per-node cap', async () => {
    c = await startCluster({ vms: 40, nodes: 2, taskDurationMs: 60 });
    const perNode = new Map<string, number>();
    let worst = 0;
    await c.core.createSnapshots(
      { vmSelectors: [{ type: 'ALL' }], snapshotName: 'cap-{vmid}', maxParallel: 10, maxPerNode: 1 },
      {
        onEvent: (e) => {
          if (e.type !== 'target-updated') return;
          if (e.target.state === 'running' && !e.target.upid) perNode.set(e.target.node, (perNode.get(e.target.node) ?? 0) + 1);
          if (e.target.state === 'succeeded' || e.target.state === 'failed') perNode.set(e.target.node, (perNode.get(e.target.node) ?? 1) - 1);
          worst = Math.max(worst, ...perNode.values());
        },
      },
    );
    expect(worst).toBe(1);
  });

  it('retries a locked VM with backoff and succeeds once the lock is gone', async () => {
    c = await startCluster({ vms: 20, taskDurationMs: 300 });
    const holder = await postQemuSnapshot(c.client, 'pve1', 8200, { snapname: 'holder' });
    c.sim.faults.set({ taskDurationMs: 20 });
    const op = await c.core.applyTags({ vmSelectors: [{ type: 'VM_IDS', value: '8200' }], action: 'ADD', tags: ['after-lock'] });
    expect(op.targets[0].state).toBe('succeeded');
    expect(c.sim.state.vm(8200)!.tags).toContain('after-lock');
    await c.client.waitForTask(holder);
  });

  it('gives up on a VM that stays locked, with PVE\'s message, while the others go on', async () => {
    c = await startCluster({ vms: 20, taskDurationMs: 3000 }, { lockRetries: 2, lockRetryDelayMs: 10 });
    await postQemuSnapshot(c.client, 'pve1', 8200, { snapname: 'long-holder' });
    c.sim.faults.set({ taskDurationMs: 20 });
    const op = await c.core.applyTags({ vmSelectors: [{ type: 'VM_IDS', value: '8200,8201' }], action: 'ADD', tags: ['x1'] });
    const [locked, free] = op.targets;
    expect(locked.state).toBe('failed');
    expect(locked.message).toMatch(/VM is locked \(snapshot\).*gave up after 2 retries/);
    expect(free.state).toBe('succeeded');
    expect(op.status).toBe('partial');
    expect(c.sim.state.vm(8200)!.tags).not.toContain('x1');
  });

  it('fails a target whose task fails, reporting the task\'s exit status', async () => {
    c = await startCluster({ vms: 20, faults: { taskFailureRate: 1 } });
    const op = await c.core.createSnapshots({ vmSelectors: [{ type: 'VM_IDS', value: '8200,8201' }], snapshotName: 'doomed' });
    expect(op.status).toBe('failed');
    expect(op.targets.every((t) => t.state === 'failed' && t.message === 'simulated task failure (fault injection)')).toBe(true);
    expect(c.sim.state.vm(8200)!.snapshots.some((s) => s.name === 'doomed')).toBe(false);
  });

  it('skips VMs on an offline node and does the rest', async () => {
    c = await startCluster({ vms: 20, offlineNodes: ['pve2'] });
    // PVE reports no name for guests of an offline node, so select by id.
    const op = await c.core.createSnapshots({ vmSelectors: [{ type: 'VM_IDS', value: '8200-8203' }], snapshotName: 'off-{vmid}' });
    const onPve2 = op.targets.filter((t) => t.node === 'pve2');
    expect(onPve2.length).toBeGreaterThan(0);
    expect(onPve2.every((t) => t.state === 'skipped' && t.message === 'node pve2 is offline')).toBe(true);
    expect(op.warnings.some((w) => w.includes('pve2 is offline'))).toBe(true);
    expect(op.targets.filter((t) => t.node !== 'pve2').every((t) => t.state === 'succeeded')).toBe(true);
  });

  it('cancels mid-run: nothing new starts, running steps finish, everything is reported', async () => {
    c = await startCluster({ vms: 30, taskDurationMs: 150 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const op = await c.core.createSnapshots({ vmSelectors: [{ type: 'ALL' }], snapshotName: 'cancel-{vmid}', maxParallel: 2 }, { signal: ac.signal });
    expect(op.status).toBe('cancelled');
    const states = op.targets.map((t) => t.state);
    expect(states).not.toContain('running');
    expect(states).not.toContain('planned');
    const done = op.targets.filter((t) => t.state === 'succeeded').map((t) => t.vmid);
    expect(done.length).toBeGreaterThan(0);
    expect(op.targets.filter((t) => t.state === 'cancelled').length).toBeGreaterThan(0);
    // The simulator agrees: exactly the succeeded targets have the snapshot.
    const snapped = c.sim.state.vms().filter((v) => v.snapshots.some((s) => s.name.startsWith('cancel-'))).map((v) => v.vmid);
    expect(snapped.sort()).toEqual(done.sort());
  });

  it('cancels through the registry by operation id', async () => {
    c = await startCluster({ vms: 30, taskDurationMs: 150 });
    let id = '';
    const running = c.core.createSnapshots({ vmSelectors: [{ type: 'ALL' }], snapshotName: 'reg-{vmid}', maxParallel: 1 }, { onStarted: (op) => (id = op.id) });
    await new Promise((r) => setTimeout(r, 100));
    expect(c.core.operations.get(id)?.status).toBe('running');
    expect(c.core.operations.cancel(id)).toBe(true);
    const op = await running;
    expect(op.status).toBe('cancelled');
    expect(c.core.operations.cancel(id)).toBe(false);
  });

  it('finds a migrated VM on its new node', async () => {
    c = await startCluster({ vms: 20 });
    const vm = c.sim.state.vm(8203)!;
    const target = vm.node === 'pve1' ? 'pve2' : 'pve1';
    await c.client.waitForTask(await postQemuMigrate(c.client, vm.node, 8203, { target, online: vm.status === 'running', 'with-local-disks': true }));
    const op = await c.core.createSnapshots({ vmSelectors: [{ type: 'VM_IDS', value: '8203' }], snapshotName: 'after-move' });
    expect(op.targets[0]).toMatchObject({ node: target, state: 'succeeded' });
    expect(c.sim.state.vm(8203)!.snapshots.some((s) => s.name === 'after-move')).toBe(true);
  });

  it('refuses bad request fields naming them', async () => {
    c = await startCluster({ vms: 20 });
    await expect(c.core.createSnapshots({ vmSelectors: [{ type: 'ALL' }], snapshotName: 'x-{vm}', maxParallel: 50 })).rejects.toThrow(/maxParallel: must be an integer from 1 to 20/);
    await expect(c.core.createSnapshots({ vmSelectors: [{ type: 'ALL' }], snapshotName: 'x-{vm}', ttlHours: 9000 })).rejects.toThrow(/ttlHours: must be an integer from 1 to 8760/);
    await expect(c.core.power({ vmSelectors: [{ type: 'ALL' }], operation: 'SHUTDOWN', timeoutSeconds: 5 })).rejects.toThrow(/timeoutSeconds: must be an integer from 30 to 3600/);
    await expect(c.core.power({ vmSelectors: [{ type: 'ALL' }], operation: 'HALT' as never })).rejects.toThrow(/operation: 'HALT' is not valid/);
    await expect(c.core.createSnapshots({ vmSelectors: [{ type: 'ALL' }], snapshotName: 'x-{host}' })).rejects.toThrow(/unknown placeholder \{host\}/);
  });
});

describe('safety in the core', () => {
  it('read-only refuses every mutation, audits the refusal and changes nothing; dry runs still plan', async () => {
    const audits: AuditEntry[] = [];
    c = await startCluster({ vms: 20 }, {
      context: { readOnly: true },
      recorder: { operationStarted() {}, targetUpdated() {}, operationFinished() {}, audit: (e) => void audits.push(e) },
    });
    const before = JSON.stringify(c.sim.state.vms());
    await expect(c.core.createSnapshots({ vmSelectors: [{ type: 'ALL' }], snapshotName: 'ro' })).rejects.toBeInstanceOf(ReadOnlyError);
    await expect(c.core.power({ vmSelectors: [{ type: 'ALL' }], operation: 'STOP' })).rejects.toThrow(/read-only/);
    await expect(c.core.applyTags({ vmSelectors: [{ type: 'ALL' }], action: 'ADD', tags: ['x'] })).rejects.toThrow(/read-only/);
    const dry = await c.core.createSnapshots({ vmSelectors: [{ type: 'ALL' }], snapshotName: 'ro', dryRun: true });
    expect(dry.status).toBe('planned');
    expect(JSON.stringify(c.sim.state.vms())).toBe(before);
    expect(audits.filter((a) => !a.allowed)).toHaveLength(3);
    expect(audits.find((a) => !a.allowed)?.reason).toMatch(/read-only/);
  });

  it('safe mode: destructive actions touch only VMs tagged moxxie unless forced', async () => {
    c = await startCluster({ vms: 40 }, { context: { safeMode: true } });
    const untagged = c.sim.state.vms().find((v) => v.status === 'running' && !v.template && v.type === 'qemu' && !v.tags.includes('moxxie') && !v.tags.includes('always-on') && !v.protection)!;
    const op = await c.core.power({ vmSelectors: [{ type: 'VM_IDS', value: `${untagged.vmid},8200` }], operation: 'STOP' });
    expect(op.targets.find((t) => t.vmid === untagged.vmid)).toMatchObject({ state: 'skipped', message: expect.stringMatching(/safe mode/) });
    expect(c.sim.state.vm(untagged.vmid)!.status).toBe('running');
    expect(c.sim.state.vm(8200)!.status).toBe('stopped');
    const forced = await c.core.power({ vmSelectors: [{ type: 'VM_IDS', value: `${untagged.vmid}` }], operation: 'STOP', force: true });
    expect(forced.targets[0].state).toBe('succeeded');
    expect(c.sim.state.vm(untagged.vmid)!.status).toBe('stopped');
  });

  it('PVE protection blocks a hard stop and a rollback unless forced', async () => {
    c = await startCluster({ vms: 20 });
    await c.client.put('/nodes/pve1/qemu/8200/config', { protection: 1 });
    const op = await c.core.power({ vmSelectors: [{ type: 'VM_IDS', value: '8200' }], operation: 'STOP' });
    expect(op.targets[0]).toMatchObject({ state: 'skipped', message: expect.stringMatching(/protection/) });
    expect(c.sim.state.vm(8200)!.status).toBe('running');
    const rb = await c.core.rollbackSnapshot({ vmSelectors: [{ type: 'VM_IDS', value: '8200' }], snapshotName: 'anything' });
    expect(rb.targets[0].state).toBe('skipped');
  });

  it('never stops always-on VMs in bulk unless forced', async () => {
    c = await startCluster({ vms: 40 });
    const alwaysOn = c.sim.state.vms().filter((v) => v.tags.includes('always-on') && v.status === 'running' && v.type === 'qemu' && !v.protection);
    expect(alwaysOn.length).toBeGreaterThan(0);
    const ids = alwaysOn.map((v) => v.vmid).join(',');
    const op = await c.core.power({ vmSelectors: [{ type: 'VM_IDS', value: ids }], operation: 'SHUTDOWN' });
    expect(op.targets.every((t) => t.state === 'skipped' && /always-on/.test(t.message ?? ''))).toBe(true);
    expect(alwaysOn.every((v) => c!.sim.state.vm(v.vmid)!.status === 'running')).toBe(true);
    const forced = await c.core.power({ vmSelectors: [{ type: 'VM_IDS', value: ids }], operation: 'SHUTDOWN', force: true });
    expect(forced.status).toBe('succeeded');
    expect(alwaysOn.every((v) => c!.sim.state.vm(v.vmid)!.status === 'stopped')).toBe(true);
  });
});
