// The container paths against the PVE 8.4 profile (validated against the 8.4 schema, which has no
// GET …/lxc/{vmid}/migrate): snapshot, restart-mode migration, suspend/resume, resize, as on 9.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';
import { ok } from '../fixtures/operation.js';

let c: TestCluster;
beforeAll(async () => {
  c = await startCluster({ taskDurationMs: 20, pve: '8.4' });
});
afterAll(async () => {
  await c.close();
});

describe('containers on PVE 8.4', () => {
  it('snapshot, resize, suspend/resume and a restart-mode migration of CT 301', async () => {
    expect(c.sim.pve).toBe('8.4');
    ok(await c.core.run('snapshot.create', { vmSelectors: 'id:301', snapshotName: 'on-84' }));
    expect(c.sim.state.vm(301)!.snapshots.map((s) => s.name)).toContain('on-84');
    ok(await c.core.run('vm.resize', { vmSelectors: 'id:301', disk: 'rootfs', size: '12G' }));
    expect(String(c.sim.state.vm(301)!.config.rootfs)).toContain('size=12G');
    ok(await c.core.run('power', { vmSelectors: 'id:301', operation: 'SUSPEND' }));
    expect(c.sim.state.vm(301)!.status).toBe('paused');
    ok(await c.core.run('power', { vmSelectors: 'id:301', operation: 'RESUME' }));
    expect(c.sim.state.vm(301)!.status).toBe('running');
    const from = c.sim.state.vm(301)!.node;
    const to = ['pve1', 'pve2', 'pve3', 'pve4'].find((n) => n !== from)!;
    ok(await c.core.run('migrate', { vmSelectors: 'id:301', targetNode: to }));
    expect(c.sim.state.vm(301)).toMatchObject({ node: to, status: 'running' });
    expect(c.sim.state.tasks().some((t) => t.type === 'vzmigrate' && t.id === '301' && t.exitstatus === 'OK')).toBe(true);
  });
});
