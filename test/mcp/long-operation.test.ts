// Long work through the SDK's real client: a client timeout shorter than the operation never cancels it
// (the server waits at most maxWaitMs, then answers with the operation id while the work goes on), and a
// user's own cancellation still does. Asserted on the simulator's snapshots, not on what moxxie reports.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../fixtures/wait.js';
import { startHarness, textOf, type CallResult, type Harness } from './in-memory-server.js';

let h: Harness;
let patient: Client;
beforeAll(async () => {
  h = await startHarness({ vms: 40, taskDurationMs: 20 });
  patient = await h.connect({ maxWaitMs: 300 });
});
afterAll(() => h.close());

const snapshotted = (name: string) => h.cluster.sim.state.vms().filter((v) => v.snapshots.some((s) => s.name === name)).map((v) => v.vmid);

async function untilFinished(id: string): Promise<CallResult> {
  return until(`operation ${id} to finish`, async () => {
    const op = await h.call('get_operation', { id });
    return op.structuredContent!.status !== 'running' ? op : undefined;
  }, 60_000, 20);
}

describe('a bulk call that outlives the wait', () => {
  it('answers after maxWaitMs with the operation id and a way to follow it; the operation completes', async () => {
    h.cluster.sim.faults.set({ taskDurationMs: 400 });
    try {
      const r = await h.call('create_snapshots', { selector: 'id:100-109', snapshotName: 'outlives', maxParallel: 2 }, patient);
      expect(r.isError).toBeFalsy();
      const id = r.structuredContent!.id as string;
      expect(r.structuredContent!.status).toBe('running');
      expect(textOf(r)).toMatch(/Still running after 0\.3 s; it goes on in the background/);
      expect(textOf(r)).toContain(`get_operation {"id":"${id}"}`);
      // Not all ten were done when the answer came (two at a time, 400 ms each).
      expect(snapshotted('outlives').length).toBeLessThan(10);

      const done = await untilFinished(id);
      expect(done.structuredContent!.status).toBe('succeeded');
      expect(snapshotted('outlives').sort()).toEqual([100, 101, 102, 103, 104, 105, 106, 107, 108, 109]);
    } finally {
      h.cluster.sim.faults.set({ taskDurationMs: 20 });
    }
  });

  it('a client timeout shorter than the operation cancels nothing: every VM is snapshotted', async () => {
    h.cluster.sim.faults.set({ taskDurationMs: 300 });
    try {
      const before = (await h.call('list_operations', {})).structuredContent as { operations: Array<{ id: string }> };
      const known = new Set(before.operations.map((o) => o.id));
      // The SDK's client gives up after 150 ms and sends notifications/cancelled ("Request timed out").
      await expect(h.client.callTool({ name: 'create_snapshots', arguments: { selector: 'id:110-117', snapshotName: 'timeout-kept', maxParallel: 2 } }, undefined, { timeout: 150 })).rejects.toThrow(/timed out/i);
      const id = await until('the operation to be listed', async () => {
        const list = (await h.call('list_operations', {})).structuredContent as { operations: Array<{ id: string }> };
        return list.operations.find((o) => !known.has(o.id))?.id;
      });
      const done = await untilFinished(id);
      expect(done.structuredContent!.status).toBe('succeeded');
      expect((done.structuredContent!.counts as Record<string, number>).cancelled ?? 0).toBe(0);
      expect(snapshotted('timeout-kept').sort()).toEqual([110, 111, 112, 113, 114, 115, 116, 117]);
    } finally {
      h.cluster.sim.faults.set({ taskDurationMs: 20 });
    }
  });

  it('the user cancelling through the client still cancels: queued VMs are never snapshotted', async () => {
    h.cluster.sim.faults.set({ taskDurationMs: 400 });
    try {
      const before = (await h.call('list_operations', {})).structuredContent as { operations: Array<{ id: string }> };
      const known = new Set(before.operations.map((o) => o.id));
      const user = new AbortController();
      const call = h.client.callTool({ name: 'create_snapshots', arguments: { selector: 'id:120-139', snapshotName: 'user-stop', maxParallel: 2 } }, undefined, { signal: user.signal });
      const id = await until('the operation to be listed', async () => {
        const list = (await h.call('list_operations', {})).structuredContent as { operations: Array<{ id: string }> };
        return list.operations.find((o) => !known.has(o.id))?.id;
      });
      user.abort('the user pressed stop');
      await expect(call).rejects.toThrow();
      const done = await untilFinished(id);
      expect(done.structuredContent!.status).toBe('cancelled');
      expect(snapshotted('user-stop').length).toBeLessThan(20);
    } finally {
      h.cluster.sim.faults.set({ taskDurationMs: 20 });
    }
  });
});
