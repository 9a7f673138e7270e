// A container's move as moxxie records and describes it: restart mode for a running CT (history, plan,
// `moxxie migrate check` text), and the target storage checked for the content containers need (rootdir),
// asserted against the simulator's true state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkText } from '../../cli/migration-text.js';
import { fetchInventory } from '../../src/inventory/inventory.js';
import { checkTargetStorage, volumeContentFor } from '../../src/ops/migration/precondition.js';
import { migrationEntryOf } from '../../src/ops/migration/record.js';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';
import { ok } from '../fixtures/operation.js';

let c: TestCluster;
beforeAll(async () => {
  c = await startCluster({ taskDurationMs: 20 });
  // One stopped container to move offline (the demo's may all be running).
  const ct = c.sim.state.vms().filter((v) => v.type === 'lxc' && !v.template && v.status === 'running').at(-1)!;
  const op = await c.core.run('power', { vmSelectors: `id:${ct.vmid}`, operation: 'STOP' });
  if (op.status !== 'succeeded') throw new Error(`could not stop CT ${ct.vmid}: ${op.status}`);
}, 30_000);
afterAll(async () => {
  await c.close();
});

const NODES = ['pve1', 'pve2', 'pve3', 'pve4'];
const elsewhere = (vmid: number): string => NODES.find((n) => n !== c.sim.state.vm(vmid)!.node)!;
const runningCt = (): number => c.sim.state.vms().find((v) => v.type === 'lxc' && !v.template && v.status === 'running')!.vmid;
const stoppedCt = (): number => c.sim.state.vms().find((v) => v.type === 'lxc' && !v.template && v.status === 'stopped')!.vmid;

describe('restart mode for a running container', () => {
  it('the check and `moxxie migrate check` say restart, not online; a stopped CT is offline', async () => {
    const vmid = runningCt();
    const check = await c.core.checkMigration(vmid, elsewhere(vmid));
    expect(check.mode).toBe('restart');
    const text = checkText(check);
    expect(text).toMatch(/mode: restart \(shut down, moved, started: a container cannot move live\)/);
    expect(text).not.toMatch(/RAM/);
    const stopped = stoppedCt();
    expect((await c.core.checkMigration(stopped, elsewhere(stopped))).mode).toBe('offline');
    // A running VM still moves online.
    const vm = c.sim.state.vms().find((v) => v.type === 'qemu' && !v.template && v.status === 'running')!;
    expect((await c.core.checkMigration(vm.vmid, elsewhere(vm.vmid))).mode).toBe('online');
  });

  it('a running CT moved is recorded in the migration history as mode restart; a stopped one as offline', async () => {
    const running = runningCt();
    const stopped = stoppedCt();
    const to = elsewhere(running);
    const op = ok(await c.core.run('migrate', { vmSelectors: `id:${running}`, targetNode: to }));
    expect(c.sim.state.vm(running)).toMatchObject({ node: to, status: 'running' });
    expect(migrationEntryOf(op, op.targets[0])).toMatchObject({ vmid: running, to, mode: 'restart', stateBefore: 'running', stateAfter: 'running', status: 'succeeded' });
    const to2 = elsewhere(stopped);
    const op2 = ok(await c.core.run('migrate', { vmSelectors: `id:${stopped}`, targetNode: to2 }));
    expect(c.sim.state.vm(stopped)).toMatchObject({ node: to2, status: 'stopped' });
    expect(migrationEntryOf(op2, op2.targets[0])).toMatchObject({ vmid: stopped, mode: 'offline' });
  });
});

describe('target storage for containers', () => {
  it('a CT-only selection needs rootdir: images-only storage is refused naming the field, rootdir storage is used', async () => {
    const vmid = stoppedCt();
    const to = elsewhere(vmid);
    const storages = (await fetchInventory(c.client)).storages;
    const imagesOnly = storages.find((s) => s.content.includes('images') && !s.content.includes('rootdir'))!.storage;
    const both = storages.find((s) => s.content.includes('images') && s.content.includes('rootdir'))!.storage;
    await expect(c.core.run('migrate', { vmSelectors: `id:${vmid}`, targetNode: to, targetStorage: imagesOnly })).rejects.toThrow(
      new RegExp(`targetStorage: storage '${imagesOnly}' does not support container directories`),
    );
    expect(c.sim.state.vm(vmid)!.node).not.toBe(to);
    const op = ok(await c.core.run('migrate', { vmSelectors: `id:${vmid}`, targetNode: to, targetStorage: both }));
    expect(op.targets[0].state).toBe('succeeded');
    expect(c.sim.state.vm(vmid)!.node).toBe(to);
    expect(String(c.sim.state.vm(vmid)!.config.rootfs)).toMatch(new RegExp(`^${both}:`));
  });

  it('a storage with rootdir but not images is fine for containers, refused for a selection with VMs', async () => {
    const inv = await fetchInventory(c.client);
    // A directory storage for containers only, as PVE allows (content rootdir).
    inv.storages.push({ ...inv.storages[0], storage: 'ct-only', content: ['rootdir'] });
    const ct = inv.vms.find((v) => v.type === 'lxc')!;
    const vm = inv.vms.find((v) => v.type === 'qemu')!;
    expect(volumeContentFor([ct])).toEqual(['rootdir']);
    expect(() => checkTargetStorage(inv, 'ct-only', 'targetStorage', volumeContentFor([ct]))).not.toThrow();
    expect(() => checkTargetStorage(inv, 'ct-only', 'targetStorage', volumeContentFor([ct, vm]))).toThrow(/storage 'ct-only' does not support vm images/);
  });
});
