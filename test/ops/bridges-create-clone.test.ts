// Bridges checked where guests are made or return, on the simulator's true state: the demo's uplink bridge
// wsdc1up exists on pve1 and pve2 only. VM and CT creates refuse a node without a NIC's bridge (the NIC's field,
// the bridge and the node named), a clone onto another node refuses a node without the source's bridges, and an
// undrain leaves a guest whose NIC names a bridge its node lacks where it is, with the reason. Nothing is made.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHistory, type HistoryStore } from '../../src/history/store.js';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';
import { tempDir } from '../fixtures/temp-dirs.js';

const CT_TEMPLATE = 'util-iso:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';
const MISSING_ON_PVE3 = "no bridge 'wsdc1up' on pve3 (it has vmbr0, workshop): its NICs would not start there";

let c: TestCluster;
let history: HistoryStore;
beforeAll(async () => {
  history = await openHistory({ dir: tempDir('bridges') });
  c = await startCluster({ nodes: 4, vms: 20, seed: 3, taskDurationMs: 10, faults: { migrationMsPerGiB: 0.2 } }, { recorder: history });
});
afterAll(async () => {
  await c.close();
  await history.close();
});

const guestCount = () => c.sim.state.vms().length;
const taskCount = (type: string) => c.sim.state.tasks().filter((t) => t.type === type).length;

describe('create refuses a node without a NIC\'s bridge', () => {
  it('vm.create: networks[1] on pve3 is refused naming the field, bridge and node; nothing is made; pve1 is fine', async () => {
    const [guests, creates] = [guestCount(), taskCount('qmcreate')];
    const body = { name: 'uplinked', cores: 1, memoryMB: 512, networks: [{ bridge: 'vmbr0' }, { bridge: 'wsdc1up' }] };
    await expect(c.core.run('vm.create', { ...body, node: 'pve3' })).rejects.toThrow(`networks[1].bridge: ${MISSING_ON_PVE3}`);
    await expect(c.core.run('vm.create', { name: 'uplinked', node: 'pve4', network: { bridge: 'wsdc1up' } })).rejects.toThrow(/^network\.bridge: no bridge 'wsdc1up' on pve4/);
    expect([guestCount(), taskCount('qmcreate')]).toEqual([guests, creates]);
    const ok = await c.core.run('vm.create', { ...body, node: 'pve1', dryRun: true });
    expect(ok.targets[0].state).toBe('planned');
  });

  it('vm.cloud-init: the final node is checked', async () => {
    const guests = guestCount();
    const body = { name: 'ci-uplinked', imageSource: 'util-iso:import/debian-12-generic-amd64.qcow2', targetStorage: 'local-zfs', networks: [{ bridge: 'wsdc1up' }] };
    await expect(c.core.run('vm.cloud-init', { ...body, node: 'pve3' })).rejects.toThrow(`networks[0].bridge: ${MISSING_ON_PVE3}`);
    expect(guestCount()).toBe(guests);
    expect((await c.core.run('vm.cloud-init', { ...body, node: 'pve2', dryRun: true })).targets[0].state).toBe('planned');
  });

  it('ct.create: networks[0] on pve3 is refused; nothing is made', async () => {
    const [guests, creates] = [guestCount(), taskCount('vzcreate')];
    const body = { hostname: 'ct-uplinked', ostemplate: CT_TEMPLATE, networks: [{ bridge: 'wsdc1up', ip: 'dhcp' }] };
    await expect(c.core.run('ct.create', { ...body, node: 'pve3' })).rejects.toThrow(`networks[0].bridge: ${MISSING_ON_PVE3}`);
    expect([guestCount(), taskCount('vzcreate')]).toEqual([guests, creates]);
    expect((await c.core.run('ct.create', { ...body, node: 'pve1', dryRun: true })).targets[0].state).toBe('planned');
  });
});

describe('clone onto another node', () => {
  it('refuses a node without the source\'s bridge, naming the source\'s NIC; another node with it is fine', async () => {
    const vmid = 4242;
    await c.client.post('/nodes/pve1/qemu', { vmid, name: 'shared-uplinked', scsi0: 'ceph-vm:1', net0: 'virtio,bridge=vmbr0', net1: 'virtio,bridge=wsdc1up' }).then((upid) => c.client.waitForTask(String(upid)));
    const [guests, clones] = [guestCount(), taskCount('qmclone')];
    await expect(c.core.run('vm.clone', { sourceVmId: vmid, name: 'far-copy', targetNode: 'pve3' })).rejects.toThrow(`targetNode: ${MISSING_ON_PVE3} (VM ${vmid}'s net1 names it)`);
    expect([guestCount(), taskCount('qmclone')]).toEqual([guests, clones]);
    const ok = await c.core.run('vm.clone', { sourceVmId: vmid, name: 'near-copy', targetNode: 'pve2' });
    expect(ok.targets[0].state, ok.targets[0].message).toBe('succeeded');
    expect(c.sim.state.vm(ok.targets[0].vmid)).toMatchObject({ node: 'pve2', name: 'near-copy' });
  });
});

describe('undrain', () => {
  it('leaves a guest whose NIC now names a bridge its node lacks, with the reason; the others come back', async () => {
    const onPve3 = c.sim.state.vms().filter((v) => v.node === 'pve3' && !v.template);
    const vm = onPve3.find((v) => v.type === 'qemu' && v.status === 'stopped' && !c.sim.state.ha().resources.some((r) => r.sid === `vm:${v.vmid}`))!;
    expect(vm).toBeDefined();
    const drain = await c.core.run('node.drain', { node: 'pve3', targetNodes: ['pve1', 'pve2'], allowOfflineMigration: true });
    expect(drain.targets.find((t) => t.vmid === vm.vmid)!.state).toBe('succeeded');
    const away = c.sim.state.vm(vm.vmid)!.node;
    expect(['pve1', 'pve2']).toContain(away);
    // While it was away it got a NIC on the uplink bridge, which pve3 does not have.
    await c.client.put(`/nodes/${away}/qemu/${vm.vmid}/config`, { net1: 'virtio,bridge=wsdc1up' });
    await history.flush();

    const op = await c.core.run('node.undrain', { node: 'pve3' });
    const t = op.targets.find((x) => x.vmid === vm.vmid)!;
    // The plan's refusal: reported, not attempted.
    expect(t.state).toBe('failed');
    expect(t.message).toBe(`${MISSING_ON_PVE3}; not attempted`);
    expect(c.sim.state.vm(vm.vmid)!.node).toBe(away);
    expect(c.sim.state.tasks().filter((x) => x.type === 'qmigrate' && x.id === String(vm.vmid))).toHaveLength(1); // the drain's only
    const back = drain.targets.filter((x) => x.state === 'succeeded' && x.vmid !== vm.vmid);
    expect(back.length).toBeGreaterThan(0);
    for (const b of back) expect(c.sim.state.vm(b.vmid)!.node).toBe('pve3');
  });
});
