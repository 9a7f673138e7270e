// Protect / unprotect, notes, delete, restore and restore drills against the simulator's true state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needsConfirmation } from '../../src/ops/capabilities/index.js';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';

let c: TestCluster;
beforeAll(async () => {
  c = await startCluster();
});
afterAll(() => c.close());

const backupsIn = (storage: string, vmid?: number) => c.sim.state.storageContent(storage).filter((v) => v.content === 'backup' && (vmid === undefined || v.vmid === vmid));

async function backUp(vmid: number, storage = 'backup-nfs', extra: Record<string, unknown> = {}): Promise<string> {
  const op = await c.core.run('backup.create', { vmSelectors: `id:${vmid}`, storage, ...extra });
  expect(op.status).toBe('succeeded');
  return String(op.targets[0].phases[0].data!.volid);
}

describe('protect, notes, delete', () => {
  it('protects; a protected backup is refused with PVE\'s reason; unprotected it is deleted', async () => {
    const volid = await backUp(8201, 'backup-nfs', { notes: 'to delete', ttlDays: 7 });
    expect(needsConfirmation('backup.delete', { volids: [volid] })).toBe(true);
    expect(needsConfirmation('backup.protect', { volids: [volid] })).toBe(false);

    const prot = await c.core.run('backup.protect', { volids: [volid] });
    expect(prot.status).toBe('succeeded');
    expect(backupsIn('backup-nfs').find((b) => b.volid === volid)!.protected).toBe(true);
    const again = await c.core.run('backup.protect', { volids: [volid] });
    expect(again.targets[0]).toMatchObject({ state: 'skipped', message: 'already protected' });

    const refused = await c.core.run('backup.delete', { volids: [volid] });
    expect(refused.status).toBe('failed');
    expect(refused.targets[0].message).toMatch(/^cannot remove protected volume '.*' on 'backup-nfs'$/);
    expect(backupsIn('backup-nfs').some((b) => b.volid === volid)).toBe(true);

    const notes = await c.core.run('backup.notes', { volids: [volid], notes: 'checked by hand' });
    expect(notes.status).toBe('succeeded');
    expect(backupsIn('backup-nfs').find((b) => b.volid === volid)!.notes).toBe('checked by hand (TTL: 7d)');

    expect((await c.core.run('backup.unprotect', { volids: [volid] })).status).toBe('succeeded');
    expect(backupsIn('backup-nfs').find((b) => b.volid === volid)!.protected).toBe(false);
    const dry = await c.core.run('backup.delete', { volids: [volid], dryRun: true });
    expect(dry.targets[0]).toMatchObject({ state: 'planned', action: 'delete', kind: 'volume', vmid: 8201 });
    expect(backupsIn('backup-nfs').some((b) => b.volid === volid)).toBe(true);
    const del = await c.core.run('backup.delete', { volids: [volid] });
    expect(del.status).toBe('succeeded');
    expect(backupsIn('backup-nfs').some((b) => b.volid === volid)).toBe(false);
  });

  it('an unknown volid is a failed target saying it was not found; a malformed one is refused naming the field', async () => {
    const op = await c.core.run('backup.delete', { volids: ['backup-nfs:backup/vzdump-qemu-1-2020_01_01-00_00_00.vma.zst'] });
    expect(op.targets[0]).toMatchObject({ state: 'failed' });
    expect(op.targets[0].message).toMatch(/not found/);
    await expect(c.core.run('backup.delete', { volids: ['not a volid'] })).rejects.toThrow(/volids\[0\]: 'not a volid' is not a volid/);
  });
});

describe('restore', () => {
  it('restores to a new id by default: a VM of the archive, fresh MACs, the chosen name and started', async () => {
    const volid = await backUp(8202);
    const source = c.sim.state.vm(8202)!;
    const before = new Set(c.sim.state.vms().map((v) => v.vmid));
    const op = await c.core.run('backup.restore', { volid, name: 'restored-8202', start: true, storage: 'local-zfs' });
    expect(op.status).toBe('succeeded');
    const created = c.sim.state.vms().filter((v) => !before.has(v.vmid));
    expect(created).toHaveLength(1);
    const vm = created[0];
    expect(vm).toMatchObject({ name: 'restored-8202', type: 'qemu', status: 'running', node: source.node });
    expect(vm.lock).toBeUndefined();
    expect(op.targets[0].vmid).toBe(vm.vmid);
    expect(String(vm.config.net0).slice(0, 26)).not.toBe(String(source.config.net0).slice(0, 26));
    expect(String(vm.config.scsi0)).toMatch(new RegExp(`^local-zfs:vm-${vm.vmid}-disk-0`));
  });

  it('refuses an existing id without force; overwrites a stopped VM with force (confirmed); never a running one', async () => {
    const stopped = c.sim.state.vms().find((v) => v.type === 'qemu' && v.status === 'stopped' && !v.template && !v.lock && !v.protection)!;
    const volid = await backUp(stopped.vmid);
    await expect(c.core.run('backup.restore', { volid, vmid: stopped.vmid })).rejects.toThrow(/vmid: VM \d+ .* exists; restore to a new id .* or overwrite it with force/);
    expect(needsConfirmation('backup.restore', { volid, vmid: stopped.vmid, force: true })).toBe(true);
    expect(needsConfirmation('backup.restore', { volid })).toBe(false);
    const restoreTasks = () => c.sim.state.tasks().filter((t) => t.type === 'qmrestore' && t.id === String(stopped.vmid)).length;
    const op = await c.core.run('backup.restore', { volid, vmid: stopped.vmid, force: true });
    expect(op.status).toBe('succeeded');
    expect(restoreTasks()).toBe(1);
    expect(c.sim.state.vm(stopped.vmid)).toMatchObject({ name: stopped.name, status: 'stopped', node: stopped.node });

    const running = c.sim.state.vms().find((v) => v.type === 'qemu' && v.status === 'running' && !v.template && !v.lock && v.node === stopped.node && v.vmid !== stopped.vmid)!;
    const runVolid = await backUp(running.vmid);
    const refused = await c.core.run('backup.restore', { volid: runVolid, vmid: running.vmid, force: true });
    expect(refused.status).toBe('failed');
    expect(refused.targets[0].message).toMatch(/is running: PVE never restores onto a running guest/);
    expect(c.sim.state.vm(running.vmid)!.status).toBe('running');
  });

  it('restores a container archive as a container', async () => {
    const volid = await backUp(300);
    const before = new Set(c.sim.state.vms().map((v) => v.vmid));
    const op = await c.core.run('backup.restore', { volid, storage: 'local-zfs' });
    expect(op.status).toBe('succeeded');
    const created = c.sim.state.vms().filter((v) => !before.has(v.vmid));
    expect(created.map((v) => [v.type, v.name])).toEqual([['lxc', 'ct-dns']]);
    expect(c.sim.state.tasks().some((t) => t.type === 'vzrestore' && t.id === String(created[0].vmid) && t.exitstatus === 'OK')).toBe(true);
  });
});

describe('restore drill (backup.verify)', () => {
  it('restores the newest backup to a scratch VM, boots it (agent answers), destroys it, and records the figures', async () => {
    await backUp(8203);
    const newestVolid = await backUp(8203, 'backup-nfs', { notes: 'newest' });
    const before = c.sim.state.vms().map((v) => v.vmid);
    const op = await c.core.run('backup.verify', { vmSelectors: 'id:8203' });
    expect(op.status).toBe('succeeded');
    const t = op.targets[0];
    expect(t.action).toContain(newestVolid);
    expect(t.phases.map((p) => [p.name, p.state])).toEqual([['restore', 'succeeded'], ['start', 'succeeded'], ['wait-running', 'succeeded'], ['destroy', 'succeeded']]);
    expect(t.message).toMatch(/^drill OK: backup \d+m old, restored in [\d.]+s, running after [\d.]+s \(agent answered\); scratch VM \d+ destroyed$/);
    const scratch = Number(t.phases[0].data!.scratch);
    expect(before).not.toContain(scratch);
    expect(c.sim.state.vms().map((v) => v.vmid)).toEqual(before);
    const tasks = c.sim.state.tasks().filter((x) => x.id === String(scratch)).map((x) => x.type);
    expect(tasks).toEqual(expect.arrayContaining(['qmrestore', 'qmstart', 'qmstop', 'qmdestroy']));
    expect(typeof t.phases[0].data!.restoreMs).toBe('number');
    expect(t.phases[0].data!.backupAgeSeconds).toBeGreaterThanOrEqual(0);
  });

  it('a VM without a backup is skipped; a failing restore names the step and leaves nothing behind', async () => {
    const noBackup = c.sim.state.vms().find((v) => v.type === 'qemu' && !v.template && backupsIn('backup-nfs', v.vmid).length === 0 && backupsIn('local', v.vmid).length === 0)!;
    const skipped = await c.core.run('backup.verify', { vmSelectors: `id:${noBackup.vmid}`, dryRun: true });
    expect(skipped.targets[0]).toMatchObject({ state: 'skipped', message: 'no backup to drill' });
    const before = c.sim.state.vms().map((v) => v.vmid);
    c.sim.faults.set({ taskFailureRate: 1 });
    try {
      const op = await c.core.run('backup.verify', { vmSelectors: 'id:8203' });
      expect(op.status).toBe('failed');
      expect(op.targets[0].message).toMatch(/^drill failed at restore: /);
    } finally {
      c.sim.faults.set({ taskFailureRate: 0 });
    }
    expect(c.sim.state.vms().map((v) => v.vmid)).toEqual(before);
  });
});
