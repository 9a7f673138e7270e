import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { api, raw, tokenHeaders, UPID_RE, waitTask } from './http.js';

let sim: Simulator;
let a: ReturnType<typeof api>;
beforeAll(async () => {
  sim = await startSimulator({ http: true, vms: 40, taskDurationMs: 30 });
  a = api(sim);
});
afterAll(() => sim.close());

const enc = encodeURIComponent;

/** Starts a task that runs long enough to be observed while running, then restores short tasks. */
async function slowly<T>(start: () => Promise<T>, ms = 1000): Promise<T> {
  sim.faults.set({ taskDurationMs: ms });
  try {
    return await start();
  } finally {
    sim.faults.set({ taskDurationMs: 30 });
  }
}

describe('UPIDs and the task lifecycle', () => {
  it('returns a well-formed UPID naming node, type, id and user', async () => {
    const upid = await a.data<string>(a.post('/nodes/pve1/qemu/8200/snapshot', { snapname: 'lifecycle' }));
    expect(upid).toMatch(UPID_RE);
    const [, node, pid, pstart, starttime, type, id, user] = upid.split(':');
    expect({ node, type, id, user }).toEqual({ node: 'pve1', type: 'qmsnapshot', id: '8200', user: 'root@pam!moxxie' });
    expect(Math.abs(parseInt(starttime, 16) - Date.now() / 1000)).toBeLessThan(60);
    expect(parseInt(pid, 16)).toBeGreaterThan(0);
    expect(parseInt(pstart, 16)).toBeGreaterThan(0);
    await waitTask(sim, upid);
  });

  it('runs asynchronously: running, then stopped with exitstatus OK and a log ending in TASK OK', async () => {
    const upid = await slowly(() => a.data<string>(a.post('/nodes/pve1/qemu/8200/snapshot', { snapname: 'async' })));
    const running = await a.data<Record<string, unknown>>(a.get(`/nodes/pve1/tasks/${enc(upid)}/status`));
    expect(running).toMatchObject({ upid, node: 'pve1', type: 'qmsnapshot', id: '8200', user: 'root@pam', tokenid: 'moxxie', status: 'running' });
    expect(running.exitstatus).toBeUndefined();
    expect(sim.state.vm(8200)!.snapshots.some((s) => s.name === 'async')).toBe(false);
    await waitTask(sim, upid);
    expect(await a.data(a.get(`/nodes/pve1/tasks/${enc(upid)}/status`))).toMatchObject({ status: 'stopped', exitstatus: 'OK' });
    const log = await a.get(`/nodes/pve1/tasks/${enc(upid)}/log`);
    const lines = log.body!.data as Array<{ n: number; t: string }>;
    expect(lines.at(-1)).toEqual({ n: lines.length, t: 'TASK OK' });
    expect(log.body!.total).toBe(lines.length);
    expect(sim.state.vm(8200)!.snapshots.some((s) => s.name === 'async')).toBe(true);
  });

  it('ends failed tasks with the error as exitstatus and TASK ERROR in the log', async () => {
    const upid = await a.data<string>(a.post('/nodes/pve1/qemu/8200/snapshot', { snapname: 'async' }));
    const t = await waitTask(sim, upid);
    expect(t.exitstatus).toBe("snapshot name 'async' already used");
    expect(t.log.at(-1)).toBe("TASK ERROR: snapshot name 'async' already used");
  });

  it('counts warnings: exitstatus WARNINGS: n is a success', async () => {
    const upid = await a.data<string>(a.post('/nodes/pve1/qemu/8200/config', { delete: 'hookscript', description: 'warned' }));
    const t = await waitTask(sim, upid);
    expect(t.exitstatus).toBe('WARNINGS: 1');
    expect(t.log).toContain("WARN: cannot delete 'hookscript' - not set in current configuration!");
    expect(t.log.at(-1)).toBe('TASK WARNINGS: 1');
  });

  it('pages a log with start and limit, and limit=0 returns everything', async () => {
    const upid = await a.data<string>(a.post('/nodes/pve1/vzdump', { vmid: '8200', storage: 'backup-nfs' }));
    await waitTask(sim, upid);
    const all = await a.get(`/nodes/pve1/tasks/${enc(upid)}/log?limit=0`);
    const total = all.body!.total!;
    expect((all.body!.data as unknown[]).length).toBe(total);
    const page = await a.get(`/nodes/pve1/tasks/${enc(upid)}/log?start=2&limit=2`);
    expect(page.body!.data).toEqual((all.body!.data as unknown[]).slice(2, 4));
  });

  it('answers PVE errors for a malformed or unknown UPID', async () => {
    const bad = await a.get('/nodes/pve1/tasks/UPID:nope/status');
    expect(bad.status).toBe(400);
    expect(bad.body!.errors).toEqual({ upid: 'unable to parse worker upid' });
    const unknown = await a.get(`/nodes/pve1/tasks/${enc('UPID:pve1:00000001:00000001:00000001:qmstart:100:root@pam:')}/status`);
    expect(unknown.body!.errors).toEqual({ upid: 'no such task' });
  });

  it('answers for a task only on the node that runs it', async () => {
    const upid = await a.data<string>(a.post('/nodes/pve2/qemu/8201/snapshot', { snapname: 'where' }));
    expect((await a.get(`/nodes/pve1/tasks/${enc(upid)}/status`)).body!.errors).toEqual({ upid: 'no such task' });
    await waitTask(sim, upid);
  });
});

describe('task lists', () => {
  it('lists finished tasks by default, running ones with source=active, both with source=all', async () => {
    const upid = await slowly(() => a.data<string>(a.post('/nodes/pve3/qemu/8202/snapshot', { snapname: 'listed' })));
    const active = await a.data<Array<{ upid: string; status: string }>>(a.get('/nodes/pve3/tasks?source=active'));
    expect(active.find((t) => t.upid === upid)?.status).toBe('RUNNING');
    expect((await a.data<Array<{ upid: string }>>(a.get('/nodes/pve3/tasks'))).some((t) => t.upid === upid)).toBe(false);
    expect((await a.data<Array<{ upid: string }>>(a.get('/nodes/pve3/tasks?source=all'))).some((t) => t.upid === upid)).toBe(true);
    await waitTask(sim, upid);
    const archive = await a.data<Array<{ upid: string; status: string; endtime: number }>>(a.get('/nodes/pve3/tasks'));
    const done = archive.find((t) => t.upid === upid)!;
    expect(done.status).toBe('OK');
    expect(done.endtime).toBeGreaterThan(0);
  });

  it('filters by vmid, type, user and errors, and pages newest first with a total', async () => {
    const ok = await a.data<string>(a.post('/nodes/pve4/qemu/8203/snapshot', { snapname: 'f1' }));
    await waitTask(sim, ok);
    const failed = await a.data<string>(a.post('/nodes/pve4/qemu/8203/snapshot', { snapname: 'f1' }));
    await waitTask(sim, failed);
    const byVm = await a.data<Array<{ upid: string; id: string }>>(a.get('/nodes/pve4/tasks?vmid=8203'));
    expect(byVm.map((t) => t.upid).slice(0, 2)).toEqual([failed, ok]);
    expect(byVm.every((t) => t.id === '8203')).toBe(true);
    expect((await a.data<Array<{ type: string }>>(a.get('/nodes/pve4/tasks?typefilter=qmsnapshot'))).every((t) => t.type === 'qmsnapshot')).toBe(true);
    expect((await a.data<unknown[]>(a.get('/nodes/pve4/tasks?userfilter=nobody'))).length).toBe(0);
    const errorsOnly = await a.data<Array<{ upid: string }>>(a.get('/nodes/pve4/tasks?errors=1'));
    expect(errorsOnly.map((t) => t.upid)).toContain(failed);
    expect(errorsOnly.map((t) => t.upid)).not.toContain(ok);
    const page = await a.get('/nodes/pve4/tasks?vmid=8203&limit=1&start=1');
    expect((page.body!.data as Array<{ upid: string }>).map((t) => t.upid)).toEqual([ok]);
    expect(page.body!.total).toBe(byVm.length);
  });

  it('lists recent tasks of all nodes in /cluster/tasks', async () => {
    const list = await a.data<Array<{ node: string; upid: string }>>(a.get('/cluster/tasks'));
    expect(new Set(list.map((t) => t.node)).size).toBeGreaterThan(1);
    expect(list.every((t) => UPID_RE.test(t.upid))).toBe(true);
  });
});

describe('stopping a task', () => {
  it('DELETE ends a running task with "interrupted by signal", releases its lock and undoes its work', async () => {
    const upid = await slowly(() => a.data<string>(a.post('/nodes/pve1/qemu/8204/snapshot', { snapname: 'stopped' })), 10_000);
    expect(sim.state.vm(8204)!.lock).toBe('snapshot');
    expect(await a.data(a.del(`/nodes/pve1/tasks/${enc(upid)}`))).toBeNull();
    const t = sim.state.tasks().find((x) => x.upid === upid)!;
    expect(t).toMatchObject({ status: 'stopped', exitstatus: 'interrupted by signal' });
    expect(sim.state.vm(8204)!.lock).toBeUndefined();
    expect(sim.state.vm(8204)!.snapshots.some((s) => s.name === 'stopped')).toBe(false);
    const after = await raw(sim, 'PUT', '/nodes/pve1/qemu/8204/config', { headers: tokenHeaders(sim), form: { description: 'unlocked again' } });
    expect(after.status).toBe(200);
  });
});

describe('locks', () => {
  it('holds the VM lock while the task runs; conflicting config writes fail synchronously, tasks fail inside', async () => {
    const upid = await slowly(() => a.data<string>(a.post('/nodes/pve2/qemu/8205/snapshot', { snapname: 'locking' })));
    expect(sim.state.vm(8205)!.lock).toBe('snapshot');
    const resources = await a.data<Array<{ vmid: number; lock?: string }>>(a.get('/cluster/resources?type=vm'));
    expect(resources.find((r) => r.vmid === 8205)?.lock).toBe('snapshot');
    const config = await a.put('/nodes/pve2/qemu/8205/config', { description: 'x' });
    expect(config.status).toBe(500);
    expect(config.statusText).toBe('VM is locked (snapshot)');
    expect(config.body!.message).toBe('VM is locked (snapshot)\n');
    const second = await a.data<string>(a.post('/nodes/pve2/qemu/8205/snapshot', { snapname: 'second' }));
    expect((await waitTask(sim, second)).exitstatus).toBe('VM is locked (snapshot)');
    const clone = await a.post('/nodes/pve2/qemu/8205/clone', { newid: '7777' });
    expect(clone.statusText).toBe('VM is locked (snapshot)');
    const migrate = await a.get('/nodes/pve2/qemu/8205/migrate');
    expect(migrate.statusText).toBe('VM is locked (snapshot)');
    await waitTask(sim, upid);
    expect(sim.state.vm(8205)!.lock).toBeUndefined();
  });
});
