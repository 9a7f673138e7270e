// The simulator's prune: pve-storage's own cases through its marks, and GET/DELETE prunebackups over HTTP
// against the true storage content.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { markBackups, parseRetention } from '../../src/sim/prune.js';
import { controlWallClock, type WallClock } from '../fixtures/clock.js';
import { cases, lists } from '../retention/pve-prune-cases.js';
import { api, waitTask } from './http.js';

describe("simulator marks: pve-storage's prune_backups_test.pm", () => {
  for (const c of cases) {
    it(c.description, () => {
      const all = lists[c.list ?? 'default']();
      const listed = c.vmid === undefined ? all : all.filter((b) => b.vmid === c.vmid);
      const keep = Object.entries(c.keep).map(([k, v]) => `${k}=${v}`).join(',');
      const marks = markBackups(listed, parseRetention(keep || undefined));
      const typeOf = (volid: string) => /vzdump-(qemu|lxc)-/.exec(volid)?.[1] ?? 'unknown';
      const got: Record<string, string> = {};
      for (const b of listed) if (!c.type || typeOf(b.volid) === c.type) got[b.volid] = marks.get(b.volid)!;
      expect(got).toEqual(c.expected);
    });
  }
});

type PruneEntry = { volid: string; ctime: number; mark: string; type: string; vmid?: number };

describe('GET/DELETE /nodes/{node}/storage/{storage}/prunebackups', () => {
  let sim: Simulator;
  let a: ReturnType<typeof api>;
  let clock: WallClock;
  const vmid = 8200;
  const made: string[] = [];
  const backupsOf = () => sim.state.storageContent('local').filter((v) => v.content === 'backup' && v.vmid === vmid).map((v) => v.volid).sort();

  beforeAll(async () => {
    sim = await startSimulator({ http: true, vms: 60, taskDurationMs: 20 });
    a = api(sim);
    clock = controlWallClock();
    // Two backups a day for three days (10:00 and 14:00 UTC), the middle day's first one protected.
    const node = sim.state.vms().find((v) => v.vmid === vmid)!.node;
    const start = Date.UTC(2031, 2, 10, 10);
    clock.jump(start - Date.now());
    for (let i = 0; i < 6; i++) {
      const protect: Record<string, string> = i === 2 ? { protected: '1' } : {};
      const upid = await a.data<string>(a.post(`/nodes/${node}/vzdump`, { vmid: String(vmid), storage: 'local', compress: 'zstd', remove: '0', ...protect }));
      expect((await waitTask(sim, upid)).exitstatus).toBe('OK');
      clock.jump(i % 2 === 0 ? 4 * 3600_000 : 20 * 3600_000);
    }
    made.push(...backupsOf());
  });
  afterAll(async () => {
    clock.restore();
    await sim.close();
  });

  const nodeOf = () => sim.state.vms().find((v) => v.vmid === vmid)!.node;

  it('previews PVE marks for a retention given in the request; the storage config (keep-all) otherwise', async () => {
    expect(made).toHaveLength(6);
    const list = await a.data<PruneEntry[]>(a.get(`/nodes/${nodeOf()}/storage/local/prunebackups?vmid=${vmid}&prune-backups=${encodeURIComponent('keep-daily=2')}`));
    const marks = Object.fromEntries(list.map((e) => [e.volid.replace(/.*-(\d{4}_\d\d_\d\d-\d\d)_\d\d_\d\d.*/, '$1'), e.mark]));
    expect(marks).toEqual({
      '2031_03_10-10': 'remove',
      '2031_03_10-14': 'remove',
      '2031_03_11-10': 'protected',
      '2031_03_11-14': 'keep',
      '2031_03_12-10': 'remove',
      '2031_03_12-14': 'keep',
    });
    expect(list.every((e) => e.type === 'qemu' && e.vmid === vmid)).toBe(true);
    const all = await a.data<PruneEntry[]>(a.get(`/nodes/${nodeOf()}/storage/local/prunebackups?vmid=${vmid}`));
    expect(all.map((e) => e.mark).sort()).toEqual(['keep', 'keep', 'keep', 'keep', 'keep', 'protected']);
    expect(await a.data<PruneEntry[]>(a.get(`/nodes/${nodeOf()}/storage/local/prunebackups?vmid=${vmid}&type=lxc&prune-backups=${encodeURIComponent('keep-last=1')}`))).toEqual([]);
  });

  it('refuses what PVE refuses: a storage without backups, a bad retention string', async () => {
    const noBackups = await a.get(`/nodes/${nodeOf()}/storage/local-zfs/prunebackups`);
    expect(noBackups.status).toBe(500);
    expect(noBackups.statusText).toContain("storage 'local-zfs' does not support backups");
    expect((await a.get(`/nodes/${nodeOf()}/storage/local/prunebackups?prune-backups=${encodeURIComponent('keep-dayly=2')}`)).status).toBe(400);
  });

  it('DELETE prunes exactly the removed ones in a prunebackups task, logging each', async () => {
    const preview = await a.data<PruneEntry[]>(a.get(`/nodes/${nodeOf()}/storage/local/prunebackups?vmid=${vmid}&prune-backups=${encodeURIComponent('keep-last=2')}`));
    const removed = preview.filter((e) => e.mark === 'remove').map((e) => e.volid).sort();
    expect(removed).toHaveLength(3);
    const upid = await a.data<string>(a.del(`/nodes/${nodeOf()}/storage/local/prunebackups?vmid=${vmid}&prune-backups=${encodeURIComponent('keep-last=2')}`));
    expect(upid).toContain(`:prunebackups:${vmid}@local:`);
    const task = await waitTask(sim, upid);
    expect(task.exitstatus).toBe('OK');
    expect(task.log.filter((l) => l.startsWith('removing backup'))).toHaveLength(3);
    expect(backupsOf()).toEqual(made.filter((v) => !removed.includes(v)));
  });

  it('DELETE on a storage without backups fails its task', async () => {
    const upid = await a.data<string>(a.del(`/nodes/${nodeOf()}/storage/local-zfs/prunebackups?prune-backups=${encodeURIComponent('keep-last=1')}`));
    expect((await waitTask(sim, upid)).exitstatus).toBe("storage 'local-zfs' does not support backups");
  });

  it('GET /nodes/{node}/time names the zone prune periods are counted in', async () => {
    expect(await a.data<{ timezone: string }>(a.get('/nodes/pve1/time'))).toMatchObject({ timezone: 'UTC' });
  });
});
