// Scheduler task type backup_prune and keep-* rotation for snapshot_create jobs, run on the simulator.
import { afterEach, describe, expect, it } from 'vitest';
import { HistoryStore } from '../../src/history/store.js';
import { postVzdump } from '../../src/pve/endpoints/storage.js';
import { JobManager, type JobInput } from '../../src/schedule/jobs.js';
import { controlWallClock, type WallClock } from '../fixtures/clock.js';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';
import { tempDir } from '../fixtures/temp-dirs.js';

const MANUAL = '0 0 0 1 1 ? 2099';
let c: TestCluster | undefined;
let clock: WallClock | undefined;
afterEach(async () => {
  clock?.restore();
  clock = undefined;
  await c?.close();
  c = undefined;
});

async function setup() {
  c = await startCluster({ vms: 40, taskDurationMs: 10 });
  const jobs = new JobManager(new HistoryStore({ dir: tempDir('retention-jobs') }), c.core);
  return { c, jobs };
}

const pruneJob: JobInput = {
  name: 'prune-workshop',
  taskType: 'backup_prune',
  cronExpression: '0 0 3 * * ?',
  parameters: { retentionPolicy: 'count:1', tags: 'workshop', storage: 'local' },
  vmSelectors: [{ type: 'VM_IDS', value: '8200,8201' }],
};

describe('backup_prune jobs', () => {
  it('are validated when saved, naming the field', async () => {
    const { jobs } = await setup();
    const bad: Array<[Partial<JobInput>, RegExp]> = [
      [{ parameters: { retentionPolicy: 'weeks:2' } }, /^parameters\.retentionPolicy: .*days:N, count:N, monthly:N/],
      [{ parameters: {} }, /^parameters\.retentionPolicy: required/],
      [{ parameters: { retentionPolicy: 'days:7', retention: 'x' } }, /^parameters\.retention: unknown field 'retention'.*for task type backup_prune/],
      [{ parameters: { retentionPolicy: 'days:7', dryRun: 'maybe' } }, /^parameters\.dryRun: must be true or false/],
      [{ vmSelectors: [{ type: 'NAME_PATTERN', value: 'web-*' }] }, /^vmSelectors\[0\]: backup_prune jobs select guests by VM_IDS or ALL/],
    ];
    for (const [patch, message] of bad) await expect(jobs.create({ ...pruneJob, ...patch }, { confirmed: true })).rejects.toThrow(message);
    // Deleting backups is destructive: saved only when confirmed.
    await expect(jobs.create(pruneJob)).rejects.toThrow(/confirm/i);
    const job = await jobs.create(pruneJob, { confirmed: true });
    expect(job.parameters).toEqual({ retentionPolicy: 'count:1', tags: ['workshop'], storage: 'local', dryRun: false });
  });

  it('a run keeps the newest backup of each selected guest; its dry run deletes nothing', async () => {
    const { c, jobs } = await setup();
    clock = controlWallClock();
    const local = () => c.sim.state.storageContent('local').filter((v) => v.content === 'backup');
    for (let i = 0; i < 3; i++) {
      for (const vmid of [8200, 8201, 8202]) {
        await c.client.waitForTask(await postVzdump(c.client, c.sim.state.vm(vmid)!.node, { vmid: String(vmid), storage: 'local' }), { timeoutMs: 10_000 });
      }
      clock.jump(3600_000);
    }
    const job = await jobs.create({ ...pruneJob, cronExpression: MANUAL }, { confirmed: true });
    const before = local().map((v) => v.volid).sort();
    const dry = await jobs.trigger(job.id, { dryRun: true });
    expect(dry).toMatchObject({ status: 'succeeded', dryRun: true });
    // The run's rows are per guest: both selected guests have backups to delete.
    expect([...new Set(dry.vms.filter((v) => v.state === 'planned').map((v) => v.vmid))].sort()).toEqual([8200, 8201]);
    expect(local().map((v) => v.volid).sort()).toEqual(before);
    const run = await jobs.trigger(job.id);
    expect(run.status).toBe('succeeded');
    for (const vmid of [8200, 8201]) expect(local().filter((v) => v.vmid === vmid)).toHaveLength(1);
    // Not selected: untouched.
    expect(local().filter((v) => v.vmid === 8202)).toHaveLength(3);
  });
});

describe('snapshot_create rotation with keep-* rules', () => {
  const daily: JobInput = {
    name: 'gfs-snapshots',
    taskType: 'snapshot_create',
    cronExpression: MANUAL,
    timezone: 'UTC',
    parameters: { snapshotNamePattern: 'gfs-{vm}-{datetime}', retention: 'keep-daily=2' },
    vmSelectors: [{ type: 'VM_IDS', value: '8200' }],
  };

  it('refuses a retention that is not PVE keep options, keeps everything, or comes with maxSnapshots', async () => {
    const { jobs } = await setup();
    await expect(jobs.create({ ...daily, parameters: { snapshotNamePattern: 'a-{vm}', retention: 'keep-dayly=2' } })).rejects.toThrow(/^parameters\.retention: 'keep-dayly=2' is not a retention option/);
    await expect(jobs.create({ ...daily, parameters: { snapshotNamePattern: 'a-{vm}', retention: 'keep-all=1' } })).rejects.toThrow(/^parameters\.retention: keeps everything/);
    await expect(jobs.create({ ...daily, parameters: { snapshotNamePattern: 'a-{vm}', retention: 'keep-last=2', maxSnapshots: 2 } })).rejects.toThrow(/^parameters\.retention: use either maxSnapshots or retention/);
  });

  it("keeps the newest of each of the newest N days of the job's own snapshots, nothing else touched", async () => {
    const { c, jobs } = await setup();
    clock = controlWallClock();
    clock.jump(Date.UTC(2031, 4, 1, 10) - Date.now());
    const node = c.sim.state.vm(8200)!.node;
    await c.client.waitForTask(await c.client.post<string>(`/nodes/${node}/qemu/8200/snapshot`, { snapname: 'gfs-workshop-wk-01-20310101-000000', description: 'by hand' }));
    const job = await jobs.create(daily);
    const own = () => c!.sim.state.vm(8200)!.snapshots.filter((s) => s.description.includes(`[job ${job.id}]`)).map((s) => s.name.replace(/^gfs-workshop-wk-01-/, ''));
    const hours = [0, 1, 24, 48]; // day 1 10:00 and 11:00, day 2 10:00, day 3 10:00
    const seen: string[][] = [];
    let at = 0;
    for (const h of hours) {
      clock.jump((h - at) * 3600_000);
      at = h;
      const run = await jobs.trigger(job.id);
      expect(run.status).toBe('succeeded');
      seen.push(own().sort());
    }
    expect(seen[1]).toEqual(['20310501-110000']); // same day: only the newest stays
    expect(seen[3]).toEqual(['20310502-100000', '20310503-100000']);
    expect(c.sim.state.vm(8200)!.snapshots.map((s) => s.name)).toContain('gfs-workshop-wk-01-20310101-000000');
    const runs = await jobs.runs(job.id);
    expect(runs[0].message).toMatch(/rotation \(keep-daily=2\) deleted: 8200\/gfs-workshop-wk-01-20310501-110000$/);
    // A dry run counts the snapshot it would make.
    clock.jump(24 * 3600_000);
    const dry = await jobs.trigger(job.id, { dryRun: true });
    expect(dry.message).toMatch(/rotation \(keep-daily=2\) would delete: 8200\/gfs-workshop-wk-01-20310502-100000$/);
  });
});
