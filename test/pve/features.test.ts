// Feature detection against both simulator profiles, and the client refusing a release-specific parameter
// the cluster lacks before anything is sent (the simulator's request counts prove nothing went out).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featureReport } from '../../cli/cluster-features.js';
import { detectFeatures, FeatureUnavailableError } from '../../src/pve/features.js';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';

let v9: TestCluster;
let v84: TestCluster;
beforeAll(async () => {
  [v9, v84] = await Promise.all([startCluster({ vms: 20 }), startCluster({ vms: 20, pve: '8.4' })]);
});
afterAll(async () => {
  await v9.close();
  await v84.close();
});

const nodeOf = (c: TestCluster, vmid: number): string => c.sim.state.vm(vmid)!.node;

describe('feature detection', () => {
  it('PVE 9: HA rules, conntrack-state migration, VM.GuestAgent.*, no vzdump notification-policy', async () => {
    const f = await detectFeatures(v9.client);
    expect(f.release).toBe('9.1');
    expect(f.ha).toBe('rules');
    expect(f.features['ha-rules'].available).toBe(true);
    expect(f.features['ha-groups'].available).toBe(false);
    expect(f.features['migrate-conntrack-state']).toMatchObject({ available: true, reason: expect.stringContaining('has-dbus-vmstate') });
    expect(f.features['vzdump-notification-policy']).toMatchObject({ available: false, reason: expect.stringContaining('removed in PVE 9.0') });
    expect(f.features['guest-agent-privileges']).toMatchObject({ available: true, reason: 'the permissions list VM.GuestAgent.*' });
    expect(f.agentPrivilege).toBe('VM.GuestAgent.Audit');
  });

  it('PVE 8.4: HA groups, no rules (501), no conntrack-state, VM.Monitor, vzdump notification-policy', async () => {
    const f = await detectFeatures(v84.client);
    expect(f.release).toBe('8.4');
    expect(f.ha).toBe('groups');
    expect(f.features['ha-rules']).toMatchObject({ available: false, reason: expect.stringContaining('answers 501') });
    expect(f.features['migrate-conntrack-state']).toMatchObject({ available: false, reason: expect.stringContaining('answers 501') });
    expect(f.features['vzdump-notification-policy'].available).toBe(true);
    expect(f.features['guest-agent-privileges']).toMatchObject({ available: false, reason: expect.stringContaining('VM.Monitor') });
    expect(f.agentPrivilege).toBe('VM.Monitor');
  });

  it('config test reports the HA model and the agent privilege under its release name', async () => {
    const l9 = (await featureReport(v9.client)).join('\n');
    expect(l9).toContain('ha:       rules');
    expect(l9).toContain('agent:    yes: VM.GuestAgent.Audit on /vms');
    expect(l9).toMatch(/vzdump-notification-policy: no \(removed in PVE 9\.0/);
    const l84 = (await featureReport(v84.client)).join('\n');
    expect(l84).toContain('ha:       groups');
    expect(l84).toContain('agent:    yes: VM.Monitor on /vms');
    expect(l84).toMatch(/migrate-conntrack-state: no/);
  });
});

describe('refused before anything runs', () => {
  it('PVE 9: vzdump with notification-policy never reaches the cluster', async () => {
    v9.sim.stats.reset();
    const node = nodeOf(v9, 100);
    const err = await v9.client.post(`/nodes/${node}/vzdump`, { vmid: 100, storage: 'backup-nfs', 'notification-policy': 'never' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FeatureUnavailableError);
    expect((err as Error).message).toContain("parameter 'notification-policy'");
    expect((err as Error).message).toContain('removed in PVE 9.0');
    expect(v9.sim.stats.byRoute['POST /nodes/{node}/vzdump']).toBeUndefined();
    expect(v9.sim.state.tasks().some((t) => t.type === 'vzdump')).toBe(false);
  });

  it('PVE 8.4: migrate with-conntrack-state never reaches the cluster; without it the migration runs', async () => {
    v84.sim.stats.reset();
    const node = nodeOf(v84, 101);
    const target = node === 'pve1' ? 'pve2' : 'pve1';
    const err = await v84.client.post(`/nodes/${node}/qemu/101/migrate`, { target, online: 1, 'with-conntrack-state': 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FeatureUnavailableError);
    expect((err as FeatureUnavailableError).feature).toBe('migrate-conntrack-state');
    expect(v84.sim.stats.byRoute['POST /nodes/{node}/qemu/{vmid}/migrate']).toBeUndefined();
    expect(nodeOf(v84, 101)).toBe(node);
  });

  it('PVE 9: the same migrate parameter is sent and accepted', async () => {
    const node = nodeOf(v9, 101);
    const target = node === 'pve1' ? 'pve2' : 'pve1';
    const online = v9.sim.state.vm(101)!.status !== 'stopped' ? 1 : 0;
    const upid = await v9.client.post<string>(`/nodes/${node}/qemu/101/migrate`, { target, online, 'with-local-disks': 1, 'with-conntrack-state': 1 });
    const done = await v9.client.waitForTask(upid);
    expect(done.exitstatus).toBe('OK');
    expect(nodeOf(v9, 101)).toBe(target);
  });
});
