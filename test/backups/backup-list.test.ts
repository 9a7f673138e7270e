import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchInventory } from '../../src/inventory/inventory.js';
import { listBackups, listBackupsReport, parseTtl, ttlMarker } from '../../src/ops/backup-list.js';
import { postVzdump } from '../../src/pve/endpoints/storage.js';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';

let c: TestCluster;
beforeAll(async () => {
  c = await startCluster();
  // A local backup on each of two nodes, one protected with a TTL marker, so local and shared storages both count.
  const inv = await fetchInventory(c.client);
  const onPve1 = inv.vms.find((v) => v.node === 'pve1' && v.type === 'qemu' && !v.template)!;
  const onPve2 = inv.vms.find((v) => v.node === 'pve2' && v.type === 'qemu' && !v.template)!;
  await c.client.waitForTask(await postVzdump(c.client, 'pve1', { vmid: String(onPve1.vmid), storage: 'local', compress: 'lzo', 'notes-template': `before upgrade${ttlMarker(7)}`, protected: true }), { timeoutMs: 10_000 });
  await c.client.waitForTask(await postVzdump(c.client, 'pve2', { vmid: String(onPve2.vmid), storage: 'local', compress: 'gzip' }), { timeoutMs: 10_000 });
});
afterAll(() => c.close());

describe('ttl marker', () => {
  it('round-trips and ignores notes without one', () => {
    expect(ttlMarker(7)).toBe(' (TTL: 7d)');
    expect(parseTtl(`nightly${ttlMarker(30)}`)).toBe(30);
    expect(parseTtl('nightly (TTL: 24h)')).toBeUndefined();
    expect(parseTtl(undefined)).toBeUndefined();
  });
});

describe('listBackups', () => {
  it('lists every backup of the cluster exactly once, shared storage included', async () => {
    const inv = await fetchInventory(c.client);
    const list = await listBackups(c.client, inv);
    const truth = [...c.sim.state.storageContent('backup-nfs'), ...c.sim.state.storageContent('local')].filter((v) => v.content === 'backup');
    expect(list.map((b) => b.volid).sort()).toEqual(truth.map((v) => v.volid).sort());
    expect(new Set(list.map((b) => b.volid)).size).toBe(list.length);
    const shared = list.filter((b) => b.storage === 'backup-nfs');
    expect(shared.length).toBeGreaterThan(3);
    expect(shared.every((b) => b.shared && b.format === 'vma.zst' && b.compression === 'zst')).toBe(true);
    for (const b of list) expect(b.name).toBe(inv.vms.find((v) => v.vmid === b.vmid)?.name);
  });

  it('carries notes, protection, compression, TTL and expiry from PVE', async () => {
    const inv = await fetchInventory(c.client);
    const local = (await listBackups(c.client, inv, { storage: 'local' })).sort((a, b) => a.node.localeCompare(b.node));
    expect(local.map((b) => b.node)).toEqual(['pve1', 'pve2']);
    const [p1, p2] = local;
    expect(p1).toMatchObject({ protected: true, notes: 'before upgrade (TTL: 7d)', ttlDays: 7, compression: 'lzo', format: 'vma.lzo', guestType: 'qemu', shared: false });
    expect(p1.expiresAt).toBe(p1.ctime * 1000 + 7 * 86_400_000);
    expect(p2).toMatchObject({ protected: false, compression: 'gz' });
    expect(p2.ttlDays).toBeUndefined();
    const truth = c.sim.state.storageContent('local').find((v) => v.volid === p1.volid)!;
    expect(truth).toMatchObject({ protected: true, ctime: p1.ctime, size: p1.size });
  });

  it('filters by VM id', async () => {
    const inv = await fetchInventory(c.client);
    const all = await listBackups(c.client, inv);
    const some = [all[0].vmid, all.at(-1)!.vmid];
    const filtered = await listBackups(c.client, inv, { vmids: some });
    expect(filtered.length).toBe(all.filter((b) => some.includes(b.vmid)).length);
    expect(filtered.every((b) => some.includes(b.vmid))).toBe(true);
    const one = await listBackups(c.client, inv, { vmids: [some[0]] });
    expect(one.map((b) => b.volid)).toEqual(all.filter((b) => b.vmid === some[0]).map((b) => b.volid));
  });

  it('degrades when a node is offline: its local backups are missing and said so, the rest is listed', async () => {
    c.sim.faults.set({ offlineNodes: ['pve2'] });
    try {
      const inv = await fetchInventory(c.client);
      const report = await listBackupsReport(c.client, inv);
      const volids = report.backups.map((b) => b.volid);
      const nfs = c.sim.state.storageContent('backup-nfs').filter((v) => v.content === 'backup');
      expect(nfs.every((v) => volids.includes(v.volid))).toBe(true);
      expect(report.backups.some((b) => b.storage === 'local' && b.node === 'pve1')).toBe(true);
      expect(report.backups.some((b) => b.storage === 'local' && b.node === 'pve2')).toBe(false);
      expect(report.warnings.join('\n')).toMatch(/pve2.*offline/);
    } finally {
      c.sim.faults.set({ offlineNodes: [] });
    }
  });
});
