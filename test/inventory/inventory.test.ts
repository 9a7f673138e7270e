// The inventory against the real simulator over HTTPS: one GET /cluster/resources, compared with the
// simulator's true state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchInventory } from '../../src/inventory/inventory.js';
import { countByStatus, findVm, tagCounts, vmsWithTag } from '../../src/inventory/summary.js';
import { PveClient } from '../../src/pve/client.js';
import { postQemuMigrate, putQemuConfig } from '../../src/pve/endpoints/qemu.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';

let sim: Simulator;
let client: PveClient;

beforeAll(async () => {
  sim = await startSimulator({ vms: 60, nodes: 4, taskDurationMs: 20 });
  client = new PveClient({
    url: sim.url,
    auth: { tokenId: sim.credentials.tokenId, tokenSecret: sim.credentials.tokenSecret },
    tls: { fingerprint: sim.fingerprint },
    taskPollIntervalMs: 20,
    retryBaseDelayMs: 10,
  });
});

afterAll(async () => {
  await client?.close();
  await sim?.close();
});

describe('fetchInventory', () => {
  it('maps ONE /cluster/resources call into VMs, nodes and storages that match the true state', async () => {
    sim.stats.reset();
    const inv = await fetchInventory(client);
    expect(sim.stats.requests).toBe(1);
    expect(sim.stats.byRoute['GET /cluster/resources']).toBe(1);

    const truth = sim.state.vms().sort((a, b) => a.vmid - b.vmid);
    expect(inv.vms.map((v) => v.vmid)).toEqual(truth.map((v) => v.vmid));
    for (const t of truth) {
      const v = findVm(inv, t.vmid)!;
      expect({ vmid: v.vmid, name: v.name, node: v.node, type: v.type, status: v.status, template: v.template, tags: v.tags, pool: v.pool }).toEqual({
        vmid: t.vmid,
        name: t.name,
        node: t.node,
        type: t.type,
        status: t.status,
        template: t.template,
        tags: t.tags,
        pool: t.pool,
      });
    }
    expect(inv.vms.filter((v) => v.type === 'lxc').map((v) => v.vmid)).toEqual([300, 301, 302]);
    expect(inv.vms.filter((v) => v.template).map((v) => v.vmid)).toEqual([9000, 9001, 9002]);

    expect(inv.nodes.map((n) => [n.node, n.status])).toEqual(sim.state.nodes().map((n) => [n.node, n.online ? 'online' : 'offline']));
    expect(inv.nodes.every((n) => n.maxcpu > 0 && n.maxmem > 0)).toBe(true);
    const nfs = inv.storages.filter((s) => s.storage === 'backup-nfs');
    expect(nfs.length).toBe(4); // one entry per node, as PVE lists storages
    expect(nfs.every((s) => s.shared && s.content.includes('backup') && s.plugintype === 'nfs')).toBe(true);
    expect(inv.fetchedAt).toBeGreaterThan(0);
  });

  it('derives counts, tags and lookups that agree with the true state', async () => {
    const inv = await fetchInventory(client);
    const truth = sim.state.vms();
    const counts = countByStatus(inv.vms);
    expect(counts.running).toBe(truth.filter((v) => v.status === 'running').length);
    expect(counts.stopped).toBe(truth.filter((v) => v.status === 'stopped').length);
    expect(counts.unknown).toBe(0);

    const expected = new Map<string, number>();
    for (const v of truth) for (const t of v.tags) expected.set(t, (expected.get(t) ?? 0) + 1);
    const got = tagCounts(inv);
    expect(new Map(got.map((t) => [t.tag, t.count]))).toEqual(expected);
    expect(got.map((t) => t.count)).toEqual([...got.map((t) => t.count)].sort((a, b) => b - a));
    expect(got.find((t) => t.tag === 'workshop')?.count).toBe(10);

    expect(vmsWithTag(inv, 'WORKSHOP').map((v) => v.vmid)).toEqual(truth.filter((v) => v.tags.includes('workshop')).map((v) => v.vmid).sort((a, b) => a - b));
    expect(findVm(inv, 4242)).toBeUndefined();
  });

  it('reads tags written with any separator, as PVE stores them', async () => {
    const node = sim.state.vm(8201)!.node;
    await putQemuConfig(client, node, 8201, { tags: 'Web, prod;web extra' });
    const inv = await fetchInventory(client);
    expect(findVm(inv, 8201)!.tags).toEqual(sim.state.vm(8201)!.tags);
    expect([...findVm(inv, 8201)!.tags].sort()).toEqual(['extra', 'prod', 'web']);
  });

  it('marks an offline node and its guests unknown while the rest of the list stays', async () => {
    const before = await fetchInventory(client);
    sim.faults.set({ offlineNodes: ['pve4'] });
    try {
      const inv = await fetchInventory(client);
      expect(inv.vms.length).toBe(before.vms.length);
      expect(inv.nodes.find((n) => n.node === 'pve4')?.status).toBe('offline');
      expect(inv.nodes.filter((n) => n.status === 'online').map((n) => n.node)).toEqual(['pve1', 'pve2', 'pve3']);
      const onPve4 = inv.vms.filter((v) => v.node === 'pve4');
      expect(onPve4.length).toBeGreaterThan(0);
      expect(onPve4.map((v) => v.vmid)).toEqual(sim.state.vms().filter((v) => v.node === 'pve4').map((v) => v.vmid).sort((a, b) => a - b));
      expect(onPve4.every((v) => v.status === 'unknown')).toBe(true);
      // Tags live in the replicated config, so they survive the node being down.
      expect(onPve4.every((v) => v.tags.length > 0)).toBe(true);
      for (const v of inv.vms.filter((x) => x.node !== 'pve4')) expect(v.status).toBe(sim.state.vm(v.vmid)!.status);
      expect(countByStatus(inv.vms).unknown).toBe(onPve4.length);
    } finally {
      sim.faults.reset();
    }
    const back = await fetchInventory(client);
    expect(back.vms.filter((v) => v.status === 'unknown')).toEqual([]);
  });

  it('finds a migrated VM on its new node', async () => {
    const vm = sim.state.vm(8207)!; // a stopped workshop VM
    const target = vm.node === 'pve1' ? 'pve2' : 'pve1';
    const upid = await postQemuMigrate(client, vm.node, vm.vmid, { target, 'with-local-disks': true });
    const result = await client.waitForTask(upid, { timeoutMs: 10_000 });
    expect(result.ok).toBe(true);
    const inv = await fetchInventory(client);
    expect(sim.state.vm(8207)!.node).toBe(target);
    expect(findVm(inv, 8207)!.node).toBe(target);
  });

  it('stops when its signal is aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(fetchInventory(client, { signal: ac.signal })).rejects.toThrow();
  });
});
