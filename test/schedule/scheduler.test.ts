import { afterEach, describe, expect, it } from 'vitest';
import { HistoryStore } from '../../src/history/store.js';
import type { JobInput } from '../../src/schedule/jobs.js';
import { JobManager } from '../../src/schedule/jobs.js';
import { Scheduler, type SchedulerLogEvent } from '../../src/schedule/scheduler.js';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';
import { tempDir } from '../fixtures/temp-dirs.js';

let c: TestCluster | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

async function setup(simOpts = {}, retention = {}) {
  c = await startCluster({ vms: 30, ...simOpts });
  const store = new HistoryStore({ dir: tempDir('sched'), retention });
  const jobs = new JobManager(store, c.core);
  return { c, store, jobs };
}

const job = (name: string, cronExpression: string, pattern: string, vmids = '8200'): JobInput => ({
  name,
  taskType: 'snapshot_create',
  cronExpression,
  // Per-second jobs keep these tests short; since issue 11 a job that fires more than once a minute must say so.
  allowSubMinute: true,
  parameters: { snapshotNamePattern: pattern },
  vmSelectors: [{ type: 'VM_IDS', value: vmids }],
});
const until = async (check: () => boolean | Promise<boolean>) => {
  while (!(await check())) await new Promise((r) => setTimeout(r, 25));
};

describe('scheduler loop', () => {
  it('fires a per-second job at its fire times and records each run', async () => {
    const { c, store, jobs } = await setup();
    const j = await jobs.create(job('every-second', '* * * * * ?', 'tick-{vmid}-{time}'));
    const events: SchedulerLogEvent[] = [];
    const sched = new Scheduler({ jobs, store, log: (e) => events.push(e) });
    sched.start();
    await until(async () => (await jobs.runs(j.id)).filter((r) => r.status === 'succeeded').length >= 3);
    await sched.stop(5000);
    const ran = (await jobs.runs(j.id)).filter((r) => r.status === 'succeeded');
    const fires = ran.map((r) => r.scheduledAt as number);
    expect(fires.every((f) => f % 1000 === 0)).toBe(true);
    expect(new Set(fires).size).toBe(ran.length);
    expect(ran.every((r) => r.startedAt >= (r.scheduledAt as number))).toBe(true);
    expect(c.sim.state.vm(8200)!.snapshots.filter((s) => s.name.startsWith('tick-8200-')).length).toBe(ran.length);
    // One start and one end line per run.
    const starts = events.filter((e) => e.event === 'run-start').length;
    const ends = events.filter((e) => e.event === 'run-end').length;
    expect(ends).toBe(starts);
    expect(ends).toBeGreaterThanOrEqual(ran.length);
  });

  it('runs a missed fire once inside the grace window and records older ones as missed', async () => {
    const { store, jobs } = await setup();
    const j = await jobs.create(job('hourly', '0 0 * * * ?', 'h-{vmid}-{datetime}'));
    // The job was last accounted for just after the fire three hours before the latest one, and no
    // scheduler ran since: two older fires and the latest are due, whatever the minute of the hour.
    const lastHour = Math.floor(Date.now() / 3600_000) * 3600_000;
    await store.update((d) => {
      d.jobs[0].lastScheduledAt = lastHour - 3 * 3600_000 + 1000;
    });
    const sched = new Scheduler({ jobs, store, graceMs: Date.now() - lastHour + 60_000 });
    expect(await sched.runOnce()).toMatchObject({ started: 1, enabled: 1 });
    const runs = await jobs.runs(j.id);
    expect(runs.find((r) => r.status === 'succeeded')).toMatchObject({ trigger: 'catch-up', scheduledAt: lastHour });
    expect(runs.find((r) => r.status === 'missed')).toMatchObject({ missedFires: 2 });
    // Nothing is due now: a second pass runs nothing more, and says so.
    const idle = await sched.runOnce();
    expect(idle).toMatchObject({ started: 0, enabled: 1 });
    expect((await jobs.runs(j.id)).length).toBe(runs.length);
  });

  it('records a fire outside the grace window as missed without running it', async () => {
    const { c, store, jobs } = await setup();
    const j = await jobs.create(job('late', '0 0 * * * ?', 'l-{vmid}'));
    await store.update((d) => {
      d.jobs[0].lastScheduledAt = Date.now() - 3600_000 - 1000;
    });
    await new Scheduler({ jobs, store, graceMs: 0 }).runOnce();
    const runs = await jobs.runs(j.id);
    expect(runs.map((r) => r.status)).toEqual(['missed']);
    expect(runs[0].message).toMatch(/outside the grace window of 0 s/);
    expect(c.sim.state.vm(8200)!.snapshots.some((s) => s.name === 'l-8200')).toBe(false);
  });

  it('skips disabled jobs', async () => {
    const { store, jobs } = await setup();
    const j = await jobs.create({ ...job('off', '0 0 * * * ?', 'off-{vmid}'), enabled: false });
    await store.update((d) => {
      d.jobs[0].lastScheduledAt = Date.now() - 3600_000 - 1000;
    });
    await new Scheduler({ jobs, store }).runOnce();
    expect(await jobs.runs(j.id)).toEqual([]);
  });

  it('on stop, starts nothing new, lets running steps finish and records the rest as cancelled', async () => {
    const { c, store, jobs } = await setup({ taskDurationMs: 1500 });
    const j = await jobs.create({ ...job('stoppable', '* * * * * ?', 'st-{vmid}', '8200-8203'), parameters: { snapshotNamePattern: 'st-{vmid}', maxParallel: 2 } });
    const sched = new Scheduler({ jobs, store });
    sched.start();
    await until(() => ['8200', '8201'].some((id) => c.sim.state.vm(Number(id))!.lock === 'snapshot'));
    expect(await sched.stop(30_000)).toEqual({ unfinished: 0 });
    const runs = (await jobs.runs(j.id)).filter((r) => r.status !== 'skipped-overlap');
    expect(runs).toHaveLength(1);
    expect(runs[0].status).toBe('cancelled');
    expect(runs[0].message).toMatch(/scheduler was stopped/);
    const done = runs[0].vms.filter((v) => v.state === 'succeeded').map((v) => v.vmid);
    const cancelled = runs[0].vms.filter((v) => v.state === 'cancelled').map((v) => v.vmid);
    expect(done.length).toBe(2);
    expect(cancelled.length).toBe(2);
    for (const id of done) expect(c.sim.state.vm(id)!.snapshots.some((s) => s.name === `st-${id}`)).toBe(true);
    for (const id of cancelled) expect(c.sim.state.vm(id)!.snapshots.some((s) => s.name === `st-${id}`)).toBe(false);
  });

  it('on stop with no time left, closes the run at once as cancelled', async () => {
    const { c, store, jobs } = await setup({ taskDurationMs: 1500 });
    const j = await jobs.create(job('abandoned', '* * * * * ?', 'ab-{vmid}'));
    const sched = new Scheduler({ jobs, store });
    sched.start();
    await until(() => c.sim.state.vm(8200)!.lock === 'snapshot');
    expect(await sched.stop(0)).toEqual({ unfinished: 1 });
    const run = (await jobs.runs(j.id)).find((r) => r.status !== 'skipped-overlap')!;
    expect(run.status).toBe('cancelled');
    expect(run.message).toMatch(/left to finish on PVE/);
    expect(run.finishedAt).toBeDefined();
    expect(c.sim.state.vm(8200)!.lock).toBe('snapshot');
  });

  it('applies retention on its maintenance pass', async () => {
    const { store, jobs } = await setup({}, { maxAgeDays: 1 });
    await store.audit({ at: Date.now() - 5 * 86_400_000, context: 't', frontEnd: 'cli', action: 'ancient', request: {}, allowed: true });
    await store.audit({ at: Date.now(), context: 't', frontEnd: 'cli', action: 'recent', request: {}, allowed: true });
    await new Scheduler({ jobs, store }).runOnce();
    expect((await store.listAudit()).map((a) => a.action)).toEqual(['recent']);
  });
});
