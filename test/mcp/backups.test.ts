// Backup tools over MCP on the simulator: list_backups (output schema), create_backups with the seed's body,
// and the confirm flow of delete_backups, asserting the simulator's true state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, textOf, type CallResult, type Harness } from './in-memory-server.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ vms: 60, taskDurationMs: 20 });
});
afterAll(() => h.close());

const sc = (r: CallResult) => r.structuredContent as Record<string, unknown>;
const content = (storage: string) => h.cluster.sim.state.storageContent(storage).filter((v) => v.content === 'backup');

describe('backup tools', () => {
  it('create_backups takes the seed body verbatim and list_backups shows the archives with their TTL', async () => {
    const r = await h.call('create_backups', {
      vmSelectors: [{ type: 'VM_IDS', value: '8200,8201,8202' }],
      storage: 'local',
      mode: 'snapshot',
      compress: 'zstd',
      notes: 'Pre-maintenance backup',
      ttlDays: 3,
      maxParallel: 3,
      dryRun: false,
    });
    expect(r.isError).toBeFalsy();
    expect(sc(r).status).toBe('succeeded');
    expect(content('local').filter((b) => b.notes === 'Pre-maintenance backup (TTL: 3d)').map((b) => b.vmid).sort()).toEqual([8200, 8201, 8202]);

    const list = await h.call('list_backups', { selector: 'id:8200-8202', storage: 'local' });
    expect(list.isError).toBeFalsy();
    const rows = sc(list).backups as Array<{ vmid: number; ttlDays?: number; expired: boolean; volid: string }>;
    expect(rows.map((b) => b.vmid)).toEqual([8200, 8201, 8202]);
    expect(rows.every((b) => b.ttlDays === 3 && !b.expired)).toBe(true);
    expect(textOf(list)).toMatch(/^3 backup\(s\)[.;]/);
  });

  it('delete_backups answers with the plan and a confirm token first; the confirmed call deletes', async () => {
    const volid = content('local').find((b) => b.vmid === 8200)!.volid;
    const args = { volids: [volid] };
    const plan = await h.call('delete_backups', args);
    expect(sc(plan).confirmToken).toMatch(/^mxc_/);
    expect(content('local').some((b) => b.volid === volid)).toBe(true);
    const done = await h.call('delete_backups', { ...args, confirm: sc(plan).confirmToken as string });
    expect(sc(done).status).toBe('succeeded');
    expect(content('local').some((b) => b.volid === volid)).toBe(false);
  });
});
