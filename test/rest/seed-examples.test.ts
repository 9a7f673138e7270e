// Every curl example of the seed (API_EXAMPLES.md) whose endpoint moxxie serves, run over real HTTP with its
// body verbatim, asserting on the simulator's true state (not only on the answer). The seed's jq filters are
// applied as JavaScript to the answers they read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finished, startRest, type RestHarness } from './harness.js';

let h: RestHarness;
const simVm = (id: number) => h.cluster.sim.state.vm(id)!;
const qemu = () => h.cluster.sim.state.vms().filter((v) => v.type === 'qemu');
const today = () => new Date().toISOString().slice(0, 10).replace(/-/g, '');

beforeAll(async () => {
  h = await startRest();
});
afterAll(async () => h?.close());

describe('VM management', () => {
  it('GET /vms lists every VM; the seed\'s jq filter for 8200-8209 picks {vmid, name, status}', async () => {
    const r = await h.api('GET', '/api/v1/vms');
    expect(r.status).toBe(200);
    expect(r.body.map((v: any) => v.vmid)).toEqual(qemu().map((v) => v.vmid));
    const pool = r.body.filter((v: any) => v.vmid >= 8200 && v.vmid <= 8209).map(({ vmid, name, status }: any) => ({ vmid, name, status }));
    expect(pool).toEqual([...Array(10).keys()].map((i) => ({ vmid: 8200 + i, name: simVm(8200 + i).name, status: simVm(8200 + i).status })));
  });

  it('tags=client-nixz,env-prod is AND; client=nixz is the client-nixz tag', async () => {
    const both = await h.api('GET', '/api/v1/vms?tags=client-nixz,env-prod');
    const want = qemu().filter((v) => v.tags.includes('client-nixz') && v.tags.includes('env-prod')).map((v) => v.vmid);
    expect(want.length).toBeGreaterThan(0);
    expect(both.body.map((v: any) => v.vmid)).toEqual(want);
    const client = await h.api('GET', '/api/v1/vms?client=nixz');
    expect(client.body.map((v: any) => v.vmid)).toEqual(qemu().filter((v) => v.tags.includes('client-nixz')).map((v) => v.vmid));
    expect(client.body.length).toBeGreaterThan(both.body.length);
  });

  it('node, status, vmIds, namePattern, limit and offset narrow the list', async () => {
    const r = await h.api('GET', '/api/v1/vms?namePattern=workshop-*&status=running&limit=3&offset=1');
    const want = qemu().filter((v) => v.name.startsWith('workshop-') && v.status === 'running');
    expect(r.headers.get('x-total-count')).toBe(String(want.length));
    expect(r.body.map((v: any) => v.vmid)).toEqual(want.slice(1, 4).map((v) => v.vmid));
    const ids = await h.api('GET', `/api/v1/vms?vmIds=8200-8204&node=${simVm(8201).node}`);
    expect(ids.body.map((v: any) => v.vmid)).toEqual([8200, 8201, 8202, 8203, 8204].filter((id) => simVm(id).node === simVm(8201).node));
  });

  it('GET /vms/8200 answers the VM with its config', async () => {
    const r = await h.api('GET', '/api/v1/vms/8200');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ vmid: 8200, name: 'workshop-wk-01', node: simVm(8200).node, status: simVm(8200).status, tags: simVm(8200).tags });
    expect(r.body.config.name).toBe('workshop-wk-01');
  });
});

describe('snapshots', () => {
  it('lists, creates with a 4-hour TTL, and deletes a snapshot of 8200', async () => {
    const list = await h.api('GET', '/api/v1/vms/8200/snapshots');
    expect(list.status).toBe(200);
    expect(list.body.map((s: any) => s.name)).toEqual(simVm(8200).snapshots.map((s) => s.name).filter((n) => n !== 'current'));

    const created = await h.api('POST', '/api/v1/vms/8200/snapshots', { name: 'pre-update-20240621', description: 'Before system updates', ttlHours: 4 });
    expect(created.status).toBe(202);
    expect(created.headers.get('location')).toBe(`/api/v1/operations/${created.body.id}`);
    expect((await finished(h, created.body.id)).status).toBe('succeeded');
    const snap = simVm(8200).snapshots.find((s) => s.name === 'pre-update-20240621');
    expect(snap?.description).toMatch(/^Before system updates.*\(TTL: 4h\)/);
    const listed = (await h.api('GET', '/api/v1/vms/8200/snapshots')).body.find((s: any) => s.name === 'pre-update-20240621');
    expect(listed.ttlHours).toBe(4);

    const deleted = await h.api('DELETE', '/api/v1/vms/8200/snapshots/pre-update-20240621');
    expect(deleted.status).toBe(202);
    expect((await finished(h, deleted.body.id)).status).toBe('succeeded');
    expect(simVm(8200).snapshots.some((s) => s.name === 'pre-update-20240621')).toBe(false);
  });

  it('rolls back to a snapshot with ?wait=true', async () => {
    const made = await h.api('POST', '/api/v1/vms/8207/snapshots?wait=true', { name: 'before-rollback' });
    expect(made.status).toBe(200);
    const r = await h.api('POST', '/api/v1/vms/8207/snapshots/before-rollback/rollback?wait=true');
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('succeeded');
    expect(h.cluster.sim.state.tasks().some((t) => t.type === 'qmrollback' && t.id === '8207')).toBe(true);
  });
});

describe('bulk snapshots', () => {
  it('the dry run answers the plan and changes nothing', async () => {
    const before = JSON.stringify(h.cluster.sim.state.vms());
    const r = await h.api('POST', '/api/v1/snapshots/bulk', {
      vmSelectors: [{ type: 'VM_IDS', value: '8200,8201,8202' }],
      snapshotName: 'bulk-{vm}-{date}',
      description: 'Bulk snapshot test',
      ttlHours: 24,
      dryRun: true,
    });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('planned');
    expect(r.body.targets.map((t: any) => t.vmid)).toEqual([8200, 8201, 8202]);
    expect(JSON.stringify(h.cluster.sim.state.vms())).toBe(before);
  });

  it('creates maint-{vm}-{date} on 8200-8202', async () => {
    const r = await h.api('POST', '/api/v1/snapshots/bulk', {
      vmSelectors: [{ type: 'VM_IDS', value: '8200,8201,8202' }],
      snapshotName: 'maint-{vm}-{date}',
      description: 'Pre-maintenance snapshot',
      ttlHours: 24,
      dryRun: false,
    });
    expect(r.status).toBe(202);
    expect((await finished(h, r.body.id)).status).toBe('succeeded');
    for (const id of [8200, 8201, 8202]) expect(simVm(id).snapshots.map((s) => s.name)).toContain(`maint-${simVm(id).name}-${today()}`);
  });

  it('by name pattern and by tag expression', async () => {
    const workers = await h.api('POST', '/api/v1/snapshots/bulk', {
      vmSelectors: [{ type: 'NAME_PATTERN', value: 'workshop-wk-*' }],
      snapshotName: 'workers-backup-{date}',
      description: 'Worker nodes backup',
      ttlHours: 48,
      maxParallel: 3,
    });
    expect((await finished(h, workers.body.id)).status).toBe('succeeded');
    for (let id = 8200; id <= 8209; id++) expect(simVm(id).snapshots.map((s) => s.name)).toContain(`workers-backup-${today()}`);

    const prod = await h.api('POST', '/api/v1/snapshots/bulk', {
      vmSelectors: [{ type: 'TAG_EXPRESSION', value: 'env-prod AND client-acme' }],
      snapshotName: 'prod-backup-{date}',
      description: 'Production backup',
      ttlHours: 72,
    });
    const done = await finished(h, prod.body.id);
    const acme = qemu().filter((v) => v.tags.includes('env-prod') && v.tags.includes('client-acme') && !v.template);
    expect(acme.length).toBeGreaterThan(0);
    expect(done.targets.map((t: any) => t.vmid).sort()).toEqual(acme.map((v) => v.vmid).sort());
    for (const v of acme) expect(simVm(v.vmid).snapshots.map((s) => s.name)).toContain(`prod-backup-${today()}`);
  });
});

describe('power', () => {
  it('single stop, then the seed\'s bulk START brings 8200-8202 back', async () => {
    const stop = await h.api('POST', '/api/v1/vms/8202/stop?wait=true');
    expect(stop.status).toBe(200);
    expect(simVm(8202).status).toBe('stopped');
    const r = await h.api('POST', '/api/v1/vms/power/bulk', { vmSelectors: [{ type: 'VM_IDS', value: '8200,8201,8202' }], operation: 'START', skipIfAlreadyInState: true });
    expect(r.status).toBe(202);
    const done = await finished(h, r.body.id);
    expect(done.targets.map((t: any) => [t.vmid, t.state])).toEqual([
      [8200, 'skipped'],
      [8201, 'skipped'],
      [8202, 'succeeded'],
    ]);
    for (const id of [8200, 8201, 8202]) expect(simVm(id).status).toBe('running');
  });

  it('the forced STOP dry run answers the plan and stops nothing', async () => {
    const before = qemu().map((v) => v.status);
    const r = await h.api('POST', '/api/v1/vms/power/bulk', { vmSelectors: [{ type: 'TAG_EXPRESSION', value: 'env-dev AND NOT always-on' }], operation: 'STOP', force: true, dryRun: true });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('planned');
    expect(r.body.targets.length).toBeGreaterThan(0);
    expect(qemu().map((v) => v.status)).toEqual(before);
  });

  it('REBOOT of maint-ok VMs reboots the running ones', async () => {
    const r = await h.api('POST', '/api/v1/vms/power/bulk', { vmSelectors: [{ type: 'TAG_EXPRESSION', value: 'maint-ok' }], operation: 'REBOOT', maxParallel: 5 });
    const done = await finished(h, r.body.id);
    const running = done.targets.filter((t: any) => t.state === 'succeeded').map((t: any) => t.vmid);
    expect(running).toContain(8200);
    const reboots = new Set(h.cluster.sim.state.tasks().filter((t) => t.type === 'qmreboot').map((t) => Number(t.id)));
    for (const id of running) expect(reboots.has(id)).toBe(true);
    for (const id of running) expect(simVm(id).status).toBe('running');
  });

  it('SHUTDOWN of workshop-wk-* stops them, sparing always-on 8209', async () => {
    const r = await h.api('POST', '/api/v1/vms/power/bulk', { vmSelectors: [{ type: 'NAME_PATTERN', value: 'workshop-wk-*' }], operation: 'SHUTDOWN', timeoutSeconds: 300, maxParallel: 3 });
    await finished(h, r.body.id);
    for (let id = 8200; id <= 8208; id++) expect(simVm(id).status).toBe('stopped');
    expect(simVm(8209).tags).toContain('always-on');
  });
});

describe('tags', () => {
  it('GET /tags and GET /tags/client-nixz/vms', async () => {
    const tags = await h.api('GET', '/api/v1/tags');
    expect(tags.body).toEqual([...new Set(h.cluster.sim.state.vms().flatMap((v) => v.tags))].sort());
    const nixz = await h.api('GET', '/api/v1/tags/client-nixz/vms');
    expect(nixz.body.map((v: any) => v.vmid)).toEqual(qemu().filter((v) => v.tags.includes('client-nixz')).map((v) => v.vmid));
  });

  it('adds tags by name pattern and removes them by ids', async () => {
    const add = await h.api('POST', '/api/v1/tags/bulk?namePattern=workshop-*', { action: 'ADD', tags: ['workshop', 'env-test', 'temp'] });
    expect(add.status).toBe(200);
    for (let id = 8200; id <= 8209; id++) expect(simVm(id).tags).toEqual(expect.arrayContaining(['workshop', 'env-test', 'temp']));
    const seedAdd = await h.api('POST', '/api/v1/tags/bulk?namePattern=workshop-*', { action: 'ADD', tags: ['workshop', 'env-test'] });
    expect(seedAdd.body.targets.every((t: any) => t.state === 'skipped')).toBe(true);
    const remove = await h.api('POST', '/api/v1/tags/bulk?vmIds=8200,8201,8202', { action: 'REMOVE', tags: ['temp'] });
    expect(remove.status).toBe(200);
    expect(remove.body.status).toBe('succeeded');
    for (const id of [8200, 8201, 8202]) expect(simVm(id).tags).not.toContain('temp');
    expect(simVm(8203).tags).toContain('temp');
  });
});

describe('scheduler', () => {
  const daily = {
    name: 'daily-snapshots',
    description: 'Daily snapshots for workshop VMs',
    taskType: 'snapshot_create',
    cronExpression: '0 0 2 * * ?',
    enabled: true,
    parameters: { snapshotNamePattern: 'auto-{vm}-{date}', description: 'Automated daily snapshot', maxSnapshots: '7' },
    vmSelectors: [{ type: 'NAME_PATTERN', value: 'workshop-*' }],
  };
  const cleanup = {
    name: 'cleanup-expired-snapshots',
    description: 'Remove snapshots past their TTL',
    taskType: 'snapshot_delete',
    cronExpression: '0 0 * * * ?',
    enabled: true,
    parameters: { checkDescription: 'true', safeMode: 'true', dryRun: 'false' },
    vmSelectors: [{ type: 'ALL', value: '*' }],
  };
  const preUpdate = {
    name: 'pre-update-snapshots',
    description: 'Create snapshots before system updates',
    taskType: 'snapshot_create',
    cronExpression: '0 0 0 1 1 ? 2099',
    enabled: true,
    parameters: { snapshotNamePattern: 'preupd-{vm}-{datetime}', description: 'Pre-update checkpoint', snapshotTTL: '24' },
    vmSelectors: [{ type: 'TAG_EXPRESSION', value: 'maint-ok AND NOT always-on' }],
  };

  it('creates the seed\'s three jobs (the destructive cleanup needs no confirmation round trip) and lists them', async () => {
    for (const job of [daily, cleanup, preUpdate]) {
      const r = await h.api('POST', '/api/v1/scheduler/jobs', job);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(r.body).toMatchObject({ name: job.name, taskType: job.taskType, enabled: true });
    }
    const stored = await h.jobs.list();
    expect(stored.map((j) => j.name).sort()).toEqual(['cleanup-expired-snapshots', 'daily-snapshots', 'pre-update-snapshots']);
    expect(stored.find((j) => j.name === 'cleanup-expired-snapshots')?.confirmation?.frontEnd).toBe('api');
    const list = await h.api('GET', '/api/v1/scheduler/jobs');
    expect(list.body.map((j: any) => j.name).sort()).toEqual(stored.map((j) => j.name).sort());
  });

  it('JOB_ID from the seed\'s jq filter; trigger, disable and delete it', async () => {
    const jobs = (await h.api('GET', '/api/v1/scheduler/jobs')).body;
    const JOB_ID = jobs.filter((j: any) => j.name === 'pre-update-snapshots').map((j: any) => j.id)[0];
    expect(JOB_ID).toBe((await h.jobs.get('pre-update-snapshots')).id);

    const trigger = await h.api('POST', `/api/v1/scheduler/jobs/${JOB_ID}/trigger`);
    expect(trigger.status).toBe(202);
    expect(trigger.body).toMatchObject({ jobId: JOB_ID, status: 'running' });
    const run = await until(async () => (await h.jobs.runs(JOB_ID)).find((x) => x.id === trigger.body.id && x.status !== 'running'));
    expect(run.status).toBe('succeeded');
    const targets = qemu().filter((v) => v.tags.includes('maint-ok') && !v.tags.includes('always-on') && !v.template);
    for (const v of targets) expect(simVm(v.vmid).snapshots.some((s) => s.name.startsWith('preupd-'))).toBe(true);
    expect(simVm(8209).snapshots.some((s) => s.name.startsWith('preupd-'))).toBe(false);

    const put = await h.api('PUT', `/api/v1/scheduler/jobs/${JOB_ID}`, { enabled: false });
    expect(put.status).toBe(200);
    expect((await h.jobs.get(JOB_ID)).enabled).toBe(false);

    const del = await h.api('DELETE', `/api/v1/scheduler/jobs/${JOB_ID}`);
    expect(del.status).toBe(200);
    expect((await h.jobs.list()).some((j) => j.id === JOB_ID)).toBe(false);
    expect((await h.api('GET', `/api/v1/scheduler/jobs/${JOB_ID}`)).status).toBe(404);
  });
});

describe('operations', () => {
  it('lists operations, shows one, and refuses to cancel a finished one', async () => {
    const list = await h.api('GET', '/api/v1/operations?limit=5');
    expect(list.status).toBe(200);
    expect(list.body.length).toBe(5);
    const one = await h.api('GET', `/api/v1/operations/${list.body[0].id}`);
    expect(one.body.id).toBe(list.body[0].id);
    expect(Array.isArray(one.body.targets)).toBe(true);
    const cancel = await h.api('POST', `/api/v1/operations/${list.body[0].id}/cancel`);
    expect(cancel.status).toBe(409);
  });

  it('cancels a running one: VMs not yet started are left alone', async () => {
    h.cluster.sim.faults.set({ taskDurationMs: 400 });
    try {
      const r = await h.api('POST', '/api/v1/vms/power/bulk', { vmSelectors: [{ type: 'VM_IDS', value: '8200-8206' }], operation: 'START', maxParallel: 1 });
      expect(r.status).toBe(202);
      const cancel = await h.api('POST', `/api/v1/operations/${r.body.id}/cancel`);
      expect(cancel.status).toBe(202);
      const done = await finished(h, r.body.id);
      expect(done.status).toBe('cancelled');
      // A step already started at PVE finishes (and may still be marked cancelled before its verify).
      const cancelled = done.targets.filter((t: any) => t.state === 'cancelled' && t.phases.every((p: any) => p.state === 'pending' || p.state === 'cancelled')).map((t: any) => t.vmid);
      expect(cancelled.length).toBeGreaterThan(0);
      for (const id of cancelled) expect(simVm(id).status).toBe('stopped');
    } finally {
      h.cluster.sim.faults.set({ taskDurationMs: 30 });
    }
  });
});

async function until<T>(check: () => Promise<T | undefined>): Promise<T> {
  const { until: wait } = await import('../fixtures/wait.js');
  return wait('the job run to end', check);
}
