// The lifecycle tools over MCP: list_image_sources names what create_cloud_init_vm can import, and the seed's
// cloud-init and clone bodies work as tool arguments; the cloud-init password is in no answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, textOf, type Harness } from './in-memory-server.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ vms: 30 });
});
afterAll(() => h.close());

describe('VM lifecycle tools', () => {
  it('list_image_sources: templates with their disks, importable images and ISOs per storage', async () => {
    const r = await h.call('list_image_sources');
    const sc = r.structuredContent as { templates: Array<{ vmid: number; disks: Array<{ volid: string }> }>; storages: Array<{ storage: string; images: Array<{ volid: string }>; isos: Array<{ volid: string }> }> };
    expect(sc.templates.map((t) => t.vmid)).toEqual([9000, 9001, 9002]);
    expect(sc.templates.find((t) => t.vmid === 9001)!.disks.map((d) => d.volid)).toEqual(['local-zfs:base-9001-disk-0']);
    const util = sc.storages.find((s) => s.storage === 'util-iso')!;
    expect(util.images.map((i) => i.volid)).toEqual(expect.arrayContaining(['util-iso:import/debian-12-generic-amd64.qcow2', 'util-iso:import/debian-12-cloud.qcow2']));
    expect(util.isos.map((i) => i.volid)).toContain('util-iso:iso/debian-12.7.0-amd64-netinst.iso');
    expect(textOf(r)).toContain('template 9000');
  });

  it('create_cloud_init_vm with the seed body: made and started; the password never in the answer', async () => {
    const r = await h.call('create_cloud_init_vm', {
      vmid: 201, name: 'debian-test', node: 'pve1', cores: 2, memoryMB: 4096,
      imageSource: 'util-iso:images/debian-12-cloud.qcow2', targetStorage: 'local-zfs', diskSizeGB: 20,
      cloudInitUser: 'admin', cloudInitPassword: 'temppass123', ipConfig: 'ip=dhcp',
      network: { model: 'virtio', bridge: 'vmbr0' }, qemuAgent: true, start: true,
    });
    expect(r.isError).toBeFalsy();
    expect((r.structuredContent as { status: string }).status).toBe('succeeded');
    expect(JSON.stringify(r)).not.toContain('temppass123');
    expect(h.cluster.sim.state.vm(201)).toMatchObject({ name: 'debian-test', status: 'running' });
    expect(h.cluster.sim.state.vm(201)!.config.cipassword).toBe('temppass123');
  });

  it('clone_vm with the seed body (given id 202, linked)', async () => {
    const r = await h.call('clone_vm', { sourceVmId: 9000, newVmId: 202, name: 'test-vm', targetNode: 'pve1', fullClone: false, targetStorage: 'local-zfs' });
    expect((r.structuredContent as { status: string }).status).toBe('succeeded');
    expect(h.cluster.sim.state.vm(202)!.config.scsi0).toBe('local-zfs:base-9000-disk-0/vm-202-disk-0,iothread=1,size=3G');
  });

  it('a refused field comes back naming it, nothing made', async () => {
    const r = await h.call('create_vm', { name: 'x', node: 'pve1', disks: [{ interfaceType: 'VIRTIO', slot: 0, storage: 'local-zfs', sizeGB: 8, ssd: true }] });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/disks\[0\]\.ssd: VIRTIO disks have no ssd option/);
  });
});
