// Scheduler job tools through MCP: create, list, update, trigger (with confirmation for destructive jobs),
// runs and delete, with their error paths; effects checked on the simulator and in the job store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, textOf, type CallResult, type Harness } from './in-memory-server.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ vms: 30, taskDurationMs: 20 });
});
afterAll(() => h.close());

const sc = (r: CallResult) => r.structuredContent as Record<string, any>; // loose on purpose: assertions below check the shapes
const snapNames = (id: number) => h.cluster.sim.state.vm(id)!.snapshots.map((s) => s.name);

describe('job tools', () => {
  it('create_job stores a job with its next runs; list_jobs shows it', async () => {
    const r = await h.call('create_job', {
      name: 'mcp-snap',
      description: 'made over MCP',
      taskType: 'snapshot_create',
      cronExpression: '0 0 2 * * ?',
      timezone: 'UTC',
      parameters: { snapshotNamePattern: 'job-{vmid}', snapshotTTL: '24' },
      vmSelectors: [{ type: 'VM_IDS', value: '8200,8201' }],
    });
    expect(r.isError).toBeFalsy();
    expect(sc(r).job.nextRuns).toHaveLength(3);
    expect(sc(r).job.nextRuns[0]).toMatch(/T02:00:00\.000Z$/);
    expect((await h.jobs.get('mcp-snap')).parameters).toMatchObject({ snapshotNamePattern: 'job-{vmid}', snapshotTTL: 24 });
    const list = await h.call('list_jobs');
    expect(sc(list).jobs.map((j: { name: string }) => j.name)).toEqual(['mcp-snap']);
    expect(textOf(list)).toMatch(/mcp-snap .*snapshot_create/);
  });

  it('create_job errors name the field', async () => {
    const cron = await h.call('create_job', { name: 'bad-cron', taskType: 'snapshot_create', cronExpression: '0 0 25 * * ?', vmSelectors: [{ type: 'ALL' }], parameters: { snapshotNamePattern: 'x-{vmid}' } });
    expect(cron.isError).toBe(true);
    expect(textOf(cron)).toMatch(/cronExpression/);
    const params = await h.call('create_job', { name: 'bad-params', taskType: 'snapshot_create', cronExpression: '0 0 2 * * ?', vmSelectors: [{ type: 'ALL' }], parameters: {} });
    expect(textOf(params)).toMatch(/snapshotNamePattern/);
    const dup = await h.call('create_job', { name: 'mcp-snap', taskType: 'snapshot_create', cronExpression: '0 0 2 * * ?', vmSelectors: [{ type: 'ALL' }], parameters: { snapshotNamePattern: 'x-{vmid}' } });
    expect(textOf(dup)).toMatch(/name: a job named 'mcp-snap' already exists/);
    expect((await h.jobs.list()).map((j) => j.name)).toEqual(['mcp-snap']);
  });

  it('trigger_job runs a job now; list_job_runs shows the run', async () => {
    const r = await h.call('trigger_job', { job: 'mcp-snap' });
    expect(sc(r).run.status).toBe('succeeded');
    expect(sc(r).run.counts).toEqual({ succeeded: 2 });
    expect(sc(r).needsConfirmation).toBe(false);
    expect(snapNames(8200)).toContain('job-8200');
    expect(snapNames(8201)).toContain('job-8201');
    const runs = await h.call('list_job_runs', { job: 'mcp-snap' });
    expect(sc(runs).runs).toHaveLength(1);
    expect(sc(runs).runs[0]).toMatchObject({ jobName: 'mcp-snap', status: 'succeeded', trigger: 'manual' });
    const dry = await h.call('trigger_job', { job: 'mcp-snap', dryRun: true });
    expect(sc(dry).run.dryRun).toBe(true);
    expect(textOf(await h.call('trigger_job', { job: 'nope' }))).toMatch(/no job with id or name 'nope'; known: mcp-snap/);
    expect(textOf(await h.call('list_job_runs', { job: 'nope' }))).toMatch(/no job/);
  });

  it('trigger_job of a cleanup job needs confirmation first', async () => {
    // Since issue 11 creating a job that deletes snapshots is confirmed too (its own test is below).
    const cleanup = { name: 'cleanup', taskType: 'snapshot_delete', cronExpression: '0 0 * * * ?', parameters: { namePattern: 'job-*', checkDescription: false }, vmSelectors: [{ type: 'VM_IDS', value: '8200,8201' }] };
    const asked = await h.call('create_job', cleanup);
    expect(sc((await h.call('create_job', { ...cleanup, confirm: sc(asked).confirmToken }))).job.name).toBe('cleanup');
    const plan = await h.call('trigger_job', { job: 'cleanup' });
    expect(sc(plan).needsConfirmation).toBe(true);
    expect(textOf(plan)).toMatch(/would act on 2 VM\(s\)/);
    expect(snapNames(8200)).toContain('job-8200');
    const runsBefore = (await h.jobs.runs('cleanup')).length;
    expect(runsBefore).toBe(0); // showing the plan is not a run
    const done = await h.call('trigger_job', { job: 'cleanup', confirm: sc(plan).confirmToken });
    expect(sc(done).run.status).toBe('succeeded');
    expect(sc(done).confirmedVia).toBe('token');
    expect(snapNames(8200)).not.toContain('job-8200');
    expect(snapNames(8201)).not.toContain('job-8201');
  });

  it('trigger_job with wait:false answers when the run starts; list_job_runs follows it', async () => {
    const r = await h.call('trigger_job', { job: 'mcp-snap', wait: false });
    expect(sc(r).run.status).toBe('running');
    expect(textOf(r)).toMatch(/list_job_runs/);
    let latest: Record<string, unknown>;
    do {
      await new Promise((res) => setTimeout(res, 20));
      latest = sc(await h.call('list_job_runs', { job: 'mcp-snap', limit: 1 })).runs[0];
    } while (latest.status === 'running');
    expect(latest).toMatchObject({ id: sc(r).run.id, status: 'succeeded' });
  });

  it('update_job changes fields, renames and disables', async () => {
    const r = await h.call('update_job', { job: 'mcp-snap', name: 'mcp-snap-2', enabled: false, cronExpression: '0 30 3 * * ?' });
    expect(sc(r).job).toMatchObject({ name: 'mcp-snap-2', enabled: false, cronExpression: '0 30 3 * * ?', nextRuns: [] });
    expect((await h.jobs.get('mcp-snap-2')).enabled).toBe(false);
    // Its history stays attached to the renamed job.
    expect(sc(await h.call('list_job_runs', { job: 'mcp-snap-2' })).runs.length).toBeGreaterThan(0);
    expect(textOf(await h.call('update_job', { job: 'mcp-snap-2' }))).toMatch(/nothing to change/);
    expect(textOf(await h.call('update_job', { job: 'mcp-snap-2', cronExpression: 'every day' }))).toMatch(/cronExpression/);
  });

  it('delete_job answers with the job and a token first, then deletes', async () => {
    const plan = await h.call('delete_job', { job: 'mcp-snap-2' });
    expect(sc(plan)).toMatchObject({ deleted: false, needsConfirmation: true, job: { name: 'mcp-snap-2' } });
    expect((await h.jobs.list()).map((j) => j.name)).toContain('mcp-snap-2');
    const done = await h.call('delete_job', { job: 'mcp-snap-2', confirm: sc(plan).confirmToken });
    expect(sc(done).deleted).toBe(true);
    expect((await h.jobs.list()).map((j) => j.name)).toEqual(['cleanup']);
    expect(textOf(await h.call('delete_job', { job: 'mcp-snap-2' }))).toMatch(/no job/);
  });

  it('list_jobs filters by task type', async () => {
    const r = await h.call('list_jobs', { taskType: 'power_schedule' });
    expect(sc(r)).toMatchObject({ total: 0, jobs: [], scheduler: { running: false } });
    const bad = await h.call('list_jobs', { taskType: 'backup' });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toMatch(/taskType/);
  });
});

describe('destructive jobs through MCP are confirmed when created or changed (issue 11)', () => {
  let vmid = 0;
  let forceStop: Record<string, unknown> = {};
  beforeAll(() => {
    vmid = h.cluster.sim.state.vms().find((v) => v.status === 'running' && !v.template && v.vmid < 8200 && !v.tags.includes('always-on'))!.vmid;
    forceStop = { name: 'mcp-force-stop', taskType: 'power_schedule', cronExpression: '0 0 19 * * ?', parameters: { action: 'stop', force: true }, vmSelectors: [{ type: 'VM_IDS', value: String(vmid) }] };
  });

  it('create_job of a force-stop job without confirm creates nothing and answers with what its runs would do', async () => {
    const before = (await h.jobs.list()).length;
    const r = await h.call('create_job', forceStop);
    expect(r.isError).toBeFalsy();
    expect(sc(r)).toMatchObject({ needsConfirmation: true, confirmToken: expect.stringMatching(/^mxc_/), job: { name: 'mcp-force-stop' } });
    expect(textOf(r)).toMatch(new RegExp(`^Creating job mcp-force-stop: power_schedule, .*each run would stop \\(forced\\) on the VMs its selectors match; creating it needs confirmation; right now that is 1 VM\\(s\\): ${vmid} `));
    expect(await h.jobs.list()).toHaveLength(before);
    // A token for another request does not create it either.
    expect(textOf(await h.call('create_job', { ...forceStop, vmSelectors: [{ type: 'ALL' }], confirm: sc(r).confirmToken }))).toMatch(/different request/);
    expect(await h.jobs.list()).toHaveLength(before);
    const done = await h.call('create_job', { ...forceStop, confirm: sc(r).confirmToken });
    expect(sc(done)).toMatchObject({ needsConfirmation: false, confirmedVia: 'token', job: { confirmed: { frontEnd: 'mcp' } } });
    expect((await h.jobs.get('mcp-force-stop')).confirmation).toMatchObject({ frontEnd: 'mcp' });
    // Nothing ran: saving a job (and showing its plan) is not running it.
    expect(h.cluster.sim.state.vm(vmid)!.status).toBe('running');
  });

  it('update_job turning a harmless job into a force-stop one is refused without confirm', async () => {
    await h.call('create_job', { ...forceStop, name: 'mcp-harmless', parameters: { action: 'start' } });
    const r = await h.call('update_job', { job: 'mcp-harmless', parameters: { action: 'stop', force: true } });
    expect(sc(r).needsConfirmation).toBe(true);
    expect(textOf(r)).toMatch(/Changing job mcp-harmless .*stop \(forced\)/);
    expect((await h.jobs.get('mcp-harmless')).parameters).toMatchObject({ action: 'start', force: false });
    const done = await h.call('update_job', { job: 'mcp-harmless', parameters: { action: 'stop', force: true }, confirm: sc(r).confirmToken });
    expect(sc(done)).toMatchObject({ confirmedVia: 'token', job: { parameters: { action: 'stop', force: true } } });
    // Renaming it does not change what it does: no second confirmation.
    const renamed = await h.call('update_job', { job: 'mcp-harmless', name: 'mcp-evening' });
    expect(sc(renamed)).toMatchObject({ needsConfirmation: false, job: { name: 'mcp-evening' } });
    // A harmless job takes no token.
    expect(textOf(await h.call('create_job', { ...forceStop, name: 'mcp-plain', parameters: { action: 'start' }, confirm: 'mxc_x' }))).toMatch(/not destructive, so create_job takes no confirm token/);
  });

  it('create_job refuses a sub-minute cron unless allowSubMinute', async () => {
    const r = await h.call('create_job', { name: 'mcp-often', taskType: 'snapshot_create', cronExpression: '0/10 * * * * ?', parameters: { snapshotNamePattern: 'o-{vmid}' }, vmSelectors: [{ type: 'VM_IDS', value: '8200' }] });
    expect(textOf(r)).toMatch(/cronExpression: .* fires more than once a minute/);
    const ok = await h.call('create_job', { name: 'mcp-often', taskType: 'snapshot_create', cronExpression: '0/10 * * * * ?', allowSubMinute: true, parameters: { snapshotNamePattern: 'o-{vmid}' }, vmSelectors: [{ type: 'VM_IDS', value: '8200' }] });
    expect(sc(ok).job).toMatchObject({ allowSubMinute: true });
  });
});

describe('trigger_job progress', () => {
  it('sends progress notifications, finished of total, for the run only', async () => {
    await h.call('create_job', { name: 'progress-snap', taskType: 'snapshot_create', cronExpression: '0 0 0 1 1 ? 2099', parameters: { snapshotNamePattern: 'jobprog-{vmid}', maxParallel: 1 }, vmSelectors: [{ type: 'VM_IDS', value: '8202-8206' }] });
    const events: Array<{ progress: number; total?: number }> = [];
    let unrelatedCall: Promise<CallResult> | undefined;
    const r = (await h.client.callTool({ name: 'trigger_job', arguments: { job: 'progress-snap' } }, undefined, {
      onprogress: (p) => {
        events.push({ progress: p.progress, total: p.total });
        // Another operation of the same process, started while the run goes: its VMs must not count.
        unrelatedCall ??= h.call('create_snapshots', { selector: 'id:8207-8209', snapshotName: 'unrelated', wait: false });
      },
    })) as CallResult;
    const unrelated = await unrelatedCall!;
    expect(sc(r).run.status).toBe('succeeded');
    expect(sc(r).run.counts).toEqual({ succeeded: 5 });
    expect(events[0]).toEqual({ progress: 0, total: 5 });
    expect(events.at(-1)).toEqual({ progress: 5, total: 5 });
    expect(events.map((e) => e.progress)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(events.every((e) => e.total === 5)).toBe(true);
    for (let id = 8202; id <= 8206; id++) expect(snapNames(id)).toContain(`jobprog-${id}`);
    let op: CallResult;
    do op = await h.call('get_operation', { id: sc(unrelated).id });
    while (sc(op).status === 'running');
    expect(sc(op).status).toBe('succeeded');
  });

  it('cancels the run when the client cancels a waiting trigger_job: nothing new starts', async () => {
    await h.call('create_job', { name: 'cancelled-by-client', taskType: 'snapshot_create', cronExpression: '0 0 0 1 1 ? 2099', parameters: { snapshotNamePattern: 'clientcancel-{vmid}', maxParallel: 1 }, vmSelectors: [{ type: 'VM_IDS', value: '100-107' }] });
    h.cluster.sim.faults.set({ taskDurationMs: 400 });
    try {
      const abort = new AbortController();
      const call = h.client.callTool({ name: 'trigger_job', arguments: { job: 'cancelled-by-client' } }, undefined, {
        signal: abort.signal,
        // Cancel once the first VM is done.
        onprogress: (p) => void (p.progress >= 1 && abort.abort()),
      });
      await expect(call).rejects.toThrow(/abort/i);
      let runs: CallResult;
      do runs = await h.call('list_job_runs', { job: 'cancelled-by-client' });
      while (sc(runs).runs[0]?.status === 'running');
      expect(sc(runs).runs[0].status).toBe('cancelled');
      const made = [100, 101, 102, 103, 104, 105, 106, 107].filter((id) => snapNames(id).includes(`clientcancel-${id}`));
      expect(made.length).toBeGreaterThanOrEqual(1);
      expect(made.length).toBeLessThan(8);
    } finally {
      h.cluster.sim.faults.set({ taskDurationMs: 20 });
    }
  });

  it('sends none for a dry run or without a progress token', async () => {
    const events: number[] = [];
    const dry = (await h.client.callTool({ name: 'trigger_job', arguments: { job: 'progress-snap', dryRun: true } }, undefined, { onprogress: (p) => void events.push(p.progress) })) as CallResult;
    expect(sc(dry).run.dryRun).toBe(true);
    expect(events).toEqual([]);
    const plain = await h.call('trigger_job', { job: 'progress-snap' });
    expect(plain.isError).toBeFalsy();
  });
});
