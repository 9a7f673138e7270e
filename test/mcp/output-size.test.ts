// Output stays small: a 10,000-VM cluster never floods the context. Lists are paged with totals; an
// operation's per-VM rows come a page at a time, failures first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, textOf, type Harness } from './in-memory-server.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ vms: 10_000, nodes: 32, taskDurationMs: 20 });
});
afterAll(() => h.close());

describe('on a 10,000-VM cluster', () => {
  it('the default list_vms answer is a page of compact rows with the total', async () => {
    const r = await h.call('list_vms');
    const total = h.cluster.sim.state.vms().filter((v) => !v.template).length;
    expect(r.structuredContent!.total).toBe(total);
    expect((r.structuredContent!.vms as unknown[]).length).toBe(50);
    expect(JSON.stringify(r).length).toBeLessThan(16_000);
    expect(textOf(r)).toMatch(new RegExp(`^${total} VM\\(s\\)`));
  });

  it('resolve_selector, list_tags and a bulk plan stay small too', async () => {
    for (const [name, args] of [
      ['resolve_selector', { selector: 'all' }],
      ['list_tags', {}],
      ['list_tags', { tag: 'env-prod' }],
      ['create_snapshots', { selector: 'all', snapshotName: 'x-{vmid}', dryRun: true }],
      ['power_vms', { selector: 'status:running', operation: 'STOP' }],
    ] as const) {
      const r = await h.call(name, args);
      expect(r.isError, name).toBeFalsy();
      expect(JSON.stringify(r).length, name).toBeLessThan(24_000);
    }
    const plan = await h.call('create_snapshots', { selector: 'all', snapshotName: 'x-{vmid}', dryRun: true });
    expect(plan.structuredContent!.targetCount).toBeGreaterThan(9000);
    expect(plan.structuredContent!.targetsOmitted).toBe((plan.structuredContent!.targetCount as number) - 50);
  });
});

describe('get_operation paging', () => {
  it('pages through targets, failures first, and filters by state', async () => {
    // 40 VMs, a few already holding the snapshot name so those steps fail in PVE.
    await h.call('create_snapshots', { selector: 'id:8200-8202', snapshotName: 'paged' });
    const r = await h.call('create_snapshots', { selector: 'id:100-136,8200-8202', snapshotName: 'paged', maxParallel: 20 });
    const id = r.structuredContent!.id as string;
    const counts = r.structuredContent!.counts as Record<string, number>;
    expect(counts.failed).toBe(3);
    // Failures lead the rows even though their ids sort last.
    expect((r.structuredContent!.targets as Array<{ vmid: number; state: string }>).slice(0, 3).map((t) => t.state)).toEqual(['failed', 'failed', 'failed']);

    const page1 = await h.call('get_operation', { id, limit: 15 });
    const page2 = await h.call('get_operation', { id, limit: 15, offset: 15 });
    const rows1 = page1.structuredContent!.targets as Array<{ vmid: number }>;
    const rows2 = page2.structuredContent!.targets as Array<{ vmid: number }>;
    expect(rows1).toHaveLength(15);
    expect(page1.structuredContent!.targetsOmitted).toBe(40 - 15);
    expect(new Set([...rows1, ...rows2].map((t) => t.vmid)).size).toBe(30);

    const failed = await h.call('get_operation', { id, state: 'failed' });
    expect((failed.structuredContent!.targets as Array<{ vmid: number }>).map((t) => t.vmid).sort()).toEqual([8200, 8201, 8202]);
    expect(textOf(failed)).toMatch(/Failed 8200/);
  });
});
