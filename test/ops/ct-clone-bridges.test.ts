// A container clone onto another node refuses a node without the source's NIC bridges, on the simulator's true
// state. The demo's uplink bridge wsdc1up exists on pve1 and pve2 only, and a CT clones across nodes only from
// shared storage, so this cluster's shared ceph-vm also holds container root disks (the storageContent option,
// as `pvesm set ceph-vm --content images,rootdir`). The refusal names the NIC, the bridge and what the node has,
// and nothing is cloned; a node with the bridge takes the clone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';
import { startSimulator } from '../../src/sim/index.js';

const CT_TEMPLATE = 'util-iso:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';
const MISSING_ON_PVE3 = "no bridge 'wsdc1up' on pve3 (it has vmbr0, workshop): its NICs would not start there";
const SOURCE = 4343;

let c: TestCluster;
beforeAll(async () => {
  c = await startCluster({ nodes: 4, vms: 10, seed: 3, taskDurationMs: 10, storageContent: { 'ceph-vm': ['images', 'rootdir'] } });
  const upid = await c.client.post('/nodes/pve1/lxc', {
    vmid: SOURCE,
    hostname: 'shared-uplinked',
    ostemplate: CT_TEMPLATE,
    storage: 'ceph-vm',
    net0: 'name=eth0,bridge=vmbr0,ip=dhcp',
    net1: 'name=eth1,bridge=wsdc1up,ip=dhcp',
  });
  await c.client.waitForTask(String(upid));
});
afterAll(() => c.close());

const guestCount = () => c.sim.state.vms().length;
const cloneTasks = () => c.sim.state.tasks().filter((t) => t.type === 'vzclone').length;

describe('ct clone onto another node', () => {
  it('the source CT is stopped on pve1 with its root disk on the shared ceph-vm', () => {
    expect(c.sim.state.vm(SOURCE)).toMatchObject({ type: 'lxc', node: 'pve1', status: 'stopped' });
    expect(String(c.sim.state.vm(SOURCE)!.config.rootfs)).toMatch(/^ceph-vm:vm-4343-disk-0,/);
  });

  it('refuses a node without the source\'s bridge, naming the NIC, the bridge and what the node has; nothing is cloned', async () => {
    const [guests, clones] = [guestCount(), cloneTasks()];
    await expect(c.core.run('vm.clone', { sourceVmId: SOURCE, name: 'far-ct', targetNode: 'pve3' })).rejects.toThrow(`targetNode: ${MISSING_ON_PVE3} (CT ${SOURCE}'s net1 names it)`);
    await expect(c.core.run('vm.clone', { sourceVmId: SOURCE, name: 'far-ct', targetNode: 'pve4', dryRun: true })).rejects.toThrow(/^targetNode: no bridge 'wsdc1up' on pve4 \(it has vmbr0, workshop\)/);
    expect([guestCount(), cloneTasks()]).toEqual([guests, clones]);
    expect(c.sim.state.vms().some((v) => v.name === 'far-ct')).toBe(false);
  });

  it('clones onto a node that has the bridge: the new CT is on pve2, its root disk on ceph-vm, its NICs kept', async () => {
    const op = await c.core.run('vm.clone', { sourceVmId: SOURCE, name: 'near-ct', targetNode: 'pve2' });
    const t = op.targets[0];
    expect(t.state, t.message).toBe('succeeded');
    const made = c.sim.state.vm(t.vmid)!;
    expect(made).toMatchObject({ type: 'lxc', node: 'pve2', name: 'near-ct' });
    expect(String(made.config.rootfs)).toMatch(new RegExp(`^ceph-vm:vm-${t.vmid}-disk-0,`));
    expect(String(made.config.net1)).toContain('bridge=wsdc1up');
  });
});

describe('the simulator\'s storageContent option', () => {
  it('refuses content the storage type cannot hold, and an unknown storage, naming what is valid', async () => {
    await expect(startSimulator({ http: true, vms: 0, storageContent: { 'ceph-vm': ['images', 'iso'] } })).rejects.toThrow("storageContent: storage 'ceph-vm' (rbd) cannot hold iso; use some of images, rootdir");
    await expect(startSimulator({ http: true, vms: 0, storageContent: { 'no-such': ['images'] } })).rejects.toThrow(/^storageContent: no storage 'no-such' in the simulated cluster \(it has local, local-zfs, /);
  });

  it('without it the shared ceph-vm holds VM disks only, and a CT cannot be made there (PVE\'s words)', async () => {
    const plain = await startSimulator({ http: true, vms: 0, taskDurationMs: 10 });
    try {
      const res = await fetch(`${plain.url}/api2/json/nodes/pve1/lxc`, {
        method: 'POST',
        headers: { authorization: `PVEAPIToken=${plain.credentials.tokenId}=${plain.credentials.tokenSecret}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ vmid: '4344', ostemplate: CT_TEMPLATE, storage: 'ceph-vm' }).toString(),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { errors: Record<string, string> }).errors).toEqual({ storage: "storage 'ceph-vm' does not support container directories" });
      expect(plain.state.vm(4344)).toBeUndefined();
    } finally {
      await plain.close();
    }
  });
});
