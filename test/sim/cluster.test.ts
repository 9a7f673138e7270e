import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCluster } from '../../src/sim/generator.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { api } from './http.js';

let sim: Simulator;
let a: ReturnType<typeof api>;
beforeAll(async () => {
  sim = await startSimulator({ http: true, vms: 60, taskDurationMs: 20 });
  a = api(sim);
});
afterAll(() => sim.close());

type Resource = Record<string, unknown> & { id: string; type: string };

describe('read endpoints', () => {
  it('answers /version as PVE 9.1 (the default profile)', async () => {
    expect(await a.data(a.get('/version'))).toEqual({ version: '9.1.2', release: '9.1', repoid: '6b4d3c9a0e1f2d7b' });
  });

  it('lists guests, nodes, storages, pools and sdn in /cluster/resources, with PVE field names', async () => {
    const all = await a.data<Resource[]>(a.get('/cluster/resources'));
    expect([...new Set(all.map((r) => r.type))].sort()).toEqual(['lxc', 'node', 'pool', 'qemu', 'sdn', 'storage']);
    const vm = all.find((r) => r.id === 'qemu/8200')!;
    expect(vm).toMatchObject({ vmid: 8200, node: 'pve1', type: 'qemu', status: 'running', name: 'workshop-wk-01', template: 0, pool: 'workshop', disk: 0 });
    for (const k of ['cpu', 'maxcpu', 'mem', 'maxmem', 'maxdisk', 'uptime', 'netin', 'netout', 'diskread', 'diskwrite']) expect(typeof vm[k]).toBe('number');
    expect(vm.maxdisk).toBe(20 * 1024 ** 3);
    expect(String(vm.tags).split(';')).toEqual(['client-nixz', 'env-test', 'maint-ok', 'moxxie', 'workshop']);
    const node = all.find((r) => r.id === 'node/pve1')!;
    expect(node).toMatchObject({ node: 'pve1', status: 'online', level: '' });
    const storage = all.find((r) => r.id === 'storage/pve2/local-zfs')!;
    expect(storage).toMatchObject({ storage: 'local-zfs', node: 'pve2', plugintype: 'zfspool', status: 'available', shared: 0, content: 'images,rootdir' });
    expect(all.find((r) => r.id === '/pool/workshop')).toEqual({ id: '/pool/workshop', pool: 'workshop', type: 'pool' });
  });

  it('filters by type: vm returns qemu and lxc guests; stopped guests show zero load', async () => {
    const vms = await a.data<Resource[]>(a.get('/cluster/resources?type=vm'));
    expect(vms).toHaveLength(60);
    expect(new Set(vms.map((v) => v.type))).toEqual(new Set(['qemu', 'lxc']));
    const stopped = vms.find((v) => v.status === 'stopped')!;
    expect({ cpu: stopped.cpu, mem: stopped.mem, uptime: stopped.uptime }).toEqual({ cpu: 0, mem: 0, uptime: 0 });
    expect((await a.data<Resource[]>(a.get('/cluster/resources?type=node'))).map((n) => n.node)).toEqual(['pve1', 'pve2', 'pve3', 'pve4']);
    expect((await a.data<Resource[]>(a.get('/cluster/resources?type=storage'))).every((s) => s.type === 'storage')).toBe(true);
  });

  it('reflects changes at once (tags, lock, status)', async () => {
    await a.data(a.put('/nodes/pve2/qemu/8201/config', { tags: 'b;a' }));
    const vms = await a.data<Resource[]>(a.get('/cluster/resources?type=vm'));
    expect(vms.find((v) => v.vmid === 8201)!.tags).toBe('a;b');
  });

  it('lists nodes with the certificate fingerprint, and a node status', async () => {
    const nodes = await a.data<Array<Record<string, unknown>>>(a.get('/nodes'));
    expect(nodes.map((n) => n.node)).toEqual(['pve1', 'pve2', 'pve3', 'pve4']);
    expect(nodes[0]).toMatchObject({ type: 'node', status: 'online', id: 'node/pve1' });
    expect(nodes[0]).toHaveProperty('ssl_fingerprint');
    const status = await a.data<Record<string, unknown>>(a.get('/nodes/pve2/status'));
    expect(status.pveversion).toBe('pve-manager/9.1.2/6b4d3c9a0e1f2d7b');
    expect((status.memory as { total: number }).total).toBeGreaterThan(0);
  });

  it('fails for an unknown node as pveproxy does', async () => {
    const res = await a.get('/nodes/pve9/status');
    expect(res.status).toBe(500);
    expect(res.statusText).toMatch(/^hostname lookup 'pve9' failed/);
  });

  it('answers nextid as a string, echoes a free one and refuses a taken one', async () => {
    const free = await a.data<string>(a.get('/cluster/nextid'));
    expect(free).toMatch(/^\d+$/);
    expect(sim.state.vm(Number(free))).toBeUndefined();
    expect(await a.data(a.get('/cluster/nextid?vmid=4242'))).toBe('4242');
    const taken = await a.get('/cluster/nextid?vmid=8200');
    expect(taken.status).toBe(400);
    expect(taken.body!.errors).toEqual({ vmid: 'VM 8200 already exists' });
  });
});

describe('request statistics', () => {
  it('counts requests per schema route', async () => {
    sim.stats.reset();
    await a.get('/nodes/pve1/tasks');
    await a.get('/nodes/pve2/tasks');
    await a.get('/version');
    expect(sim.stats.requests).toBe(3);
    expect(sim.stats.byRoute).toEqual({ 'GET /nodes/{node}/tasks': 2, 'GET /version': 1 });
  });
});

describe('generated inventory', () => {
  const now = 1_750_000_000;

  it('is deterministic for a seed and differs between seeds', () => {
    const one = generateCluster({ seed: 3, nodes: 4, vms: 200, now });
    expect(generateCluster({ seed: 3, nodes: 4, vms: 200, now })).toEqual(one);
    expect(generateCluster({ seed: 4, nodes: 4, vms: 200, now })).not.toEqual(one);
  });

  it('holds the guests the docs and examples refer to', () => {
    const c = generateCluster({ seed: 1, nodes: 4, vms: 120, now });
    const byId = new Map(c.vms.map((v) => [v.vmid, v]));
    expect(c.nodes.map((n) => n.node)).toEqual(['pve1', 'pve2', 'pve3', 'pve4']);
    expect(c.vms).toHaveLength(120);
    // The demo containers come on top of the budget, only when asked for.
    expect(generateCluster({ seed: 1, nodes: 4, vms: 120, now, containers: true }).vms.filter((v) => v.vmid >= 310 && v.vmid < 318 && v.type === 'lxc')).toHaveLength(8);
    for (const [id, disk] of [[9001, 'local-zfs:base-9001-disk-0'], [9002, 'local-zfs:base-9002-disk-0']] as const) {
      expect(byId.get(id)!.config.template).toBe(1);
      expect(String(byId.get(id)!.config.scsi0)).toMatch(new RegExp(`^${disk},`));
    }
    expect(byId.get(9001)!.config.name).toMatch(/debian/);
    expect(byId.get(9002)!.config.name).toMatch(/talos/);
    for (let id = 8200; id <= 8209; id++) expect(byId.get(id)!.config.name).toBe(`workshop-wk-${String(id - 8199).padStart(2, '0')}`);
    const tags = new Set(c.vms.flatMap((v) => String(v.config.tags ?? '').split(';')));
    for (const t of ['env-prod', 'env-dev', 'env-test', 'client-acme', 'client-nixz', 'always-on', 'maint-ok', 'k8s-controlplane', 'k8s-worker', 'moxxie']) expect(tags).toContain(t);
    expect([...tags].some((t) => t.includes('.'))).toBe(true);
    expect([...tags].some((t) => t.includes('+'))).toBe(true);
    expect(c.vms.some((v) => v.type === 'lxc')).toBe(true);
    expect(c.vms.some((v) => v.config.protection === 1)).toBe(true);
    expect(c.vms.some((v) => v.snapshots.some((s) => s.description.endsWith('(TTL: 24h)')))).toBe(true);
    expect(c.volumes.some((v) => v.content === 'backup' && v.storage === 'backup-nfs')).toBe(true);
    expect(c.storages.map((s) => s.storage).sort()).toEqual(['backup-nfs', 'ceph-vm', 'local', 'local-zfs', 'util-iso']);
    expect(c.vms.every((v) => c.nodes.some((n) => n.node === v.node))).toBe(true);
    // Names are valid DNS names, as PVE requires.
    expect(c.vms.filter((v) => v.type === 'qemu').every((v) => /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/.test(String(v.config.name)))).toBe(true);
  });

  it('scales to 10,000 guests on 32 nodes with unique VMIDs spread over all nodes', () => {
    const c = generateCluster({ seed: 1, nodes: 32, vms: 10_000, now });
    expect(c.vms).toHaveLength(10_000);
    expect(new Set(c.vms.map((v) => v.vmid)).size).toBe(10_000);
    expect(new Set(c.vms.map((v) => v.node)).size).toBe(32);
  });
});

describe('offline nodes', () => {
  it('starts with a node offline: 595 for its endpoints, status unknown without stats for its guests', async () => {
    const off = await startSimulator({ http: true, vms: 30, offlineNodes: ['pve3'] });
    try {
      const h = api(off);
      const res = await h.get('/nodes/pve3/qemu');
      expect(res.status).toBe(595);
      expect(res.body).toBeNull();
      const nodes = await h.data<Array<{ node: string; status: string; cpu?: number }>>(h.get('/nodes'));
      expect(nodes.find((n) => n.node === 'pve3')).toMatchObject({ status: 'offline' });
      expect(nodes.find((n) => n.node === 'pve3')!.cpu).toBeUndefined();
      const guests = (await h.data<Resource[]>(h.get('/cluster/resources?type=vm'))).filter((v) => v.node === 'pve3');
      expect(guests.length).toBeGreaterThan(0);
      expect(guests.every((g) => g.status === 'unknown' && g.name === undefined && g.cpu === undefined)).toBe(true);
      expect(guests.some((g) => g.tags !== undefined)).toBe(true);
      expect(off.state.nodes().find((n) => n.node === 'pve3')!.online).toBe(false);
    } finally {
      await off.close();
    }
  });
});

describe('containers', () => {
  it('lists LXC guests of a node and reads their config and status', async () => {
    const ct = sim.state.vms().find((v) => v.type === 'lxc')!;
    const list = await a.data<Array<{ vmid: number; type: string }>>(a.get(`/nodes/${ct.node}/lxc`));
    expect(list.find((c) => c.vmid === ct.vmid)).toMatchObject({ type: 'lxc', status: ct.status });
    const cfg = await a.data<Record<string, unknown>>(a.get(`/nodes/${ct.node}/lxc/${ct.vmid}/config`));
    expect(cfg.hostname).toBe(ct.name);
    expect(cfg.digest).toMatch(/^[0-9a-f]{40}$/);
    expect((await a.get(`/nodes/${ct.node}/qemu/${ct.vmid}/config`)).status).toBe(500);
    const other = sim.state.nodes().find((n) => n.node !== ct.node)!.node;
    expect((await a.get(`/nodes/${other}/lxc/${ct.vmid}/status/current`)).statusText).toBe(`Configuration file 'nodes/${other}/lxc/${ct.vmid}.conf' does not exist`);
  });
});
