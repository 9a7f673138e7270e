// backup_retention_candidates and prune_backups over MCP against the simulator: the preview, then the
// confirm-token flow deleting exactly the previewed backups.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postVzdump } from '../../src/pve/endpoints/storage.js';
import { controlWallClock, type WallClock } from '../fixtures/clock.js';
import { startHarness, textOf, type Harness } from './in-memory-server.js';

let h: Harness;
let clock: WallClock;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const sc = (r: { structuredContent?: Record<string, unknown> }) => r.structuredContent as any;
const local = (vmid: number) => h.cluster.sim.state.storageContent('local').filter((v) => v.content === 'backup' && v.vmid === vmid).map((v) => v.volid).sort();

beforeAll(async () => {
  h = await startHarness({ vms: 20, taskDurationMs: 10 });
  clock = controlWallClock();
  for (let i = 0; i < 3; i++) {
    for (const vmid of [8200, 8201]) {
      const c = h.cluster.client;
      await c.waitForTask(await postVzdump(c, h.cluster.sim.state.vm(vmid)!.node, { vmid: String(vmid), storage: 'local', protected: vmid === 8201 && i === 0 }), { timeoutMs: 10_000 });
    }
    clock.jump(86_400_000);
  }
});
afterAll(async () => {
  clock.restore();
  await h.close();
});

describe('backup_retention_candidates', () => {
  it('marks every backup with its rule, remove rows first, and compares with PVE', async () => {
    const r = await h.call('backup_retention_candidates', { retentionPolicy: 'count:1', vmIds: [8200, 8201], storage: 'local' });
    expect(r.isError).toBeFalsy();
    const s = sc(r);
    expect(s.summary).toMatchObject({ total: 6, remove: 3, protected: 1, keep: 2 });
    expect(s.backups[0]).toMatchObject({ mark: 'remove', rule: 'keep-last' });
    expect(s.candidates).toHaveLength(3);
    expect(s.crossChecks.every((c: { checked: boolean; differences: unknown[] }) => c.checked && c.differences.length === 0)).toBe(true);
    expect(textOf(r)).toMatch(/count:1: 3 of 6 backup\(s\) to remove/);
  });

  it('names the field of a bad request', async () => {
    const r = await h.call('backup_retention_candidates', { retentionPolicy: 'yearly:2' });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/'yearly:2' is not a retention policy; use days:N, count:N, monthly:N.*at retentionPolicy/);
  });
});

describe('prune_backups', () => {
  it('answers with the plan and a token, then deletes exactly the previewed backups', async () => {
    const args = { retentionPolicy: 'count:1', vmIds: [8200, 8201], storage: 'local' };
    const preview = sc(await h.call('backup_retention_candidates', args)).candidates as string[];
    const before = [...local(8200), ...local(8201)];
    const plan = await h.call('prune_backups', args);
    expect(sc(plan).needsConfirmation).toBe(true);
    expect(sc(plan).counts.planned).toBe(3);
    expect([...local(8200), ...local(8201)]).toEqual(before);
    const done = await h.call('prune_backups', { ...args, confirm: sc(plan).confirmToken, wait: true });
    expect(sc(done).status).toBe('succeeded');
    expect([...local(8200), ...local(8201)].sort()).toEqual(before.filter((v) => !preview.includes(v)).sort());
    expect(local(8200)).toHaveLength(1);
    expect(local(8201)).toHaveLength(2); // the newest and the protected one
  });
});
