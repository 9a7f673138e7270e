// A snapshot job over containers: each run snapshots the CTs (vzsnapshot) and rotation keeps maxSnapshots of
// the job's own snapshots per container, reading and deleting them through pct's paths.
import { afterAll, describe, expect, it } from 'vitest';
import { HistoryStore } from '../../src/history/store.js';
import { JobManager } from '../../src/schedule/jobs.js';
import { controlWallClock } from '../fixtures/clock.js';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';
import { tempDir } from '../fixtures/temp-dirs.js';

let c: TestCluster | undefined;
afterAll(async () => {
  await c?.close();
});

describe('snapshot job rotation on containers', () => {
  it('keeps exactly maxSnapshots of the job\'s own snapshots on each container', async () => {
    c = await startCluster({ taskDurationMs: 20 });
    const jobs = new JobManager(new HistoryStore({ dir: tempDir('ct-rotation') }), c.core);
    const job = await jobs.create({
      name: 'ct-snapshots',
      taskType: 'snapshot_create',
      cronExpression: '0 0 0 1 1 ? 2099',
      enabled: true,
      parameters: { snapshotNamePattern: 'ct-{vm}-{datetime}', maxSnapshots: 2 },
      vmSelectors: [{ type: 'VM_IDS', value: '300-302' }],
    });
    const own = (vmid: number) => c!.sim.state.vm(vmid)!.snapshots.filter((s) => s.description.includes(`[job ${job.id}]`)).map((s) => s.name);
    const clock = controlWallClock();
    try {
      for (let i = 0; i < 3; i++) {
        const run = await jobs.trigger(job.id);
        expect(run.status, run.message).toBe('succeeded');
        clock.jump(1050);
      }
    } finally {
      clock.restore();
    }
    for (const vmid of [300, 301, 302]) expect(own(vmid)).toHaveLength(2);
    const runs = await jobs.runs(job.id);
    expect(runs[0].message).toMatch(/rotation \(keep 2\) deleted: 300\/ct-ct-dns-\d{8}-\d{6}/);
    expect(c.sim.state.tasks().filter((t) => t.type === 'vzdelsnapshot' && ['300', '301', '302'].includes(t.id)).length).toBe(3);
  }, 60_000);
});
