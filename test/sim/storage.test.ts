import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { simDownloadChecksum } from '../../src/sim/download-body.js';
import { api, waitTask } from './http.js';

let sim: Simulator;
let a: ReturnType<typeof api>;
beforeAll(async () => {
  sim = await startSimulator({ http: true, vms: 60, taskDurationMs: 20 });
  a = api(sim);
});
afterAll(() => sim.close());

/** Starts a task that runs long enough to be seen running (its lock) even on a loaded machine, then restores short tasks. */
async function slowly<T>(start: () => Promise<T>, ms = 400): Promise<T> {
  sim.faults.set({ taskDurationMs: ms });
  try {
    return await start();
  } finally {
    sim.faults.set({ taskDurationMs: 20 });
  }
}

const run = async (upid: Promise<string>) => waitTask(sim, await upid);
const enc = encodeURIComponent;
type Volume = { volid: string; content: string; vmid?: number; notes?: string; protected?: number; format: string; size: number; ctime?: number; subtype?: string };

describe('storages', () => {
  it('lists the cluster storage configuration and filters it by type', async () => {
    const all = await a.data<Array<{ storage: string; type: string; shared?: number }>>(a.get('/storage'));
    expect(all.map((s) => s.storage).sort()).toEqual(['backup-nfs', 'ceph-vm', 'local', 'local-zfs', 'util-iso']);
    expect((await a.data<Array<{ storage: string }>>(a.get('/storage?type=nfs'))).map((s) => s.storage).sort()).toEqual(['backup-nfs', 'util-iso']);
  });

  it('lists node storages with usage, filtered by content; an unknown storage is a 400', async () => {
    const list = await a.data<Array<{ storage: string; total: number; used: number; avail: number; active: number; enabled: number }>>(a.get('/nodes/pve1/storage?content=backup'));
    expect(list.map((s) => s.storage).sort()).toEqual(['backup-nfs', 'local']);
    const nfs = list.find((s) => s.storage === 'backup-nfs')!;
    expect(nfs).toMatchObject({ active: 1, enabled: 1 });
    expect(nfs.used).toBeGreaterThan(0);
    expect(nfs.avail).toBe(nfs.total - nfs.used);
    expect((await a.get('/nodes/pve1/storage?storage=nope')).body!.errors).toEqual({ storage: 'No such storage.' });
  });

  it('lists content by type: backups with subtype, ctime and notes; VM disks as images of their node', async () => {
    const backups = await a.data<Volume[]>(a.get('/nodes/pve1/storage/backup-nfs/content?content=backup'));
    expect(backups.length).toBeGreaterThan(0);
    expect(backups[0]).toMatchObject({ content: 'backup', format: 'vma.zst', subtype: 'qemu' });
    expect(backups[0].volid).toMatch(/^backup-nfs:backup\/vzdump-qemu-\d+-\d{4}_\d\d_\d\d-\d\d_\d\d_\d\d\.vma\.zst$/);
    const one = backups[0].vmid!;
    expect((await a.data<Volume[]>(a.get(`/nodes/pve1/storage/backup-nfs/content?vmid=${one}`))).every((v) => v.vmid === one)).toBe(true);
    const images = await a.data<Volume[]>(a.get('/nodes/pve1/storage/local-zfs/content?content=images'));
    expect(images.some((v) => v.volid === 'local-zfs:base-9001-disk-0')).toBe(true);
    const onPve2 = await a.data<Volume[]>(a.get('/nodes/pve2/storage/local-zfs/content'));
    expect(onPve2.some((v) => v.volid === 'local-zfs:base-9001-disk-0')).toBe(false);
    const isos = await a.data<Volume[]>(a.get('/nodes/pve3/storage/util-iso/content?content=iso'));
    expect(isos.map((v) => v.volid)).toContain('util-iso:iso/debian-12.7.0-amd64-netinst.iso');
  });
});

describe('vzdump', () => {
  it('writes a backup volume with notes and protection, locking the guest while it runs', async () => {
    const before = sim.state.storageContent('backup-nfs').length;
    const upid = await slowly(() => a.data<string>(a.post('/nodes/pve1/vzdump', { vmid: '8200', storage: 'backup-nfs', mode: 'snapshot', compress: 'zstd', 'notes-template': '{{guestname}} on {{node}} ({{vmid}})', protected: '1' })));
    expect(upid).toContain(':vzdump:8200:');
    expect(sim.state.vm(8200)!.lock).toBe('backup');
    const t = await waitTask(sim, upid);
    expect(t.exitstatus).toBe('OK');
    expect(t.log).toEqual(expect.arrayContaining(['INFO: Starting Backup of VM 8200 (qemu)', 'INFO: adding notes to backup', 'INFO: marking backup as protected', 'INFO: Backup job finished successfully']));
    expect(sim.state.vm(8200)!.lock).toBeUndefined();
    const content = sim.state.storageContent('backup-nfs');
    expect(content.length).toBe(before + 1);
    const made = content.find((v) => v.vmid === 8200 && v.protected)!;
    expect(made.notes).toBe('workshop-wk-01 on pve1 (8200)');
    expect(made.volid).toMatch(/^backup-nfs:backup\/vzdump-qemu-8200-\d{4}_\d\d_\d\d-\d\d_\d\d_\d\d\.vma\.zst$/);
    const listed = (await a.data<Volume[]>(a.get('/nodes/pve2/storage/backup-nfs/content?vmid=8200'))).find((v) => v.volid === made.volid)!;
    expect(listed).toMatchObject({ notes: 'workshop-wk-01 on pve1 (8200)', protected: 1, subtype: 'qemu', format: 'vma.zst' });
  });

  it('answers "OK" without a task when no requested guest is on the node', async () => {
    const remote = sim.state.vms().find((v) => v.node !== 'pve1' && v.type === 'qemu')!;
    expect(await a.data(a.post('/nodes/pve1/vzdump', { vmid: String(remote.vmid), storage: 'backup-nfs' }))).toBe('OK');
  });

  it('ends with "job errors" when a guest is locked, and still backs up the others', async () => {
    const mine = sim.state.vms().filter((v) => v.node === 'pve2' && v.type === 'qemu' && !v.template && !v.lock).slice(0, 2);
    sim.faults.set({ taskDurationMs: 1000 });
    let snap = '';
    try {
      snap = await a.data<string>(a.post(`/nodes/pve2/qemu/${mine[0].vmid}/snapshot`, { snapname: 'busy' }));
    } finally {
      sim.faults.set({ taskDurationMs: 20 });
    }
    const t = await run(a.data<string>(a.post('/nodes/pve2/vzdump', { vmid: mine.map((v) => v.vmid).join(','), storage: 'backup-nfs' })));
    expect(t.exitstatus).toBe('job errors');
    expect(t.log).toContain(`ERROR: Backup of VM ${mine[0].vmid} failed - VM is locked (snapshot)`);
    expect(t.log).toContain(`INFO: Starting Backup of VM ${mine[1].vmid} (qemu)`);
    expect(sim.state.storageContent('backup-nfs').some((v) => v.vmid === mine[1].vmid && v.ctime > Date.now() / 1000 - 60)).toBe(true);
    await waitTask(sim, snap);
  });

  it('prunes older backups by retention, never protected ones', async () => {
    const vm = sim.state.vms().find((v) => v.node === 'pve3' && v.type === 'qemu' && !v.template && !v.lock)!;
    for (let i = 0; i < 3; i++) await run(a.data<string>(a.post('/nodes/pve3/vzdump', { vmid: String(vm.vmid), storage: 'backup-nfs', protected: i === 0 ? '1' : '0' })));
    const before = sim.state.storageContent('backup-nfs').filter((v) => v.vmid === vm.vmid);
    const t = await run(a.data<string>(a.post('/nodes/pve3/vzdump', { vmid: String(vm.vmid), storage: 'backup-nfs', 'prune-backups': 'keep-last=2' })));
    expect(t.log).toContain('INFO: prune older backups with retention: keep-last=2');
    const after = sim.state.storageContent('backup-nfs').filter((v) => v.vmid === vm.vmid);
    expect(after.filter((v) => !v.protected)).toHaveLength(2);
    expect(after.filter((v) => v.protected)).toHaveLength(before.filter((v) => v.protected).length);
  });

  it('runs one vzdump per node at a time: a second job waits for the global lock', async () => {
    const vms = sim.state.vms().filter((v) => v.node === 'pve4' && v.type === 'qemu' && !v.template && !v.lock).slice(0, 2);
    const first = await slowly(() => a.data<string>(a.post('/nodes/pve4/vzdump', { vmid: String(vms[0].vmid), storage: 'backup-nfs' })));
    const second = await a.data<string>(a.post('/nodes/pve4/vzdump', { vmid: String(vms[1].vmid), storage: 'backup-nfs' }));
    const t2 = await waitTask(sim, second);
    const t1 = sim.state.tasks().find((t) => t.upid === first)!;
    expect(t1.status).toBe('stopped');
    expect(t2.log[0]).toBe('INFO: trying to get global lock - waiting...');
    expect(t2.exitstatus).toBe('OK');
  });

  it('backs up all guests of a node except excluded ones, and refuses an unknown notes variable before any task', async () => {
    const onPve1 = sim.state.vms().filter((v) => v.node === 'pve1' && !v.lock);
    const t = await run(a.data<string>(a.post('/nodes/pve1/vzdump', { all: '1', exclude: String(onPve1[0].vmid), storage: 'local' })));
    expect(t.exitstatus).toBe('OK');
    const local = sim.state.storageContent('local').filter((v) => v.content === 'backup');
    expect(local.some((v) => v.vmid === onPve1[0].vmid)).toBe(false);
    expect(local.some((v) => v.vmid === onPve1[1].vmid && v.node === 'pve1')).toBe(true);
    const bad = await a.post('/nodes/pve1/vzdump', { vmid: String(onPve1[1].vmid), storage: 'local', 'notes-template': '{{guestname}} {{nope}}' });
    expect(bad.status).toBe(400);
    expect(bad.body!.errors).toEqual({ 'notes-template': "found unknown: variable 'nope' at char 14" });
  });

  it('fails the task for a storage without backup content or one that does not exist', async () => {
    const noBackups = await run(a.data<string>(a.post('/nodes/pve1/vzdump', { vmid: '8200', storage: 'local-zfs' })));
    expect(noBackups.exitstatus).toBe("could not get storage information for 'local-zfs': can't use storage 'local-zfs' for backups - wrong content type");
    const missing = await run(a.data<string>(a.post('/nodes/pve1/vzdump', { vmid: '8200', storage: 'nope' })));
    expect(missing.exitstatus).toBe("could not get storage information for 'nope': storage 'nope' does not exist");
  });
});

describe('volumes', () => {
  it('changes notes and protection; deleting a protected backup fails in the task, an unprotected one goes', async () => {
    const vol = sim.state.storageContent('backup-nfs').find((v) => !v.protected && v.vmid !== undefined)!;
    const path = `/nodes/pve1/storage/backup-nfs/content/${enc(vol.volid)}`;
    expect(await a.data(a.put(path, { notes: 'keep me\nsecond line', protected: '1' }))).toBeNull();
    expect(sim.state.storageContent('backup-nfs').find((v) => v.volid === vol.volid)).toMatchObject({ notes: 'keep me\nsecond line', protected: true });
    const details = await a.data<{ notes: string; protected: number; path: string }>(a.get(path));
    expect(details).toMatchObject({ protected: 1, notes: 'keep me\nsecond line' });
    expect(details.path).toBe(`/mnt/pve/backup-nfs/dump/${vol.volid.split('/')[1]}`);
    const listed = (await a.data<Volume[]>(a.get(`/nodes/pve1/storage/backup-nfs/content?vmid=${vol.vmid}`))).find((v) => v.volid === vol.volid)!;
    expect(listed.notes).toBe('keep me');
    const refused = await run(a.data<string>(a.del(path)));
    expect(refused.exitstatus).toBe(`cannot remove protected volume '${vol.volid.split(':')[1]}' on 'backup-nfs'`);
    expect(sim.state.storageContent('backup-nfs').some((v) => v.volid === vol.volid)).toBe(true);
    await a.data(a.put(path, { protected: '0' }));
    const upid = await a.data<string>(a.del(`/nodes/pve1/storage/backup-nfs/content/${vol.volid.split(':')[1]}`));
    expect(upid).toContain(`:imgdel:${vol.vmid}@backup-nfs:`);
    expect((await waitTask(sim, upid)).exitstatus).toBe('OK');
    expect(sim.state.storageContent('backup-nfs').some((v) => v.volid === vol.volid)).toBe(false);
  });

  it('waits with delay and answers null; a volume of another storage is a 400', async () => {
    const vol = sim.state.storageContent('backup-nfs').find((v) => !v.protected)!;
    expect(await a.data(a.del(`/nodes/pve1/storage/backup-nfs/content/${enc(vol.volid)}?delay=5`))).toBeNull();
    const mismatch = await a.del(`/nodes/pve1/storage/local/content/${enc(vol.volid)}`);
    expect(mismatch.body!.errors).toEqual({ volume: 'storage ID mismatch (backup-nfs != local)\n' });
  });
});

describe('download-url', () => {
  it('downloads into storage content in a download task', async () => {
    const upid = await a.data<string>(a.post('/nodes/pve2/storage/util-iso/download-url', { content: 'iso', filename: 'alpine.iso', url: 'https://example.org/alpine.iso', checksum: simDownloadChecksum('https://example.org/alpine.iso', 'sha256'), 'checksum-algorithm': 'sha256' }));
    expect(upid).toContain(':download:alpine.iso:');
    const t = await waitTask(sim, upid);
    expect(t.log).toContain('downloading https://example.org/alpine.iso to /mnt/pve/util-iso/template/iso/alpine.iso');
    expect(t.log).toContain('calculating checksum...OK, checksum verified');
    expect(sim.state.storageContent('util-iso').some((v) => v.volid === 'util-iso:iso/alpine.iso')).toBe(true);
    const again = await run(a.data<string>(a.post('/nodes/pve2/storage/util-iso/download-url', { content: 'iso', filename: 'alpine.iso', url: 'https://example.org/alpine.iso' })));
    expect(again.exitstatus).toBe("refusing to override existing file '/mnt/pve/util-iso/template/iso/alpine.iso'");
  });

  it('refuses a wrong extension, a storage without the content type and a non-file storage', async () => {
    expect((await a.post('/nodes/pve1/storage/local/download-url', { content: 'iso', filename: 'x.qcow2', url: 'https://e.org/x' })).body!.errors).toEqual({ filename: 'wrong file extension' });
    expect((await a.post('/nodes/pve1/storage/backup-nfs/download-url', { content: 'iso', filename: 'x.iso', url: 'https://e.org/x' })).statusText).toBe("storage 'backup-nfs' is not configured for content-type 'iso'");
    expect((await a.post('/nodes/pve1/storage/local-zfs/download-url', { content: 'import', filename: 'x.qcow2', url: 'https://e.org/x' })).statusText).toBe("can't upload to storage type 'zfspool', not a file based storage!");
  });
});

describe('pools', () => {
  it('lists pools, and one pool with its members (new and deprecated forms)', async () => {
    const pools = await a.data<Array<{ poolid: string }>>(a.get('/pools'));
    expect(pools.map((p) => p.poolid).sort()).toEqual(['kubernetes', 'workshop']);
    const [ws] = await a.data<Array<{ poolid: string; members: Array<{ vmid: number; type: string; id: string }> }>>(a.get('/pools?poolid=workshop'));
    expect(ws.members.map((m) => m.vmid).sort()).toEqual([8200, 8201, 8202, 8203, 8204, 8205, 8206, 8207, 8208, 8209]);
    expect(ws.members[0].id).toMatch(/^qemu\/\d+$/);
    const old = await a.data<{ members: unknown[]; comment: string }>(a.get('/pools/workshop'));
    expect(old.members).toHaveLength(10);
    expect((await a.get('/pools?poolid=nope')).statusText).toBe("pool 'nope' does not exist");
  });

  it('creates a pool, moves members in and out, and deletes it only when empty', async () => {
    expect(await a.data(a.post('/pools', { poolid: 'lab', comment: 'Lab' }))).toBeNull();
    expect((await a.post('/pools', { poolid: 'lab' })).statusText).toBe("pool 'lab' already exists");
    expect((await a.post('/pools', { poolid: 'x/y' })).statusText).toBe("parent 'x' of pool 'x/y' does not exist");
    const free = sim.state.vms().find((v) => !v.pool && v.type === 'qemu')!;
    await a.data(a.put('/pools', { poolid: 'lab', vms: String(free.vmid), storage: 'backup-nfs' }));
    expect(sim.state.vm(free.vmid)!.pool).toBe('lab');
    expect((await a.put('/pools', { poolid: 'lab', vms: '8200' })).statusText).toBe("VM 8200 belongs already to pool 'workshop' and 'allow-move' is not set");
    await a.data(a.put('/pools', { poolid: 'lab', vms: '8200', 'allow-move': '1' }));
    expect(sim.state.vm(8200)!.pool).toBe('lab');
    const [lab] = await a.data<Array<{ members: Array<{ type: string }> }>>(a.get('/pools?poolid=lab&type=storage'));
    expect(lab.members.every((m) => m.type === 'storage')).toBe(true);
    expect((await a.del('/pools?poolid=lab')).statusText).toMatch(/^pool 'lab' is not empty \(contains VM \d+\)$/);
    await a.data(a.put('/pools', { poolid: 'lab', vms: `${free.vmid},8200`, delete: '1' }));
    await a.data(a.put('/pools/lab', { storage: 'backup-nfs', delete: '1' }));
    expect((await a.put('/pools', { poolid: 'lab', vms: '8200', delete: '1' })).statusText).toBe('VM 8200 is not a pool member');
    expect(await a.data(a.del('/pools?poolid=lab'))).toBeNull();
    expect(sim.state.vm(8200)!.pool).toBeUndefined();
    expect((await a.data<Array<{ poolid: string }>>(a.get('/pools'))).some((p) => p.poolid === 'lab')).toBe(false);
  });
});
