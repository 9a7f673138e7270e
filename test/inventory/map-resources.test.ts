// Mapping of /cluster/resources entries in the shapes PVE answers (see pve-api/SEMANTICS.md §cluster resources).
import { describe, expect, it } from 'vitest';
import { mapResources, parseTags } from '../../src/inventory/inventory.js';
import type { ClusterResource } from '../../src/pve/endpoints/cluster.js';

const resources: ClusterResource[] = [
  { id: 'qemu/100', vmid: 100, type: 'qemu', node: 'pve1', status: 'running', name: 'web-01', template: 0, uptime: 86400, maxcpu: 2, cpu: 0.0123, maxmem: 2147483648, mem: 1073741824, maxdisk: 34359738368, disk: 0, tags: 'prod;web', pool: 'lab' },
  { id: 'qemu/9000', vmid: 9000, type: 'qemu', node: 'pve2', status: 'stopped', name: 'tmpl-noble', template: 1, uptime: 0, maxcpu: 1, cpu: 0, maxmem: 1073741824, mem: 0 },
  { id: 'qemu/101', vmid: 101, type: 'qemu', node: 'pve1', status: 'running', name: 'db-01', lock: 'backup', template: 0 },
  { id: 'qemu/102', vmid: 102, type: 'qemu', node: 'pve1', status: 'prelaunch', name: 'odd-01', template: 0 },
  { id: 'lxc/200', vmid: 200, type: 'lxc', node: 'pve1', status: 'running', name: 'ct-dns', tags: 'dns' },
  // A guest on an offline node: PVE sends no name and no stats, only config-derived fields.
  { id: 'qemu/300', vmid: 300, type: 'qemu', node: 'pve10', status: 'unknown', tags: 'env-prod;always-on' },
  { id: 'node/pve1', node: 'pve1', type: 'node', status: 'online', uptime: 123456, cpu: 0.03, maxcpu: 16, mem: 12884901888, maxmem: 67108864000 },
  { id: 'node/pve10', node: 'pve10', type: 'node', status: 'offline' },
  { id: 'node/pve2', node: 'pve2', type: 'node', status: 'online', uptime: 1, maxcpu: 8, maxmem: 1 },
  { id: 'storage/pve1/local-lvm', storage: 'local-lvm', node: 'pve1', type: 'storage', status: 'available', plugintype: 'lvmthin', content: 'rootdir,images', shared: 0, disk: 1, maxdisk: 2 },
  { id: 'storage/pve1/backup-nfs', storage: 'backup-nfs', node: 'pve1', type: 'storage', status: 'available', plugintype: 'nfs', content: 'backup', shared: 1 },
  { id: 'pool/lab', type: 'pool' },
  { id: 'sdn/pve1/localnetwork', type: 'sdn', node: 'pve1', status: 'ok' },
];

describe('mapResources', () => {
  const inv = mapResources(resources, 1234);

  it('maps guests with their type, sorted by vmid', () => {
    expect(inv.vms.map((v) => [v.vmid, v.type])).toEqual([
      [100, 'qemu'],
      [101, 'qemu'],
      [102, 'qemu'],
      [200, 'lxc'],
      [300, 'qemu'],
      [9000, 'qemu'],
    ]);
    expect(inv.vms[0]).toEqual({
      vmid: 100, name: 'web-01', node: 'pve1', type: 'qemu', status: 'running', template: false, tags: ['prod', 'web'], lock: undefined, pool: 'lab',
      cpu: 0.0123, maxcpu: 2, mem: 1073741824, maxmem: 2147483648, disk: 0, maxdisk: 34359738368, uptime: 86400,
    });
    expect(inv.vms.find((v) => v.vmid === 9000)?.template).toBe(true);
    expect(inv.vms.find((v) => v.vmid === 101)?.lock).toBe('backup');
    expect(inv.fetchedAt).toBe(1234);
  });

  it('marks guests of an offline node unknown, keeping their config-derived tags', () => {
    expect(inv.nodes.find((n) => n.node === 'pve10')?.status).toBe('offline');
    const v = inv.vms.find((x) => x.vmid === 300)!;
    expect(v).toMatchObject({ status: 'unknown', name: '', node: 'pve10', tags: ['env-prod', 'always-on'], cpu: 0, mem: 0 });
  });

  it('maps a state it does not know to unknown rather than guessing', () => {
    expect(inv.vms.find((v) => v.vmid === 102)?.status).toBe('unknown');
  });

  it('keeps every node, in natural order, and storages per node', () => {
    expect(inv.nodes.map((n) => [n.node, n.status])).toEqual([
      ['pve1', 'online'],
      ['pve2', 'online'],
      ['pve10', 'offline'],
    ]);
    expect(inv.storages).toEqual([
      { storage: 'local-lvm', node: 'pve1', plugintype: 'lvmthin', content: ['rootdir', 'images'], shared: false, status: 'available', disk: 1, maxdisk: 2 },
      { storage: 'backup-nfs', node: 'pve1', plugintype: 'nfs', content: ['backup'], shared: true, status: 'available', disk: 0, maxdisk: 0 },
    ]);
  });
});

describe('parseTags', () => {
  it.each<[string | undefined, string[]]>([
    [undefined, []],
    ['', []],
    ['prod;web', ['prod', 'web']],
    ['prod,web', ['prod', 'web']],
    ['prod web', ['prod', 'web']],
    ['Web, prod;web ;; team.ops  net+edge', ['web', 'prod', 'team.ops', 'net+edge']],
  ])('%j → %j', (raw, tags) => {
    expect(parseTags(raw)).toEqual(tags);
  });
});
