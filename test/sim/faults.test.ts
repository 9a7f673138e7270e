import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { api, waitTask } from './http.js';

let sim: Simulator;
let a: ReturnType<typeof api>;
beforeAll(async () => {
  sim = await startSimulator({ http: true, vms: 40, taskDurationMs: 20 });
  a = api(sim);
});
afterAll(() => sim.close());

describe('fault injection (in-process control)', () => {
  it('takes a node offline and back: 595 on its endpoints, its task status included', async () => {
    const upid = await a.data<string>(a.post('/nodes/pve4/qemu/8203/snapshot', { snapname: 'before-outage' }));
    await waitTask(sim, upid);
    sim.faults.set({ offlineNodes: ['pve4'] });
    try {
      for (const path of ['/nodes/pve4/status', `/nodes/pve4/tasks/${encodeURIComponent(upid)}/status`]) {
        const res = await a.get(path);
        expect(res.status).toBe(595);
        expect(res.statusText).toBe('No route to host');
      }
      expect((await a.post('/nodes/pve4/qemu/8203/status/stop')).status).toBe(595);
      expect((await a.get('/nodes/pve1/status')).status).toBe(200);
    } finally {
      sim.faults.set({ offlineNodes: [] });
    }
    expect((await a.get('/nodes/pve4/status')).status).toBe(200);
  });

  it('answers the configured HTTP error status for the configured share of calls', async () => {
    for (const status of [500, 502, 503] as const) {
      sim.faults.set({ errorRate: 1, errorStatus: status });
      const res = await a.get('/version');
      expect(res.status).toBe(status);
    }
    sim.faults.set({ errorRate: 0 });
    expect((await a.get('/version')).status).toBe(200);
  });

  it('drops connections without an answer', async () => {
    sim.faults.set({ dropRate: 1 });
    try {
      await expect(a.get('/version')).rejects.toThrow();
    } finally {
      sim.faults.set({ dropRate: 0 });
    }
  });

  it('fails tasks before they change anything', async () => {
    sim.faults.set({ taskFailureRate: 1 });
    let upid = '';
    try {
      upid = await a.data<string>(a.post('/nodes/pve1/qemu/8200/snapshot', { snapname: 'willfail' }));
    } finally {
      sim.faults.set({ taskFailureRate: 0 });
    }
    const t = await waitTask(sim, upid);
    expect(t.exitstatus).toBe('simulated task failure (fault injection)');
    expect(sim.state.vm(8200)!.snapshots.some((s) => s.name === 'willfail')).toBe(false);
    expect(sim.state.vm(8200)!.lock).toBeUndefined();
  });

  it('fails a clone in the task and removes the half-made VM', async () => {
    sim.faults.set({ taskFailureRate: 1 });
    let upid = '';
    try {
      upid = await a.data<string>(a.post('/nodes/pve1/qemu/9001/clone', { newid: '6000' }));
    } finally {
      sim.faults.set({ taskFailureRate: 0 });
    }
    await waitTask(sim, upid);
    expect(sim.state.vm(6000)).toBeUndefined();
  });

  it('adds latency to every call', async () => {
    sim.faults.set({ latencyMs: 150 });
    try {
      const t0 = performance.now();
      await a.get('/version');
      expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    } finally {
      sim.faults.set({ latencyMs: 0 });
    }
  });

  it('changes the task duration for new tasks', async () => {
    sim.faults.set({ taskDurationMs: 1500 });
    let upid = '';
    try {
      upid = await a.data<string>(a.post('/nodes/pve2/qemu/8201/snapshot', { snapname: 'slow' }));
    } finally {
      sim.faults.set({ taskDurationMs: 20 });
    }
    // A task started after it, with the restored 20 ms, ends first: the slow one is still running then.
    const quick = await a.data<string>(a.post(`/nodes/${sim.state.vm(8202)!.node}/qemu/8202/snapshot`, { snapname: 'quick' }));
    await waitTask(sim, quick);
    expect(sim.state.tasks().find((t) => t.upid === upid)!.status).toBe('running');
    await waitTask(sim, upid);
  });

  it('validates settings naming the field, and resets to the start values', () => {
    expect(() => sim.faults.set({ errorRate: 2 })).toThrow(/errorRate must be between 0 and 1/);
    expect(() => sim.faults.set({ errorStatus: 404 as 500 })).toThrow(/errorStatus must be 500, 502 or 503/);
    expect(() => sim.faults.set({ bogus: 1 } as never)).toThrow(/unknown fault setting 'bogus'/);
    sim.faults.set({ latencyMs: 5, offlineNodes: ['pve2'] });
    sim.faults.reset();
    expect(sim.faults.current).toMatchObject({ latencyMs: 0, offlineNodes: [], taskDurationMs: 20, errorRate: 0 });
  });
});

describe('control endpoint', () => {
  it('is off unless enabled', async () => {
    const res = await fetch(`${sim.url}/_sim/faults`);
    expect(res.status).toBe(404);
  });

  it('reads and sets faults, resets them, shows the true state and sets guest behaviour over HTTP', async () => {
    const ctl = await startSimulator({ http: true, vms: 20, controlEndpoint: true, taskDurationMs: 20 });
    try {
      const post = (path: string, body: unknown) => fetch(`${ctl.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const set = await post('/_sim/faults', { latencyMs: 5, offlineNodes: ['pve2'] });
      expect(set.status).toBe(200);
      expect(ctl.faults.current).toMatchObject({ latencyMs: 5, offlineNodes: ['pve2'] });
      expect(((await (await fetch(`${ctl.url}/_sim/faults`)).json()) as { data: { latencyMs: number } }).data.latencyMs).toBe(5);
      expect((await api(ctl).get('/nodes/pve2/status')).status).toBe(595);
      const bad = await post('/_sim/faults', { errorRate: 3 });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { message: string }).message).toMatch(/errorRate/);
      await post('/_sim/faults/reset', {});
      expect(ctl.faults.current).toMatchObject({ latencyMs: 0, offlineNodes: [] });
      const state = ((await (await fetch(`${ctl.url}/_sim/state`)).json()) as { data: { vms: Array<{ vmid: number }>; nodes: unknown[] } }).data;
      expect(state.vms).toHaveLength(20);
      expect(state.nodes).toHaveLength(4);
      expect((await post('/_sim/guests/8200', { ignoresShutdown: true })).status).toBe(200);
      expect((await post('/_sim/guests/1', { ignoresShutdown: true })).status).toBe(404);
      const usage = await fetch(`${ctl.url}/_sim/nope`);
      expect(usage.status).toBe(404);
      expect(((await usage.json()) as { message: string }).message).toMatch(/GET \/_sim\/state/);
    } finally {
      await ctl.close();
    }
  });
});
