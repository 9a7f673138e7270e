import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchInventory } from '../../src/inventory/inventory.js';
import { countByStatus, tagCounts } from '../../src/inventory/summary.js';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';

let c: TestCluster;
beforeAll(async () => {
  c = await startCluster({ vms: 60, offlineNodes: ['pve4'] });
});
afterAll(() => c.close());

describe('inventory', () => {
  it('maps one /cluster/resources call into VMs, nodes and storages', async () => {
    c.sim.stats.reset();
    const inv = await fetchInventory(c.client);
    expect(c.sim.stats.requests).toBe(1);
    expect(inv.vms).toHaveLength(60);
    expect(inv.vms.filter((v) => v.type === 'lxc').length).toBe(3);
    const ws = inv.vms.find((v) => v.vmid === 8200)!;
    const truth = c.sim.state.vm(8200)!;
    expect(ws.tags).toEqual(truth.tags);
    expect(ws.name).toBe(truth.name);
    expect(inv.vms.find((v) => v.vmid === 9001)?.template).toBe(true);
    expect(inv.storages.some((s) => s.storage === 'backup-nfs' && s.shared)).toBe(true);
  });

  it('marks an offline node and its guests as unknown, keeping the rest', async () => {
    const inv = await fetchInventory(c.client);
    expect(inv.nodes.find((n) => n.node === 'pve4')?.status).toBe('offline');
    const onPve4 = inv.vms.filter((v) => v.node === 'pve4');
    expect(onPve4.length).toBeGreaterThan(0);
    expect(onPve4.every((v) => v.status === 'unknown')).toBe(true);
    const counts = countByStatus(inv.vms);
    expect(counts.unknown).toBe(onPve4.length);
    expect(counts.running + counts.stopped).toBe(60 - onPve4.length);
    expect(tagCounts(inv).find((t) => t.tag === 'workshop')?.count).toBe(10);
  });
});
