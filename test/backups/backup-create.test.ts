// Bulk backup against the simulator's true state: the seed's bodies verbatim (dry run and real), modes,
// compression, TTL marker, protection, removeOlder, per-node serialisation and the failure paths.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchInventory } from '../../src/inventory/inventory.js';
import { listBackups } from '../../src/ops/backup-list.js';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';

let c: TestCluster;
beforeAll(async () => {
  c = await startCluster({ vms: 80 });
});
afterAll(() => c.close());

type SimBackup = ReturnType<TestCluster['sim']['state']['storageContent']>[number];
const backupsIn = (storage: string, vmid?: number): SimBackup[] => c.sim.state.storageContent(storage).filter((v) => v.content === 'backup' && (vmid === undefined || v.vmid === vmid));
const vzdumpTasks = () => c.sim.state.tasks().filter((t) => t.type === 'vzdump');

describe('seed: Bulk Backup Operations', () => {
  it('by VM_IDS: the dry run plans each VM with what its mode does and changes nothing; the real run backs each up with the notes', async () => {
    const before = backupsIn('local').length;
    const tasksBefore = vzdumpTasks().length;
    const dry = await c.core.run('backup.create', {
      vmSelectors: [{ type: 'VM_IDS', value: '8200,8201,8202' }],
      storage: 'local',
      mode: 'snapshot',
      compress: 'zstd',
      notes: 'Pre-maintenance backup',
      dryRun: true,
    });
    expect(dry.status).toBe('planned');
    expect(dry.targets.map((t) => [t.vmid, t.state])).toEqual([[8200, 'planned'], [8201, 'planned'], [8202, 'planned']]);
    expect(dry.targets[0].action).toMatch(/^backup to local \(snapshot, zstd\); running: stays running/);
    expect(backupsIn('local').length).toBe(before);
    expect(vzdumpTasks().length).toBe(tasksBefore);

    const op = await c.core.run('backup.create', {
      vmSelectors: [{ type: 'VM_IDS', value: '8200,8201,8202' }],
      storage: 'local',
      mode: 'snapshot',
      compress: 'zstd',
      notes: 'Pre-maintenance backup',
      maxParallel: 3,
      dryRun: false,
    });
    expect(op.status).toBe('succeeded');
    for (const vmid of [8200, 8201, 8202]) {
      const made = backupsIn('local', vmid);
      expect(made).toHaveLength(1);
      expect(made[0]).toMatchObject({ notes: 'Pre-maintenance backup', protected: false, node: c.sim.state.vm(vmid)!.node });
      expect(made[0].volid).toMatch(new RegExp(`^local:backup/vzdump-qemu-${vmid}-.*\\.vma\\.zst$`));
      const t = op.targets.find((x) => x.vmid === vmid)!;
      expect(t.phases.map((p) => [p.name, p.state])).toEqual([['backup', 'succeeded']]);
      expect(t.message).toContain(made[0].volid);
    }
  });

  it('by NAME_PATTERN workshop-wk-*: every worker once, one vzdump per node at a time (none waits for the global lock)', async () => {
    const tasksBefore = new Set(vzdumpTasks().map((t) => t.upid));
    const op = await c.core.run('backup.create', {
      vmSelectors: [{ type: 'NAME_PATTERN', value: 'workshop-wk-*' }],
      storage: 'local',
      mode: 'snapshot',
      compress: 'zstd',
      notes: 'Worker nodes backup',
      maxParallel: 2,
    });
    expect(op.targets).toHaveLength(10);
    expect(op.summary!.counts.succeeded).toBe(10);
    for (let id = 8200; id <= 8209; id++) expect(backupsIn('local', id).some((b) => b.notes === 'Worker nodes backup')).toBe(true);
    const mine = vzdumpTasks().filter((t) => !tasksBefore.has(t.upid));
    expect(mine).toHaveLength(10);
    expect(mine.every((t) => !t.log.some((l) => l.includes('trying to get global lock')))).toBe(true);
  });

  it('by TAG_EXPRESSION env-prod AND client-acme with ttlDays 30 and protectBackup: protected archives carrying the TTL marker', async () => {
    const expected = c.sim.state.vms().filter((v) => !v.template && v.tags.includes('env-prod') && v.tags.includes('client-acme')).map((v) => v.vmid);
    expect(expected.length).toBeGreaterThan(0);
    const op = await c.core.run('backup.create', {
      vmSelectors: [{ type: 'TAG_EXPRESSION', value: 'env-prod AND client-acme' }],
      storage: 'local',
      mode: 'snapshot',
      compress: 'zstd',
      notes: 'Production backup',
      ttlDays: 30,
      protectBackup: true,
      maxParallel: 5,
    });
    expect(op.status).toBe('succeeded');
    expect(op.targets.map((t) => t.vmid)).toEqual(expected);
    const inv = await fetchInventory(c.client);
    const listed = await listBackups(c.client, inv, { vmids: expected, storage: 'local' });
    for (const vmid of expected) {
      const made = backupsIn('local', vmid).filter((b) => b.notes === 'Production backup (TTL: 30d)');
      expect(made).toHaveLength(1);
      expect(made[0].protected).toBe(true);
      const entry = listed.find((b) => b.volid === made[0].volid)!;
      expect(entry).toMatchObject({ ttlDays: 30, protected: true, compression: 'zst' });
      expect(entry.expiresAt).toBe(entry.ctime * 1000 + 30 * 86_400_000);
    }
  });

  it('with stop mode, lzo and mailNotification failure (body verbatim): the dry run says the VM is shut down and started again', async () => {
    const body = {
      vmSelectors: [{ type: 'TAG_EXPRESSION', value: 'backup-stop-required' }],
      storage: 'local',
      mode: 'stop',
      compress: 'lzo',
      notes: 'Consistent backup with VM stop',
      mailNotification: 'failure',
    };
    const tagged = c.sim.state.vms().filter((v) => v.tags.includes('backup-stop-required'));
    const verbatim = await c.core.run('backup.create', body);
    expect(verbatim.targets).toHaveLength(tagged.length);
    // The same body on VMs that exist here: a running one is stopped for the backup and runs again after it.
    const running = c.sim.state.vms().find((v) => v.type === 'qemu' && v.status === 'running' && !v.template && !v.lock && !v.tags.includes('always-on'))!;
    const one = { ...body, vmSelectors: [{ type: 'VM_IDS', value: String(running.vmid) }] };
    const dry = await c.core.run('backup.create', { ...one, dryRun: true });
    expect(dry.targets[0].action).toContain('running: shut down for the backup, then started again');
    const op = await c.core.run('backup.create', one);
    expect(op.status).toBe('succeeded');
    const made = backupsIn('local', running.vmid).find((b) => b.notes === 'Consistent backup with VM stop')!;
    expect(made.volid).toMatch(/\.vma\.lzo$/);
    expect(c.sim.state.vm(running.vmid)!.status).toBe('running');
    const task = vzdumpTasks().find((t) => t.id === String(running.vmid) && t.log.some((l) => l.includes('--mode stop')))!;
    expect(task.log).toContain('INFO: stopping virtual guest');
  });
});

describe('modes, compression, notes variables', () => {
  it('each compression gives its archive format; suspend leaves a running VM running; notes variables are PVE\'s', async () => {
    const vm = c.sim.state.vms().find((v) => v.type === 'qemu' && v.status === 'running' && !v.template && !v.lock && v.node === 'pve3')!;
    const formats: Record<string, string> = { zstd: 'vma.zst', gzip: 'vma.gz', lzo: 'vma.lzo', '0': 'vma' };
    for (const [compress, format] of Object.entries(formats)) {
      const op = await c.core.run('backup.create', { vmSelectors: `id:${vm.vmid}`, storage: 'backup-nfs', mode: 'suspend', compress, notes: `{{guestname}} on {{node}} #${compress}` });
      expect(op.status).toBe('succeeded');
      const made = backupsIn('backup-nfs', vm.vmid).find((b) => b.notes === `${vm.name} on pve3 #${compress}`)!;
      expect(made.volid.endsWith(`.${format}`)).toBe(true);
    }
    expect(c.sim.state.vm(vm.vmid)!.status).toBe('running');
  });

  it('refuses an unknown notes variable, a TTL out of range and an unknown field before anything runs', async () => {
    const tasks = vzdumpTasks().length;
    await expect(c.core.run('backup.create', { vmSelectors: 'id:8200', storage: 'local', notes: '{{hostname}} nightly' })).rejects.toThrow(/notes: unknown variable '\{\{hostname\}\}'.*\{\{guestname\}\}/);
    await expect(c.core.run('backup.create', { vmSelectors: 'id:8200', storage: 'local', ttlDays: 4000 })).rejects.toThrow(/ttlDays: must be an integer from 1 to 3653/);
    await expect(c.core.run('backup.create', { vmSelectors: 'id:8200', storage: 'local', maxParallel: 21 })).rejects.toThrow(/maxParallel/);
    await expect(c.core.run('backup.create', { vmSelectors: 'id:8200', storage: 'local', compression: 'zstd' })).rejects.toThrow(/unknown field 'compression'; did you mean 'compress'/);
    expect(vzdumpTasks().length).toBe(tasks);
  });

  it('removeOlder deletes the VM\'s older unprotected backups on that storage and keeps the protected ones', async () => {
    const vmid = 8204;
    await c.core.run('backup.create', { vmSelectors: `id:${vmid}`, storage: 'local', notes: 'old one' });
    await c.core.run('backup.create', { vmSelectors: `id:${vmid}`, storage: 'local', notes: 'old protected', protectBackup: true });
    const before = backupsIn('local', vmid);
    expect(before.length).toBeGreaterThanOrEqual(3);
    const op = await c.core.run('backup.create', { vmSelectors: `id:${vmid}`, storage: 'local', notes: 'fresh', removeOlder: 0 });
    expect(op.status).toBe('succeeded');
    const after = backupsIn('local', vmid);
    expect(after.filter((b) => !b.protected).map((b) => b.notes)).toEqual(['fresh']);
    expect(after.some((b) => b.notes === 'old protected' && b.protected)).toBe(true);
    expect(op.targets[0].phases.at(-1)!.message).toMatch(/^deleted \d+ older backups?/);
  });
});

describe('failure paths', () => {
  it('a storage that does not exist or holds no backups is refused naming the field', async () => {
    await expect(c.core.run('backup.create', { vmSelectors: 'id:8200', storage: 'nope' })).rejects.toThrow(/storage: no storage 'nope'.*backup storages: /);
    await expect(c.core.run('backup.create', { vmSelectors: 'id:8200', storage: 'local-zfs' })).rejects.toThrow(/storage: storage 'local-zfs' does not hold backups/);
  });

  it('a failed vzdump task fails the target with PVE\'s reason and leaves no archive', async () => {
    const vmid = 8205;
    const before = backupsIn('backup-nfs', vmid).length;
    c.sim.faults.set({ taskFailureRate: 1 });
    try {
      const op = await c.core.run('backup.create', { vmSelectors: `id:${vmid}`, storage: 'backup-nfs' });
      expect(op.status).toBe('failed');
      expect(op.targets[0].message).toContain('simulated task failure');
      expect(op.targets[0].phases[0].state).toBe('failed');
    } finally {
      c.sim.faults.set({ taskFailureRate: 0 });
    }
    expect(backupsIn('backup-nfs', vmid).length).toBe(before);
  });

  it('a VM locked by another task is retried, then fails with the lock named', async () => {
    const vm = c.sim.state.vms().find((v) => v.type === 'qemu' && v.status === 'stopped' && !v.template && !v.lock && v.node === 'pve2')!;
    c.sim.faults.set({ taskDurationMs: 3000 });
    const { postQemuSnapshot } = await import('../../src/pve/endpoints/qemu.js');
    const upid = await postQemuSnapshot(c.client, vm.node, vm.vmid, { snapname: 'holds-the-lock' });
    c.sim.faults.set({ taskDurationMs: 30 });
    expect(c.sim.state.vm(vm.vmid)!.lock).toBe('snapshot');
    const op = await c.core.run('backup.create', { vmSelectors: `id:${vm.vmid}`, storage: 'local' });
    expect(op.status).toBe('failed');
    expect(op.targets[0].message).toMatch(/VM is locked \(snapshot\).*gave up after \d+ retries/);
    await c.client.waitForTask(upid, { timeoutMs: 10_000 });
  });

  it('an offline node: its VMs fail as not attempted, the others are backed up', async () => {
    const onPve4 = c.sim.state.vms().filter((v) => v.node === 'pve4' && v.type === 'qemu' && !v.template).slice(0, 1);
    const onPve1 = c.sim.state.vms().filter((v) => v.node === 'pve1' && v.type === 'qemu' && !v.template && !v.lock).slice(0, 1);
    c.sim.faults.set({ offlineNodes: ['pve4'] });
    try {
      const op = await c.core.run('backup.create', { vmSelectors: `id:${[...onPve4, ...onPve1].map((v) => v.vmid).join(',')}`, storage: 'backup-nfs', notes: 'offline-test' });
      expect(op.status).toBe('partial');
      const down = op.targets.find((t) => t.vmid === onPve4[0].vmid)!;
      expect(down).toMatchObject({ state: 'failed' });
      expect(down.message).toMatch(/node pve4 is offline; not attempted/);
      expect(backupsIn('backup-nfs', onPve1[0].vmid).some((b) => b.notes === 'offline-test')).toBe(true);
      expect(backupsIn('backup-nfs', onPve4[0].vmid).some((b) => b.notes === 'offline-test')).toBe(false);
    } finally {
      c.sim.faults.set({ offlineNodes: [] });
    }
  });
});
