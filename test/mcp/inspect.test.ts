// Inspection tools, happy and error paths, against the simulator: list_vms, get_vm, resolve_selector,
// list_nodes, list_tags, list_snapshots.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, textOf, type Harness } from './in-memory-server.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ vms: 60 });
});
afterEach(() => h.cluster.sim.faults.reset());
afterAll(() => h.close());

type Row = { vmid: number; name: string; node: string; status: string; tags: string[] } & Record<string, unknown>;

describe('list_vms', () => {
  it('answers compact rows, the total and counts by status, paged', async () => {
    const truth = h.cluster.sim.state.vms().filter((v) => !v.template);
    const r = await h.call('list_vms', { limit: 10 });
    const s = r.structuredContent as { total: number; pages: number; countsByStatus: Record<string, number>; vms: Row[] };
    expect(s.total).toBe(truth.length);
    expect(s.pages).toBe(Math.ceil(truth.length / 10));
    expect(s.countsByStatus.running).toBe(truth.filter((v) => v.status === 'running').length);
    expect(s.countsByStatus.stopped).toBe(truth.filter((v) => v.status === 'stopped').length);
    expect(s.vms.map((v) => v.vmid)).toEqual(truth.map((v) => v.vmid).sort((a, b) => a - b).slice(0, 10));
    expect(Object.keys(s.vms[0]).sort()).toEqual(['name', 'node', 'status', 'tags', 'vmid']);
    // The text is a short summary that points to the rows; the rows themselves are only in structuredContent.
    expect(textOf(r)).toContain(`${s.total} VM(s)`);
    expect(textOf(r)).toContain('Rows 1-10, page 1 of');
    expect(textOf(r)).not.toContain(`${s.vms[1].vmid} ${s.vms[1].name}`);

    const page2 = await h.call('list_vms', { limit: 10, page: 2 });
    expect((page2.structuredContent!.vms as Row[])[0].vmid).toBe(truth.map((v) => v.vmid).sort((a, b) => a - b)[10]);
  });

  it('filters by a one-line selector or structured selectors, adds fields and sorts', async () => {
    const line = await h.call('list_vms', { selector: 'name:workshop-wk-* status:running', fields: ['cpu', 'maxmem', 'lock'], sort: 'name' });
    const rows = line.structuredContent!.vms as Row[];
    const truth = h.cluster.sim.state.vms().filter((v) => v.name.startsWith('workshop-wk-') && v.status === 'running');
    expect(rows.map((v) => v.vmid).sort()).toEqual(truth.map((v) => v.vmid).sort());
    expect(rows.map((v) => v.name)).toEqual([...rows.map((v) => v.name)].sort());
    expect(rows[0]).toHaveProperty('cpuPercent');
    expect(rows[0]).toHaveProperty('maxmemMb');
    expect(rows[0]).toHaveProperty('lock');

    const structured = await h.call('list_vms', { vmSelectors: [{ type: 'TAG_EXPRESSION', value: 'env-prod AND client-acme', exclude: 'always-on' }] });
    const want = h.cluster.sim.state.vms().filter((v) => v.tags.includes('env-prod') && v.tags.includes('client-acme') && !v.tags.includes('always-on'));
    expect((structured.structuredContent!.vms as Row[]).map((v) => v.vmid).sort()).toEqual(want.map((v) => v.vmid).sort());
  });

  it('answers a selector syntax error as a tool error naming the position', async () => {
    const r = await h.call('list_vms', { selector: 'tag:(env-prod AND' });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/position \d+/);
    expect(textOf(r)).not.toMatch(/\bat .*\.(js|ts):\d+/); // no stack trace
  });

  it('refuses both selection styles at once, a page past the end, and a bad field', async () => {
    expect(textOf(await h.call('list_vms', { selector: 'all', vmSelectors: [{ type: 'ALL' }] }))).toMatch(/either selector or vmSelectors/);
    expect(textOf(await h.call('list_vms', { page: 99 }))).toMatch(/page 99 is past the end/);
    const bad = await h.call('list_vms', { fields: ['password'] });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toMatch(/fields/);
  });
});

describe('get_vm', () => {
  it('returns config, snapshots and recent tasks', async () => {
    const r = await h.call('get_vm', { vmid: 100 });
    const s = r.structuredContent as { vm: Row; config: Record<string, unknown>; snapshots: Array<{ name: string; ttlHours?: number }>; recentTasks: unknown[] };
    const truth = h.cluster.sim.state.vm(100)!;
    expect(s.vm.name).toBe(truth.name);
    expect(s.config.name).toBe(truth.name);
    expect(s.snapshots.map((x) => x.name).sort()).toEqual(truth.snapshots.map((x) => x.name).sort());
    expect(s.snapshots.find((x) => x.name === 'moxxie-fresh')?.ttlHours).toBe(168);
    expect(Array.isArray(s.recentTasks)).toBe(true);
  });

  it('says how to find ids when the VM does not exist', async () => {
    const r = await h.call('get_vm', { vmid: 4242 });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/VM 4242 does not exist.*list_vms/);
    expect((await h.call('get_vm', { vmid: 5 })).isError).toBe(true);
  });
});

describe('resolve_selector', () => {
  it('previews matches with warnings', async () => {
    const r = await h.call('resolve_selector', { vmSelectors: [{ type: 'VM_IDS', value: '8200-8202,4242' }] });
    expect(r.structuredContent!.vmids).toEqual([8200, 8201, 8202]);
    expect(r.structuredContent!.total).toBe(3);
    expect(r.structuredContent!.warnings).toEqual([expect.stringMatching(/4242/)]);
    expect(textOf(r)).toMatch(/3 VM\(s\) match/);
  });

  it('needs a selection and reports bad ones', async () => {
    expect(textOf(await h.call('resolve_selector', {}))).toMatch(/say which VMs/);
    const bad = await h.call('resolve_selector', { vmSelectors: [{ type: 'VM_IDS', value: 'web' }] });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toMatch(/'web' is not a VM id/);
  });
});

describe('list_nodes and list_tags', () => {
  it('lists nodes with guest counts', async () => {
    const r = await h.call('list_nodes');
    const nodes = r.structuredContent!.nodes as Array<{ node: string; guests: number; status: string }>;
    expect(nodes.map((n) => n.node).sort()).toEqual(h.cluster.sim.state.nodes().map((n) => n.node).sort());
    const onPve1 = h.cluster.sim.state.vms().filter((v) => v.node === 'pve1' && !v.template).length;
    expect(nodes.find((n) => n.node === 'pve1')!.guests).toBe(onPve1);
  });

  it('lists tags with counts, and the VMs carrying one', async () => {
    const all = await h.call('list_tags');
    const tags = all.structuredContent!.tags as Array<{ tag: string; count: number }>;
    const truth = h.cluster.sim.state.vms().filter((v) => v.tags.includes('workshop')).length;
    expect(tags.find((t) => t.tag === 'workshop')?.count).toBe(truth);
    const one = await h.call('list_tags', { tag: 'workshop' });
    expect(one.structuredContent!.vmsTotal).toBe(truth);
    expect((one.structuredContent!.vms as Row[]).every((v) => v.tags.includes('workshop'))).toBe(true);
  });

  it('turns an unreachable cluster into an actionable tool error', async () => {
    h.cluster.sim.faults.set({ errorRate: 1, errorStatus: 503 });
    for (const name of ['list_nodes', 'list_tags', 'list_vms']) {
      const r = await h.call(name);
      expect(r.isError, name).toBe(true);
      expect(textOf(r), name).toMatch(/Proxmox refused|could not be reached/);
      expect(textOf(r), name).toMatch(/What to do:/);
    }
  });
});

describe('list_snapshots', () => {
  it('lists one VM\'s snapshots with TTL and expiry', async () => {
    const r = await h.call('list_snapshots', { vmid: 100 });
    const rows = r.structuredContent!.snapshots as Array<{ name: string; ttlHours?: number; expired: boolean; moxxieMade: boolean }>;
    expect(rows.map((x) => x.name).sort()).toEqual(h.cluster.sim.state.vm(100)!.snapshots.map((x) => x.name).sort());
    expect(rows.find((x) => x.name === 'pre-upgrade')?.moxxieMade).toBe(false);
  });

  it('lists a selection\'s snapshots', async () => {
    const r = await h.call('list_snapshots', { selector: 'name:web-*' });
    const truth = h.cluster.sim.state.vms().filter((v) => v.name.startsWith('web-')).flatMap((v) => v.snapshots.map((s) => `${v.vmid}/${s.name}`));
    const rows = r.structuredContent!.snapshots as Array<{ vmid: number; name: string }>;
    expect(rows.map((x) => `${x.vmid}/${x.name}`).sort()).toEqual(truth.sort());
  });

  it('reads the inventory once per call, not once per VM (issue 11), and a VM it cannot read does not blank the rest', async () => {
    const ids = h.cluster.sim.state.vms().filter((v) => !v.template && v.type === 'qemu').slice(0, 50).map((v) => v.vmid);
    expect(ids).toHaveLength(50);
    const stats = h.cluster.sim.stats;
    stats.reset();
    const r = await h.call('list_snapshots', { vmSelectors: [{ type: 'VM_IDS', value: ids.join(',') }] });
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent!.vmsScanned).toBe(50);
    expect(stats.byRoute['GET /cluster/resources']).toBe(1);
    expect(stats.byRoute['GET /nodes/{node}/qemu/{vmid}/snapshot']).toBe(50);
    const truth = h.cluster.sim.state.vms().filter((v) => ids.includes(v.vmid)).reduce((n, v) => n + v.snapshots.length, 0);
    expect(r.structuredContent!.total).toBe(truth);
    stats.reset();
    await h.call('list_snapshots', { vmid: 100 });
    expect(stats.byRoute['GET /cluster/resources']).toBe(1);
    stats.reset();
    await h.call('get_vm', { vmid: 100 });
    expect(stats.byRoute['GET /cluster/resources']).toBe(1);
    // The core's own call, by ids: one inventory read for all of them.
    stats.reset();
    const lists = await h.cluster.core.listSnapshotsOf(ids.slice(0, 10));
    expect(lists.map((l) => l.vmid)).toEqual(ids.slice(0, 10));
    expect(stats.byRoute['GET /cluster/resources']).toBe(1);
    // A node gone offline: its VMs are named as unreadable, the others listed.
    const offline = h.cluster.sim.state.vm(ids[0])!.node;
    h.cluster.sim.faults.set({ offlineNodes: [offline] });
    const partial = await h.call('list_snapshots', { vmSelectors: [{ type: 'VM_IDS', value: ids.join(',') }] });
    expect(partial.isError).toBeFalsy();
    const unreadable = partial.structuredContent!.unreadable as Array<{ vmid: number; error: string }>;
    expect(unreadable.map((u) => u.vmid).sort()).toEqual(ids.filter((id) => h.cluster.sim.state.vm(id)!.node === offline).sort());
    expect(textOf(partial)).toMatch(new RegExp(`VM ${ids[0]}: its snapshots could not be read`));
    expect((partial.structuredContent!.snapshots as unknown[]).length).toBeGreaterThan(0);
  });

  it('asks for exactly one target and caps large selections', async () => {
    expect(textOf(await h.call('list_snapshots', {}))).toMatch(/exactly one of vmid, selector or vmSelectors/);
    expect(textOf(await h.call('list_snapshots', { vmid: 100, selector: 'all' }))).toMatch(/exactly one/);
    const tooMany = await h.call('list_snapshots', { selector: 'all' });
    expect(tooMany.isError).toBe(true);
    expect(textOf(tooMany)).toMatch(/narrow the selector/);
    expect(textOf(await h.call('list_snapshots', { vmid: 4242 }))).toMatch(/does not exist/);
  });
});
