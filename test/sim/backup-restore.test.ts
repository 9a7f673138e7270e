// The simulator's restore paths (qmrestore, pct create/restore) and volume attributes, as PVE answers them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { api, waitTask } from './http.js';

let sim: Simulator;
let a: ReturnType<typeof api>;
beforeAll(async () => {
  sim = await startSimulator({ http: true, vms: 60, taskDurationMs: 20 });
  a = api(sim);
});
afterAll(() => sim.close());

const run = async (upid: Promise<string>) => waitTask(sim, await upid);
const enc = encodeURIComponent;
const TEMPLATE = 'util-iso:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';

async function backupOf(vmid: number, storage = 'backup-nfs'): Promise<string> {
  const vm = sim.state.vm(vmid)!;
  const t = await run(a.data<string>(a.post(`/nodes/${vm.node}/vzdump`, { vmid: String(vmid), storage, compress: 'zstd' })));
  expect(t.exitstatus).toBe('OK');
  return sim.state.storageContent(storage).filter((v) => v.vmid === vmid && v.content === 'backup').sort((x, y) => y.ctime - x.ctime)[0].volid;
}

describe('qemu restore', () => {
  it('refuses a drive option beside archive with a 400 naming it, and creates nothing', async () => {
    const archive = await backupOf(8201);
    const res = await a.post('/nodes/pve2/qemu', { vmid: '5400', archive, scsi0: 'local-zfs:8' });
    expect(res.status).toBe(400);
    expect(res.body!.errors).toEqual({ scsi0: "option conflicts with option 'archive'" });
    expect(sim.state.vm(5400)).toBeUndefined();
  });

  it('refuses an id in use without force, synchronously', async () => {
    const archive = await backupOf(8202);
    const res = await a.post('/nodes/pve3/qemu', { vmid: '8202', archive });
    expect(res.status).toBe(500);
    expect(res.statusText).toBe("unable to restore VM 8202 - VM 8202 already exists on node 'pve3'");
  });

  it('fails the task (not the request) for force onto a running VM, leaving it as it was', async () => {
    const running = sim.state.vms().find((v) => v.type === 'qemu' && v.status === 'running' && !v.template && !v.protection && !v.lock && v.node === 'pve1')!;
    const archive = await backupOf(running.vmid);
    const before = sim.state.vm(running.vmid)!;
    const t = await run(a.data<string>(a.post('/nodes/pve1/qemu', { vmid: String(running.vmid), archive, force: '1' })));
    expect(t.exitstatus).toBe(`unable to restore VM ${running.vmid} - VM is running`);
    expect(sim.state.vm(running.vmid)).toEqual(before);
  });

  it('overwrites a stopped VM with force: the archive config, new disks, same id', async () => {
    const stopped = sim.state.vms().find((v) => v.type === 'qemu' && v.status === 'stopped' && !v.template && !v.protection && !v.lock && v.node === 'pve1')!;
    const archive = await backupOf(stopped.vmid);
    await a.data(a.put(`/nodes/pve1/qemu/${stopped.vmid}/config`, { name: 'renamed-after-backup' }));
    expect(sim.state.vm(stopped.vmid)!.name).toBe('renamed-after-backup');
    const upid = await a.data<string>(a.post('/nodes/pve1/qemu', { vmid: String(stopped.vmid), archive, force: '1', storage: 'local-zfs' }));
    expect(upid).toContain(`:qmrestore:${stopped.vmid}:`);
    expect((await waitTask(sim, upid)).exitstatus).toBe('OK');
    const after = sim.state.vm(stopped.vmid)!;
    expect(after.name).toBe(stopped.name);
    expect(after.lock).toBeUndefined();
    expect(String(after.config.scsi0)).toMatch(new RegExp(`^local-zfs:vm-${stopped.vmid}-disk-0`));
  });

  it('fails the task for a container archive, and leaves no VM behind', async () => {
    const archive = await backupOf(300);
    const upid = await a.data<string>(a.post('/nodes/pve1/qemu', { vmid: '5401', archive }));
    const t = await waitTask(sim, upid);
    expect(t.exitstatus).toMatch(/^unable to restore VM 5401 - archive '.*' is a container backup/);
    expect(sim.state.vm(5401)).toBeUndefined();
  });
});

describe('pct create and restore (POST /nodes/{node}/lxc)', () => {
  it('creates a container from a template in a vzcreate task; the password is never stored', async () => {
    const upid = await a.data<string>(
      a.post('/nodes/pve1/lxc', { vmid: '5500', ostemplate: TEMPLATE, storage: 'local-zfs', hostname: 'ct-new', password: 'secret-pw', net0: 'name=eth0,bridge=vmbr0,ip=dhcp', start: '1' }),
    );
    expect(upid).toContain(':vzcreate:5500:');
    expect((await waitTask(sim, upid)).exitstatus).toBe('OK');
    const ct = sim.state.vm(5500)!;
    expect(ct).toMatchObject({ type: 'lxc', name: 'ct-new', node: 'pve1', status: 'running' });
    expect(ct.config).toMatchObject({ ostype: 'debian', arch: 'amd64', rootfs: 'local-zfs:subvol-5500-disk-0,size=4G' });
    expect(String(ct.config.net0)).toMatch(/hwaddr=[0-9A-F:]{17}/);
    expect(JSON.stringify(ct.config)).not.toContain('secret-pw');
  });

  it('restores a container archive in a vzrestore task, with the archive config on a chosen storage', async () => {
    const archive = await backupOf(300);
    const upid = await a.data<string>(a.post('/nodes/pve3/lxc', { vmid: '5501', ostemplate: archive, restore: '1', storage: 'local-zfs' }));
    expect(upid).toContain(':vzrestore:5501:');
    expect((await waitTask(sim, upid)).exitstatus).toBe('OK');
    const ct = sim.state.vm(5501)!;
    expect(ct).toMatchObject({ type: 'lxc', name: 'ct-dns', node: 'pve3', status: 'stopped' });
    expect(ct.config.rootfs).toBe('local-zfs:subvol-5501-disk-0,size=8G');
  });

  it('fails the task for a VM archive, and leaves nothing behind', async () => {
    const archive = await backupOf(8203);
    const t = await run(a.data<string>(a.post('/nodes/pve1/lxc', { vmid: '5502', ostemplate: archive, restore: '1', storage: 'local-zfs' })));
    expect(t.exitstatus).toMatch(/^unable to restore CT 5502 - archive .* is not a container backup/);
    expect(sim.state.vm(5502)).toBeUndefined();
  });

  it('refuses a root storage without container directories, an id in use, and an overwrite of a running container', async () => {
    const noRootdir = await a.post('/nodes/pve1/lxc', { vmid: '5503', ostemplate: TEMPLATE, storage: 'local' });
    expect(noRootdir.status).toBe(400);
    expect(noRootdir.body!.errors).toEqual({ storage: "storage 'local' does not support container directories" });
    expect(sim.state.vm(5503)).toBeUndefined();
    expect((await a.post('/nodes/pve1/lxc', { vmid: '8200', ostemplate: TEMPLATE, storage: 'local-zfs' })).statusText).toBe("VM 8200 already exists on node 'pve1'");
    const ct = sim.state.vm(300)!;
    const archive = sim.state.storageContent('backup-nfs').find((v) => v.vmid === 300)!.volid;
    const res = await a.post(`/nodes/${ct.node}/lxc`, { vmid: '300', ostemplate: archive, restore: '1', force: '1', storage: 'local-zfs' });
    expect(res.statusText).toBe("can't overwrite running container");
  });

  it('fails the task for a template that does not exist', async () => {
    const t = await run(a.data<string>(a.post('/nodes/pve1/lxc', { vmid: '5504', ostemplate: 'util-iso:vztmpl/nope.tar.zst', storage: 'local-zfs' })));
    expect(t.exitstatus).toBe("volume 'util-iso:vztmpl/nope.tar.zst' does not exist");
    expect(sim.state.vm(5504)).toBeUndefined();
  });
});

describe('volume attributes', () => {
  it('refuses protected on a non-backup volume but allows notes on it', async () => {
    const path = `/nodes/pve1/storage/util-iso/content/${enc('util-iso:iso/debian-12.7.0-amd64-netinst.iso')}`;
    const refused = await a.put(path, { protected: '1' });
    expect(refused.status).toBe(500);
    expect(refused.statusText).toBe("only backups support attribute 'protected'");
    expect(await a.data(a.put(path, { notes: 'installer' }))).toBeNull();
    expect(sim.state.storageContent('util-iso').find((v) => v.volid.endsWith('netinst.iso'))).toMatchObject({ notes: 'installer', protected: false });
  });
});
