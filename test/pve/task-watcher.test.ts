// UPIDs, waiting for tasks, task logs, and the watcher that follows hundreds of tasks with one list call per node.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PveClient } from '../../src/pve/client.js';
import { PveError } from '../../src/pve/errors.js';
import { postQemuSnapshot } from '../../src/pve/endpoints/qemu.js';
import { TaskDurations } from '../../src/pve/task-durations.js';
import { TaskWatcher } from '../../src/pve/task-watcher.js';
import type { PveRequester } from '../../src/pve/types.js';
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

/**
 * A cluster on the fake clock: tasks end `ms` after they start, node task lists answer after `latencyMs`,
 * and every list call is recorded with its time, so when the watcher looks can be checked exactly.
 */
function fakeCluster(latencyMs = 1) {
  const tasks: Array<{ upid: string; node: string; endsAt: number; exit: string }> = [];
  const calls: Array<{ node: string; at: number }> = [];
  const offline = new Set<string>();
  let inFlight = 0;
  let maxInFlightPerNode = 0;
  const busy = new Map<string, number>();
  let seq = 0;
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');
  const refuse = () => Promise.reject(new Error('the watcher only reads'));
  const requester: PveRequester = {
    get: async <T>(path: string): Promise<T> => {
      const node = /^\/nodes\/([^/]+)\/tasks$/.exec(path)?.[1];
      if (!node) throw new Error(`unexpected read ${path}`);
      calls.push({ node, at: performance.now() });
      busy.set(node, (busy.get(node) ?? 0) + 1);
      maxInFlightPerNode = Math.max(maxInFlightPerNode, busy.get(node)!);
      inFlight++;
      try {
        await new Promise((r) => setTimeout(r, latencyMs));
        if (offline.has(node)) throw new PveError('unreachable', `${node}: no route to host`, { status: 595 });
        const now = performance.now();
        return tasks
          .filter((t) => t.node === node)
          .map((t) => (now >= t.endsAt ? { upid: t.upid, status: t.exit, endtime: Math.floor(t.endsAt / 1000) } : { upid: t.upid, status: 'RUNNING' })) as T;
      } finally {
        inFlight--;
        busy.set(node, busy.get(node)! - 1);
      }
    },
    post: refuse,
    put: refuse,
    delete: refuse,
  };
  return {
    requester,
    calls,
    offline,
    get maxInFlightPerNode() {
      return maxInFlightPerNode;
    },
    /** Starts a task now; its UPID. */
    start(node: string, type: string, ms: number, exit = 'OK'): string {
      seq++;
      const upid = `UPID:${node}:${hex(seq)}:00000000:${hex(1_700_000_000)}:${type}:${100 + seq}:root@pam:`;
      tasks.push({ upid, node, endsAt: performance.now() + ms, exit });
      return upid;
    },
    endsAt: (upid: string) => tasks.find((t) => t.upid === upid)!.endsAt,
    listsSince: (t: number, node?: string) => calls.filter((c) => c.at >= t && (node === undefined || c.node === node)).length,
  };
}

/** Runs `n` tasks back to back on one node (as one slot of a bulk operation does) and measures each wait. */
async function slot(fake: ReturnType<typeof fakeCluster>, watcher: TaskWatcher, node: string, type: string, n: number, ms: (i: number) => number) {
  const waits: Array<{ late: number; lists: number }> = [];
  for (let i = 0; i < n; i++) {
    const upid = fake.start(node, type, ms(i));
    const before = fake.calls.length;
    const r = await watcher.watch(upid);
    expect(r.ok).toBe(true);
    waits.push({ late: performance.now() - fake.endsAt(upid), lists: fake.calls.length - before });
  }
  return waits;
}

/** Lets the fake clock run until `work` settles. */
async function drive<T>(work: Promise<T>, limitMs = 600_000): Promise<T> {
  let settled = false;
  const tracked = work.finally(() => (settled = true));
  for (let t = 0; !settled && t < limitMs; t += 5) await vi.advanceTimersByTimeAsync(5);
  return tracked;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('polling that adapts to how long tasks take (fake clock)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('learns a task type\'s duration and then sees each task end with about one list call, shortly after it ends', async () => {
    const fake = fakeCluster();
    const watcher = new TaskWatcher(fake.requester, { intervalMs: 1000 });
    try {
      const waits = await drive(slot(fake, watcher, 'pve1', 'qmsnapshot', 60, () => 200));
      // The first task is followed with nothing known: looks 10 ms apart, spreading out, so it is seen at most a quarter late.
      expect(waits[0].late).toBeLessThanOrEqual(200 * 0.25 + 2);
      // Once learnt: one look at about the time such tasks take, a second only now and then.
      const learnt = waits.slice(10);
      expect(mean(learnt.map((w) => w.lists))).toBeLessThanOrEqual(1.3);
      expect(mean(learnt.map((w) => w.late))).toBeLessThanOrEqual(15);
      expect(Math.max(...learnt.map((w) => w.late))).toBeLessThanOrEqual(30);
      const expected = watcher.durations.expected('pve1', 'qmsnapshot')!;
      expect(expected).toBeGreaterThan(190);
      expect(expected).toBeLessThan(230);
      // The old fixed 25 ms interval would have cost 8 looks per 200 ms task.
      expect(fake.calls.length).toBeLessThan(60 * 2);
    } finally {
      watcher.close();
    }
  });

  it('follows a change in duration: slower tasks raise the estimate, faster ones lower it', async () => {
    const fake = fakeCluster();
    const watcher = new TaskWatcher(fake.requester, { intervalMs: 1000 });
    try {
      await drive(slot(fake, watcher, 'pve1', 'qmsnapshot', 30, () => 200));
      const slower = await drive(slot(fake, watcher, 'pve1', 'qmsnapshot', 60, () => 400));
      expect(watcher.durations.expected('pve1', 'qmsnapshot')).toBeGreaterThan(390);
      expect(mean(slower.slice(-20).map((w) => w.lists))).toBeLessThanOrEqual(1.3);
      expect(mean(slower.slice(-20).map((w) => w.late))).toBeLessThanOrEqual(30);
      const faster = await drive(slot(fake, watcher, 'pve1', 'qmsnapshot', 200, () => 100));
      expect(watcher.durations.expected('pve1', 'qmsnapshot')).toBeLessThan(130);
      expect(mean(faster.slice(-20).map((w) => w.late))).toBeLessThanOrEqual(15);
    } finally {
      watcher.close();
    }
  });

  it('looks first at the expected end, then again soon, then at growing gaps up to the interval', async () => {
    const fake = fakeCluster(0);
    const watcher = new TaskWatcher(fake.requester, { intervalMs: 250 });
    try {
      await drive(slot(fake, watcher, 'pve1', 'qmsnapshot', 30, () => 200));
      const expected = watcher.durations.expected('pve1', 'qmsnapshot')!;
      const t0 = performance.now();
      const upid = fake.start('pve1', 'qmsnapshot', 1000);
      const r = await drive(watcher.watch(upid));
      expect(r.ok).toBe(true);
      const looks = fake.calls.filter((c) => c.at >= t0).map((c) => c.at - t0);
      // No look before the expected end (shorter than the interval) ...
      expect(looks[0]).toBeGreaterThanOrEqual(expected - 3);
      expect(looks[0]).toBeLessThanOrEqual(expected + 3);
      const gaps = looks.slice(1).map((t, i) => t - looks[i]);
      // ... then a twentieth of it (10 ms at least), growing, never more than the interval ...
      expect(gaps[0]).toBeGreaterThanOrEqual(9);
      expect(gaps[0]).toBeLessThanOrEqual(Math.max(10, expected * 0.05) + 3);
      for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeGreaterThanOrEqual(gaps[i - 1] - 2);
      expect(Math.max(...gaps)).toBeLessThanOrEqual(250 + 3);
      expect(gaps.filter((g) => g > 250 - 3).length).toBeGreaterThan(0);
      // ... and the task is seen within one interval of its end, with far fewer looks than a 10 ms poll.
      expect(looks.at(-1)! - 1000).toBeLessThanOrEqual(250 + 3);
      expect(looks.length).toBeLessThanOrEqual(12);
    } finally {
      watcher.close();
    }
  });

  it('with nothing learnt, looks 10 ms apart and then at gaps a quarter of the time waited, up to the interval', async () => {
    const fake = fakeCluster(0);
    const watcher = new TaskWatcher(fake.requester, { intervalMs: 1000 });
    try {
      const t0 = performance.now();
      const upid = fake.start('pve1', 'vzdump', 5000);
      await drive(watcher.watch(upid));
      const looks = fake.calls.map((c) => c.at - t0);
      expect(looks[0]).toBeGreaterThanOrEqual(9);
      expect(looks[0]).toBeLessThanOrEqual(12);
      const gaps = looks.slice(1).map((t, i) => t - looks[i]);
      for (let i = 0; i < gaps.length; i++) {
        expect(gaps[i]).toBeGreaterThanOrEqual(Math.min(1000, Math.max(10, looks[i] * 0.25)) - 2);
        expect(gaps[i]).toBeLessThanOrEqual(Math.min(1000, Math.max(10, looks[i] * 0.25)) + 3);
      }
      // Seen within the interval of its end; about 30 looks for 5 s, where a 10 ms poll would make 500.
      expect(looks.at(-1)! - 5000).toBeLessThanOrEqual(1000 + 3);
      expect(looks.length).toBeLessThanOrEqual(35);
      // What it learnt from that one task: it ended between the last two looks (the middle of that span).
      expect(watcher.durations.expected('pve1', 'vzdump')).toBeCloseTo((looks.at(-2)! + looks.at(-1)!) / 2, 0);
    } finally {
      watcher.close();
    }
  });

  it('looks at a long task before its expected end, no more often than the interval, so one that ends early is not missed by much', async () => {
    const fake = fakeCluster(0);
    const durations = new TaskDurations();
    // Backups on this node have been taking about 60 s.
    durations.seed('pve1', 'vzdump', 60_000);
    const watcher = new TaskWatcher(fake.requester, { intervalMs: 1000, durations });
    try {
      const t0 = performance.now();
      const upid = fake.start('pve1', 'vzdump', 3000);
      await drive(watcher.watch(upid));
      const looks = fake.calls.map((c) => c.at - t0);
      const gaps = looks.slice(1).map((t, i) => t - looks[i]);
      expect(Math.min(looks[0], ...gaps)).toBeGreaterThanOrEqual(1000 - 2);
      // Seen at most max(interval, a quarter of its run time) after it ended.
      expect(looks.at(-1)! - 3000).toBeLessThanOrEqual(Math.max(1000, 3000 * 0.25) + 3);
      // It ended well before the expected time, which lowers the estimate.
      expect(durations.expected('pve1', 'vzdump')).toBeLessThan(60_000);
    } finally {
      watcher.close();
    }
  });

  it('learns per node and per task type; a node new to a type starts from the other nodes\' figure', async () => {
    const fake = fakeCluster();
    const watcher = new TaskWatcher(fake.requester, { intervalMs: 1000 });
    try {
      await drive(
        Promise.all([
          slot(fake, watcher, 'fast', 'qmsnapshot', 40, () => 100),
          slot(fake, watcher, 'slow', 'qmsnapshot', 40, () => 400),
          slot(fake, watcher, 'fast', 'qmstart', 40, () => 50),
        ]),
      );
      const d = watcher.durations;
      expect(d.expected('fast', 'qmsnapshot')).toBeGreaterThan(95);
      expect(d.expected('fast', 'qmsnapshot')).toBeLessThan(120);
      expect(d.expected('slow', 'qmsnapshot')).toBeGreaterThan(390);
      expect(d.expected('slow', 'qmsnapshot')).toBeLessThan(460);
      expect(d.expected('fast', 'qmstart')).toBeGreaterThan(45);
      expect(d.expected('fast', 'qmstart')).toBeLessThan(65);
      // A third node borrows the median of the others until its own tasks teach it.
      const borrowed = d.expected('new', 'qmsnapshot')!;
      expect(borrowed).toBeGreaterThan(d.expected('fast', 'qmsnapshot')!);
      expect(borrowed).toBeLessThan(d.expected('slow', 'qmsnapshot')!);
      expect(d.expected('new', 'vzdump')).toBeUndefined();
      await drive(slot(fake, watcher, 'new', 'qmsnapshot', 60, () => 100));
      expect(d.expected('new', 'qmsnapshot')).toBeLessThan(120);
      expect(Object.keys(d.snapshot().qmsnapshot).sort()).toEqual(['fast', 'new', 'slow']);
    } finally {
      watcher.close();
    }
  });

  it('reads a node about once an interval when many tasks that started earlier are watched at once', async () => {
    const fake = fakeCluster(0);
    const watcher = new TaskWatcher(fake.requester, { intervalMs: 100 });
    try {
      // 300 tasks on 3 nodes, watched only now: they end at any time in the next second.
      const t0 = performance.now();
      const upids = Array.from({ length: 300 }, (_, i) => fake.start(`pve${i % 3}`, 'qmsnapshot', ((i * 37) % 300) * (1000 / 300)));
      const seen: number[] = [];
      await drive(Promise.all(upids.map((u) => watcher.watch(u).then(() => seen.push(performance.now() - fake.endsAt(u))))));
      expect(seen).toHaveLength(300);
      // Each task shares its node's looks: about one round per interval, not one per task's own schedule.
      expect(fake.calls.length).toBeLessThanOrEqual(3 * (1000 / 100 + 6));
      // None is seen much later than the interval (or a quarter of the time waited, for one past what it learnt).
      for (const late of seen) expect(late).toBeLessThanOrEqual(Math.max(100, 0.25 * (performance.now() - t0)) + 3);
    } finally {
      watcher.close();
    }
  });

  it('keeps one list call per node in flight and per round while many tasks on a node fall due', async () => {
    const fake = fakeCluster(40);
    const watcher = new TaskWatcher(fake.requester, { intervalMs: 1000 });
    try {
      // 20 slots over 4 nodes, tasks ending every few ms, lists that take 40 ms to answer.
      const all = drive(Promise.all(Array.from({ length: 20 }, (_, i) => slot(fake, watcher, `pve${i % 4}`, 'qmsnapshot', 10, (k) => 150 + ((i * 7 + k * 13) % 40)))));
      const waits = (await all).flat();
      expect(waits).toHaveLength(200);
      expect(fake.maxInFlightPerNode).toBe(1);
      expect(fake.calls.length).toBeLessThanOrEqual(watcher.stats.rounds * 4);
      expect(watcher.stats.listCalls).toBe(fake.calls.length);
      expect(watcher.size).toBe(0);
    } finally {
      watcher.close();
    }
  });

  it('still gives up on an offline node after five failed lists, one interval apart, and honours timeouts and cancels', async () => {
    const fake = fakeCluster(0);
    const watcher = new TaskWatcher(fake.requester, { intervalMs: 1000 });
    try {
      await drive(slot(fake, watcher, 'pve1', 'qmsnapshot', 10, () => 200));
      const upid = fake.start('pve1', 'qmsnapshot', 60_000);
      const before = fake.calls.length;
      fake.offline.add('pve1');
      const t0 = performance.now();
      const lost = watcher.watch(upid).catch((e: unknown) => e);
      const timedOut = watcher.watch(fake.start('pve2', 'qmsnapshot', 60_000), { timeoutMs: 300 }).catch((e: unknown) => e);
      const ac = new AbortController();
      const cancelled = watcher.watch(fake.start('pve2', 'qmsnapshot', 60_000), { signal: ac.signal }).catch((e: unknown) => e);
      setTimeout(() => ac.abort(), 50);
      expect(await drive(timedOut)).toMatchObject({ kind: 'timeout' });
      expect(await drive(cancelled)).toMatchObject({ kind: 'cancelled' });
      expect(await drive(lost)).toMatchObject({ kind: 'unreachable', status: 595 });
      const failed = fake.calls.slice(before).filter((c) => c.node === 'pve1').map((c) => c.at - t0);
      expect(failed).toHaveLength(5);
      for (let i = 1; i < failed.length; i++) expect(failed[i] - failed[i - 1]).toBeGreaterThanOrEqual(1000 - 2);
      expect(watcher.size).toBe(0);
    } finally {
      watcher.close();
    }
  });
});

describe('TaskDurations', () => {
  it('settles where about 90% of tasks have ended by the expected time', () => {
    const d = new TaskDurations();
    d.seed('n', 't', 300);
    // Durations uniform over 100..200 ms; each update is the outcome of looking at the current estimate.
    let x = 1;
    const rand = () => ((x = (x * 48271) % 2147483647) / 2147483647);
    for (let i = 0; i < 4000; i++) d.update('n', 't', 100 + 100 * rand() <= d.expected('n', 't')!);
    // The 90th percentile is 190 ms; steps of a few per cent keep it near, a little low after long runs.
    expect(d.expected('n', 't')).toBeGreaterThan(175);
    expect(d.expected('n', 't')).toBeLessThan(200);
  });
});
