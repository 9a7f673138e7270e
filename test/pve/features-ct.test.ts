// pct create's ha-managed (PVE 9.1 on): detected per release, and the client refuses it on 8.4 before the
// request is sent (the simulator's request counts and true state prove nothing went out).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectFeatures, FeatureUnavailableError } from '../../src/pve/features.js';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';

const TEMPLATE = 'util-iso:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';
let v9: TestCluster;
let v84: TestCluster;
beforeAll(async () => {
  [v9, v84] = await Promise.all([startCluster({ vms: 10, taskDurationMs: 20 }), startCluster({ vms: 10, pve: '8.4' })]);
});
afterAll(async () => {
  await v9.close();
  await v84.close();
});

describe('lxc-create-ha-managed', () => {
  it('is there on 9.1, not on 8.4, each with its reason', async () => {
    expect((await detectFeatures(v9.client)).features['lxc-create-ha-managed']).toEqual({ available: true, reason: 'added in PVE 9.1; the cluster reports 9.1' });
    expect((await detectFeatures(v84.client)).features['lxc-create-ha-managed']).toEqual({ available: false, reason: 'added in PVE 9.1; the cluster reports 8.4' });
  });

  it('PVE 8.4: a create with ha-managed never reaches the cluster', async () => {
    v84.sim.stats.reset();
    const err = await v84.client.post('/nodes/pve1/lxc', { vmid: 700, ostemplate: TEMPLATE, storage: 'local-zfs', 'ha-managed': 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FeatureUnavailableError);
    expect((err as Error).message).toContain("parameter 'ha-managed' of POST /nodes/{node}/lxc: added in PVE 9.1");
    expect(v84.sim.stats.byRoute['POST /nodes/{node}/lxc']).toBeUndefined();
    expect(v84.sim.state.vm(700)).toBeUndefined();
  });

  it('PVE 9: sent and honoured: the CT is an HA resource, hastate in /cluster/resources, not a config key', async () => {
    const upid = await v9.client.post<string>('/nodes/pve1/lxc', { vmid: 700, ostemplate: TEMPLATE, storage: 'local-zfs', 'ha-managed': 1 });
    expect((await v9.client.waitForTask(upid)).exitstatus).toBe('OK');
    const res = await v9.client.get<Array<{ vmid?: number; hastate?: string }>>('/cluster/resources', { type: 'vm' });
    expect(res.find((r) => r.vmid === 700)?.hastate).toBe('stopped');
    expect(v9.sim.state.vm(700)!.config).not.toHaveProperty('ha-managed');
    expect(v9.sim.state.vm(700)!.config.unprivileged).toBe(1);
  });
});
