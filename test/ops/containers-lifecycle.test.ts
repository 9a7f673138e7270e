// Containers (pct) in clone, delete, resize, migrate and node drain, through core.run against the simulator,
// asserting its true state: where the CT is, its config, the vz* tasks, and PVE's refusals made in the plan.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestError } from '../../src/ops/errors.js';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';
import { ok } from '../fixtures/operation.js';

let c: TestCluster;
beforeAll(async () => {
  c = await startCluster({ taskDurationMs: 20 });
});
afterAll(async () => {
  await c.close();
});

const lastTask = (vmid: number, type: string) => c.sim.state.tasks().filter((t) => t.id === String(vmid) && t.type === type).at(-1);

describe('resize of container volumes', () => {
  it('grows rootfs of a container (pct resize); a VM in the same selection is skipped: rootfs is not its disk', async () => {
    const op = ok(await c.core.run('vm.resize', { vmSelectors: 'id:100,300', disk: 'rootfs', size: '+2G' }));
    expect(op.targets.find((t) => t.vmid === 100)).toMatchObject({ state: 'skipped', guestType: 'qemu' });
    expect(op.targets.find((t) => t.vmid === 300)).toMatchObject({ state: 'succeeded', guestType: 'lxc' });
    expect(String(c.sim.state.vm(300)!.config.rootfs)).toBe('local-zfs:subvol-300-disk-0,size=10G');
    expect(lastTask(300, 'resize')).toMatchObject({ exitstatus: 'OK' });
  });

  it('scsi0 on a container is skipped with the reason; an unknown key is refused naming the field', async () => {
    const op = await c.core.run('vm.resize', { vmSelectors: 'id:300', disk: 'scsi0', size: '20G' });
    expect(op.targets[0]).toMatchObject({ state: 'skipped' });
    expect(op.targets[0].message).toMatch(/container: its volumes are rootfs and mpN/);
    await expect(c.core.run('vm.resize', { vmSelectors: 'id:300', disk: 'root', size: '20G' })).rejects.toThrow(/disk.*rootfs or mpN for a container/s);
  });
});

describe('clone of a container', () => {
  it('refuses a full clone of a running CT and cloud-init fields, as PVE would', async () => {
    await expect(c.core.run('vm.clone', { sourceVmId: 301, name: 'ct-copy' })).rejects.toThrow(/Cannot do full clones on a running container/);
    await expect(c.core.run('vm.clone', { sourceVmId: 301, name: 'ct-copy', cloudInitUser: 'x' })).rejects.toBeInstanceOf(RequestError);
  });

  it('clones a stopped CT with hostname, cores, memory, tags and start: a CT with our marker, a vzclone task', async () => {
    ok(await c.core.run('power', { vmSelectors: 'id:301', operation: 'SHUTDOWN', timeoutSeconds: 30 }));
    const op = ok(await c.core.run('vm.clone', { sourceVmId: 301, name: 'ct-proxy-copy', cores: 2, memoryMB: 1024, tags: ['clone-test'], start: true }));
    const t = op.targets[0];
    expect(t).toMatchObject({ guestType: 'lxc', kind: 'new-guest', state: 'succeeded' });
    const ct = c.sim.state.vm(t.vmid)!;
    expect(ct).toMatchObject({ type: 'lxc', status: 'running', node: c.sim.state.vm(301)!.node });
    expect(ct.config).toMatchObject({ hostname: 'ct-proxy-copy', cores: 2, memory: 1024, tags: 'clone-test' });
    expect(String(ct.config.description)).toMatch(/\[moxxie-create [0-9a-f]{12}\]/);
    expect(String(ct.config.rootfs)).toMatch(new RegExp(`^local-zfs:subvol-${t.vmid}-disk-0`));
    expect(lastTask(301, 'vzclone')).toMatchObject({ exitstatus: 'OK' });
  });
});

describe('delete of containers', () => {
  it('a running CT is skipped without stopFirst; with it: vzstop then vzdestroy, and it is gone', async () => {
    const clone = c.sim.state.vms().find((v) => v.type === 'lxc' && v.name === 'ct-proxy-copy')!;
    const skipped = await c.core.run('vm.delete', { vmSelectors: `id:${clone.vmid}` });
    expect(skipped.targets[0]).toMatchObject({ state: 'skipped', guestType: 'lxc' });
    expect(c.sim.state.vm(clone.vmid)).toBeDefined();
    ok(await c.core.run('vm.delete', { vmSelectors: `id:${clone.vmid}`, stopFirst: true, purge: true }));
    expect(c.sim.state.vm(clone.vmid)).toBeUndefined();
    expect(lastTask(clone.vmid, 'vzstop')).toMatchObject({ exitstatus: 'OK' });
    expect(lastTask(clone.vmid, 'vzdestroy')).toMatchObject({ exitstatus: 'OK' });
  });
});

describe('migration of containers', () => {
  it('a running CT moves in restart mode (vzmigrate, restart) and runs on the target; the plan says so', async () => {
    const before = c.sim.state.vm(300)!;
    const to = ['pve1', 'pve2', 'pve3', 'pve4'].find((n) => n !== before.node)!;
    const dry = await c.core.run('migrate', { vmSelectors: 'id:300', targetNode: to, dryRun: true });
    expect(dry.targets[0].action).toMatch(/restart mode: shut down, move, start/);
    const op = ok(await c.core.run('migrate', { vmSelectors: 'id:300', targetNode: to }));
    expect(op.targets[0].guestType).toBe('lxc');
    expect(c.sim.state.vm(300)).toMatchObject({ node: to, status: 'running' });
    const task = lastTask(300, 'vzmigrate')!;
    expect(task.exitstatus).toBe('OK');
    expect(task.log.join('\n')).toMatch(/shutdown CT 300/);
  });

  it('migrationType is refused for a container (pct migrate has none): skipped with the reason, not dropped', async () => {
    const at = c.sim.state.vm(302)!.node;
    const to = ['pve1', 'pve2', 'pve3', 'pve4'].find((n) => n !== at)!;
    const op = await c.core.run('migrate', { vmSelectors: 'id:302', targetNode: to, migrationType: 'insecure' });
    expect(op.targets[0]).toMatchObject({ state: 'skipped' });
    expect(op.targets[0].message).toMatch(/pct migrate has no migrationType/);
    expect(c.sim.state.vm(302)!.node).toBe(at);
  });

  it('an always-on running CT is not moved in restart mode unless forced', async () => {
    ok(await c.core.run('tags', { vmSelectors: 'id:302', action: 'ADD', tags: ['always-on'] }));
    const at = c.sim.state.vm(302)!.node;
    const to = ['pve1', 'pve2', 'pve3', 'pve4'].find((n) => n !== at)!;
    const op = await c.core.run('migrate', { vmSelectors: 'id:302', targetNode: to });
    expect(op.targets[0]).toMatchObject({ state: 'skipped' });
    expect(op.targets[0].message).toMatch(/always-on/);
    ok(await c.core.run('tags', { vmSelectors: 'id:302', action: 'REMOVE', tags: ['always-on'] }));
  });

  it('a node drain moves its containers too (restart mode), and they run on their new nodes', async () => {
    const node = c.sim.state.vm(302)!.node;
    const cts = c.sim.state.vms().filter((v) => v.node === node && v.type === 'lxc' && !v.template);
    expect(cts.length).toBeGreaterThan(0);
    const op = await c.core.run('node.drain', { node, maxParallel: 5 });
    for (const ct of cts) {
      const t = op.targets.find((x) => x.vmid === ct.vmid)!;
      expect(t).toMatchObject({ guestType: 'lxc', state: 'succeeded' });
      const now = c.sim.state.vm(ct.vmid)!;
      expect(now.node).not.toBe(node);
      expect(now.status).toBe(ct.status);
    }
  });
});
