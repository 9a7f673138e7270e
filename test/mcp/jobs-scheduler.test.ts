// The job tools say whether a scheduler runs for this context (the lease it holds in the state directory)
// and what that means; through the SDK's real client, with a real lease taken and released.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireSchedulerLease } from '../../src/schedule/lease.js';
import { startHarness, textOf, type Harness } from './in-memory-server.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ vms: 5 });
});
afterAll(() => h.close());

type Scheduler = { running: boolean; holder?: string; note: string };

describe('job tools and the scheduler', () => {
  it('say no scheduler runs, and what follows, until one holds the lease; then say who does', async () => {
    const before = await h.call('list_jobs', {});
    expect((before.structuredContent as { scheduler: Scheduler }).scheduler.running).toBe(false);
    expect(textOf(before)).toMatch(/no scheduler is running for this context: jobs fire only while `moxxie scheduler` runs/);

    const created = await h.call('create_job', { name: 'nightly', taskType: 'snapshot_create', cronExpression: '0 0 2 * * ?', parameters: { snapshotNamePattern: 'n-{vmid}' }, vmSelectors: [{ type: 'VM_IDS', value: '100' }] });
    expect(created.isError).toBeFalsy();
    expect((created.structuredContent as { scheduler: Scheduler }).scheduler.running).toBe(false);
    expect(textOf(created)).toMatch(/trigger_job runs one now/);

    const lease = await acquireSchedulerLease(h.history.dir, { wait: false });
    try {
      const during = await h.call('list_jobs', {});
      const s = (during.structuredContent as { scheduler: Scheduler }).scheduler;
      expect(s.running).toBe(true);
      expect(s.holder).toContain(`pid ${process.pid}`);
      const updated = await h.call('update_job', { job: 'nightly', enabled: false });
      expect((updated.structuredContent as { scheduler: Scheduler }).scheduler.running).toBe(true);
    } finally {
      await lease.release();
    }
    const after = await h.call('list_jobs', {});
    expect((after.structuredContent as { scheduler: Scheduler }).scheduler.running).toBe(false);
  });
});
