import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { HistoryStore } from '../../src/history/store.js';
import type { OperationEvent } from '../../src/ops/types.js';
import type { JobRunRecord } from '../../src/history/job-records.js';
import { checkJob } from '../../src/schedule/job-validation.js';
import { JobManager, type JobInput } from '../../src/schedule/jobs.js';
import { Scheduler } from '../../src/schedule/scheduler.js';
import { controlWallClock } from '../fixtures/clock.js';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';
import { tempDir } from '../fixtures/temp-dirs.js';

let c: TestCluster | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

async function setup(simOpts = {}, context: { safeMode?: boolean; readOnly?: boolean } = {}, stepGraceMs?: number) {
  c = await startCluster({ vms: 40, ...simOpts }, { context });
  const store = new HistoryStore({ dir: tempDir('jobs') });
  const jobs = new JobManager(store, c.core, { stepGraceMs });
  return { c, store, jobs };
}

const MANUAL = '0 0 0 1 1 ? 2099';
const seedDaily: JobInput = {
  name: 'daily-snapshots',
  description: 'Daily snapshots for workshop VMs',
  taskType: 'snapshot_create',
  cronExpression: '0 0 2 * * ?',
  enabled: true,
  parameters: { snapshotNamePattern: 'auto-{vm}-{date}', description: 'Automated daily snapshot', maxSnapshots: '7' },
  vmSelectors: [{ type: 'NAME_PATTERN', value: 'workshop-*' }],
};
const snapshotsOf = (cl: TestCluster, vmid: number) => cl.sim.state.vm(vmid)!.snapshots.map((s) => s.name);
const until = async (check: () => boolean) => {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
};

describe('job management', () => {
  it('accepts the seed\'s three jobs, storing typed parameters', async () => {
    const { jobs } = await setup();
    const daily = await jobs.create(seedDaily);
    expect(daily.parameters).toEqual({ snapshotNamePattern: 'auto-{vm}-{date}', description: 'Automated daily snapshot', maxSnapshots: 7, includeVmState: false });
    expect(daily).toMatchObject({ maxRetries: 0, timeoutSeconds: 3600, enabled: true, timezone: undefined });
    const cleanup = await jobs.create({
      name: 'cleanup-expired-snapshots',
      description: 'Remove snapshots past their TTL',
      taskType: 'snapshot_delete',
      cronExpression: '0 0 * * * ?',
      enabled: true,
      parameters: { checkDescription: 'true', safeMode: 'true', dryRun: 'false' },
      vmSelectors: [{ type: 'ALL', value: '*' }],
      // A job that deletes snapshots is confirmed when it is saved (issue 11).
    }, { confirmed: true });
    expect(cleanup.parameters).toEqual({ checkDescription: true, safeMode: true, dryRun: false });
    const pre = await jobs.create({
      name: 'pre-update-snapshots',
      description: 'Create snapshots before system updates',
      taskType: 'snapshot_create',
      cronExpression: MANUAL,
      enabled: false,
      parameters: { snapshotNamePattern: 'pre-update-{vm}-{date}', snapshotTTL: '24' },
      vmSelectors: [{ type: 'TAG_EXPRESSION', value: 'env-prod AND NOT always-on' }],
    });
    expect(pre.parameters).toMatchObject({ snapshotTTL: 24 });
    expect((await jobs.list()).map((j) => j.name)).toEqual(['daily-snapshots', 'cleanup-expired-snapshots', 'pre-update-snapshots']);
    expect((await jobs.preview('daily-snapshots', 3)).length).toBe(3);
  });

  it.each<[Partial<JobInput>, RegExp]>([
    [{ parameters: { snapshotNamePattern: 'a', maxSnapshots: 'seven' } }, /^parameters\.maxSnapshots: /],
    [{ cronExpression: '0 0 25 * * ?' }, /^cronExpression: '0 0 25 \* \* \?' is invalid: .*hour/],
    [{ cronExpression: '0 0 0 30 2 ?' }, /^cronExpression: .* never fires/],
    [{ taskType: 'backup' as never }, /^taskType: 'backup' is not valid; use one of snapshot_create, snapshot_delete, power_schedule/],
    [{ timezone: 'Mars/Olympus' }, /^timezone: 'Mars\/Olympus' is not an IANA time zone/],
    [{ name: 'bad name!' }, /^name: 'bad name!' is not valid/],
    [{ vmSelectors: [] }, /^vmSelectors: /],
    [{ vmSelectors: [{ type: 'TAG_EXPRESSION', value: 'env-prod AND (' }] }, /^vmSelectors: .*\[0\]\.value/],
    [{ vmSelectors: [{ type: 'ALL', value: '*', exclude: 'NOT' }] }, /^vmSelectors: .*\[0\]\.exclude/],
    [{ maxRetries: 11 }, /^maxRetries: must be a whole number from 0 to 10/],
    [{ enabeld: false } as never, /^enabeld: unknown field 'enabeld'; did you mean 'enabled'\?/],
    [{ timeoutSeconds: 0 }, /^timeoutSeconds: must be a whole number from 1/],
  ])('refuses %j naming the field', async (patch, reason) => {
    const { jobs, store } = await setup();
    await expect(jobs.create({ ...seedDaily, ...patch })).rejects.toThrow(reason);
    expect(await jobs.list()).toEqual([]);
    // Refused changes are audited too.
    expect((await store.listAudit(1))[0]).toMatchObject({ action: 'job.create', allowed: false });
  });

  it('refuses a second job with the same name', async () => {
    const { jobs } = await setup();
    await jobs.create(seedDaily);
    await expect(jobs.create(seedDaily)).rejects.toThrow(/^name: a job named 'daily-snapshots' already exists/);
  });

  it('renames without orphaning the schedule or the runs; a new schedule counts from now', async () => {
    const { jobs, store } = await setup();
    const job = await jobs.create({ ...seedDaily, cronExpression: MANUAL });
    await jobs.trigger(job.id, { dryRun: true });
    await store.update((d) => {
      d.jobs[0].lastScheduledAt = 1000;
    });
    const renamed = await jobs.update('daily-snapshots', { name: 'nightly', description: 'renamed' });
    expect(renamed).toMatchObject({ id: job.id, cronExpression: MANUAL, lastScheduledAt: 1000 });
    expect(await jobs.runs('nightly')).toHaveLength(1);
    await expect(jobs.get('daily-snapshots')).rejects.toThrow(/no job with id or name 'daily-snapshots'/);
    const rescheduled = await jobs.update('nightly', { cronExpression: '0 0 3 * * ?' });
    expect(rescheduled.lastScheduledAt).toBeGreaterThan(1000);
    // Switching a job back on does not treat the fires it was off for as missed.
    await jobs.disable(job.id);
    await store.update((d) => {
      d.jobs[0].lastScheduledAt = 1000;
    });
    expect((await jobs.enable(job.id)).lastScheduledAt).toBeGreaterThan(1000);
    const audit = (await store.listAudit(10)).map((a) => `${a.action}:${a.allowed}`);
    expect(audit).toEqual(expect.arrayContaining(['job.create:true', 'job.update:true']));
    await jobs.remove('nightly');
    expect(await jobs.list()).toEqual([]);
    // The runs outlive the job.
    expect((await store.listJobRuns({ jobId: job.id })).length).toBe(1);
  });

  it('refuses job changes in a read-only context, and audits the refusal', async () => {
    const { jobs, store } = await setup({}, { readOnly: true });
    await expect(jobs.create(seedDaily)).rejects.toThrow(/read-only/);
    expect((await store.listAudit(1))[0]).toMatchObject({ action: 'job.create', allowed: false });
    expect(await jobs.list()).toEqual([]);
  });

  it('refuses to trigger a job in a read-only context before any run exists, but still dry-runs it', async () => {
    const { c, jobs, store } = await setup({}, { readOnly: true });
    // The job was made elsewhere (a writable front end on the same store).
    const job = checkJob({ ...seedDaily, cronExpression: MANUAL }, 'job-ro', Date.now());
    await store.update((d) => void d.jobs.push(job));
    const before = c.sim.state.vms().map((v) => v.snapshots.length);
    await expect(jobs.trigger(job.id)).rejects.toThrow(/read-only: job\.trigger was refused/);
    expect((await store.listAudit(1))[0]).toMatchObject({ action: 'job.trigger', allowed: false });
    expect(await store.listJobRuns({ jobId: job.id })).toEqual([]);
    const dry = await jobs.trigger(job.id, { dryRun: true });
    expect(dry.dryRun).toBe(true);
    expect(dry.vms.length).toBeGreaterThan(0);
    expect(c.sim.state.vms().map((v) => v.snapshots.length)).toEqual(before);
  });
});

describe('destructive jobs are confirmed when saved (issue 11)', () => {
  const forceStop: JobInput = { name: 'force-stop', taskType: 'power_schedule', cronExpression: '0 0 19 * * ?', parameters: { action: 'stop', force: true }, vmSelectors: [{ type: 'VM_IDS', value: '8200' }] };

  it('create refuses a destructive job unless confirmed, saves nothing, audits; confirmed, it records who and what', async () => {
    const { jobs, store } = await setup();
    await expect(jobs.create(forceStop)).rejects.toThrow(/^confirmed: job 'force-stop' \(power_schedule\) is destructive: each run would stop \(forced\) on the VMs its selectors match; creating it needs confirmation; nothing was saved/);
    expect(await jobs.list()).toEqual([]);
    expect((await store.listAudit(1))[0]).toMatchObject({ action: 'job.create', allowed: false });
    const preview = jobs.previewCreate(forceStop);
    expect(preview).toMatchObject({ needsConfirmation: true, reason: expect.stringMatching(/stop \(forced\)/) });
    const made = await jobs.create(forceStop, { confirmed: true });
    expect(made.confirmation).toMatchObject({ frontEnd: 'cli', effect: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect((await jobs.get('force-stop')).confirmation).toEqual(made.confirmation);
    // A harmless job needs no confirmation and carries none.
    expect(jobs.previewCreate(seedDaily).needsConfirmation).toBe(false);
    expect((await jobs.create(seedDaily)).confirmation).toBeUndefined();
  });

  it('update refuses turning a harmless job into a force-stop one unless confirmed; other edits keep the confirmation', async () => {
    const { jobs } = await setup();
    const start = await jobs.create({ ...forceStop, name: 'morning', parameters: { action: 'start' } });
    await expect(jobs.update('morning', { parameters: { action: 'stop', force: true } })).rejects.toThrow(/^confirmed: job 'morning' .*stop \(forced\).*needs confirmation \(it was never confirmed\); nothing was saved/);
    expect((await jobs.get('morning')).parameters).toMatchObject({ action: 'start' });
    const stop = await jobs.update('morning', { parameters: { action: 'stop', force: true } }, { confirmed: true });
    expect(stop.confirmation).toBeDefined();
    // Name, schedule and enabled do not change what a run does: the confirmation stays.
    const renamed = await jobs.update('morning', { name: 'evening', cronExpression: '0 30 19 * * ?' });
    expect(renamed.confirmation).toEqual(stop.confirmation);
    expect((await jobs.disable('evening')).confirmation).toEqual(stop.confirmation);
    expect((await jobs.enable('evening')).confirmation).toEqual(stop.confirmation);
    // Its selectors do: more VMs is a new confirmation.
    await expect(jobs.update('evening', { vmSelectors: [{ type: 'ALL' }] })).rejects.toThrow(/changes what was confirmed/);
    // Back to harmless: no confirmation needed, none kept.
    expect((await jobs.update('evening', { parameters: { action: 'start' } })).confirmation).toBeUndefined();
    expect(start.id).toBe(renamed.id);
  });

  it('a disabled destructive job is confirmed when it is enabled', async () => {
    const { jobs } = await setup();
    await jobs.create({ ...forceStop, enabled: false });
    await expect(jobs.enable('force-stop')).rejects.toThrow(/^confirmed: /);
    expect((await jobs.enable('force-stop', { confirmed: true })).confirmation).toBeDefined();
  });

  it('the scheduler does not run an unconfirmed destructive job: a refused run, and the VM still running', async () => {
    // Exactly one whole-minute fire between the last schedule and now (now - 61 s could span two, one of them missed).
    const oneFireAgo = () => Math.floor(Date.now() / 60_000) * 60_000 - 1;
    const { c, jobs, store } = await setup();
    const vm = c.sim.state.vms().find((v) => v.status === 'running' && !v.template && !v.tags.includes('always-on'))!;
    const now = Date.now();
    // As a hand edit of the store (or an older moxxie) would leave it: no confirmation.
    await store.update((d) => {
      d.jobs.push({ ...checkJob({ ...forceStop, cronExpression: '0 * * * * ?', vmSelectors: [{ type: 'VM_IDS', value: String(vm.vmid) }] }, 'job-sneaky', now), lastScheduledAt: oneFireAgo() });
    });
    const sched = new Scheduler({ jobs, store, watchStore: false });
    await sched.runOnce();
    expect(c.sim.state.vm(vm.vmid)!.status).toBe('running');
    const [run] = await store.listJobRuns({ jobId: 'job-sneaky' });
    expect(run).toMatchObject({ status: 'failed', operationIds: [], message: expect.stringMatching(/^refused: job 'force-stop' is destructive .* was never confirmed; nothing ran/) });
    expect((await store.listAudit(1))[0]).toMatchObject({ action: 'job.trigger', allowed: false });
    // A confirmation of something else (the job edited after it was confirmed) does not count either.
    await store.update((d) => {
      d.jobs[0].confirmation = { at: now, frontEnd: 'cli', effect: '0000000000000000' };
      d.jobs[0].lastScheduledAt = oneFireAgo();
    });
    await sched.runOnce();
    expect((await store.listJobRuns({ jobId: 'job-sneaky' }))[0].message).toMatch(/what it does changed since it was confirmed/);
    expect(c.sim.state.vm(vm.vmid)!.status).toBe('running');
    await sched.stop(0);
  });
});

describe('what a job is saved with', () => {
  it('refuses a cron that fires more than once a minute unless allowSubMinute', async () => {
    const { jobs } = await setup();
    for (const cron of ['* * * * * ?', '0/10 * * * * ?', '0,30 0 2 * * ?']) {
      await expect(jobs.create({ ...seedDaily, cronExpression: cron })).rejects.toThrow(/^cronExpression: .* fires more than once a minute .*allowSubMinute: true/);
    }
    expect(await jobs.list()).toEqual([]);
    expect((await jobs.create({ ...seedDaily, name: 'often', cronExpression: '0/10 * * * * ?', allowSubMinute: true })).allowSubMinute).toBe(true);
    expect((await jobs.create({ ...seedDaily, name: 'minutely', cronExpression: '0 * * * * ?' })).allowSubMinute).toBeUndefined();
    expect((await jobs.create({ ...seedDaily, name: 'plain', cronExpression: '*/5 * * * *' })).cronExpression).toBe('*/5 * * * *');
    // Turning it off again on a per-second job is refused.
    await expect(jobs.update('often', { allowSubMinute: false })).rejects.toThrow(/fires more than once a minute/);
  });

  it('refuses, when saved, what a run would be refused for: name templates no VM can use, descriptions over 8 KiB', async () => {
    const { jobs } = await setup();
    await expect(jobs.create({ ...seedDaily, parameters: { snapshotNamePattern: 'a-very-long-prefix-for-snapshots-and-{datetime}' } })).rejects.toThrow(/^parameters\.snapshotNamePattern: "a-very-long-prefix-for-snapshots-and-\{datetime\}" cannot give a valid PVE snapshot name/);
    await expect(jobs.create({ ...seedDaily, parameters: { snapshotNamePattern: 'current' } })).rejects.toThrow(/^parameters\.snapshotNamePattern: .*a name PVE reserves/);
    await expect(jobs.create({ ...seedDaily, parameters: { snapshotNamePattern: 'n-{vmid}', description: 'x'.repeat(8190) } })).rejects.toThrow(/^parameters\.description: at most 8192 bytes \(8 KiB, PVE's limit\)/);
    await expect(jobs.create({ ...seedDaily, description: 'x'.repeat(9000) })).rejects.toThrow(/^description: at most 8192 bytes/);
    // The seed's pre-update pattern is saved: names are shortened to fit when it runs.
    expect((await jobs.create({ ...seedDaily, parameters: { snapshotNamePattern: 'preupd-{vm}-{datetime}' } })).parameters).toMatchObject({ snapshotNamePattern: 'preupd-{vm}-{datetime}' });
    expect(await jobs.list()).toHaveLength(1);
  });
});

describe('running jobs on the simulator', () => {
  it('rotation keeps exactly maxSnapshots of the job\'s own snapshots and never touches others', async () => {
    const { c, jobs } = await setup();
    const job = await jobs.create({ ...seedDaily, cronExpression: MANUAL, parameters: { snapshotNamePattern: 'auto-{vm}-{datetime}', maxSnapshots: 2 } });
    // Same pattern, other job: its snapshots are not this job's.
    const twin = await jobs.create({ ...seedDaily, name: 'twin', cronExpression: MANUAL, parameters: { snapshotNamePattern: 'auto-{vm}-{datetime}' }, vmSelectors: [{ type: 'VM_IDS', value: '8200' }] });
    // A hand-made snapshot with a look-alike name, and a moxxie one from a bulk request.
    await c.client.waitForTask(await c.client.post<string>('/nodes/' + c.sim.state.vm(8200)!.node + '/qemu/8200/snapshot', { snapname: 'auto-workshop-wk-01-20200101-000000', description: 'by hand' }));
    await c.core.createSnapshots({ vmSelectors: [{ type: 'VM_IDS', value: '8200' }], snapshotName: 'auto-{vm}-manual', ttlHours: 5 });
    const before = new Map(c.sim.state.vms().map((v) => [v.vmid, v.snapshots.map((s) => s.name)]));
    const ownNames = (vmid: number) => c.sim.state.vm(vmid)!.snapshots.filter((s) => s.description.includes(`[job ${job.id}]`)).map((s) => s.name);
    const created: string[][] = [];
    // {datetime} has one-second resolution: the wall clock moves on 1.05 s between runs instead of being waited for.
    const clock = controlWallClock();
    try {
      for (let i = 0; i < 4; i++) {
        const run = await jobs.trigger(job.id);
        expect(run.message).not.toMatch(/failed/);
        expect(run.status).toBe('succeeded');
        created.push(ownNames(8201));
        clock.jump(1050);
        if (i === 1) {
          expect((await jobs.trigger(twin.id)).status).toBe('succeeded');
          clock.jump(1050);
        }
      }
    } finally {
      clock.restore();
    }
    const twinNames = c.sim.state.vm(8200)!.snapshots.filter((s) => s.description.includes(`[job ${twin.id}]`)).map((s) => s.name);
    expect(twinNames).toHaveLength(1);
    for (let id = 8200; id <= 8209; id++) {
      const own = ownNames(id);
      expect(own).toHaveLength(2);
      // Everything that is not the job's own is exactly what was there before (plus the twin's on 8200).
      const others = snapshotsOf(c, id).filter((n) => !own.includes(n));
      expect(others.sort()).toEqual([...(before.get(id) ?? []), ...(id === 8200 ? twinNames : [])].sort());
    }
    expect(created.map((names) => names.length)).toEqual([1, 2, 2, 2]);
    expect(created[3]).toContain(created[2].filter((n) => !created[1].includes(n))[0]);
    expect(snapshotsOf(c, 8200)).toEqual(expect.arrayContaining(['auto-workshop-wk-01-20200101-000000', 'auto-workshop-wk-01-manual']));
    const runs = await jobs.runs(job.id);
    expect(runs[0].message).toMatch(/rotation \(keep 2\) deleted: 8200\/auto-workshop-wk-01-\d{8}-\d{6}/);
    expect(runs[0].vms).toHaveLength(10);
  }, 30_000);

  it('a dry run of a rotating job changes nothing and says what it would do', async () => {
    const { c, jobs } = await setup();
    const job = await jobs.create({ ...seedDaily, cronExpression: MANUAL, parameters: { snapshotNamePattern: 'dry-{vm}-{datetime}', maxSnapshots: 1 }, vmSelectors: [{ type: 'VM_IDS', value: '8200,8201' }] });
    expect((await jobs.trigger(job.id)).status).toBe('succeeded');
    const before = JSON.stringify(c.sim.state.vms());
    const dry = await jobs.trigger(job.id, { dryRun: true });
    expect(dry).toMatchObject({ status: 'succeeded', dryRun: true });
    expect(dry.vms.map((v) => v.state)).toEqual(['planned', 'planned']);
    expect(dry.message).toMatch(/rotation \(keep 1\) would delete: 8200\/dry-workshop-wk-01-/);
    expect(JSON.stringify(c.sim.state.vms())).toBe(before);
  });

  it('TTL cleanup deletes only expired moxxie snapshots; its dry run changes nothing', async () => {
    const { c, jobs } = await setup({ vms: 60 });
    const all = () => c.sim.state.vms().flatMap((v) => v.snapshots.map((s) => ({ vmid: v.vmid, ...s })));
    const now = Date.now() / 1000;
    const snaps = all();
    const expired = snaps.filter((s) => {
      const ttl = /\(TTL: (\d+)h\)/.exec(s.description);
      return ttl && s.snaptime + Number(ttl[1]) * 3600 < now;
    });
    const kept = snaps.filter((s) => !expired.includes(s));
    expect(expired.length).toBeGreaterThan(0);
    expect(kept.some((s) => !/\(TTL:/.test(s.description))).toBe(true);
    expect(kept.some((s) => /\(TTL:/.test(s.description))).toBe(true);
    const job = await jobs.create({ name: 'cleanup', taskType: 'snapshot_delete', cronExpression: '0 0 * * * ?', parameters: { checkDescription: 'true', safeMode: 'true', dryRun: 'false' }, vmSelectors: [{ type: 'ALL', value: '*' }] }, { confirmed: true });
    const before = JSON.stringify(c.sim.state.vms());
    const dry = await jobs.trigger(job.id, { dryRun: true });
    expect(dry.vms.filter((v) => v.state === 'planned').map((v) => v.vmid).sort()).toEqual([...new Set(expired.map((s) => s.vmid))].sort());
    expect(JSON.stringify(c.sim.state.vms())).toBe(before);
    const run = await jobs.trigger(job.id);
    expect(run.status).toBe('succeeded');
    const after = all().map((s) => `${s.vmid}/${s.name}`).sort();
    expect(after).toEqual(kept.map((s) => `${s.vmid}/${s.name}`).sort());
  });

  it('runs a disabled job when triggered; power_schedule never stops always-on VMs unless forced', async () => {
    const { c, jobs } = await setup();
    const running = c.sim.state.vms().filter((v) => v.status === 'running' && !v.template && v.type === 'qemu');
    const alwaysOn = running.filter((v) => v.tags.includes('always-on')).slice(0, 2);
    const others = running.filter((v) => !v.tags.includes('always-on')).slice(0, 3);
    expect(alwaysOn.length).toBeGreaterThan(0);
    const ids = [...alwaysOn, ...others].map((v) => v.vmid).join(',');
    const job = await jobs.create({ name: 'evening-off', taskType: 'power_schedule', cronExpression: '0 0 19 * * ?', enabled: false, parameters: { action: 'stop' }, vmSelectors: [{ type: 'VM_IDS', value: ids }] });
    const run = await jobs.trigger('evening-off');
    expect(run).toMatchObject({ status: 'succeeded', trigger: 'manual' });
    for (const v of alwaysOn) {
      expect(c.sim.state.vm(v.vmid)!.status).toBe('running');
      expect(run.vms.find((r) => r.vmid === v.vmid)?.state).toBe('skipped');
    }
    for (const v of others) expect(c.sim.state.vm(v.vmid)!.status).toBe('stopped');
    expect((await jobs.get(job.id)).enabled).toBe(false);
    await jobs.update(job.id, { parameters: { action: 'stop', force: true } });
    await jobs.trigger(job.id);
    for (const v of alwaysOn) expect(c.sim.state.vm(v.vmid)!.status).toBe('stopped');
  });

  it('retries only the VMs that failed, up to maxRetries', async () => {
    const { c, jobs } = await setup({ faults: { taskFailureRate: 1 } });
    const job = await jobs.create({ ...seedDaily, name: 'flaky', cronExpression: MANUAL, parameters: { snapshotNamePattern: 'retry-{vmid}' }, vmSelectors: [{ type: 'VM_IDS', value: '8200,8201' }], maxRetries: 2, retryDelaySeconds: 0 });
    // The first attempt's tasks all fail; the fault is lifted the moment that attempt's operation ends.
    const attempts: number[][] = [];
    const off = c.core.operations.subscribe((e: OperationEvent) => {
      if (e.type !== 'operation-finished' || e.operation.kind !== 'snapshot.create') return;
      attempts.push(e.operation.targets.map((t) => t.vmid));
      c!.sim.faults.set({ taskFailureRate: 0 });
    });
    const run = await jobs.trigger(job.id);
    off();
    expect(run).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(attempts).toEqual([[8200, 8201], [8200, 8201]]);
    expect(run.vms.map((v) => v.state)).toEqual(['succeeded', 'succeeded']);
    expect(snapshotsOf(c, 8200)).toContain('retry-8200');

    // Every attempt failing: maxRetries + 1 attempts, then failed.
    c.sim.faults.set({ taskFailureRate: 1 });
    const hopeless = await jobs.create({ ...seedDaily, name: 'hopeless', cronExpression: MANUAL, parameters: { snapshotNamePattern: 'never-{vmid}' }, vmSelectors: [{ type: 'VM_IDS', value: '8202' }], maxRetries: 1, retryDelaySeconds: 0 });
    const failed = await jobs.trigger(hopeless.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 2 });
    expect(snapshotsOf(c, 8202)).not.toContain('never-8202');
  });

  it('a retry resumes the attempt\'s operation: lost answers and failed tasks never leave a VM with two snapshots from one run', async () => {
    // Half the write answers are lost after PVE applied them; a fifth of the tasks fail for real.
    const { c, jobs } = await setup({ faults: { lostAnswerRate: 0.5, lostAnswerMethods: ['POST'], taskFailureRate: 0.2 } });
    const job = await jobs.create({ ...seedDaily, name: 'lossy', cronExpression: MANUAL, parameters: { snapshotNamePattern: 'jr-{vmid}-{time}' }, vmSelectors: [{ type: 'VM_IDS', value: '8200-8209' }], maxRetries: 3, retryDelaySeconds: 0 });
    const run = await jobs.trigger(job.id);
    c.sim.faults.set({ lostAnswerRate: 0, taskFailureRate: 0 });
    // One operation, resumed on each retry with the same names.
    expect(run.operationIds).toHaveLength(1);
    for (let id = 8200; id <= 8209; id++) {
      const mine = snapshotsOf(c, id).filter((n) => n.startsWith(`jr-${id}-`));
      expect(mine.length, `VM ${id}: ${mine.join(', ')}`).toBeLessThanOrEqual(1);
      const row = run.vms.find((v) => v.vmid === id)!;
      // Reported succeeded means it exists; reported failed means PVE did not make it.
      expect(mine.length, `VM ${id} reported ${row.state}`).toBe(row.state === 'succeeded' ? 1 : 0);
    }
  });

  it('enforces timeoutSeconds: nothing new starts, running steps finish, the rest is cancelled', async () => {
    const { c, jobs } = await setup({ taskDurationMs: 1500 });
    const job = await jobs.create({ ...seedDaily, name: 'slow', cronExpression: MANUAL, parameters: { snapshotNamePattern: 'slow-{vmid}', maxParallel: 2 }, vmSelectors: [{ type: 'VM_IDS', value: '8200-8205' }], timeoutSeconds: 1 });
    const run = await jobs.trigger(job.id);
    expect(run.status).toBe('timeout');
    expect(run.message).toMatch(/timeoutSeconds=1/);
    const done = run.vms.filter((v) => v.state === 'succeeded').map((v) => v.vmid);
    const cancelled = run.vms.filter((v) => v.state === 'cancelled').map((v) => v.vmid);
    expect(done).toHaveLength(2);
    expect(cancelled).toHaveLength(4);
    for (const id of done) expect(snapshotsOf(c, id)).toContain(`slow-${id}`);
    for (const id of cancelled) expect(snapshotsOf(c, id)).not.toContain(`slow-${id}`);
  });

  it('closes a run whose steps outlast the grace after a timeout, and keeps the job busy until they end', async () => {
    const { c, jobs } = await setup({ taskDurationMs: 2500 }, {}, 0);
    const job = await jobs.create({ ...seedDaily, name: 'stuck', cronExpression: MANUAL, parameters: { snapshotNamePattern: 'stuck-{vmid}' }, vmSelectors: [{ type: 'VM_IDS', value: '8200' }], timeoutSeconds: 1 });
    const run = await jobs.trigger(job.id);
    expect(run.status).toBe('timeout');
    expect(run.message).toMatch(/left to finish on PVE/);
    // The step is still going on PVE, so the job is still busy: a new run is skipped.
    expect(c.sim.state.vm(8200)!.lock).toBe('snapshot');
    expect((await jobs.trigger(job.id)).status).toBe('skipped-overlap');
    await until(() => !jobs.isRunning(job.id));
    expect(snapshotsOf(c, 8200)).toContain('stuck-8200');
  });

  it('never runs a job twice at once: an overlapping run is skipped and recorded, also from another process\'s manager', async () => {
    const { c, store, jobs } = await setup({ taskDurationMs: 1000 });
    const job = await jobs.create({ ...seedDaily, name: 'overlap', cronExpression: MANUAL, parameters: { snapshotNamePattern: 'ov-{vmid}-{time}' }, vmSelectors: [{ type: 'VM_IDS', value: '8200' }] });
    let started!: (r: JobRunRecord) => void;
    const startedRun = new Promise<JobRunRecord>((r) => (started = r));
    const first = jobs.trigger(job.id, { onStart: started });
    await startedRun;
    const second = await jobs.trigger(job.id);
    expect(second.status).toBe('skipped-overlap');
    // Another manager on the same store (as the TUI or MCP server would have) sees the run too.
    const other = new JobManager(new HistoryStore({ dir: store.dir }), c.core);
    expect((await other.trigger('overlap')).status).toBe('skipped-overlap');
    // A dry run changes nothing, so it may run alongside.
    expect((await jobs.trigger(job.id, { dryRun: true })).status).toBe('succeeded');
    expect((await first).status).toBe('succeeded');
    const runs = await jobs.runs(job.id);
    expect(runs.map((r) => r.status).sort()).toEqual(['skipped-overlap', 'skipped-overlap', 'succeeded', 'succeeded']);
    expect(c.sim.state.vm(8200)!.snapshots.filter((s) => s.name.startsWith('ov-')).length).toBe(1);
  });

  it('is not blocked by a run left "running" by a process that died', async () => {
    const { store, jobs } = await setup();
    const job = await jobs.create({ ...seedDaily, name: 'after-crash', cronExpression: MANUAL, parameters: { snapshotNamePattern: 'ac-{vmid}' }, vmSelectors: [{ type: 'VM_IDS', value: '8200' }] });
    await store.update((d) => {
      d.jobRuns.push({ id: 'run-dead', jobId: job.id, jobName: job.name, trigger: 'schedule', dryRun: false, startedAt: Date.now() - 60_000, status: 'running', attempts: 1, vms: [], operationIds: [], owner: { pid: 2 ** 22 + 17, host: hostname() } });
    });
    expect((await jobs.trigger(job.id)).status).toBe('succeeded');
    expect((await store.listJobRuns({ jobId: job.id })).find((r) => r.id === 'run-dead')?.status).toBe('interrupted');
  });
});
