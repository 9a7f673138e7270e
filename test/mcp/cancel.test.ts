// cancel_operation: a slow bulk snapshot started with wait:false is cancelled, and the SIMULATOR's true
// state shows that queued VMs were never snapshotted; its error paths (unknown id, finished operation,
// an operation of another process) and its absence from a read-only server.
import { effectiveHints } from '../../mcp/compact-listing.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '../../src/ops/core.js';
import type { Operation } from '../../src/ops/types.js';
import { startHarness, textOf, type CallResult, type Harness } from './in-memory-server.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ vms: 40, taskDurationMs: 20 });
});
afterAll(() => h.close());

interface Group {
  count: number;
  vmids: number[];
}
const sc = (r: CallResult) => r.structuredContent as Record<string, unknown> & { status: string; counts: Record<string, number>; cancelled: Group; alreadyFinished: Group; stillRunning: Group };
const snapshotted = (name: string) => h.cluster.sim.state.vms().filter((v) => v.snapshots.some((s) => s.name === name)).map((v) => v.vmid);

async function untilFinished(id: string): Promise<CallResult> {
  for (;;) {
    const op = await h.call('get_operation', { id });
    if (op.structuredContent!.status !== 'running') return op;
    await new Promise((res) => setTimeout(res, 20));
  }
}

describe('cancel_operation', () => {
  it('is listed as mutating, not destructive, idempotent and open-world', async () => {
    const tool = (await h.client.listTools()).tools.find((t) => t.name === 'cancel_operation')!;
    expect(effectiveHints(tool.annotations)).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true });
    expect(Object.keys(tool.inputSchema.properties ?? {})).toEqual(['operationId']);
    expect(tool.description).toMatch(/from starting new steps/);
  });

  it('cancels a slow bulk snapshot: queued VMs are never snapshotted, running steps finish', async () => {
    // Slow tasks and two at a time: most of the 20 VMs are still queued when the cancel arrives.
    h.cluster.sim.faults.set({ taskDurationMs: 2000 });
    try {
      const started = await h.call('create_snapshots', { selector: 'id:100-119', snapshotName: 'cancel-me', maxParallel: 2, wait: false });
      const id = started.structuredContent!.id as string;
      expect(started.structuredContent!.status).toBe('running');

      const r = await h.call('cancel_operation', { operationId: id });
      expect(r.isError).toBeFalsy();
      const answer = sc(r);
      // The two steps started are still at PVE (a task takes 2 s, ample time for the cancel to arrive even on a loaded machine); the other 18 never start.
      expect(answer).toMatchObject({ id, kind: 'snapshot.create', status: 'running', alreadyCancelling: false });
      expect(answer.stillRunning.count).toBe(2);
      expect(answer.alreadyFinished).toEqual({ count: 0, vmids: [] });
      expect(answer.cancelled.count).toBe(18);
      expect(answer.cancelled.vmids).toHaveLength(18);
      expect(answer.counts).toMatchObject({ cancelled: 18, running: 2, planned: 0 });
      expect(textOf(r)).toMatch(new RegExp(`Cancelled operation ${id} \\(snapshot\\.create\\), now running: 18 VM\\(s\\) cancelled`));
      expect(textOf(r)).toContain(`get_operation {"id":"${id}"}`);

      // Cancelling again while steps still run changes nothing and is no error.
      const again = await h.call('cancel_operation', { operationId: id });
      expect(again.isError).toBeFalsy();
      expect(sc(again)).toMatchObject({ alreadyCancelling: true, cancelled: answer.cancelled });
      expect(textOf(again)).toMatch(/already being cancelled/);

      const final = await untilFinished(id);
      expect(final.structuredContent!.status).toBe('cancelled');
      const counts = final.structuredContent!.counts as Record<string, number>;
      expect(counts.cancelled).toBe(answer.cancelled.count);
      const cancelledRows = (await h.call('get_operation', { id, state: 'cancelled', limit: 500 })).structuredContent!.targets as Array<{ vmid: number; message?: string }>;
      expect(cancelledRows.map((t) => t.vmid).sort((a, b) => a - b)).toEqual(answer.cancelled.vmids);
      expect(cancelledRows.every((t) => t.message === 'cancelled before it started')).toBe(true);

      // The simulator's true state: exactly the succeeded VMs have the snapshot, fewer than the 20 targets.
      const done = snapshotted('cancel-me');
      expect(done.length).toBe(counts.succeeded);
      expect(done.length).toBeLessThan(20);
      for (const vmid of answer.cancelled.vmids) expect(done).not.toContain(vmid);
    } finally {
      h.cluster.sim.faults.set({ taskDurationMs: 20 });
    }
  });

  it('answers with the final status when nothing was running yet', async () => {
    h.cluster.sim.faults.set({ taskDurationMs: 2000 });
    try {
      // The VM is busy with another operation, so the second one's only target waits in the queue.
      const holder = await h.call('create_snapshots', { selector: 'id:120', snapshotName: 'holder', wait: false });
      const queued = await h.call('create_snapshots', { selector: 'id:120', snapshotName: 'queued', wait: false });
      const id = queued.structuredContent!.id as string;
      const r = await h.call('cancel_operation', { operationId: id });
      expect(sc(r)).toMatchObject({ status: 'cancelled', cancelled: { count: 1, vmids: [120] }, stillRunning: { count: 0, vmids: [] }, alreadyFinished: { count: 0, vmids: [] } });
      expect(textOf(r)).not.toMatch(/still running at PVE/);
      expect((await untilFinished(holder.structuredContent!.id as string)).structuredContent!.status).toBe('succeeded');
      expect(snapshotted('holder')).toEqual([120]);
      expect(snapshotted('queued')).toEqual([]);
    } finally {
      h.cluster.sim.faults.set({ taskDurationMs: 20 });
    }
  });

  it('refuses an unknown id and a finished operation, naming operationId', async () => {
    const unknown = await h.call('cancel_operation', { operationId: 'op-nope' });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toMatch(/operationId: no operation 'op-nope'.*list_operations/);

    const done = await h.call('create_snapshots', { selector: 'id:122', snapshotName: 'finished-op' });
    const id = done.structuredContent!.id as string;
    const late = await h.call('cancel_operation', { operationId: id });
    expect(late.isError).toBe(true);
    expect(textOf(late)).toMatch(new RegExp(`operationId: operation ${id} already finished \\(succeeded at .*nothing to cancel`));
    expect(snapshotted('finished-op')).toEqual([122]);

    const missing = await h.call('cancel_operation', {});
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toMatch(/operationId/);
  });

  it('refuses an operation that runs in another moxxie process, and leaves it running', async () => {
    // Another front end (say the TUI) on the same cluster and history: its operations are in the shared
    // history, not in this server's registry.
    h.cluster.sim.faults.set({ taskDurationMs: 600 });
    const other = createCore({ context: h.cluster.core.context, client: h.cluster.client, recorder: h.history, frontEnd: 'tui' });
    try {
      const op = await other.createSnapshots({ vmSelectors: 'id:8200-8203', snapshotName: 'elsewhere', maxParallel: 1 }, { detach: true, frontEnd: 'tui' });
      // The other process records the start in the shared history without waiting for it.
      while ((await h.history.getOperation(op.id))?.status !== 'running') await new Promise((res) => setTimeout(res, 10));

      const r = await h.call('cancel_operation', { operationId: op.id });
      expect(r.isError).toBe(true);
      expect(textOf(r)).toMatch(new RegExp(`operationId: operation ${op.id} runs in another moxxie process \\(started from tui, pid ${process.pid} .*cancel it where it runs`));
      expect(other.operations.get(op.id)!.status).toBe('running');
      expect(other.operations.cancel(op.id)).toBe(true);
      const final = await new Promise<Operation>((resolve) => {
        if (op.finishedAt !== undefined) return resolve(op);
        const stop = other.operations.subscribe((e) => e.type === 'operation-finished' && e.operation.id === op.id && (stop(), resolve(e.operation)));
      });
      expect(final.status).toBe('cancelled');
    } finally {
      await other.close();
      h.cluster.sim.faults.set({ taskDurationMs: 20 });
    }
  });

  it('is neither listed nor callable on a read-only server', async () => {
    const ro = await h.connect({ readOnly: true });
    expect((await ro.listTools()).tools.map((t) => t.name)).not.toContain('cancel_operation');
    const r = await h.call('cancel_operation', { operationId: 'op-any' }, ro);
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/cancel_operation is not available: .*read-only/);
  });
});
