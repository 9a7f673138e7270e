// Every typed endpoint against the simulator, which checks each request against PVE's schema (a bad
// shape is a 400 there), with the effect asserted on the simulator's true state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PveClient } from '../../src/pve/client.js';
import { getAccessPermissions, getClusterNextid, getClusterResources, getClusterStatus, getClusterTasks, getVersion } from '../../src/pve/endpoints/cluster.js';
import { deleteTask, getNodes, getNodeStatus, getNodeTasks, getTaskLog, getTaskStatus } from '../../src/pve/endpoints/nodes.js';
import { getPool, getPools } from '../../src/pve/endpoints/pools.js';
import {
  deleteQemu,
  deleteQemuSnapshot,
  encodeConfigParams,
  getQemuConfig,
  getQemuList,
  getQemuMigrate,
  getQemuSnapshotConfig,
  getQemuSnapshots,
  getQemuStatusCurrent,
  postQemu,
  postQemuClone,
  postQemuConfig,
  postQemuMigrate,
  postQemuSnapshot,
  postQemuSnapshotRollback,
  postQemuStatus,
  putQemuConfig,
  putQemuResize,
  putQemuSnapshotConfig,
} from '../../src/pve/endpoints/qemu.js';
import {
  deleteStorageContent,
  getNodeStorage,
  getStorage,
  getStorageContent,
  getStorageContentVolume,
  postDownloadUrl,
  postVzdump,
  putStorageContent,
} from '../../src/pve/endpoints/storage.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { tokenClient } from '../fixtures/cluster.js';

let sim: Simulator;
let c: PveClient;
beforeAll(async () => {
  sim = await startSimulator({ vms: 30, taskDurationMs: 20 });
  c = tokenClient(sim);
});
afterAll(async () => {
  await c?.close();
  await sim?.close();
});

const nodeOf = (vmid: number) => sim.state.vm(vmid)!.node;
const waitOk = async (upid: string | null) => {
  expect(upid).toMatch(/^UPID:/);
  const r = await c.waitForTask(upid as string);
  expect(r).toMatchObject({ ok: true, exitstatus: 'OK' });
};

describe('cluster and nodes', () => {
  it('reads version, resources, status, next id, tasks and permissions', async () => {
    expect((await getVersion(c)).release).toBe('9.1');
    const vms = await getClusterResources(c, { type: 'vm' });
    expect(vms.map((r) => r.vmid).sort()).toEqual(sim.state.vms().map((v) => v.vmid).sort());
    const status = await getClusterStatus(c);
    expect(status.filter((s) => s.type === 'node')).toHaveLength(sim.state.nodes().length);
    const next = await getClusterNextid(c);
    expect(typeof next).toBe('number');
    expect(sim.state.vm(next)).toBeUndefined();
    expect(Array.isArray(await getClusterTasks(c))).toBe(true);
    expect((await getAccessPermissions(c))['/vms']?.['VM.PowerMgmt']).toBe(1);
  });

  it('lists nodes, a node status and a node task list with filters', async () => {
    const nodes = await getNodes(c);
    expect(nodes.map((n) => n.node).sort()).toEqual(sim.state.nodes().map((n) => n.node).sort());
    expect(await getNodeStatus(c, 'pve1')).toHaveProperty('uptime');
    const upid = await postQemuSnapshot(c, nodeOf(8200), 8200, { snapname: 'listed' });
    await c.waitForTask(upid);
    const tasks = await getNodeTasks(c, nodeOf(8200), { source: 'all', vmid: 8200, typefilter: 'qmsnapshot', limit: 10, since: 0, errors: false });
    expect(tasks.map((t) => t.upid)).toContain(upid);
    expect((await getTaskStatus(c, nodeOf(8200), upid)).exitstatus).toBe('OK');
    expect((await getTaskLog(c, nodeOf(8200), upid, { start: 0, limit: 0 })).at(-1)?.t).toBe('TASK OK');
  });

  it('stops a running task', async () => {
    sim.faults.set({ taskDurationMs: 5000 });
    try {
      const node = nodeOf(8201);
      const upid = await postQemuSnapshot(c, node, 8201, { snapname: 'stopme' });
      await deleteTask(c, node, upid);
      const result = await c.waitForTask(upid);
      expect(result.ok).toBe(false);
      expect(sim.state.tasks().find((t) => t.upid === upid)?.status).toBe('stopped');
    } finally {
      sim.faults.set({ taskDurationMs: 20 });
    }
  });
});

describe('qemu', () => {
  it('lists guests of a node and reads config and current status', async () => {
    const node = nodeOf(8202);
    const list = await getQemuList(c, node);
    expect(list.map((v) => v.vmid).sort()).toEqual(sim.state.vms().filter((v) => v.node === node && v.type === 'qemu').map((v) => v.vmid).sort());
    expect((await getQemuConfig(c, node, 8202)).name).toBe(sim.state.vm(8202)?.name);
    expect((await getQemuStatusCurrent(c, node, 8202)).status).toBe(sim.state.vm(8202)?.status);
  });

  it('writes config synchronously (PUT) and asynchronously (POST), booleans as 1/0', async () => {
    const node = nodeOf(8203);
    await putQemuConfig(c, node, 8203, { description: 'put', onboot: true });
    expect(sim.state.vm(8203)?.config).toMatchObject({ description: 'put', onboot: 1 });
    await waitOk(await postQemuConfig(c, node, 8203, { description: 'post', onboot: false }));
    expect(sim.state.vm(8203)?.config).toMatchObject({ description: 'post', onboot: 0 });
  });

  it('URL-encodes sshkeys once, and passes an already encoded value through unchanged', async () => {
    const node = nodeOf(8204);
    const keys = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ops@example.org\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHt8XQ2pYvcl0JmXlA4uJ3vCzC0gRk2GzOlEgbdVwq7Q admin@example.org';
    await putQemuConfig(c, node, 8204, { sshkeys: keys });
    const stored = String(sim.state.vm(8204)?.config.sshkeys);
    expect(decodeURIComponent(stored)).toBe(keys);
    expect(stored).toContain('%20');
    // A value read back from PVE is written back as it is, not encoded twice.
    const readBack = String((await getQemuConfig(c, node, 8204)).sshkeys);
    await putQemuConfig(c, node, 8204, { sshkeys: readBack });
    expect(sim.state.vm(8204)?.config.sshkeys).toBe(stored);
    expect(encodeConfigParams({ sshkeys: readBack }).sshkeys).toBe(readBack);
  });

  it('changes power state', async () => {
    const node = nodeOf(8207);
    expect(sim.state.vm(8207)?.status).toBe('stopped');
    await waitOk(await postQemuStatus(c, node, 8207, 'start'));
    expect(sim.state.vm(8207)?.status).toBe('running');
    await waitOk(await postQemuStatus(c, node, 8207, 'stop', { skiplock: false }));
    expect(sim.state.vm(8207)?.status).toBe('stopped');
  });

  it('creates, reads, describes, rolls back and deletes a snapshot', async () => {
    const node = nodeOf(8205);
    await waitOk(await postQemuSnapshot(c, node, 8205, { snapname: 'pre_change', description: 'before', vmstate: false }));
    expect(sim.state.vm(8205)?.snapshots.map((s) => s.name)).toContain('pre_change');
    expect((await getQemuSnapshots(c, node, 8205)).map((s) => s.name)).toContain('pre_change');
    expect(await getQemuSnapshotConfig(c, node, 8205, 'pre_change')).toHaveProperty('name');
    await putQemuSnapshotConfig(c, node, 8205, 'pre_change', { description: 'renamed' });
    expect(sim.state.vm(8205)?.snapshots.find((s) => s.name === 'pre_change')?.description).toBe('renamed');
    await putQemuConfig(c, node, 8205, { description: 'after snapshot' });
    await waitOk(await postQemuSnapshotRollback(c, node, 8205, 'pre_change', { start: false }));
    expect(sim.state.vm(8205)?.config.description).not.toBe('after snapshot');
    await waitOk(await deleteQemuSnapshot(c, node, 8205, 'pre_change', { force: false }));
    expect(sim.state.vm(8205)?.snapshots.map((s) => s.name)).not.toContain('pre_change');
  });

  it('clones a template, resizes and migrates the clone, then destroys it', async () => {
    const newid = await getClusterNextid(c);
    await waitOk(await postQemuClone(c, nodeOf(9001), 9001, { newid, name: 'clone-test', full: true, storage: 'local-zfs' }));
    expect(sim.state.vm(newid)).toMatchObject({ name: 'clone-test', node: nodeOf(9001) });
    const disk = Object.keys(sim.state.vm(newid)!.config).find((k) => /^scsi\d+$/.test(k)) ?? 'scsi0';
    // PVE 8 resizes in a task: wait for it rather than for a while.
    await waitOk(await putQemuResize(c, nodeOf(newid), newid, { disk, size: '+1G' }));
    expect(String(sim.state.vm(newid)?.config[disk])).toMatch(/size=3G/);
    const target = sim.state.nodes().find((n) => n.node !== nodeOf(newid))!.node;
    expect((await getQemuMigrate(c, nodeOf(newid), newid, { target })).running).toBe(0);
    await waitOk(await postQemuMigrate(c, nodeOf(newid), newid, { target, online: false, 'with-local-disks': true }));
    expect(sim.state.vm(newid)?.node).toBe(target);
    await waitOk(await deleteQemu(c, target, newid, { purge: true, 'destroy-unreferenced-disks': true }));
    expect(sim.state.vm(newid)).toBeUndefined();
  });

  it('creates a VM with cloud-init settings', async () => {
    const vmid = await getClusterNextid(c);
    await waitOk(
      await postQemu(c, 'pve2', {
        vmid,
        name: 'created',
        memory: '2048',
        cores: 2,
        scsi0: 'local-zfs:8',
        ide2: 'local-zfs:cloudinit',
        ciuser: 'ops',
        sshkeys: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ops@example.org',
        tags: 'moxxie;env-test',
        start: false,
      }),
    );
    expect(sim.state.vm(vmid)).toMatchObject({ name: 'created', node: 'pve2', status: 'stopped' });
    expect(decodeURIComponent(String(sim.state.vm(vmid)?.config.sshkeys))).toMatch(/^ssh-ed25519 /);
  });
});

describe('storage and pools', () => {
  it('lists storages, node storages and content', async () => {
    expect((await getStorage(c)).map((s) => s.storage)).toContain('backup-nfs');
    expect((await getNodeStorage(c, 'pve1', { content: 'backup', enabled: true })).map((s) => s.storage)).toContain('backup-nfs');
    const backups = await getStorageContent(c, 'pve1', 'backup-nfs', { content: 'backup' });
    expect(backups.map((b) => b.volid).sort()).toEqual(sim.state.storageContent('backup-nfs').map((v) => v.volid).sort());
  });

  it('backs up a guest, annotates, protects and removes the backup', async () => {
    const node = nodeOf(8206);
    const before = new Set(sim.state.storageContent('backup-nfs').map((v) => v.volid));
    await waitOk(await postVzdump(c, node, { vmid: '8206', storage: 'backup-nfs', mode: 'snapshot', compress: 'zstd', 'notes-template': '{{guestname}}', protected: false }));
    const created = sim.state.storageContent('backup-nfs').find((v) => !before.has(v.volid));
    expect(created?.vmid).toBe(8206);
    const volid = created!.volid;
    await putStorageContent(c, node, 'backup-nfs', volid, { notes: 'kept', protected: true });
    expect(sim.state.storageContent('backup-nfs').find((v) => v.volid === volid)).toMatchObject({ notes: 'kept', protected: true });
    expect((await getStorageContentVolume(c, node, 'backup-nfs', volid)).protected).toBe(1);
    await putStorageContent(c, node, 'backup-nfs', volid, { protected: false });
    await waitOk(await deleteStorageContent(c, node, 'backup-nfs', volid));
    expect(sim.state.storageContent('backup-nfs').some((v) => v.volid === volid)).toBe(false);
  });

  it('downloads an image into a storage', async () => {
    await waitOk(await postDownloadUrl(c, 'pve1', 'util-iso', { url: 'https://example.org/alpine.iso', filename: 'alpine.iso', content: 'iso', 'verify-certificates': true }));
    expect(sim.state.storageContent('util-iso').map((v) => v.volid)).toContain('util-iso:iso/alpine.iso');
  });

  it('reads pools and their members', async () => {
    expect((await getPools(c)).map((p) => p.poolid).sort()).toEqual(['kubernetes', 'workshop']);
    const workshop = await getPool(c, 'workshop');
    expect(workshop.members.map((m) => m.vmid).sort()).toEqual(sim.state.vms().filter((v) => v.pool === 'workshop').map((v) => v.vmid).sort());
  });
});
