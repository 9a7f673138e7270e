// Resources through a real client: the cluster summary matches the simulator, recent operations are listed
// and readable, and an unknown id is an error that says where to find ids.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './in-memory-server.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ vms: 30 });
});
afterAll(() => h.close());

const parsed = (r: { contents: Array<{ text?: unknown; mimeType?: string }> }) => {
  expect(r.contents[0].mimeType).toBe('application/json');
  return JSON.parse(String(r.contents[0].text)) as Record<string, any>; // checked field by field below
};

describe('resources', () => {
  it('moxxie://cluster summarises the cluster as the simulator has it', async () => {
    const listed = await h.client.listResources();
    expect(listed.resources.map((r) => r.uri)).toContain('moxxie://cluster');
    const data = parsed(await h.client.readResource({ uri: 'moxxie://cluster' }));
    const truth = h.cluster.sim.state.vms();
    const guests = truth.filter((v) => !v.template);
    expect(data.vms.total).toBe(guests.length);
    expect(data.vms.templates).toBe(truth.length - guests.length);
    expect(data.vms.byStatus.running).toBe(guests.filter((v) => v.status === 'running').length);
    expect(data.nodes.map((n: { node: string }) => n.node).sort()).toEqual(h.cluster.sim.state.nodes().map((n) => n.node).sort());
    expect(data.context).toMatchObject({ name: 'test', readOnly: false });
    const tagged = guests.filter((v) => v.tags.includes('workshop')).length;
    expect(data.tags.find((t: { tag: string }) => t.tag === 'workshop')?.count).toBe(tagged);
  });

  it('lists recent operations as moxxie://operations/{id} and reads one with its per-VM rows', async () => {
    const op = await h.call('create_snapshots', { selector: 'id:8200-8201', snapshotName: 'res-{vmid}' });
    const id = (op.structuredContent as { id: string }).id;
    await h.history.flush();
    const listed = await h.client.listResources();
    expect(listed.resources.map((r) => r.uri)).toContain(`moxxie://operations/${id}`);
    const templates = await h.client.listResourceTemplates();
    expect(templates.resourceTemplates.map((t) => t.uriTemplate)).toContain('moxxie://operations/{id}');
    const data = parsed(await h.client.readResource({ uri: `moxxie://operations/${id}` }));
    expect(data).toMatchObject({ id, kind: 'snapshot.create', status: 'succeeded' });
    expect(data.targets.map((t: { vmid: number; state: string }) => [t.vmid, t.state])).toEqual([
      [8200, 'succeeded'],
      [8201, 'succeeded'],
    ]);
    for (const vmid of [8200, 8201]) expect(h.cluster.sim.state.vm(vmid)!.snapshots.map((s) => s.name)).toContain(`res-${vmid}`);
  });

  it('answers an unknown operation id with an error that says where the ids are', async () => {
    await expect(h.client.readResource({ uri: 'moxxie://operations/op-nope' })).rejects.toThrow(/no operation 'op-nope'.*list_operations/);
  });
});
