// Resume of a ct.create whose request had a root password: the recorded request has none (it is never
// recorded), so a CT not yet made is refused with the reason rather than made without a password; a CT already
// made (with it) is found by the create phase's check and the resume finishes without a second create.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';

const TEMPLATE = 'util-iso:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';

let c: TestCluster;
beforeAll(async () => {
  c = await startCluster({ taskDurationMs: 20 });
});
afterAll(async () => {
  await c.close();
});

const ctsNamed = (hostname: string) => c.sim.state.vms().filter((v) => v.type === 'lxc' && v.config.hostname === hostname);
const creates = (vmid: number) => c.sim.state.tasks().filter((t) => t.type === 'vzcreate' && t.id === String(vmid)).length;

describe('resume of ct.create with a password', () => {
  it('a CT not made yet: the resume refuses it, naming the password; nothing is created without one', async () => {
    c.sim.faults.set({ taskFailureRate: 1 });
    const op = await c.core.run('ct.create', { node: 'pve1', hostname: 'pw-ct', ostemplate: TEMPLATE, password: 'sekrit-pw' });
    c.sim.faults.set({ taskFailureRate: 0 });
    expect(op.status).not.toBe('succeeded');
    expect(ctsNamed('pw-ct')).toHaveLength(0);
    expect(JSON.stringify(op)).not.toContain('sekrit-pw');

    const resumed = await c.core.resume(op.id);
    expect(resumed.targets[0].state).toBe('failed');
    expect(resumed.targets[0].message).toMatch(/root password.*never records.*run ct\.create again with the password/);
    expect(JSON.stringify(resumed)).not.toContain('sekrit-pw');
    expect(ctsNamed('pw-ct')).toHaveLength(0);
  });

  it('a CT already made with the password: the resume finds it and starts it, with no second vzcreate', async () => {
    const op = await c.core.run(
      'ct.create',
      { node: 'pve2', hostname: 'pw-ct-2', ostemplate: TEMPLATE, password: 'sekrit-pw', start: true },
      // Cancelled once the CT exists (made with the password): a cancelled create is left for resume or rollback.
      { onEvent: (e) => void (e.type === 'phase-changed' && e.phase.name === 'start' && c.core.operations.cancel(e.operationId)) },
    );
    expect(op.status).not.toBe('succeeded');
    expect(ctsNamed('pw-ct-2')).toHaveLength(1);
    const vmid = ctsNamed('pw-ct-2')[0].vmid;
    const createsBefore = creates(vmid);

    const resumed = await c.core.resume(op.id);
    expect(resumed.status, resumed.targets[0].message).toBe('succeeded');
    expect(ctsNamed('pw-ct-2')).toHaveLength(1);
    expect(ctsNamed('pw-ct-2')[0].status).toBe('running');
    expect(creates(vmid)).toBe(createsBefore);
  });
});
