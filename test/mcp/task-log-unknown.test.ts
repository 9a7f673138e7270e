// A well-formed UPID the cluster does not know (from before a restart of the demo, or another cluster)
// is answered as that, not as a parameter to fix; through the SDK's real client.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHarness, textOf, type Harness } from './in-memory-server.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ vms: 3 });
});
afterAll(() => h.close());

it('get_task_log on a UPID the cluster has never seen says the task is gone and where current ones come from', async () => {
  const upid = 'UPID:pve1:0012F8A6:0A3B2B1E:65A50059:qmstart:100:root@pam:';
  const r = await h.call('get_task_log', { upid });
  expect(r.isError).toBe(true);
  const text = textOf(r);
  expect(text).toContain(`pve1 answers 'no such task' for ${upid}`);
  expect(text).toMatch(/before the cluster or the demo restarted/);
  expect(text).toMatch(/get_vm and get_operation/);
  expect(text).not.toMatch(/fix the named parameters/);
});
