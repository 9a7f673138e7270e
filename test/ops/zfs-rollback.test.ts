// What moxxie's snapshot rollback reports when PVE's ZFS plugin refuses a rollback past newer snapshots.
import { afterEach, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';

let c: TestCluster | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

it('a rollback past a newer snapshot on ZFS fails for that guest with the plugin\'s reason, and changes nothing', async () => {
  c = await startCluster({ vms: 20 });
  const ids = { vmSelectors: [{ type: 'VM_IDS' as const, value: '8201' }] };
  await c.core.createSnapshots({ ...ids, snapshotName: 'older' });
  await c.core.createSnapshots({ ...ids, snapshotName: 'newer' });
  const before = c.sim.state.vm(8201)!;
  const op = await c.core.rollbackSnapshot({ ...ids, snapshotName: 'older' });
  expect(op.status).not.toBe('succeeded');
  expect(op.targets[0]).toMatchObject({ state: 'failed', message: expect.stringContaining("can't rollback, 'older' is not most recent snapshot on 'local-zfs:vm-8201-disk-0'") });
  const after = c.sim.state.vm(8201)!;
  expect(after.status).toBe(before.status);
  expect(after.lock).toBeUndefined();
  expect(after.snapshots.map((s) => s.name)).toEqual(before.snapshots.map((s) => s.name));
  // The newest one rolls back.
  expect((await c.core.rollbackSnapshot({ ...ids, snapshotName: 'newer' })).status).toBe('succeeded');
});
