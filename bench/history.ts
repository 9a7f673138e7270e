// History figures: what one operation's update costs (a phase transition plus its target update, as the
// engine makes them for each PVE task: the journal line awaited, then the target) with 5,000 operations of
// 500 targets each already in the history, and the same write in an empty history. Median of many updates.
//   history write ms 5k-operations: <ms>    target under 10 ms
//   history write 5k/empty: <ratio>          target at most 2
// The 5,000 operations are written as files directly (index and one record each), not one by one through
// the store's lock: the figure is about the write, not about filling the history.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { historyLayout } from '../src/history/layout.js';
import { currentOwner } from '../src/history/process-owner.js';
import { indexEntry, type HistoryIndex, type OperationRecord } from '../src/history/records.js';
import { openHistory } from '../src/history/store.js';
import type { Operation, OperationTarget } from '../src/ops/types.js';

const OPERATIONS = 5000;
const TARGETS = 500;
const WARMUP = 50;
const UPDATES = 1000;
const DAY = 86_400_000;

const upid = (node: string, vmid: number, n: number) => `UPID:${node}:${(0x10000 + n).toString(16).toUpperCase()}:0012AB34:674A1B2C:qmsnapshot:${vmid}:root@pam!moxxie:`;

function targets(state: 'planned' | 'succeeded'): OperationTarget[] {
  return Array.from({ length: TARGETS }, (_, i) => {
    const vmid = 1000 + i;
    const node = `pve${(i % 8) + 1}`;
    const done = state === 'succeeded';
    return {
      id: `t${vmid}`,
      kind: 'guest',
      vmid,
      guestType: 'qemu',
      name: `web-${vmid}`,
      node,
      state,
      action: 'snapshot nightly-20261205',
      ...(done ? { message: 'snapshot nightly-20261205 created', upid: upid(node, vmid, i), startedAt: 1_790_000_000_000, finishedAt: 1_790_000_004_000 } : {}),
      phases: [
        { name: 'snapshot', state: done ? 'succeeded' : 'pending', upids: done ? [upid(node, vmid, i)] : [], ...(done ? { startedAt: 1_790_000_000_000, finishedAt: 1_790_000_004_000 } : {}) },
        { name: 'verify', state: done ? 'succeeded' : 'pending', upids: [] },
      ],
      spec: { snapshotName: 'nightly-20261205' },
    };
  });
}

function operation(id: string, startedAt: number, state: 'planned' | 'succeeded'): Operation {
  const op: Operation = {
    id,
    kind: 'snapshot.create',
    label: 'snapshot nightly-{date}',
    request: { vmSelectors: 'tag:env-prod', snapshotName: 'nightly-{date}', maxParallel: 20 },
    dryRun: false,
    status: state === 'succeeded' ? 'succeeded' : 'running',
    targets: targets(state),
    warnings: [],
    frontEnd: 'scheduler',
    context: 'bench',
    startedAt,
  };
  if (state === 'succeeded') op.finishedAt = startedAt + 60_000;
  return op;
}

/** A history of OPERATIONS finished operations, written straight to disk in the store's layout. */
function fill(dir: string): void {
  const layout = historyLayout(dir);
  mkdirSync(layout.operationsDir, { recursive: true });
  const owner = currentOwner();
  const now = Date.now();
  // Every record has the same targets: serialise them once and put each record around them.
  const sample: OperationRecord = { ...operation('op-sample', now, 'succeeded'), owner };
  const targetsJson = JSON.stringify(sample.targets);
  const index: HistoryIndex = { version: 2, operations: [], jobRuns: [], migrations: [], jobs: [] };
  for (let i = 0; i < OPERATIONS; i++) {
    const startedAt = now - DAY + i * 10_000;
    const { targets: _t, ...head } = { ...sample, id: `op-${String(i).padStart(5, '0')}`, startedAt, finishedAt: startedAt + 60_000 };
    writeFileSync(layout.operation(head.id), `{"version":2,"operation":${JSON.stringify(head).slice(0, -1)},"targets":${targetsJson}}}`);
    index.operations.push(indexEntry({ ...sample, ...head }));
  }
  writeFileSync(layout.index, JSON.stringify(index));
  // A real history's files went to disk long ago: flush these now, or their writeback (~0.9 GB) would
  // compete with the fsyncs measured below.
  spawnSync('sync', { stdio: 'ignore' });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** One history being written: a store with a running 500-target operation in it. */
async function writer(dir: string) {
  const store = await openHistory({ dir, onError: (err) => console.error(`bench history: ${err.message}`) });
  const op = operation('op-bench', Date.now(), 'planned');
  await store.operationStarted(op);
  let i = 0;
  const times: number[] = [];
  return {
    /** One phase transition plus its target update, timed; a target goes running, gets its UPID, succeeds. */
    async update(record: boolean): Promise<void> {
      const t = op.targets[i % TARGETS];
      const phase = t.phases[0];
      const step = Math.floor(i / TARGETS) % 3;
      const u = upid(t.node, t.vmid, i);
      i++;
      const started = performance.now();
      if (step === 0) {
        t.state = 'running';
        Object.assign(phase, { state: 'running', startedAt: Date.now() });
        await store.phaseChanged(op, t, phase);
        await store.targetUpdated(op);
      } else if (step === 1) {
        phase.upids = [...phase.upids, u];
        await store.phaseChanged(op, t, phase);
        t.upid = u;
        await store.targetUpdated(op);
      } else {
        Object.assign(phase, { state: 'succeeded', finishedAt: Date.now() });
        await store.phaseChanged(op, t, phase);
        t.message = 'snapshot created';
        await store.targetUpdated(op);
      }
      if (record) times.push(performance.now() - started);
    },
    async close(): Promise<number> {
      if (store.lastError) throw store.lastError;
      // The writes went where they should: the journal applied to the record shows them.
      const seen = await store.getOperation('op-bench');
      if (seen?.targets[(i - 1) % TARGETS].state !== op.targets[(i - 1) % TARGETS].state) throw new Error('bench history: the journal does not show the updates');
      op.status = 'succeeded';
      op.finishedAt = Date.now();
      await store.operationFinished(op);
      await store.close();
      return median(times);
    },
  };
}

export async function run(): Promise<void> {
  const full = mkdtempSync(join(tmpdir(), 'moxxie-bench-history-'));
  const empty = mkdtempSync(join(tmpdir(), 'moxxie-bench-history-empty-'));
  try {
    fill(full);
    // The two histories are written in turn, update by update, so the disk's ups and downs fall on both alike.
    const big = await writer(full);
    const none = await writer(empty);
    for (let n = 0; n < WARMUP + UPDATES; n++) {
      const record = n >= WARMUP;
      if (n % 2) {
        await big.update(record);
        await none.update(record);
      } else {
        await none.update(record);
        await big.update(record);
      }
    }
    const ms = await big.close();
    const base = await none.close();
    console.log(`history write ms 5k-operations: ${ms.toFixed(2)}`);
    console.log(`history write 5k/empty: ${(ms / base).toFixed(2)}`);
  } finally {
    rmSync(full, { recursive: true, force: true });
    rmSync(empty, { recursive: true, force: true });
  }
}
