// The seed's Backup Operations, Bulk Backup Operations, VM Management (create, cloud-init, download), Clone,
// SSH Key Management and VM Migration curl examples over real HTTP, bodies verbatim, asserting on the simulator's
// true state. Adjusted: host/port; node names (the seed's hv2/hv6/hv7/storage01 are pve1-pve4 here); VM ids the
// demo holds already or the examples reuse among themselves (noted where); the checksum list's URL (a local
// server, as moxxie reads it itself). Then error paths: unknown fields, a protected backup, read-only.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simDownloadChecksum } from '../../src/sim/download-body.js';
import { until } from '../fixtures/wait.js';
import { finished, startRest, type RestHarness } from './harness.js';

let h: RestHarness;
const simVm = (id: number) => h.cluster.sim.state.vm(id);
const config = (id: number) => simVm(id)!.config as Record<string, string | number>;
const backups = () => [...h.cluster.sim.state.storageContent('local'), ...h.cluster.sim.state.storageContent('backup-nfs')].filter((v) => v.content === 'backup');
const backupsOf = (vmid: number) => backups().filter((b) => b.vmid === vmid);
const enc = encodeURIComponent;
const KEY_1 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGLmQqfp8X5DUVxLruBsCmJ7m4mDGcr5V7e2BXMkNPDp user@example.com';
const KEY_2 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPxB7sI8//r3dmJqfAyln6VtigT5mSwoKz30SnkZiecc barry@coffeesprout.com';

/** POSTs, then follows the operation to its end (the seed's calls answer 202 with it). */
async function run(method: string, path: string, body?: unknown): Promise<any> {
  const r = await h.api(method, path, body);
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  expect(r.headers.get('location')).toBe(`/api/v1/operations/${r.body.id}`);
  const done = await finished(h, r.body.id);
  expect(done.status, JSON.stringify(done.targets.map((t: any) => t.message))).toBe('succeeded');
  return done;
}

beforeAll(async () => {
  h = await startRest({ recordHistory: true, sim: { taskDurationMs: 10 } });
});
afterAll(async () => h?.close());

describe('Bulk Backup Operations', () => {
  const byIds = { vmSelectors: [{ type: 'VM_IDS', value: '8200,8201,8202' }], storage: 'local', mode: 'snapshot', compress: 'zstd', notes: 'Pre-maintenance backup' };

  it('the dry run answers the plan and backs up nothing; the real run makes one archive per VM with the notes', async () => {
    const before = backups().length;
    const dry = await h.api('POST', '/api/v1/backups/bulk', { ...byIds, dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body.status).toBe('planned');
    expect(dry.body.targets.map((t: any) => t.vmid)).toEqual([8200, 8201, 8202]);
    expect(backups().length).toBe(before);

    await run('POST', '/api/v1/backups/bulk', { ...byIds, maxParallel: 3, dryRun: false });
    for (const id of [8200, 8201, 8202]) {
      const made = backupsOf(id).filter((b) => b.notes === 'Pre-maintenance backup');
      expect(made).toHaveLength(1);
      expect(made[0]).toMatchObject({ storage: 'local', node: simVm(id)!.node });
      expect(made[0].volid).toMatch(new RegExp(`^local:backup/vzdump-qemu-${id}-.*\\.vma\\.zst$`));
    }
  });

  it('by name pattern: every workshop-wk-* VM', async () => {
    await run('POST', '/api/v1/backups/bulk', { vmSelectors: [{ type: 'NAME_PATTERN', value: 'workshop-wk-*' }], storage: 'local', mode: 'snapshot', compress: 'zstd', notes: 'Worker nodes backup', maxParallel: 2 });
    for (let id = 8200; id <= 8209; id++) expect(backupsOf(id).some((b) => b.notes === 'Worker nodes backup')).toBe(true);
  });

  it('by tag expression, protected, with a 30-day TTL', async () => {
    const done = await run('POST', '/api/v1/backups/bulk', {
      vmSelectors: [{ type: 'TAG_EXPRESSION', value: 'env-prod AND client-acme' }],
      storage: 'local', mode: 'snapshot', compress: 'zstd', notes: 'Production backup', ttlDays: 30, protectBackup: true, maxParallel: 5,
    });
    const acme = h.cluster.sim.state.vms().filter((v) => v.type === 'qemu' && !v.template && v.tags.includes('env-prod') && v.tags.includes('client-acme'));
    expect(acme.length).toBeGreaterThan(0);
    expect(done.targets.map((t: any) => t.vmid).sort()).toEqual(acme.map((v) => v.vmid).sort());
    for (const v of acme) {
      const b = backupsOf(v.vmid).find((x) => x.notes?.startsWith('Production backup'))!;
      expect(b).toMatchObject({ notes: 'Production backup (TTL: 30d)', protected: true });
    }
  });

  it('stop mode with mail on failure: the VM is stopped for it and running again after (demo: one VM tagged backup-stop-required first)', async () => {
    const tag = await h.api('POST', '/api/v1/tags/bulk?vmIds=8205', { action: 'ADD', tags: ['backup-stop-required'] });
    expect(tag.status).toBe(200);
    expect(simVm(8205)!.status).toBe('running');
    await run('POST', '/api/v1/backups/bulk', { vmSelectors: [{ type: 'TAG_EXPRESSION', value: 'backup-stop-required' }], storage: 'local', mode: 'stop', compress: 'lzo', notes: 'Consistent backup with VM stop', mailNotification: 'failure' });
    const b = backupsOf(8205).find((x) => x.notes === 'Consistent backup with VM stop')!;
    expect(b.volid).toMatch(/\.vma\.lzo$/);
    expect(simVm(8205)!.status).toBe('running');
    const vzdump = h.cluster.sim.state.tasks().filter((t) => t.type === 'vzdump' && t.id === '8205');
    expect(vzdump.length).toBeGreaterThan(0);
  });
});

describe('Backup Operations', () => {
  it('GET /backups lists every archive in the cluster once', async () => {
    const r = await h.api('GET', '/api/v1/backups');
    expect(r.status).toBe(200);
    expect(r.body.map((b: any) => b.volid).sort()).toEqual(backups().map((b) => b.volid).sort());
    const one = r.body.find((b: any) => b.notes === 'Production backup (TTL: 30d)');
    expect(one).toMatchObject({ protected: true, ttlDays: 30, expired: false });
    const vm = await h.api('GET', '/api/v1/vms/8200/backups');
    expect(vm.body.map((b: any) => b.volid).sort()).toEqual(backupsOf(8200).map((b) => b.volid).sort());
  });

  it('retention candidates: days:30, and count:5 for env-dev guests', async () => {
    const days = await h.api('GET', '/api/v1/backups/retention-candidates?retentionPolicy=days:30');
    expect(days.status).toBe(200);
    expect(days.body.backups.length).toBe(backups().length);
    const cutoff = Date.now() / 1000 - 30 * 86400;
    for (const volid of days.body.candidates) {
      const b = backups().find((x) => x.volid === volid)!;
      expect(b.protected).not.toBe(true);
      expect(b.ctime < cutoff || /TTL/.test(b.notes ?? '')).toBe(true);
    }
    const count = await h.api('GET', '/api/v1/backups/retention-candidates?retentionPolicy=count:5&tags=env-dev');
    expect(count.status).toBe(200);
    const dev = new Set(h.cluster.sim.state.vms().filter((v) => v.tags.includes('env-dev')).map((v) => v.vmid));
    expect(count.body.backups.every((b: any) => dev.has(b.vmid))).toBe(true);
  });

  it('cleanup dry run: the plan is the preview\'s removals, nothing is deleted', async () => {
    const before = backups().map((b) => b.volid).sort();
    const preview = await h.api('GET', '/api/v1/backups/retention-candidates?retentionPolicy=days:30&tags=env-dev');
    const r = await h.api('POST', '/api/v1/backups/cleanup', { retentionPolicy: 'days:30', dryRun: true, tags: ['env-dev'] });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'planned', kind: 'backup.prune' });
    expect(r.body.targets.map((t: any) => t.spec?.volid ?? t.id.replace(/^backup:/, '')).sort()).toEqual([...preview.body.candidates].sort());
    expect(backups().map((b) => b.volid).sort()).toEqual(before);
  });

  it('protect, a refused delete while protected (409), unprotect, delete', async () => {
    const volid = backupsOf(8201).find((b) => b.notes === 'Pre-maintenance backup')!.volid;
    const path = `/api/v1/backups/${enc(volid)}`;
    const protect = await h.api('POST', `${path}/protect`);
    expect(protect.status).toBe(200);
    expect(backups().find((b) => b.volid === volid)!.protected).toBe(true);

    const refused = await h.api('DELETE', path);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain('protected');
    expect(backups().some((b) => b.volid === volid)).toBe(true);

    expect((await h.api('DELETE', `${path}/protect`)).status).toBe(200);
    expect(backups().find((b) => b.volid === volid)!.protected).toBeFalsy();
    await run('DELETE', path);
    expect(backups().some((b) => b.volid === volid)).toBe(false);
    expect((await h.api('DELETE', path)).status).toBe(404);
  });

  it('restore to a new id, named, with ?wait=true', async () => {
    const volid = backupsOf(8202).find((b) => b.notes === 'Pre-maintenance backup')!.volid;
    const r = await h.api('POST', '/api/v1/backups/restore?wait=true', { volid, name: 'restored-8202' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const id = r.body.targets[0].vmid;
    expect(id).not.toBe(8202);
    expect(simVm(id)).toMatchObject({ name: 'restored-8202', node: simVm(8202)!.node });
  });
});

describe('Clone VM from Template (template 9000; hv6/hv7 are pve nodes)', () => {
  it('auto id, full clone, description and tags', async () => {
    const done = await run('POST', '/api/v1/vms/9000/clone', {
      name: 'k8s-master-01', targetNode: 'pve1', description: 'Kubernetes control plane node', fullClone: true, targetStorage: 'local-zfs', start: false, tags: ['k8s-controlplane', 'env-prod'],
    });
    const id = done.targets[0].vmid;
    expect(simVm(id)).toMatchObject({ name: 'k8s-master-01', node: 'pve1', status: 'stopped', template: false });
    expect(config(id)).toMatchObject({ scsi0: `local-zfs:vm-${id}-disk-0,iothread=1,size=3G`, tags: 'env-prod;k8s-controlplane' });
  });

  it('newVmId 201 into pool kubernetes; linked clone 202', async () => {
    await run('POST', '/api/v1/vms/9000/clone', { newVmId: 201, name: 'k8s-worker-01', targetNode: 'pve1', description: 'Kubernetes worker node', fullClone: true, targetStorage: 'local-zfs', pool: 'kubernetes', tags: ['k8s-worker', 'env-prod'] });
    expect(simVm(201)).toMatchObject({ name: 'k8s-worker-01', pool: 'kubernetes' });
    await run('POST', '/api/v1/vms/9000/clone', { newVmId: 202, name: 'test-vm', targetNode: 'pve1', fullClone: false, targetStorage: 'local-zfs' });
    expect(config(202).scsi0).toBe('local-zfs:base-9000-disk-0/vm-202-disk-0,iothread=1,size=3G');
  });

  it('a taken newVmId is a 400 naming newVmId; an unknown field a 400 with the nearest name', async () => {
    const taken = await h.api('POST', '/api/v1/vms/9000/clone', { newVmId: 201, name: 'again' });
    expect(taken.status).toBe(400);
    expect(taken.body.field).toBe('newVmId');
    const unknown = await h.api('POST', '/api/v1/vms/9000/clone', { name: 'x', fullclone: true });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ field: 'fullclone' });
    expect(unknown.body.message).toContain("did you mean 'fullClone'");
  });
});

describe('Create VM (hv6 is pve2 here)', () => {
  it('SSD/iothread disk, VLAN, boot order, tags', async () => {
    const done = await run('POST', '/api/v1/vms', {
      name: 'k8s-worker-01', node: 'pve2', cores: 8, memoryMB: 16384, network: { bridge: 'vmbr0', vlan: 100 }, bootOrder: 'order=net0;scsi0',
      disks: [{ interfaceType: 'SCSI', slot: 0, storage: 'local-zfs', sizeGB: 200, ssd: true, iothread: true, cache: 'WRITEBACK', discard: true }],
      tags: ['k8s-worker', 'env-prod', 'moxxie'],
    });
    const id = done.targets[0].vmid;
    expect(config(id)).toMatchObject({ cores: 8, memory: '16384', boot: 'order=net0;scsi0', scsi0: `local-zfs:vm-${id}-disk-0,cache=writeback,discard=on,iothread=1,size=200G,ssd=1` });
    expect(String(config(id).net0)).toMatch(/bridge=vmbr0,tag=100$/);
  });

  it('two disks; the legacy diskGB; custom CPU and VGA', async () => {
    const db = (await run('POST', '/api/v1/vms', {
      name: 'database-server', node: 'pve2', cores: 16, memoryMB: 65536, network: { bridge: 'vmbr0' },
      disks: [
        { interfaceType: 'SCSI', slot: 0, storage: 'local-zfs', sizeGB: 100, ssd: true, iothread: true, cache: 'NONE' },
        { interfaceType: 'SCSI', slot: 1, storage: 'local-zfs', sizeGB: 1000, ssd: false, cache: 'WRITEBACK', backup: true },
      ],
      tags: ['database', 'env-prod'],
    })).targets[0].vmid;
    expect(config(db)).toMatchObject({ scsi0: `local-zfs:vm-${db}-disk-0,cache=none,iothread=1,size=100G,ssd=1`, scsi1: `local-zfs:vm-${db}-disk-1,cache=writeback,size=1000G` });
    const simple = (await run('POST', '/api/v1/vms', { name: 'simple-vm', node: 'pve2', cores: 2, memoryMB: 4096, diskGB: 50, network: { bridge: 'vmbr0' } })).targets[0].vmid;
    expect(config(simple).scsi0).toBe(`local-zfs:vm-${simple}-disk-0,size=50G`);
    const perf = (await run('POST', '/api/v1/vms', {
      name: 'high-perf-vm', node: 'pve2', cores: 8, memoryMB: 32768, cpuType: 'host', vgaType: 'virtio',
      disks: [{ interfaceType: 'SCSI', slot: 0, storage: 'local-zfs', sizeGB: 100, ssd: true, iothread: true }], network: { bridge: 'vmbr0' }, tags: ['high-performance'],
    })).targets[0].vmid;
    expect(config(perf)).toMatchObject({ cpu: 'host', vga: 'virtio', tags: 'high-performance' });
  });
});

describe('Create VM from cloud-init image (hv7 is pve2, storage01 pve1)', () => {
  it('k8s-control-01 (vmid 200): grown disk, keys, static IP, started; the password reaches PVE and nothing else', async () => {
    const r = await h.api('POST', '/api/v1/vms/cloud-init', {
      vmid: 200, name: 'k8s-control-01', node: 'pve2', cores: 4, memoryMB: 8192,
      imageSource: 'util-iso:images/debian-12-generic-amd64.qcow2', targetStorage: 'local-zfs', diskSizeGB: 50,
      cloudInitUser: 'debian', cloudInitPassword: 'temppassword123', sshKeys: KEY_1,
      ipConfig: 'ip=192.168.1.100/24,gw=192.168.1.1', nameservers: '8.8.8.8,8.8.4.4', searchDomain: 'cluster.local',
      network: { model: 'virtio', bridge: 'vmbr0' }, diskOptions: { ssd: true, iothread: true, discard: true },
      cpuType: 'host', tags: 'k8s-controlplane,env-prod,moxxie', start: true,
    });
    expect(r.status).toBe(202);
    const done = await finished(h, r.body.id);
    expect(done.status).toBe('succeeded');
    expect(simVm(200)).toMatchObject({ name: 'k8s-control-01', node: 'pve2', status: 'running' });
    expect(config(200)).toMatchObject({ ciuser: 'debian', cipassword: 'temppassword123', ipconfig0: 'ip=192.168.1.100/24,gw=192.168.1.1', scsi0: 'local-zfs:vm-200-disk-0,discard=on,iothread=1,size=50G,ssd=1' });
    expect(decodeURIComponent(String(config(200).sshkeys))).toBe(KEY_1);
    // Not in the answer, the operation read back, the operation list, or the access log.
    expect(JSON.stringify(r.body)).not.toContain('temppassword123');
    expect(JSON.stringify(done)).not.toContain('temppassword123');
    const listed = (await h.api('GET', '/api/v1/operations')).body as Array<{ id: string; kind: string; status: string; counts: Record<string, number> }>;
    expect(JSON.stringify(listed)).not.toContain('temppassword123');
    // The list: newest first, this one with its counts by target state.
    expect(listed[0]).toMatchObject({ id: r.body.id, kind: 'vm.cloud-init', status: 'succeeded', counts: { succeeded: 1 } });
    expect(JSON.stringify(h.log)).not.toContain('temppassword123');
  });

  it('debian-test with DHCP and the agent (vmid 201 taken by the clone above: 205)', async () => {
    await run('POST', '/api/v1/vms/cloud-init', {
      vmid: 205, name: 'debian-test', node: 'pve2', cores: 2, memoryMB: 4096,
      imageSource: 'util-iso:images/debian-12-cloud.qcow2', targetStorage: 'local-zfs', diskSizeGB: 20,
      cloudInitUser: 'admin', cloudInitPassword: 'temppass123', ipConfig: 'ip=dhcp', network: { model: 'virtio', bridge: 'vmbr0' }, qemuAgent: true, start: false,
    });
    expect(config(205)).toMatchObject({ agent: 'enabled=1', ipconfig0: 'ip=dhcp', ciuser: 'admin', scsi0: 'local-zfs:vm-205-disk-0,size=20G' });
    expect(simVm(205)!.status).toBe('stopped');
  });

  it('vmid 300 is the demo\'s container: 400 naming vmid, nothing made; k8s-worker-01 under 206', async () => {
    const body = {
      vmid: 300, name: 'k8s-worker-01', node: 'pve2', cores: 8, memoryMB: 16384,
      imageSource: 'util-iso:images/debian-12-generic-amd64.qcow2', targetStorage: 'local-zfs', diskSizeGB: 100,
      cloudInitUser: 'debian', cloudInitPassword: 'changeme123', ipConfig: 'ip=dhcp', network: { model: 'virtio', bridge: 'vmbr0' },
      diskOptions: { ssd: true, iothread: true }, tags: 'k8s-worker,env-prod,moxxie', qemuAgent: true, start: true,
    };
    const taken = await h.api('POST', '/api/v1/vms/cloud-init', body);
    expect(taken.status).toBe(400);
    expect(taken.body.field).toBe('vmid');
    expect(JSON.stringify(taken.body)).not.toContain('changeme123');
    await run('POST', '/api/v1/vms/cloud-init', { ...body, vmid: 206 });
    expect(config(206)).toMatchObject({ scsi0: 'local-zfs:vm-206-disk-0,iothread=1,size=100G,ssd=1', agent: 'enabled=1' });
    expect(simVm(206)!.status).toBe('running');
  });

  it('talos-vm from template 9002\'s disk (207) and the two-NIC gateway from 9001\'s (208)', async () => {
    await run('POST', '/api/v1/vms/cloud-init', {
      vmid: 207, name: 'talos-vm', node: 'pve1', cores: 2, memoryMB: 4096, imageSource: 'local-zfs:base-9002-disk-0', targetStorage: 'local-zfs', diskSizeGB: 20,
      ipConfig: 'ip=172.17.1.250/16,gw=172.17.1.1', nameservers: '1.1.1.1', network: { model: 'virtio', bridge: 'workshop' }, qemuAgent: true, start: true,
    });
    expect(config(207)).toMatchObject({ ipconfig0: 'ip=172.17.1.250/16,gw=172.17.1.1', nameserver: '1.1.1.1', scsi0: 'local-zfs:vm-207-disk-0,size=20G' });
    await run('POST', '/api/v1/vms/cloud-init', {
      vmid: 208, name: 'wsdc1up-gateway', node: 'pve1', cores: 2, memoryMB: 4096, imageSource: 'local-zfs:base-9001-disk-0', targetStorage: 'local-zfs', diskSizeGB: 20,
      cloudInitUser: 'coffeesprout', sshKeys: KEY_2,
      networks: [{ model: 'virtio', bridge: 'wsdc1up', firewall: true }, { model: 'virtio', bridge: 'workshop', firewall: false }],
      ipConfigs: ['ip=185.173.163.43/27,gw=185.173.163.33', 'ip=172.17.1.249/16'], nameservers: '1.1.1.1', qemuAgent: true, start: true, tags: 'gateway,workshop,wsdc1up',
    });
    expect(String(config(208).net0)).toMatch(/,bridge=wsdc1up,firewall=1$/);
    expect(String(config(208).net1)).toMatch(/,bridge=workshop,firewall=0$/);
    expect(config(208)).toMatchObject({ ipconfig1: 'ip=172.17.1.249/16', ciuser: 'coffeesprout' });
  });
});

describe('Download cloud image (the checksum list served locally)', () => {
  const seed = {
    url: 'https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-generic-amd64.qcow2',
    filename: 'debian-12-generic-amd64.qcow2',
    checksumUrl: 'https://cloud.debian.org/images/cloud/bookworm/latest/SHA512SUMS',
    checksumAlgorithm: 'sha512',
  };
  let server: Server;
  let listUrl = '';
  beforeAll(async () => {
    const sums = `${simDownloadChecksum(seed.url, 'sha512')}  debian-12-generic-amd64.qcow2\n`;
    server = createServer((req, res) => (req.url === '/SHA512SUMS' ? res.end(sums) : res.writeHead(404).end()));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    listUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/SHA512SUMS`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  const volids = () => h.cluster.sim.state.storageContent('util-iso').map((v) => v.volid);

  it('downloads into util-iso, checksum read from the list and verified by PVE', async () => {
    const existing = 'util-iso:import/debian-12-generic-amd64.qcow2';
    // The demo has the file already (the plan would skip it): remove it so the example downloads.
    await h.cluster.client.delete(`/nodes/pve1/storage/util-iso/content/${enc(existing)}`);
    await expect.poll(volids).not.toContain(existing);
    const done = await run('POST', '/api/v1/storage/util-iso/download-url', { ...seed, checksumUrl: listUrl });
    expect(done.targets[0].action).toMatch(/sha512 verified/);
    expect(volids()).toContain(existing);
    expect(h.cluster.sim.state.tasks().find((t) => t.upid === done.targets[0].phases[0].upids[0])).toMatchObject({ type: 'download', exitstatus: 'OK' });
  });
});

describe('SSH Key Management (300 is a container in the demo: 200, made above)', () => {
  it('sets one key; the seed\'s second example (a truncated ssh-rsa key) is refused naming sshKeys', async () => {
    const r = await h.api('PUT', '/api/v1/vms/200/ssh-keys', { sshKeys: KEY_1.replace('user@', 'other@') });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('succeeded');
    expect(decodeURIComponent(String(config(200).sshkeys)).trim()).toBe(KEY_1.replace('user@', 'other@'));
    const many = await h.api('PUT', '/api/v1/vms/200/ssh-keys', {
      sshKeys: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGLmQqfp8X5DUVxLruBsCmJ7m4mDGcr5V7e2BXMkNPDp user1@example.com\nssh-rsa AAAAB3NzaC1yc2EAAAA... user2@example.com',
    });
    expect(many.status).toBe(400);
    expect(many.body.field).toBe('sshKeys');
    expect(many.body.message).toContain('line 2');
    expect(decodeURIComponent(String(config(200).sshkeys)).trim()).toBe(KEY_1.replace('user@', 'other@'));
    expect((await h.api('PUT', '/api/v1/vms/300/ssh-keys', { sshKeys: KEY_1 })).status).toBe(404);
  });
});

describe('DELETE /vms/{id}', () => {
  it('deletes a stopped VM; a running one is a 409 unless stopFirst; a protected one a 403', async () => {
    await run('DELETE', '/api/v1/vms/202');
    expect(simVm(202)).toBeUndefined();
    const running = await h.api('DELETE', '/api/v1/vms/206');
    expect(running.status).toBe(409);
    expect(simVm(206)).toBeDefined();
    await h.cluster.client.put(`/nodes/${simVm(205)!.node}/qemu/205/config`, { protection: 1 });
    const protectedVm = await h.api('DELETE', '/api/v1/vms/205?wait=true');
    expect(protectedVm.status).toBe(403);
    expect(simVm(205)).toBeDefined();
    await run('DELETE', '/api/v1/vms/206?stopFirst=true&purge=true');
    expect(simVm(206)).toBeUndefined();
  });
});

describe('VM Migration (hv2 is another pve node)', () => {
  const other = (vmid: number) => ['pve1', 'pve2', 'pve3', 'pve4'].find((n) => n !== simVm(vmid)!.node)!;

  it('check, then the seed migrations, each read back; the forced one is PVE\'s refusal (force is root@pam only); the history lists them all', async () => {
    const target = other(8200);
    const check = await h.api('GET', `/api/v1/vms/8200/migrate/check?target=${target}`);
    expect(check.status).toBe(200);
    expect(check.body).toMatchObject({ vmid: 8200, node: simVm(8200)!.node, target, allowed: true });

    const bodies = [
      { targetNode: 'hv2' },
      { targetNode: 'hv2', allowOfflineMigration: true },
      { targetNode: 'hv2', withLocalDisks: true, bwlimit: 51200, allowOfflineMigration: true },
    ];
    const moves: Array<[string, string]> = [];
    for (const body of bodies) {
      const from = simVm(8200)!.node;
      const to = other(8200);
      await run('POST', '/api/v1/vms/8200/migrate', { ...body, targetNode: to });
      expect(simVm(8200)).toMatchObject({ node: to, status: 'running' });
      moves.push([from, to]);
    }
    // The fourth example: PVE lets only root@pam force a migration, and the demo's API token is not root.
    const at = simVm(8200)!.node;
    const forced = await h.api('POST', '/api/v1/vms/8200/migrate', { targetNode: other(8200), force: true, targetStorage: 'local-zfs', withLocalDisks: true });
    expect(forced.status).toBe(202);
    const failed = await finished(h, forced.body.id);
    expect(failed.status).toBe('failed');
    expect(failed.targets[0].message).toContain('Only root may use this option');
    expect(simVm(8200)).toMatchObject({ node: at, status: 'running' });

    // The record is written once the operation has ended: wait for the failed move's.
    const history = await until('the failed move in the history', async () => {
      const r = await h.api('GET', '/api/v1/vms/8200/migrate/history');
      return r.body.some?.((m: any) => m.operationId === forced.body.id) && r;
    });
    expect(history.status).toBe(200);
    expect(history.body.every((m: any) => m.vmid === 8200)).toBe(true);
    expect(history.body.filter((m: any) => m.status === 'succeeded').map((m: any) => [m.from, m.to])).toEqual(moves.reverse());
    expect(history.body[0]).toMatchObject({ status: 'failed', operationId: forced.body.id });
  });

  it('check needs ?target; an unknown body field is refused', async () => {
    const noTarget = await h.api('GET', '/api/v1/vms/8200/migrate/check');
    expect(noTarget.status).toBe(400);
    expect(noTarget.body.field).toBe('query.target');
    const typo = await h.api('POST', '/api/v1/vms/8200/migrate', { targetnode: 'pve1' });
    expect(typo.status).toBe(400);
    expect(typo.body.field).toBe('targetnode');
  });
});

describe('read-only', () => {
  it('refuses every new mutation with 403 and changes nothing; reads and dry runs answer', async () => {
    const ro = await startRest({ readOnly: true });
    try {
      const before = JSON.stringify(ro.cluster.sim.state.vms());
      const calls: Array<[string, string, unknown?]> = [
        ['POST', '/api/v1/backups/bulk', { vmSelectors: [{ type: 'VM_IDS', value: '8200' }], storage: 'local' }],
        ['POST', '/api/v1/vms', { name: 'ro-vm', node: 'pve2' }],
        ['POST', '/api/v1/vms/9000/clone', { name: 'ro-clone' }],
        ['DELETE', '/api/v1/vms/8201?stopFirst=true'],
        ['POST', '/api/v1/vms/8200/migrate', { targetNode: 'pve3' }],
        ['PUT', '/api/v1/vms/8200/ssh-keys', { sshKeys: KEY_1 }],
      ];
      for (const [method, path, body] of calls) {
        const r = await ro.api(method, path, body);
        expect(r.status, `${method} ${path}`).toBe(403);
        expect(r.body.error).toBe('read-only');
      }
      expect(JSON.stringify(ro.cluster.sim.state.vms())).toBe(before);
      expect((await ro.api('GET', '/api/v1/backups')).status).toBe(200);
      const dry = await ro.api('POST', '/api/v1/backups/bulk', { vmSelectors: [{ type: 'VM_IDS', value: '8200' }], storage: 'local', dryRun: true });
      expect(dry.status).toBe(200);
      expect(dry.body.status).toBe('planned');
    } finally {
      await ro.close();
    }
  });
});

describe('OpenAPI', () => {
  it('lists the new routes with the capabilities\' strict bodies', async () => {
    const doc = (await h.api('GET', '/api/v1/openapi.json')).body;
    const paths = [
      ['get', '/api/v1/backups'], ['get', '/api/v1/vms/{id}/backups'], ['get', '/api/v1/backups/retention-candidates'], ['post', '/api/v1/backups/cleanup'],
      ['post', '/api/v1/backups/bulk'], ['post', '/api/v1/backups/restore'], ['delete', '/api/v1/backups/{volid}'], ['post', '/api/v1/backups/{volid}/protect'],
      ['delete', '/api/v1/backups/{volid}/protect'], ['post', '/api/v1/vms'], ['post', '/api/v1/vms/cloud-init'], ['post', '/api/v1/vms/{id}/clone'],
      ['put', '/api/v1/vms/{id}/ssh-keys'], ['delete', '/api/v1/vms/{id}'], ['post', '/api/v1/storage/{storage}/download-url'], ['post', '/api/v1/vms/{id}/migrate'],
      ['get', '/api/v1/vms/{id}/migrate/check'], ['get', '/api/v1/vms/{id}/migrate/history'],
    ];
    for (const [method, path] of paths) expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    const clone = doc.paths['/api/v1/vms/{id}/clone'].post.requestBody.content['application/json'].schema;
    expect(clone.additionalProperties).toBe(false);
    expect(Object.keys(clone.properties)).toEqual(expect.arrayContaining(['newVmId', 'name', 'targetNode', 'fullClone', 'targetStorage', 'pool', 'tags']));
    expect(clone.properties.sourceVmId).toBeUndefined();
    const backup = doc.paths['/api/v1/backups/bulk'].post.requestBody.content['application/json'].schema;
    expect(Object.keys(backup.properties)).toEqual(expect.arrayContaining(['vmSelectors', 'storage', 'mode', 'compress', 'notes', 'ttlDays', 'protectBackup', 'mailNotification']));
  });
});

describe('safe mode', () => {
  it('a backup or VM delete of a guest without the moxxie tag is a 403 and nothing is deleted', async () => {
    const safe = await startRest({ safeMode: true });
    try {
      const simBackups = () => safe.cluster.sim.state.storageContent('local').filter((v) => v.content === 'backup');
      const untagged = safe.cluster.sim.state.vms().filter((v) => v.type === 'qemu' && !v.template && !v.tags.includes('moxxie'));
      // force takes the backup past safe mode; the delete without it is refused.
      const made = await safe.api('POST', '/api/v1/backups/bulk?wait=true', { vmSelectors: [{ type: 'VM_IDS', value: String(untagged[0].vmid) }], storage: 'local', force: true });
      expect(made.body.status).toBe('succeeded');
      const backup = simBackups().find((b) => b.vmid === untagged[0].vmid)!;
      expect(backup).toBeDefined();
      const r = await safe.api('DELETE', `/api/v1/backups/${enc(backup.volid)}`);
      expect(r.status, JSON.stringify(r.body)).toBe(403);
      expect(r.body.message).toContain('safe mode');
      expect(simBackups().some((b) => b.volid === backup.volid)).toBe(true);
      const stopped = untagged.find((v) => v.status === 'stopped')!;
      const del = await safe.api('DELETE', `/api/v1/vms/${stopped.vmid}`);
      expect(del.status).toBe(403);
      expect(safe.cluster.sim.state.vm(stopped.vmid)).toBeDefined();
    } finally {
      await safe.close();
    }
  });
});
