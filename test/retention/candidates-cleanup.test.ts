// Retention candidates and cleanup against the simulator: real vzdump backups made over six days (Date
// moved forward, never slept on), each seed policy previewed, PVE's own prunebackups compared, and cleanup
// deleting exactly the previewed volumes (read back from the simulator's storage content).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pruneCounts } from '../../src/ops/capabilities/backup-prune.js';
import { ttlMarker } from '../../src/ops/backup-list.js';
import { compareMarks } from '../../src/ops/retention/candidates.js';
import { postVzdump } from '../../src/pve/endpoints/storage.js';
import { controlWallClock, type WallClock } from '../fixtures/clock.js';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';

let c: TestCluster;
let clock: WallClock;
const A = 8200; // workshop, maint-ok: one protected backup (day 2), one with a 1-day TTL (day 4)
const B = 8203; // workshop, maint-ok
const C = 8201; // workshop, not maint-ok: outside the tag filter
const DAY = 86_400_000;
const T0 = Date.UTC(2031, 2, 1, 10);
const stampOf = (day: number) => new Date(T0 + day * DAY).toISOString().slice(0, 10).replace(/-/g, '_');
const localBackups = (vmid: number) =>
  c.sim.state
    .storageContent('local')
    .filter((v) => v.content === 'backup' && v.vmid === vmid)
    .map((v) => v.volid)
    .sort();
const ofDays = (vmid: number, days: number[]) => localBackups(vmid).filter((v) => days.some((d) => v.includes(`-${stampOf(d)}-`)));

beforeAll(async () => {
  c = await startCluster({ taskDurationMs: 10 });
  clock = controlWallClock();
  clock.jump(T0 - Date.now());
  const nodeOf = (vmid: number) => c.sim.state.vms().find((v) => v.vmid === vmid)!.node;
  for (let day = 0; day < 6; day++) {
    await Promise.all(
      [A, B, C].map(async (vmid) => {
        const extra = vmid === A && day === 2 ? { protected: true } : vmid === A && day === 4 ? { 'notes-template': `short-lived${ttlMarker(1)}` } : {};
        const upid = await postVzdump(c.client, nodeOf(vmid), { vmid: String(vmid), storage: 'local', compress: 'zstd', ...extra });
        await c.client.waitForTask(upid, { timeoutMs: 10_000 });
      }),
    );
    clock.jump(DAY);
  }
  clock.jump(-DAY / 2); // now: day 5, 22:00 (the last backups are from day 5, 10:00)
});
afterAll(async () => {
  clock.restore();
  await c.close();
});

describe('retention candidates', () => {
  it('days:N with the seed tags filter (AND): older than N days, protected kept, expired TTL removed', async () => {
    expect(localBackups(A)).toHaveLength(6);
    const p = await c.core.retentionCandidates({ retentionPolicy: 'days:3', tags: ['maint-ok', 'workshop'], storage: 'local' });
    expect(new Set(p.backups.map((b) => b.vmid))).toEqual(new Set([A, B]));
    expect(p.candidates.sort()).toEqual([...ofDays(A, [0, 1, 4]), ...ofDays(B, [0, 1, 2])].sort());
    const byVolid = new Map(p.backups.map((b) => [b.volid, b]));
    expect(byVolid.get(ofDays(A, [2])[0])).toMatchObject({ mark: 'protected', rule: 'protected' });
    expect(byVolid.get(ofDays(A, [4])[0])).toMatchObject({ mark: 'remove', rule: 'ttl', ttlDays: 1 });
    expect(byVolid.get(ofDays(B, [3])[0])).toMatchObject({ mark: 'keep', rule: 'days' });
    expect(p.summary).toMatchObject({ total: 12, remove: 6, protected: 1, keep: 5 });
    expect(p.crossChecks.every((x) => !x.checked && /no PVE equivalent/.test(x.note ?? ''))).toBe(true);
  });

  it("count:N is PVE's keep-last and agrees with PVE's own prunebackups; the TTL backup takes no slot", async () => {
    const p = await c.core.retentionCandidates({ retentionPolicy: 'count:2', vmIds: [A], storage: 'local' });
    expect(p.candidates.sort()).toEqual(ofDays(A, [0, 1, 4]));
    expect(p.backups.filter((b) => b.mark === 'keep').map((b) => b.volid).sort()).toEqual(ofDays(A, [3, 5]));
    expect(p.crossChecks).toHaveLength(1);
    expect(p.crossChecks[0]).toMatchObject({ checked: true, pveRetention: 'keep-last=2', differences: [] });
  });

  it('monthly:N keeps only the newest of the month, even with fewer months than N', async () => {
    const p = await c.core.retentionCandidates({ retentionPolicy: 'monthly:3', vmIds: [C] });
    const local = p.backups.filter((b) => b.storage === 'local');
    expect(local.filter((b) => b.mark === 'keep').map((b) => b.volid)).toEqual(ofDays(C, [5]));
    expect(local.filter((b) => b.mark === 'remove')).toHaveLength(5);
    expect(p.crossChecks.filter((x) => x.storage === 'local').every((x) => x.checked && x.differences.length === 0)).toBe(true);
  });

  it("PVE's keep options are accepted as they are and compared", async () => {
    const p = await c.core.retentionCandidates({ retentionPolicy: 'keep-daily=2,keep-weekly=1', vmIds: [B], storage: 'local' });
    expect(p.policy).toMatchObject({ vocabulary: 'pve', pveEquivalent: 'keep-daily=2,keep-weekly=1' });
    expect(p.crossChecks[0]).toMatchObject({ checked: true, differences: [] });
  });

  it('refuses a bad request naming the field', async () => {
    await expect(c.core.retentionCandidates({ retentionPolicy: 'weeks:2' })).rejects.toThrow(/retentionPolicy.*days:N, count:N, monthly:N/);
    await expect(c.core.retentionCandidates({ retentionPolicy: 'days:3', storage: 'local-zfs' })).rejects.toThrow(/storage.*'local-zfs' is not a storage with backups/);
    await expect(c.core.retentionCandidates({ retentionPolicy: 'days:3', tag: ['x'] } as never)).rejects.toThrow(/unknown field 'tag'; did you mean 'tags'/);
  });

  it('a difference from PVE is reported, not hidden', () => {
    const diff = compareMarks(
      [
        { volid: 'local:backup/a', vmid: 100, mark: 'remove' },
        { volid: 'local:backup/b', vmid: 100, mark: 'keep' },
      ],
      [
        { volid: 'local:backup/a', vmid: 100, mark: 'keep' },
        { volid: 'local:backup/b', vmid: 100, mark: 'keep' },
        { volid: 'local:backup/c', vmid: 100, mark: 'remove' },
        { volid: 'local:backup/other-guest', vmid: 101, mark: 'remove' },
      ],
    );
    expect(diff).toEqual([
      { volid: 'local:backup/a', moxxie: 'remove', pve: 'keep' },
      { volid: 'local:backup/c', moxxie: 'absent', pve: 'remove' },
    ]);
  });
});

describe('cleanup (backup.prune)', () => {
  it('the seed body, dry run: exactly the preview, nothing deleted', async () => {
    const before = [...localBackups(A), ...localBackups(B)];
    const preview = await c.core.retentionCandidates({ retentionPolicy: 'days:3', tags: ['maint-ok', 'workshop'] });
    const op = await c.core.run('backup.prune', { retentionPolicy: 'days:3', dryRun: true, tags: ['maint-ok', 'workshop'] });
    expect(op.status).toBe('planned');
    expect(op.targets.map((t) => t.id.replace(/^backup:/, '')).sort()).toEqual([...preview.candidates].sort());
    expect(op.targets.every((t) => t.kind === 'volume' && /^delete .* \(/.test(t.action))).toBe(true);
    expect([...localBackups(A), ...localBackups(B)]).toEqual(before);
  });

  it('deletes exactly the previewed volumes, each awaited, and counts what was really deleted', async () => {
    const preview = await c.core.retentionCandidates({ retentionPolicy: 'days:3', tags: ['maint-ok', 'workshop'], storage: 'local' });
    const untouchedC = localBackups(C);
    const op = await c.core.run('backup.prune', { retentionPolicy: 'days:3', tags: ['maint-ok', 'workshop'], storage: 'local' });
    expect(op.status).toBe('succeeded');
    expect(pruneCounts(op)).toMatchObject({ deleted: 6, alreadyGone: 0, failed: 0 });
    expect(localBackups(A)).toEqual(ofDays(A, [2, 3, 5]));
    expect(localBackups(B)).toEqual(ofDays(B, [3, 4, 5]));
    expect(localBackups(C)).toEqual(untouchedC);
    for (const v of preview.candidates) expect(c.sim.state.storageContent('local').some((x) => x.volid === v)).toBe(false);
    // Every delete was an awaited PVE task.
    expect(op.targets.every((t) => t.phases[0].upids.length === 1 && t.message === 'deleted')).toBe(true);
    // Run again: nothing left to remove.
    const again = await c.core.run('backup.prune', { retentionPolicy: 'days:3', tags: ['maint-ok', 'workshop'], storage: 'local' });
    expect(again.targets).toHaveLength(0);
  });

  it('in safe mode, backups of guests not tagged moxxie are held back unless forced', async () => {
    const safe = await startCluster({ taskDurationMs: 10 }, { context: { safeMode: true } });
    try {
      const vm = safe.sim.state.vms().find((v) => v.type === 'qemu' && !v.template && !String(v.config.tags ?? '').includes('moxxie'))!;
      for (let i = 0; i < 2; i++) await safe.client.waitForTask(await postVzdump(safe.client, vm.node, { vmid: String(vm.vmid), storage: 'local' }), { timeoutMs: 10_000 });
      clock.jump(2000);
      const op = await safe.core.run('backup.prune', { retentionPolicy: 'count:1', vmIds: [vm.vmid], storage: 'local', dryRun: true });
      expect(op.targets).toHaveLength(1);
      expect(op.targets[0]).toMatchObject({ state: 'skipped', message: expect.stringMatching(/safe mode/) });
      const forced = await safe.core.run('backup.prune', { retentionPolicy: 'count:1', vmIds: [vm.vmid], storage: 'local', force: true });
      expect(pruneCounts(forced).deleted).toBe(1);
      expect(safe.sim.state.storageContent('local').filter((v) => v.vmid === vm.vmid && v.content === 'backup')).toHaveLength(1);
    } finally {
      await safe.close();
    }
  });
});
