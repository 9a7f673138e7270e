// UPIDs, waiting for tasks, task logs, and the watcher that follows hundreds of tasks with one list call per node.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PveClient } from '../../src/pve/client.js';
import { postQemuSnapshot } from '../../src/pve/endpoints/qemu.js';
import { TaskWatcher } from '../../src/pve/task-watcher.js';
import { isTaskSuccess, parseUpid } from '../../src/pve/upid.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { tokenClient } from '../fixtures/cluster.js';

let sim: Simulator;
let c: PveClient;
beforeAll(async () => {
  sim = await startSimulator({ vms: 40, taskDurationMs: 30 });
  c = tokenClient(sim);
});
afterAll(async () => {
  await c?.close();
  await sim?.close();
});

const nodeOf = (vmid: number) => sim.state.vm(vmid)!.node;

describe('UPIDs', () => {
  it('parses node, hex numbers, type, id and user (also a token user)', () => {
    const u = parseUpid('UPID:pve1:0012F8A6:0A3B2B1E:65A50059:qmstart:100:root@pam:');
    expect(u).toMatchObject({ node: 'pve1', pid: 0x12f8a6, pstart: 0x0a3b2b1e, starttime: 0x65a50059, type: 'qmstart', id: '100', user: 'root@pam' });
    expect(parseUpid('UPID:pve-2:0000A1B2:00C0FFEE:65A50059:vzdump::root@pam!moxxie:')).toMatchObject({ node: 'pve-2', id: '', user: 'root@pam!moxxie' });
    expect(() => parseUpid('UPID:pve1:bad')).toThrow(/not a PVE task id/);
  });

  it('knows what PVE counts as success', () => {
    expect(isTaskSuccess('OK')).toBe(true);
    expect(isTaskSuccess('WARNINGS: 2')).toBe(true);
    expect(isTaskSuccess('VM is locked (backup)')).toBe(false);
    expect(isTaskSuccess(undefined)).toBe(false);
  });
});

describe('waiting for one task', () => {
  it('reports success, failure text from PVE, and reads the log', async () => {
    const ok = await c.waitForTask(await postQemuSnapshot(c, nodeOf(8200), 8200, { snapname: 'waited' }));
    expect(ok).toMatchObject({ ok: true, exitstatus: 'OK' });
    const dup = await c.waitForTask(await postQemuSnapshot(c, nodeOf(8200), 8200, { snapname: 'waited' }));
    expect(dup).toMatchObject({ ok: false, exitstatus: "snapshot name 'waited' already used" });
    expect(sim.state.tasks().find((t) => t.upid === dup.upid)?.exitstatus).toBe(dup.exitstatus);
    const log = await c.taskLog(ok.upid);
    expect(log.lines.at(-1)?.t).toBe('TASK OK');
    expect(log.total).toBe(log.lines.length);
    const tail = await c.taskLog(ok.upid, { start: log.total - 1, limit: 1 });
    expect(tail.lines).toEqual([log.lines.at(-1)]);
  });

  it('reports injected task failures with their exit status', async () => {
    sim.faults.set({ taskFailureRate: 1 });
    try {
      const r = await c.waitForTask(await postQemuSnapshot(c, nodeOf(8201), 8201, { snapname: 'doomed' }));
      expect(r.ok).toBe(false);
      expect(r.exitstatus).toBe(sim.state.tasks().find((t) => t.upid === r.upid)?.exitstatus);
      expect(r.exitstatus).not.toBe('OK');
    } finally {
      sim.faults.set({ taskFailureRate: 0 });
    }
  });

  it('honours a timeout and a cancel without stopping the task, and lets several callers wait for one UPID', async () => {
    sim.faults.set({ taskDurationMs: 1500 });
    try {
      const slow = await postQemuSnapshot(c, nodeOf(8202), 8202, { snapname: 'slow' });
      await expect(c.waitForTask(slow, { timeoutMs: 100 })).rejects.toMatchObject({ kind: 'timeout' });
      const ac = new AbortController();
      const cancelled = c.waitForTask(slow, { signal: ac.signal });
      const first = c.waitForTask(slow);
      const second = c.waitForTask(slow);
      ac.abort();
      await expect(cancelled).rejects.toMatchObject({ kind: 'cancelled' });
      expect(sim.state.tasks().find((t) => t.upid === slow)?.status).toBe('running');
      const [a, b] = await Promise.all([first, second]);
      expect(a).toEqual(b);
      expect(a.ok).toBe(true);
      expect(sim.state.vm(8202)?.snapshots.map((s) => s.name)).toContain('slow');
    } finally {
      sim.faults.set({ taskDurationMs: 30 });
    }
  });

  it('gives up on a task whose node went offline, typed unreachable', async () => {
    sim.faults.set({ taskDurationMs: 5000 });
    const node = nodeOf(8203);
    const upid = await postQemuSnapshot(c, node, 8203, { snapname: 'lost' });
    sim.faults.set({ offlineNodes: [node] });
    try {
      await expect(c.waitForTask(upid)).rejects.toMatchObject({ kind: 'unreachable', status: 595 });
    } finally {
      sim.faults.set({ offlineNodes: [], taskDurationMs: 30 });
    }
  });
});

describe('the task watcher', () => {
  it('follows 500 concurrent tasks on 8 nodes with one list call per node per interval and no per-task polls', async () => {
    const big = await startSimulator({ nodes: 8, vms: 520, taskDurationMs: 400 });
    const bc = tokenClient(big, { maxConnections: 16 });
    const watcher = new TaskWatcher(bc, { intervalMs: 50 });
    try {
      const inv = (await bc.get<Array<{ vmid: number; node: string; type: string; template: number }>>('/cluster/resources', { type: 'vm' }))
        .filter((v) => v.type === 'qemu' && !v.template)
        .slice(0, 500);
      expect(inv).toHaveLength(500);
      const upids = await Promise.all(inv.map((v) => postQemuSnapshot(bc, v.node, v.vmid, { snapname: 'watched' })));
      expect(new Set(upids.map((u) => parseUpid(u).node)).size).toBe(8);
      big.stats.reset();
      const results = await Promise.all(upids.map((u) => watcher.watch(u)));
      expect(results.every((r) => r.ok)).toBe(true);
      expect(big.state.vms().filter((v) => v.snapshots.some((s) => s.name === 'watched'))).toHaveLength(500);
      // Every call was a node task list; each poll round asks each of the 8 nodes once.
      const lists = big.stats.byRoute['GET /nodes/{node}/tasks'] ?? 0;
      expect(big.stats.requests).toBe(lists);
      expect(watcher.stats.statusCalls).toBe(0);
      expect(lists).toBe(watcher.stats.listCalls);
      // At most one list call per node per round, and never a round of 500.
      expect(lists).toBeLessThanOrEqual(watcher.stats.rounds * 8);
      expect(lists).toBeGreaterThanOrEqual(8);
      // 400 ms tasks polled every 50 ms: on the order of 10 rounds, far below 500 per round.
      expect(lists).toBeLessThanOrEqual(8 * 40);
      expect(watcher.size).toBe(0);
    } finally {
      watcher.close();
      await bc.close();
      await big.close();
    }
  });

  it('reads /status for a task the list window does not hold', async () => {
    const watcher = new TaskWatcher(c, { intervalMs: 20 });
    try {
      const done = await postQemuSnapshot(c, nodeOf(8204), 8204, { snapname: 'older' });
      await c.waitForTask(done);
      // A watcher started after the fact with a list that holds it finds it without /status ...
      expect((await watcher.watch(done)).ok).toBe(true);
      expect(watcher.stats.statusCalls).toBe(0);
      // ... and falls back to /status when the list cannot place it (an unknown UPID on a real node: no such task).
      const fake = done.replace(/:([0-9A-F]{8}):qmsnapshot:/, ':00000001:qmsnapshot:');
      await expect(watcher.watch(fake)).rejects.toMatchObject({ kind: 'parameter' });
      expect(watcher.stats.statusCalls).toBe(1);
    } finally {
      watcher.close();
    }
  });
});
