// The VM administration and storage tools over MCP: delete is planned, then confirmed with its token;
// list_storage_content names the image sources; download and SSH keys run from the seed's bodies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simDownloadChecksum } from '../../src/sim/download-body.js';
import { startHarness, textOf, type CallResult, type Harness } from './in-memory-server.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ vms: 20 });
});
afterAll(() => h.close());

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const sc = (r: CallResult) => r.structuredContent as any;

describe('delete_vms', () => {
  it('answers with the plan and a token, deleting nothing; deletes once confirmed', async () => {
    const vm = h.cluster.sim.state.vms().find((v) => v.type === 'qemu' && !v.template && v.status === 'stopped' && !v.protection)!;
    const args = { selector: `id:${vm.vmid}`, purge: true };
    const plan = await h.call('delete_vms', args);
    expect(sc(plan).needsConfirmation).toBe(true);
    expect(textOf(plan)).toMatch(/delete \(purge\) \(cannot be undone\)/);
    expect(h.cluster.sim.state.vm(vm.vmid)).toBeDefined();
    const done = await h.call('delete_vms', { ...args, confirm: sc(plan).confirmToken });
    expect(sc(done).status).toBe('succeeded');
    expect(h.cluster.sim.state.vm(vm.vmid)).toBeUndefined();
  });
});

describe('list_storage_content', () => {
  it('lists template base disks and importable images as image sources', async () => {
    const r = await h.call('list_storage_content', {});
    expect(r.isError).toBeFalsy();
    const volids = (sc(r).items as Array<{ volid: string; template?: boolean }>);
    expect(volids.find((i) => i.volid === 'local-zfs:base-9001-disk-0')).toMatchObject({ template: true, content: 'images' });
    expect(volids.map((i) => i.volid)).toContain('util-iso:import/debian-12-generic-amd64.qcow2');
    expect(textOf(r)).toMatch(/util-iso:import\/debian-12-generic-amd64\.qcow2 \d+ MB \(importable image: imageSource\)/);
    const isos = await h.call('list_storage_content', { storage: 'util-iso', content: 'iso' });
    expect((sc(isos).items as Array<{ content: string }>).every((i) => i.content === 'iso')).toBe(true);
    const bad = await h.call('list_storage_content', { storage: 'nope' });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toMatch(/no storage 'nope' \(storages: /);
  });
});

describe('download_to_storage and set_ssh_keys', () => {
  it('downloads with a checksum (no selection inputs) and sets the seed\'s key', async () => {
    const url = 'https://cloud.example.org/alpine-virt.iso';
    const r = await h.call('download_to_storage', { storage: 'util-iso', url, checksum: simDownloadChecksum(url, 'sha256'), checksumAlgorithm: 'sha256' });
    expect(sc(r).status).toBe('succeeded');
    expect(h.cluster.sim.state.storageContent('util-iso').map((v) => v.volid)).toContain('util-iso:iso/alpine-virt.iso');
    const vm = h.cluster.sim.state.vms().find((v) => v.type === 'qemu' && !v.template)!;
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGLmQqfp8X5DUVxLruBsCmJ7m4mDGcr5V7e2BXMkNPDp user@example.com';
    expect(sc(await h.call('set_ssh_keys', { selector: `id:${vm.vmid}`, sshKeys: key })).status).toBe('succeeded');
    expect(decodeURIComponent(String(h.cluster.sim.state.vm(vm.vmid)!.config.sshkeys)).trim()).toBe(key);
  });
});
