// Containers in backups: vzdump of a CT (a vzdump-lxc archive), the archive restored as a container (pct
// restore), and the restore drill (backup.verify) for containers: a scratch CT restored with its links down,
// started, destroyed. Asserted on the simulator's true state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';
import { ok } from '../fixtures/operation.js';

let c: TestCluster;
beforeAll(async () => {
  c = await startCluster({ taskDurationMs: 20 });
});
afterAll(async () => {
  await c.close();
});

const archives = (vmid: number) => c.sim.state.storageContent('backup-nfs').filter((v) => v.vmid === vmid && v.content === 'backup');

describe('container backups', () => {
  let volid = '';

  it('backs up a running container (snapshot mode): a vzdump-lxc tar archive on the storage', async () => {
    const before = archives(300).length;
    const op = ok(await c.core.run('backup.create', { vmSelectors: 'type:lxc id:300', storage: 'backup-nfs', notes: 'ct {{guestname}}' }));
    expect(op.targets[0]).toMatchObject({ guestType: 'lxc', state: 'succeeded' });
    const list = archives(300);
    expect(list.length).toBe(before + 1);
    volid = list.sort((a, b) => b.ctime - a.ctime)[0].volid;
    expect(volid).toMatch(/^backup-nfs:backup\/vzdump-lxc-300-\d{4}_\d{2}_\d{2}-\d{2}_\d{2}_\d{2}\.tar\.zst$/);
  });

  it('restores the container archive as a new container (pct restore, vzrestore) under a fresh id, on the CT\'s own storage', async () => {
    // pct restore without storage would use 'local' (no container volumes here): the plan names the CT's own.
    const dry = await c.core.run('backup.restore', { volid, name: 'ct-dns-restored', dryRun: true });
    expect(dry.targets[0].action).toMatch(/volumes on local-zfs: the storage of CT 300's rootfs/);
    const op = ok(await c.core.run('backup.restore', { volid, name: 'ct-dns-restored' }));
    const t = op.targets[0];
    expect(t.guestType).toBe('lxc');
    const ct = c.sim.state.vm(t.vmid)!;
    expect(ct).toMatchObject({ type: 'lxc', name: 'ct-dns-restored' });
    expect(String(ct.config.rootfs)).toMatch(new RegExp(`^local-zfs:subvol-${t.vmid}-disk-0,size=8G`));
    expect(c.sim.state.tasks().some((x) => x.type === 'vzrestore' && x.id === String(t.vmid) && x.exitstatus === 'OK')).toBe(true);
  });

  it('a restore drill of a container: scratch CT restored, links down, started, destroyed; the drill records its times', async () => {
    const idsBefore = new Set(c.sim.state.vms().map((v) => v.vmid));
    const op = ok(await c.core.run('backup.verify', { vmSelectors: 'id:300' }));
    const t = op.targets[0];
    expect(t).toMatchObject({ guestType: 'lxc', state: 'succeeded' });
    expect(t.message).toMatch(/drill OK: .*scratch CT \d+ destroyed/);
    const scratch = Number(t.phases[0].data?.scratch);
    expect(idsBefore.has(scratch)).toBe(false);
    // Gone again, and it really ran as a container: its vzrestore, vzstart and vzdestroy tasks.
    expect(c.sim.state.vm(scratch)).toBeUndefined();
    const types = c.sim.state.tasks().filter((x) => x.id === String(scratch)).map((x) => x.type);
    expect(types).toEqual(expect.arrayContaining(['vzrestore', 'vzstart', 'vzdestroy']));
    expect(t.phases[0].data).toMatchObject({ agent: false });
    expect(Number(t.phases[0].data?.restoreMs)).toBeGreaterThanOrEqual(0);
  });
});
