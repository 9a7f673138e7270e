// Migration, drain and undrain against the simulator's true state: the seed's four migrate examples, its
// precondition check and history, the five behaviours, the offline fallback, a mixed drain with
// anti-affinity and an undrain, and a target node that goes offline mid-drain.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHistory, type HistoryStore } from '../../src/history/store.js';
import { needsConfirmation } from '../../src/ops/capabilities/index.js';
import { createCore } from '../../src/ops/core.js';
import { PveClient } from '../../src/pve/client.js';
import { fetchInventory } from '../../src/inventory/inventory.js';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';
import { tempDir } from '../fixtures/temp-dirs.js';
import { until } from '../fixtures/wait.js';

let c: TestCluster;
let history: HistoryStore;
let haManaged = new Set<number>();
beforeAll(async () => {
  history = await openHistory({ dir: tempDir('migration') });
  c = await startCluster({ vms: 80, taskDurationMs: 10, faults: { migrationMsPerGiB: 0.5 } }, { recorder: history });
  // HA-managed guests move through PVE's HA stack (hamigrate), which these behaviours are not about.
  haManaged = new Set((await fetchInventory(c.client)).vms.filter((v) => v.hastate).map((v) => v.vmid));
});
afterAll(async () => {
  await c.close();
  await history.close();
});

const vmOf = (vmid: number) => c.sim.state.vm(vmid)!;
const tasksOf = (vmid: number, type: string) => c.sim.state.tasks().filter((t) => t.id === String(vmid) && t.type === type);
const ids = (value: string) => [{ type: 'VM_IDS' as const, value }];
/** A qemu VM on `node` in `status` that no test has used yet. */
const used = new Set<number>();
function pick(node: string, status: 'running' | 'stopped', pred: (v: ReturnType<typeof vmOf>) => boolean = () => true): number {
  const vm = c.sim.state.vms().find((v) => v.node === node && v.status === status && v.type === 'qemu' && !v.template && !v.lock && v.vmid < 8200 && !used.has(v.vmid) && !haManaged.has(v.vmid) && pred(v));
  if (!vm) throw new Error(`no ${status} VM left on ${node}`);
  used.add(vm.vmid);
  return vm.vmid;
}

describe('seed migrate examples', () => {
  it('simple: a running VM moves online (local disks detected) and runs on the target', async () => {
    expect(vmOf(8200)).toMatchObject({ node: 'pve1', status: 'running' });
    const op = await c.core.run('migrate', { vmSelectors: ids('8200'), targetNode: 'pve2' });
    expect(op.status).toBe('succeeded');
    expect(vmOf(8200)).toMatchObject({ node: 'pve2', status: 'running', lock: undefined });
    const migrations = tasksOf(8200, 'qmigrate');
    expect(migrations).toHaveLength(1);
    expect(migrations[0].exitstatus).toBe('OK');
    expect(migrations[0].log.some((l) => l.includes('starting online/live migration'))).toBe(true);
    expect(op.targets[0].phases.find((p) => p.name === 'migrate')!.data).toMatchObject({ mode: 'online' });
    expect(tasksOf(8200, 'qmshutdown')).toHaveLength(0);
  });

  it('offline fallback: the live move fails, the VM is stopped, moved offline and started on the target', async () => {
    const vmid = pick('pve3', 'running');
    c.sim.setGuestBehaviour(vmid, { failsOnlineMigration: true });
    const request = { vmSelectors: ids(String(vmid)), targetNode: 'pve2', allowOfflineMigration: true };
    // It may stop a running VM: every front end confirms it.
    expect(needsConfirmation('migrate', request, { safeMode: false })).toBe(true);
    const op = await c.core.run('migrate', request);
    expect(op.status).toBe('succeeded');
    expect(vmOf(vmid)).toMatchObject({ node: 'pve2', status: 'running' });
    const moves = tasksOf(vmid, 'qmigrate');
    expect(moves.map((t) => t.exitstatus)).toEqual(['migration aborted', 'OK']);
    expect(tasksOf(vmid, 'qmshutdown')).toHaveLength(1);
    expect(tasksOf(vmid, 'qmstart').at(-1)!.node).toBe('pve2');
    const phases = Object.fromEntries(op.targets[0].phases.map((p) => [p.name, p.message]));
    expect(phases.migrate).toMatch(/online migration failed \(migration aborted\); moving it offline/);
    expect(phases['offline-migrate']).toBe('offline to pve2');
    expect(phases.start).toBe('started on pve2');
  });

  it('local disks with a bandwidth limit: the task honours bwlimit', async () => {
    const vmid = pick('pve4', 'running');
    const op = await c.core.run('migrate', { vmSelectors: ids(String(vmid)), targetNode: 'pve2', withLocalDisks: true, bwlimit: 51200, allowOfflineMigration: true });
    expect(op.status).toBe('succeeded');
    expect(vmOf(vmid)).toMatchObject({ node: 'pve2', status: 'running' });
    const task = tasksOf(vmid, 'qmigrate')[0];
    expect(task.log.some((l) => l.includes('bandwidth limit of 51200 KiB/s'))).toBe(true);
  });

  it('force with a target storage mapping (root@pam): PVE gets force and targetstorage', async () => {
    const root = new PveClient({ url: c.sim.url, auth: { username: 'root', password: c.sim.credentials.password, realm: 'pam' }, tls: { fingerprint: c.sim.fingerprint }, taskPollIntervalMs: 20 });
    const core = createCore({ context: { name: 'root', url: c.sim.url, readOnly: false, safeMode: false, demo: false }, client: root });
    try {
      const vmid = pick('pve1', 'running');
      const request = { vmSelectors: ids(String(vmid)), targetNode: 'pve2', force: true, targetStorage: 'local-zfs', withLocalDisks: true };
      expect(needsConfirmation('migrate', request, { safeMode: false })).toBe(true);
      const op = await core.run('migrate', request);
      expect(op.status).toBe('succeeded');
      expect(vmOf(vmid)).toMatchObject({ node: 'pve2', status: 'running' });
      expect(String(vmOf(vmid).config.scsi0)).toMatch(/^local-zfs:/);
    } finally {
      await core.close();
      await root.close();
    }
  });

  it('force is root-only in PVE: with an API token the move fails with PVE’s words and the VM stays', async () => {
    const vmid = pick('pve1', 'running');
    const op = await c.core.run('migrate', { vmSelectors: ids(String(vmid)), targetNode: 'pve2', force: true });
    expect(op.status).toBe('failed');
    expect(op.targets[0].message).toContain('Only root may use this option');
    expect(vmOf(vmid).node).toBe('pve1');
  });
});

describe('precondition check and refusals', () => {
  it("check: PVE's precondition summed up (online, local disks, allowed), an offline target is not allowed", async () => {
    const vmid = pick('pve1', 'running');
    const check = await c.core.checkMigration(vmid, 'pve3');
    expect(check).toMatchObject({ vmid, node: 'pve1', target: 'pve3', allowed: true, mode: 'online', withLocalDisks: true, reasons: [] });
    expect(check.localDisks[0].volid).toBe(`local-zfs:vm-${vmid}-disk-0`);
    c.sim.faults.set({ offlineNodes: ['pve4'] });
    try {
      const off = await c.core.checkMigration(vmid, 'pve4');
      expect(off.allowed).toBe(false);
      expect(off.reasons).toContain('node pve4 is offline');
    } finally {
      c.sim.faults.set({ offlineNodes: [] });
    }
    await expect(c.core.checkMigration(vmid, 'hv2')).rejects.toThrow(/target: no node 'hv2' in this cluster \(nodes: pve1, pve2, pve3, pve4\)/);
  });

  it('a target storage that cannot hold images is refused before anything runs', async () => {
    const vmid = pick('pve1', 'stopped');
    const before = c.sim.state.tasks().length;
    await expect(c.core.run('migrate', { vmSelectors: ids(String(vmid)), targetNode: 'pve2', targetStorage: 'local' })).rejects.toThrow(/targetStorage: storage 'local' does not support vm images/);
    await expect(c.core.run('migrate', { vmSelectors: ids(String(vmid)), targetNode: 'pve2', targetStorage: 'local-zfs:backup-nfs' })).rejects.toThrow(/storage 'backup-nfs' does not support vm images/);
    expect(c.sim.state.tasks().length).toBe(before);
    expect(vmOf(vmid).node).toBe('pve1');
  });

  it('unknown fields and bad values are refused naming the field', async () => {
    await expect(c.core.run('migrate', { vmSelectors: ids('8201'), targetNode: 'pve1', bwLimit: 5 })).rejects.toThrow(/unknown field 'bwLimit'; did you mean 'bwlimit'\?/);
    await expect(c.core.run('migrate', { vmSelectors: ids('8201'), targetNode: 'pve1', migrationType: 'fast' })).rejects.toThrow(/migrationType: 'fast' is not valid; use one of secure, insecure/);
    await expect(c.core.run('migrate', { vmSelectors: ids('8201'), targetNode: 'pve1', migrationNetwork: '10.0.0.0' })).rejects.toThrow(/migrationNetwork: must be a CIDR/);
    await expect(c.core.run('migrate', { vmSelectors: ids('8201') })).rejects.toThrow(/targetNode: required/);
  });
});

describe('the five behaviours', () => {
  it('1 and 2: running moves online, stopped moves offline; a VM already on the target is skipped', async () => {
    const running = pick('pve2', 'running');
    const stopped = pick('pve2', 'stopped');
    const already = pick('pve3', 'running');
    const op = await c.core.run('migrate', { vmSelectors: ids(`${running},${stopped},${already}`), targetNode: 'pve3' });
    expect(op.status).toBe('succeeded');
    const by = Object.fromEntries(op.targets.map((t) => [t.vmid, t]));
    expect(by[already]).toMatchObject({ state: 'skipped', message: 'already on pve3' });
    expect(by[running].phases.find((p) => p.name === 'migrate')!.data!.mode).toBe('online');
    expect(by[stopped].phases.find((p) => p.name === 'migrate')!.data!.mode).toBe('offline');
    expect(vmOf(running)).toMatchObject({ node: 'pve3', status: 'running' });
    expect(vmOf(stopped)).toMatchObject({ node: 'pve3', status: 'stopped' });
    expect(tasksOf(already, 'qmigrate')).toHaveLength(0);
  });

  it('3: a failed live move is an error without allowOfflineMigration; the VM keeps running where it was', async () => {
    const vmid = pick('pve2', 'running');
    c.sim.setGuestBehaviour(vmid, { failsOnlineMigration: true });
    const op = await c.core.run('migrate', { vmSelectors: ids(String(vmid)), targetNode: 'pve4' });
    expect(op.status).toBe('failed');
    expect(op.targets[0].message).toMatch(/online migration failed: migration aborted \(allowOfflineMigration is off; it stays where it is\)/);
    expect(vmOf(vmid)).toMatchObject({ node: 'pve2', status: 'running', lock: undefined });
    expect(tasksOf(vmid, 'qmshutdown')).toHaveLength(0);
  });

  it('4: a VM running before is running after; one whose offline move fails is started again where it is', async () => {
    const vmid = pick('pve2', 'running');
    c.sim.setGuestBehaviour(vmid, { failsOnlineMigration: true });
    // The target goes away once the fallback has stopped the VM: the offline move fails, the VM runs again on pve2.
    const stops = tasksOf(vmid, 'qmshutdown').length;
    const run = c.core.run('migrate', { vmSelectors: ids(String(vmid)), targetNode: 'pve4', allowOfflineMigration: true });
    await until('the fallback stopped it', () => tasksOf(vmid, 'qmshutdown').length > stops && vmOf(vmid).status === 'stopped');
    c.sim.faults.set({ offlineNodes: ['pve4'] });
    try {
      const op = await run;
      expect(op.status).toBe('failed');
      expect(op.targets[0].message).toMatch(/offline migration failed: .*started it again on pve2/);
      expect(vmOf(vmid)).toMatchObject({ node: 'pve2', status: 'running' });
    } finally {
      c.sim.faults.set({ offlineNodes: [] });
    }
  });

  it('5: every migration is in the history with source, target, mode, states, times, UPIDs and front end (the seed: GET …/migrate/history)', async () => {
    await history.flush();
    const records = await history.listMigrations({ vmid: 8200 });
    expect(records).toHaveLength(1);
    const m = records[0];
    expect(m).toMatchObject({ vmid: 8200, from: 'pve1', to: 'pve2', status: 'succeeded', mode: 'online', stateBefore: 'running', stateAfter: 'running', operationKind: 'migrate', frontEnd: 'cli' });
    expect(m.upids!.length).toBeGreaterThan(0);
    expect(m.upids!.every((u) => c.sim.state.tasks().some((t) => t.upid === u))).toBe(true);
    expect(m.durationMs).toBeGreaterThanOrEqual(0);
    expect(m.finishedAt).toBeGreaterThanOrEqual(m.at);
    const failed = (await history.listMigrations()).filter((x) => x.status === 'failed');
    expect(failed.some((x) => /online migration failed/.test(x.error ?? ''))).toBe(true);
    const fallback = (await history.listMigrations()).find((x) => x.fallback && x.status === 'succeeded');
    expect(fallback).toMatchObject({ mode: 'online, then offline', stateBefore: 'running', stateAfter: 'running', status: 'succeeded' });
  });
});

describe('timeouts', () => {
  it('a move that overruns its task timeout fails, its task is stopped and the VM stays, unlocked', async () => {
    const vmid = pick('pve3', 'stopped');
    const core = createCore({ context: { name: 'cap', url: c.sim.url, readOnly: false, safeMode: false, demo: false }, client: c.client, taskTimeoutMs: 150 });
    c.sim.faults.set({ migrationMsPerGiB: 200 });
    try {
      const op = await core.run('migrate', { vmSelectors: ids(String(vmid)), targetNode: 'pve1' });
      expect(op.status).toBe('failed');
      expect(op.targets[0].message).toMatch(/the offline migration did not finish in time .*; its task UPID:pve3:.* was stopped/);
      const task = tasksOf(vmid, 'qmigrate').at(-1)!;
      await until('the stopped task ended', () => c.sim.state.tasks().find((t) => t.upid === task.upid)?.status === 'stopped');
      expect(c.sim.state.tasks().find((t) => t.upid === task.upid)!.exitstatus).toBe('interrupted by signal');
      expect(vmOf(vmid)).toMatchObject({ node: 'pve3', lock: undefined });
    } finally {
      c.sim.faults.set({ migrationMsPerGiB: 0.5 });
      await core.close();
    }
  });
});
