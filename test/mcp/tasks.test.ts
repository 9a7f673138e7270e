// get_task_log: a task's state and log as the simulator wrote it, its tail by default, paged by start and
// limit, and clear errors for a malformed or unknown UPID.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, textOf, type Harness } from './in-memory-server.js';

let h: Harness;
let upid: string;
let simLog: string[];
beforeAll(async () => {
  h = await startHarness({ vms: 20 });
  const op = await h.call('create_snapshots', { selector: 'id:8200', snapshotName: 'logged' });
  expect(op.isError).toBeFalsy();
  const detail = await h.call('get_operation', { id: (op.structuredContent as { id: string }).id });
  upid = (detail.structuredContent as { targets: Array<{ vmid: number; upid?: string }> }).targets.find((t) => t.vmid === 8200)!.upid!;
  simLog = h.cluster.sim.state.tasks().find((t) => t.upid === upid)!.log;
});
afterAll(() => h.close());

type LogAnswer = { upid: string; node: string; type: string; id?: string; status: string; exitstatus?: string; start: number; total: number; lines: string[] };

describe('get_task_log', () => {
  it('answers the task’s state and its whole log when it is short, as the simulator logged it', async () => {
    const r = await h.call('get_task_log', { upid });
    const s = r.structuredContent as LogAnswer;
    expect(s).toMatchObject({ upid, type: 'qmsnapshot', id: '8200', status: 'stopped', exitstatus: 'OK', start: 0, total: simLog.length });
    expect(s.lines).toEqual(simLog);
    expect(textOf(r)).toMatch(/^qmsnapshot 8200 on pve\d, ended: OK; lines 1-\d+ of \d+:/);
    expect(textOf(r)).toContain('TASK OK');
  });

  it('gives the last lines by default and pages with start and limit', async () => {
    expect(simLog.length).toBeGreaterThanOrEqual(2);
    const tail = (await h.call('get_task_log', { upid, limit: 1 })).structuredContent as LogAnswer;
    expect(tail).toMatchObject({ start: simLog.length - 1, lines: [simLog[simLog.length - 1]] });
    const head = (await h.call('get_task_log', { upid, start: 0, limit: 1 })).structuredContent as LogAnswer;
    expect(head).toMatchObject({ start: 0, lines: [simLog[0]] });
  });

  it('names the field when the UPID is malformed or unknown', async () => {
    const bad = await h.call('get_task_log', { upid: 'not-a-upid' });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toMatch(/upid: not a PVE task id .*a UPID looks like UPID:/);
    const unknown = await h.call('get_task_log', { upid: upid.replace(/:[0-9A-F]{8}:[0-9A-F]{8}:/, ':0000FFFF:0000FFFF:') });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toMatch(/no such task|not found|does not exist/i);
  });
});
