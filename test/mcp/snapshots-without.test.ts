// list_snapshots answers "which guests have no snapshot" in one call, containers included, and says which
// guests it left out (templates) and why; checked against the snapshots PVE (the simulator) really holds.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHarness, textOf, type Harness } from './in-memory-server.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

type Answer = { withoutSnapshots: Array<{ vmid: number; type: string }>; withoutTotal: number; templatesLeftOut: number; unreadable: unknown[] };

it('withoutSnapshots lists exactly the selected guests with none, VMs and containers, and names the templates left out', async () => {
  const made = await h.call('create_snapshots', { selector: 'id:100,300', snapshotName: 'keep-{vmid}' });
  expect(made.isError).toBeFalsy();
  const r = await h.call('list_snapshots', { selector: 'all', withoutSnapshots: true, limit: 500 });
  expect(r.isError).toBeFalsy();
  const a = r.structuredContent as Answer;

  const { vms } = await h.cluster.core.resolve([{ type: 'ALL', value: '' }]);
  const truth = await h.cluster.core.listSnapshotsOf(vms);
  const expected = truth.filter((l) => !l.error && l.snapshots.length === 0).map((l) => l.vmid).sort((x, y) => x - y);
  expect(a.withoutSnapshots.map((v) => v.vmid).sort((x, y) => x - y)).toEqual(expected);
  expect(a.withoutTotal).toBe(expected.length);
  expect(expected).not.toContain(100);
  expect(expected).not.toContain(300);
  expect(a.withoutSnapshots.some((v) => v.type === 'lxc')).toBe(true);

  const inventory = await h.cluster.core.inventory();
  expect(a.templatesLeftOut).toBe(inventory.vms.filter((v) => v.template).length);
  expect(a.templatesLeftOut).toBeGreaterThan(0);
  expect(textOf(r)).toMatch(/Left out: \d+ template\(s\) \(includeTemplates adds them\)/);
});
