import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HistoryStore } from '../../src/history/store.js';
import { JobManager, type JobInput } from '../../src/schedule/jobs.js';
import { Scheduler } from '../../src/schedule/scheduler.js';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';

let c: TestCluster | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

async function setup(simOpts = {}, safeMode = false) {
  c = await startCluster({ vms: 40, ...simOpts }, { context: { safeMode } });
  const store = new HistoryStore({ dir: mkdtempSync(join(tmpdir(), 'moxxie-jobs-')) });
  const jobs = new JobManager(store, c.core);
  return { c, store, jobs };
}

const seedDaily: JobInput = {
  name: 'daily-snapshots',
  description: 'Daily snapshots for workshop VMs',
  taskType: 'snapshot_create',
  cronExpression: '0 0 2 * * ?',
  enabled: true,
  parameters: { snapshotNamePattern: 'auto-{vm}-{datetime}', description: 'Automated daily snapshot', maxSnapshots: '3' },
  vmSelectors: [{ type: 'NAME_PATTERN', value: 'workshop-*' }],
};

describe('jobs', () => {
  it('accepts the seed shapes, coerces string parameters and refuses bad ones naming the field', async () => {
    const { jobs } = await setup();
    const job = await jobs.create(seedDaily);
    expect(job.parameters).toMatchObject({ maxSnapshots: 3, includeVmState: false });
    const cleanup = await jobs.create({ name: 'cleanup-expired-snapshots', taskType: 'snapshot_delete', cronExpression: '0 0 * * * ?', parameters: { checkDescription: 'true', safeMode: 'true', dryRun: 'false' }, vmSelectors: [{ type: 'ALL', value: '*' }] });
    expect(cleanup.parameters).toEqual({ checkDescription: true, safeMode: true, dryRun: false });
    await expect(jobs.create({ ...seedDaily, name: 'x1', parameters: { snapshotNamePattern: 'a', maxSnapshots: 'seven' } })).rejects.toThrow(/parameters\.maxSnapshots/);
    await expect(jobs.create({ ...seedDaily, name: 'x2', cronExpression: '0 0 25 * * ?' })).rejects.toThrow(/cronExpression: '0 0 25 \* \* \?' is invalid/);
    await expect(jobs.create({ ...seedDaily, name: 'x3', taskType: 'backup' as never })).rejects.toThrow(/taskType: 'backup' is not valid/);
    await expect(jobs.create({ ...seedDaily, name: 'x4', parameters: { snapshotNamePattern: 'a', bogus: 1 } })).rejects.toThrow(/parameters/);
    await expect(jobs.create({ ...seedDaily, name: 'x5', timezone: 'Mars/Olympus' })).rejects.toThrow(/timezone/);
    await expect(jobs.create(seedDaily)).rejects.toThrow(/already exists/);
  });

  it('renames without orphaning the schedule or the runs', async () => {
    const { jobs } = await setup();
    const job = await jobs.create({ ...seedDaily, cronExpression: '0 0 0 1 1 ? 2099' });
    await jobs.trigger(job.id, { dryRun: true });
    const renamed = await jobs.update('daily-snapshots', { name: 'nightly' });
    expect(renamed.id).toBe(job.id);
    expect(renamed.cronExpression).toBe('0 0 0 1 1 ? 2099');
    expect(await jobs.runs('nightly')).toHaveLength(1);
    await expect(jobs.get('daily-snapshots')).rejects.toThrow(/no job/);
  });

  it('rotation keeps exactly maxSnapshots of the job\'s own snapshots and never touches others', async () => {
    const { c, jobs } = await setup();
    const job = await jobs.create({ ...seedDaily, cronExpression: '0 0 0 1 1 ? 2099', parameters: { snapshotNamePattern: 'auto-{vm}-{datetime}', maxSnapshots: 2 } });
    // Someone else's snapshots with a similar name, and a moxxie one from another pattern.
    await c.client.waitForTask(await c.client.post<string>('/nodes/pve1/qemu/8200/snapshot', { snapname: 'auto-manual-keep' }));
    await c.core.createSnapshots({ vmSelectors: [{ type: 'VM_IDS', value: '8200' }], snapshotName: 'other-{vm}', ttlHours: 5 });
    for (let i = 0; i < 4; i++) {
      const run = await jobs.trigger(job.id);
      expect(run.status).toBe('succeeded');
      await new Promise((r) => setTimeout(r, 1100)); // {datetime} has one-second resolution
    }
    for (let id = 8200; id <= 8209; id++) {
      const names = c.sim.state.vm(id)!.snapshots.map((s) => s.name);
      const own = names.filter((n) => /^auto-workshop-wk-\d\d-\d{8}-\d{6}$/.test(n));
      expect(own).toHaveLength(2);
    }
    const names8200 = c.sim.state.vm(8200)!.snapshots.map((s) => s.name);
    expect(names8200).toContain('auto-manual-keep');
    expect(names8200).toContain('other-workshop-wk-01');
  }, 30_000);

  it('TTL cleanup deletes only expired moxxie snapshots; its dry run changes nothing', async () => {
    const { c, jobs } = await setup({ vms: 60 });
    const job = await jobs.create({ name: 'cleanup', taskType: 'snapshot_delete', cronExpression: '0 0 * * * ?', parameters: { checkDescription: 'true', safeMode: 'true', dryRun: 'false' }, vmSelectors: [{ type: 'ALL', value: '*' }] });
    const before = JSON.stringify(c.sim.state.vms());
    const dry = await jobs.trigger(job.id, { dryRun: true });
    expect(dry.vms.some((v) => v.state === 'planned')).toBe(true);
    expect(JSON.stringify(c.sim.state.vms())).toBe(before);
    const run = await jobs.trigger(job.id);
    expect(run.status).toBe('succeeded');
    const all = c.sim.state.vms().flatMap((v) => v.snapshots);
    expect(all.some((s) => s.description.includes('(TTL: 24h)'))).toBe(false);
    expect(all.some((s) => s.name === 'pre-upgrade')).toBe(true);
    expect(all.some((s) => s.name === 'moxxie-fresh')).toBe(true);
  });

  it('runs a disabled job when triggered, and power_schedule never stops always-on VMs', async () => {
    const { c, jobs } = await setup();
    const job = await jobs.create({ name: 'evening-off', taskType: 'power_schedule', cronExpression: '0 0 19 * * ?', enabled: false, parameters: { action: 'shutdown' }, vmSelectors: [{ type: 'NAME_PATTERN', value: 'workshop-wk-*' }] });
    const run = await jobs.trigger('evening-off');
    expect(run.status).toBe('succeeded');
    expect(run.trigger).toBe('manual');
    expect(c.sim.state.vm(8209)!.tags).toContain('always-on');
    expect(run.vms.find((v) => v.vmid === 8209)?.state).toBe('skipped');
    expect(c.sim.state.vms().filter((v) => v.vmid >= 8200 && v.vmid <= 8208).every((v) => v.status === 'stopped')).toBe(true);
    expect((await jobs.get(job.id)).enabled).toBe(false);
  });

  it('retries only the failed VMs, up to maxRetries', async () => {
    const { c, jobs } = await setup({ faults: { taskFailureRate: 1 } });
    const job = await jobs.create({ ...seedDaily, name: 'flaky', cronExpression: '0 0 0 1 1 ? 2099', parameters: { snapshotNamePattern: 'retry-{vmid}' }, vmSelectors: [{ type: 'VM_IDS', value: '8200,8201' }], maxRetries: 2, retryDelaySeconds: 0 });
    // The first attempt fails on the cluster; the cluster heals before the retry.
    const off = c.core.operations.subscribe((e) => {
      if (e.type === 'operation-finished') {
        c.sim.faults.set({ taskFailureRate: 0 });
        off();
      }
    });
    const run = await jobs.trigger(job.id);
    expect(run.attempts).toBeGreaterThan(1);
    expect(run.status).toBe('succeeded');
    expect(c.sim.state.vm(8200)!.snapshots.some((s) => s.name === 'retry-8200')).toBe(true);
  });

  it('enforces timeoutSeconds: the run stops starting work and is recorded as timeout', async () => {
    const { c, jobs } = await setup();
    const job = await jobs.create({ ...seedDaily, name: 'slow', cronExpression: '0 0 0 1 1 ? 2099', parameters: { snapshotNamePattern: 'slow-{vmid}', maxSnapshots: undefined }, vmSelectors: [{ type: 'VM_IDS', value: '8200-8209' }], timeoutSeconds: 10 });
    // Tasks that outlast the job's 10 s timeout (the smallest allowed).
    c.sim.faults.set({ taskDurationMs: 12_000 });
    const run = await jobs.trigger(job.id);
    expect(run.status).toBe('timeout');
    expect(run.message).toMatch(/timeoutSeconds=10/);
    expect(run.vms.filter((v) => v.state === 'cancelled').length).toBeGreaterThan(0);
  }, 40_000);

  it('never runs a job twice at once: an overlapping run is skipped and recorded', async () => {
    const { c, jobs } = await setup({ taskDurationMs: 400 });
    const job = await jobs.create({ ...seedDaily, name: 'overlap', cronExpression: '0 0 0 1 1 ? 2099', parameters: { snapshotNamePattern: 'ov-{vmid}-{time}' } });
    const first = jobs.trigger(job.id);
    await new Promise((r) => setTimeout(r, 50));
    const second = await jobs.trigger(job.id);
    expect(second.status).toBe('skipped-overlap');
    expect((await first).status).toBe('succeeded');
    const runs = await jobs.runs(job.id);
    expect(runs.map((r) => r.status).sort()).toEqual(['skipped-overlap', 'succeeded']);
    void c;
  });
});

describe('scheduler loop', () => {
  it('fires a per-second job on time and records its runs', async () => {
    const { c, store, jobs } = await setup();
    const job = await jobs.create({ ...seedDaily, name: 'every-second', cronExpression: '* * * * * ?', parameters: { snapshotNamePattern: 'tick-{vmid}-{time}' }, vmSelectors: [{ type: 'VM_IDS', value: '8200' }] });
    const sched = new Scheduler({ jobs, store });
    sched.start();
    await new Promise((r) => setTimeout(r, 2600));
    await sched.stop(5000);
    const runs = await jobs.runs(job.id);
    const ran = runs.filter((r) => r.status === 'succeeded');
    expect(ran.length).toBeGreaterThanOrEqual(2);
    expect(ran.every((r) => r.trigger === 'schedule' && r.startedAt - (r.scheduledAt ?? 0) < 1000)).toBe(true);
    expect(c.sim.state.vm(8200)!.snapshots.filter((s) => s.name.startsWith('tick-8200-')).length).toBe(ran.length);
  });

  it('runs a missed fire once inside the grace window and records older ones as missed', async () => {
    const { store, jobs } = await setup();
    const job = await jobs.create({ ...seedDaily, name: 'hourly', cronExpression: '0 0 * * * ?', parameters: { snapshotNamePattern: 'h-{vmid}-{datetime}' }, vmSelectors: [{ type: 'VM_IDS', value: '8200' }] });
    // The job was last accounted for three hours ago, and no scheduler ran since.
    await store.update((d) => {
      d.jobs[0].lastScheduledAt = Date.now() - 3 * 3600_000 - 1000;
    });
    const lastHour = Math.floor(Date.now() / 3600_000) * 3600_000;
    const wide = new Scheduler({ jobs, store, graceMs: Date.now() - lastHour + 60_000 });
    await wide.runOnce();
    const runs = await jobs.runs(job.id);
    expect(runs.find((r) => r.status === 'succeeded')?.trigger).toBe('catch-up');
    expect(runs.find((r) => r.status === 'missed')?.message).toMatch(/2 fire\(s\) passed while no scheduler ran/);
    // Nothing is due now: a second pass runs nothing more.
    await wide.runOnce();
    expect((await jobs.runs(job.id)).length).toBe(runs.length);
  });

  it('records a fire outside the grace window as missed without running it', async () => {
    const { store, jobs } = await setup();
    const job = await jobs.create({ ...seedDaily, name: 'late', cronExpression: '0 0 * * * ?', parameters: { snapshotNamePattern: 'l-{vmid}' }, vmSelectors: [{ type: 'VM_IDS', value: '8200' }] });
    await store.update((d) => {
      d.jobs[0].lastScheduledAt = Date.now() - 3600_000 - 1000;
    });
    await new Scheduler({ jobs, store, graceMs: 0 }).runOnce();
    const runs = await jobs.runs(job.id);
    expect(runs.every((r) => r.status === 'missed')).toBe(true);
    expect(runs.length).toBeGreaterThan(0);
  });
});
