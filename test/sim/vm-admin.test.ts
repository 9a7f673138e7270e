// The simulator's destroy (purge, unreferenced disks, linked clones), template conversion, deleting an
// attached disk through the storage API, and download-url's checksum verification — as PVE does them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simDownloadChecksum } from '../../src/sim/download-body.js';
import { startSimulator, type SimVm, type Simulator } from '../../src/sim/index.js';
import { api, waitTask } from './http.js';

let sim: Simulator;
let a: ReturnType<typeof api>;
beforeAll(async () => {
  sim = await startSimulator({ http: true, vms: 60, taskDurationMs: 20 });
  a = api(sim);
});
afterAll(() => sim.close());

const taken = new Set<number>();
function pick(pred: (v: SimVm) => boolean): SimVm {
  const vm = sim.state.vms().find((v) => v.type === 'qemu' && !v.template && !v.lock && !v.protection && !taken.has(v.vmid) && v.vmid < 8200 && pred(v));
  if (!vm) throw new Error('no suitable VM in the generated cluster');
  taken.add(vm.vmid);
  return vm;
}
const base = (vm: SimVm) => `/nodes/${vm.node}/qemu/${vm.vmid}`;
const run = async (upid: Promise<string>) => waitTask(sim, await upid);
type Volume = { volid: string; content: string; vmid?: number };
const content = (node: string, storage: string) => a.data<Volume[]>(a.get(`/nodes/${node}/storage/${storage}/content`));

describe('destroy', () => {
  it('leaves a disk no config names unless destroy-unreferenced-disks; purge says what it purges', async () => {
    const keep = pick((v) => v.status === 'stopped' && String(v.config.scsi0).startsWith('local-zfs:'));
    const wipe = pick((v) => v.status === 'stopped' && v.node === keep.node && String(v.config.scsi0).startsWith('local-zfs:'));
    for (const vm of [keep, wipe]) {
      const volid = await a.data<string>(a.post(`/nodes/${vm.node}/storage/local-zfs/content`, { vmid: String(vm.vmid), filename: `vm-${vm.vmid}-disk-9`, size: '1G' }));
      expect(volid).toBe(`local-zfs:vm-${vm.vmid}-disk-9`);
    }
    await run(a.data<string>(a.del(base(keep))));
    const t = await run(a.data<string>(a.del(`${base(wipe)}?purge=1&destroy-unreferenced-disks=1`)));
    expect(t.exitstatus).toBe('OK');
    expect(t.log).toContain(`purging VM ${wipe.vmid} from related configurations..`);
    expect(sim.state.vm(keep.vmid)).toBeUndefined();
    expect(sim.state.vm(wipe.vmid)).toBeUndefined();
    const left = (await content(keep.node, 'local-zfs')).map((v) => v.volid);
    expect(left).toContain(`local-zfs:vm-${keep.vmid}-disk-9`);
    expect(left).not.toContain(`local-zfs:vm-${wipe.vmid}-disk-9`);
    expect(left.some((v) => v.startsWith(`local-zfs:vm-${wipe.vmid}-`))).toBe(false);
  });

  it('fails the task for a template whose base volume a linked clone uses', async () => {
    const tpl = sim.state.vm(9001)!;
    await run(a.data<string>(a.post(`/nodes/${tpl.node}/qemu/9001/clone`, { newid: '5301', full: '0' })));
    const t = await run(a.data<string>(a.del(`/nodes/${tpl.node}/qemu/9001`)));
    expect(t.exitstatus).toBe("base volume 'local-zfs:base-9001-disk-0' is still in use by linked cloned");
    expect(sim.state.vm(9001)).toBeDefined();
    // The clone's own volume goes with it; the template's base stays.
    await run(a.data<string>(a.del(`/nodes/${tpl.node}/qemu/5301`)));
    expect((await content(tpl.node, 'local-zfs')).map((v) => v.volid)).toContain('local-zfs:base-9001-disk-0');
  });
});

describe('template', () => {
  it('converts a stopped VM: disks become base volumes; refuses snapshots, a running VM and a template', async () => {
    const vm = pick((v) => v.status === 'stopped' && v.snapshots.length === 0 && /^local-zfs:vm-\d+-disk-0/.test(String(v.config.scsi0)));
    const upid = await a.data<string>(a.post(`${base(vm)}/template`));
    expect(upid).toContain(`:qmtemplate:${vm.vmid}:`);
    expect((await waitTask(sim, upid)).exitstatus).toBe('OK');
    const after = sim.state.vm(vm.vmid)!;
    expect(after.template).toBe(true);
    expect(String(after.config.scsi0)).toMatch(new RegExp(`^local-zfs:base-${vm.vmid}-disk-0,`));
    expect((await a.post(`${base(vm)}/template`)).statusText).toBe("you can't convert a template to a template");
    const withSnap = pick((v) => v.status === 'stopped' && v.snapshots.length > 0);
    expect((await a.post(`${base(withSnap)}/template`)).statusText).toBe('unable to create template, because VM contains snapshots');
    const running = pick((v) => v.status === 'running' && v.snapshots.length === 0);
    expect((await a.post(`${base(running)}/template`)).statusText).toBe("you can't convert a VM to template if VM is running");
  });
});

describe('storage API delete of an attached disk', () => {
  it('deletes it although a VM config still names it (PVE has no safety net here)', async () => {
    const vm = pick((v) => String(v.config.scsi0).startsWith('local-zfs:'));
    const volid = String(vm.config.scsi0).split(',')[0];
    const upid = await a.data<string>(a.del(`/nodes/${vm.node}/storage/local-zfs/content/${encodeURIComponent(volid)}`));
    expect((await waitTask(sim, upid)).exitstatus).toBe('OK');
    expect((await content(vm.node, 'local-zfs')).map((v) => v.volid)).not.toContain(volid);
    // The config still names it, as on PVE.
    expect(String(sim.state.vm(vm.vmid)!.config.scsi0).split(',')[0]).toBe(volid);
  });
});

describe('download-url', () => {
  const url = 'https://images.example.org/noble.qcow2';
  it('takes time, logs progress, verifies the checksum; a mismatch fails with PVE message and leaves no file', async () => {
    const bad = await run(a.data<string>(a.post('/nodes/pve1/storage/util-iso/download-url', { content: 'import', filename: 'noble.qcow2', url, checksum: 'deadbeef', 'checksum-algorithm': 'sha256' })));
    expect(bad.exitstatus).toBe(`checksum mismatch: got '${simDownloadChecksum(url, 'sha256')}' != expect 'deadbeef'`);
    expect(sim.state.storageContent('util-iso').map((v) => v.volid)).not.toContain('util-iso:import/noble.qcow2');
    const good = await run(a.data<string>(a.post('/nodes/pve1/storage/util-iso/download-url', { content: 'import', filename: 'noble.qcow2', url, checksum: simDownloadChecksum(url, 'sha512'), 'checksum-algorithm': 'sha512' })));
    expect(good.exitstatus).toBe('OK');
    expect(good.log.filter((l) => /%$/.test(l))).toHaveLength(4);
    expect(good.log).toContain('calculating checksum...OK, checksum verified');
    expect(sim.state.storageContent('util-iso').map((v) => v.volid)).toContain('util-iso:import/noble.qcow2');
    // Again with the matching checksum: kept, nothing downloaded; without one: refused.
    const again = await run(a.data<string>(a.post('/nodes/pve2/storage/util-iso/download-url', { content: 'import', filename: 'noble.qcow2', url, checksum: simDownloadChecksum(url, 'sha512'), 'checksum-algorithm': 'sha512' })));
    expect(again.log).toContain('file already exists /mnt/pve/util-iso/import/noble.qcow2, and checksum matches - skipping download');
    expect((await run(a.data<string>(a.post('/nodes/pve2/storage/util-iso/download-url', { content: 'import', filename: 'noble.qcow2', url })))).exitstatus).toBe(
      "refusing to override existing file '/mnt/pve/util-iso/import/noble.qcow2'",
    );
  });

  it('checks the extension per content type: an .img cloud image is no import file', async () => {
    expect((await a.post('/nodes/pve1/storage/util-iso/download-url', { content: 'import', filename: 'jammy.img', url })).body!.errors).toEqual({ filename: 'wrong file extension' });
    expect((await a.post('/nodes/pve1/storage/util-iso/download-url', { content: 'vztmpl', filename: 'x.iso', url })).body!.errors).toEqual({ filename: 'wrong file extension' });
  });
});
