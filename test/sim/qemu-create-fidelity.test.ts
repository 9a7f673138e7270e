// Create, clone and import as PVE does them (SEMANTICS §7, §9.1; qemu-server create_vm / clone_vm): the import-from
// checks, what a new VM's config carries, the config during create, names of unnamed VMs and their clones,
// the cloud-init drive of a clone, linked clones and bridges at start (clone locks: clone-locks.test.ts).
// Raw HTTP; assertions on the simulator's true state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { api, waitTask } from './http.js';

let sim: Simulator;
let a: ReturnType<typeof api>;
beforeAll(async () => {
  sim = await startSimulator({ http: true, vms: 40, taskDurationMs: 20 });
  a = api(sim);
});
afterAll(() => sim.close());

const run = async (upid: Promise<string>) => waitTask(sim, await upid);

describe('demo inventory', () => {
  it('has template 9000 beside 9001 and 9002, the importable images, a shared images storage and the seed bridges', () => {
    expect(sim.state.vm(9000)).toMatchObject({ template: true, node: 'pve1', status: 'stopped' });
    expect(sim.state.vm(9000)!.config.ide2).toBe('local-zfs:vm-9000-cloudinit,media=cdrom');
    expect(sim.state.vm(9001)!.template).toBe(true);
    expect(sim.state.vm(9002)!.template).toBe(true);
    const imports = sim.state.storageContent('util-iso').filter((v) => v.content === 'import').map((v) => v.volid);
    expect(imports).toEqual(expect.arrayContaining(['util-iso:import/debian-12-generic-amd64.qcow2', 'util-iso:import/debian-12-cloud.qcow2']));
    // The ids tests rely on are all still there.
    for (const id of [100, 101, 102, 103, 104, 300, 301, 302, 8200, 8209, 9001, 9002]) expect(sim.state.vm(id)).toBeDefined();
  });

  it('a NIC on a bridge the node lacks fails at start (wsdc1up is on pve1 and pve2 only)', async () => {
    await run(a.data<string>(a.post('/nodes/pve3/qemu', { vmid: '6100', name: 'uplink', net0: 'virtio,bridge=wsdc1up' })));
    const t = await run(a.data<string>(a.post('/nodes/pve3/qemu/6100/status/start')));
    expect(t.exitstatus).toBe("bridge 'wsdc1up' does not exist");
    expect(sim.state.vm(6100)!.status).toBe('stopped');
    await run(a.data<string>(a.post('/nodes/pve1/qemu', { vmid: '6101', name: 'uplink', net0: 'virtio,bridge=wsdc1up', start: '1' })));
    expect(sim.state.vm(6101)!.status).toBe('running');
  });
});

describe('import-from', () => {
  it('refuses an ISO volume as PVE does (400 naming the drive)', async () => {
    const res = await a.post('/nodes/pve1/qemu', { vmid: '6200', scsi0: 'local-zfs:0,import-from=util-iso:iso/debian-12.7.0-amd64-netinst.iso' });
    expect(res.status).toBe(400);
    expect(res.body!.errors).toEqual({ scsi0: "util-iso:iso/debian-12.7.0-amd64-netinst.iso has wrong type 'iso' - needs to be 'images' or 'import'" });
    expect(sim.state.vm(6200)).toBeUndefined();
  });

  it('refuses <storage>:N,import-from= with N other than 0', async () => {
    const res = await a.post('/nodes/pve1/qemu', { vmid: '6201', scsi0: 'local-zfs:20,import-from=util-iso:import/debian-12-cloud.qcow2' });
    expect(res.status).toBe(400);
    expect(res.body!.errors).toEqual({ scsi0: "'import-from' requires special syntax - use <storage ID>:0,import-from=<source>" });
  });

  it('an efidisk0 import needs efitype (and pre-enrolled-keys)', async () => {
    const res = await a.post('/nodes/pve1/qemu', { vmid: '6202', efidisk0: 'local-zfs:0,import-from=util-iso:import/debian-12-cloud.qcow2' });
    expect(res.body!.errors).toEqual({ efidisk0: "need to specify 'efitype' when using 'import-from'" });
  });

  it('a missing source fails the task and leaves no VM', async () => {
    const t = await run(a.data<string>(a.post('/nodes/pve1/qemu', { vmid: '6203', scsi0: 'local-zfs:0,import-from=util-iso:import/nope.qcow2' })));
    expect(t.exitstatus).toBe("cannot import from 'util-iso:import/nope.qcow2' - could not get size of util-iso:import/nope.qcow2");
    expect(sim.state.vm(6203)).toBeUndefined();
  });
});

describe('a new VM', () => {
  it('during create shows only lock: create; then carries meta, smbios1, vmgenid, a default boot, canonical property strings', async () => {
    sim.faults.set({ taskDurationMs: 400 });
    let upid: string;
    try {
      upid = await a.data<string>(
        a.post('/nodes/pve1/qemu', {
          vmid: '6300',
          name: 'fresh',
          scsi0: 'local-zfs:0,ssd=1,import-from=util-iso:import/debian-12-cloud.qcow2,iothread=1,discard=on',
          ide2: 'local-zfs:cloudinit',
          net1: 'virtio,firewall=0,bridge=workshop',
          net0: 'model=virtio,tag=100,bridge=vmbr0',
        }),
      );
    } finally {
      sim.faults.set({ taskDurationMs: 20 });
    }
    expect(await a.data(a.get('/nodes/pve1/qemu/6300/config'))).toMatchObject({ lock: 'create' });
    expect(Object.keys(sim.state.vm(6300)!.config)).toEqual(['lock']);
    await waitTask(sim, upid);
    const c = sim.state.vm(6300)!.config;
    expect(c.lock).toBeUndefined();
    expect(c.scsi0).toBe('local-zfs:vm-6300-disk-0,discard=on,iothread=1,size=2G,ssd=1');
    expect(c.ide2).toBe('local-zfs:vm-6300-cloudinit,media=cdrom');
    expect(String(c.net0)).toMatch(/^virtio=BC:24:11:[0-9A-F:]{8},bridge=vmbr0,tag=100$/);
    expect(String(c.net1)).toMatch(/^virtio=BC:24:11:[0-9A-F:]{8},bridge=workshop,firewall=0$/);
    expect(String(c.meta)).toMatch(/^creation-qemu=\d+\.\d+\.\d+,ctime=\d+$/);
    expect(String(c.smbios1)).toMatch(/^uuid=[0-9a-f-]{36}$/);
    expect(String(c.vmgenid)).toMatch(/^[0-9a-f-]{36}$/);
    // The first disk, no CD-ROM (a cloud-init drive is not one), the first NIC.
    expect(c.boot).toBe('order=scsi0;net0');
  });

  it('an unnamed VM is "VM 711"; its clone is Copy-of-VM-711', async () => {
    await run(a.data<string>(a.post('/nodes/pve1/qemu', { vmid: '711', scsi0: 'local-zfs:1' })));
    expect(sim.state.vm(711)!.name).toBe('VM 711');
    const resources = await a.data<Array<{ vmid?: number; name?: string }>>(a.get('/cluster/resources?type=vm'));
    expect(resources.find((r) => r.vmid === 711)!.name).toBe('VM 711');
    await run(a.data<string>(a.post('/nodes/pve1/qemu/711/clone', { newid: '712' })));
    expect(sim.state.vm(712)!.name).toBe('Copy-of-VM-711');
  });
});

describe('clone', () => {
  it('copies the cloud-init drive, renews smbios1 uuid and vmgenid; the new VM shows only lock: clone while it runs', async () => {
    sim.faults.set({ taskDurationMs: 400 });
    let upid: string;
    try {
      upid = await a.data<string>(a.post('/nodes/pve1/qemu/9000/clone', { newid: '801', name: 'from-9000', full: '1', storage: 'local-zfs' }));
    } finally {
      sim.faults.set({ taskDurationMs: 20 });
    }
    expect(Object.keys(sim.state.vm(801)!.config)).toEqual(['lock']);
    expect(sim.state.vm(801)!.lock).toBe('clone');
    await waitTask(sim, upid);
    const c = sim.state.vm(801)!.config;
    const t = sim.state.vm(9000)!.config;
    expect(c.ide2).toBe('local-zfs:vm-801-cloudinit,media=cdrom');
    expect(c.scsi0).toBe('local-zfs:vm-801-disk-0,iothread=1,size=3G');
    expect(c.smbios1).not.toBe(t.smbios1);
    expect(String(c.smbios1)).toMatch(/^uuid=[0-9a-f-]{36}$/);
    expect(c.vmgenid).not.toBe(t.vmgenid);
    expect(c.template).toBeUndefined();
    expect(sim.state.vm(801)!.lock).toBeUndefined();
  });
});
