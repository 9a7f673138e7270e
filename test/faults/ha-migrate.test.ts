// HA-managed guests' migration, on the simulator's true state. On PVE a migrate of an HA-managed guest is a
// `hamigrate` task that only files the request; the HA manager's LRM then runs the real migration (a VM: a
// qmigrate, online, with local disks; a CT: shut down, vzmigrate, started again) as root@pam, and the guest
// moves when that ends. moxxie's migrate must follow the guest until it arrives, fail with the LRM's own error,
// and time out with a clear message when the HA manager never acts. The HA manager resumes a hibernated VM.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followHaMove } from '../../src/ops/migration/ha-move.js';
import { StepFailure } from '../../src/ops/runner.js';
import { inProcessVmids } from '../../src/ops/vmid-allocator.js';
import type { PhaseTools } from '../../src/ops/capability.js';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';
import { until } from '../fixtures/wait.js';

let c: TestCluster;
beforeAll(async () => {
  // Tasks last long enough (the CRM round comes two task lengths after a request) to see each step apart.
  c = await startCluster({ nodes: 4, vms: 40, seed: 7, taskDurationMs: 300 });
});
afterAll(() => c.close());

const used = new Set<number>();
const haIds = () => new Set(c.sim.state.ha().resources.map((r) => Number(r.sid.slice(3))));
const tasksOf = (vmid: number, type: string) => c.sim.state.tasks().filter((t) => t.id === String(vmid) && t.type === type);
const otherNode = (node: string) => ['pve1', 'pve2', 'pve3', 'pve4'].find((n) => n !== node)!;
/** A guest no test has used, made an HA resource (state started) if it is not one yet. */
async function haGuest(type: 'qemu' | 'lxc', status: 'running' | 'stopped'): Promise<{ vmid: number; node: string }> {
  const vm = c.sim.state.vms().find((v) => v.type === type && !v.template && v.status === status && !v.lock && !used.has(v.vmid) && !c.sim.state.tasks().some((t) => t.id === String(v.vmid) && t.status === 'running'))!;
  used.add(vm.vmid);
  if (!haIds().has(vm.vmid)) await c.client.post('/cluster/ha/resources', { sid: `${type === 'lxc' ? 'ct' : 'vm'}:${vm.vmid}`, state: status === 'running' ? 'started' : 'stopped' });
  return { vmid: vm.vmid, node: vm.node };
}

describe('the simulated HA manager migrates', () => {
  it('a hamigrate only files the request: the VM is still on its node at the task\'s end; the LRM\'s qmigrate moves it', async () => {
    const { vmid, node } = await haGuest('qemu', 'running');
    const target = otherNode(node);
    const upid = String(await c.client.post(`/nodes/${node}/qemu/${vmid}/migrate`, { target, online: 1 }));
    expect(upid).toContain(':hamigrate:');
    expect((await c.client.waitForTask(upid)).exitstatus).toBe('OK');
    // Not at the request's end: the LRM has not even started (the CRM round comes after it).
    expect(c.sim.state.vm(vmid)!.node).toBe(node);
    expect(tasksOf(vmid, 'qmigrate')).toHaveLength(0);
    const request = c.sim.state.tasks().find((t) => t.upid === upid)!;
    expect(request.log.join('\n')).toContain(`Requesting HA migration for VM ${vmid} to node ${target}`);
    const lrm = await until('the LRM migrates it', () => tasksOf(vmid, 'qmigrate').find((t) => t.status === 'stopped'));
    expect(lrm).toMatchObject({ node, user: 'root@pam', exitstatus: 'OK' });
    expect(lrm.starttime).toBeGreaterThanOrEqual(request.starttime);
    expect(c.sim.state.vm(vmid)).toMatchObject({ node: target, status: 'running' });
  });

  it('a CT is relocated: shut down, moved, started again on the target, each the LRM\'s task', async () => {
    const { vmid, node } = await haGuest('lxc', 'running');
    const target = otherNode(node);
    const upid = String(await c.client.post(`/nodes/${node}/lxc/${vmid}/migrate`, { target, restart: 1 }));
    expect((await c.client.waitForTask(upid)).exitstatus).toBe('OK');
    expect(upid).toContain(':hamigrate:');
    expect(c.sim.state.vm(vmid)!.node).toBe(node);
    await until('the CT runs on the target', () => c.sim.state.vm(vmid)!.node === target && c.sim.state.vm(vmid)!.status === 'running');
    const order = c.sim.state.tasks().filter((t) => t.id === String(vmid) && ['vzshutdown', 'vzmigrate', 'vzstart'].includes(t.type) && t.user === 'root@pam');
    expect(order.map((t) => `${t.type}@${t.node}:${t.exitstatus}`)).toEqual([`vzshutdown@${node}:OK`, `vzmigrate@${node}:OK`, `vzstart@${target}:OK`]);
  });

  it('starts a hibernated VM made an HA resource by resuming it (not "locked")', async () => {
    const vm = c.sim.state.vms().find((v) => v.type === 'qemu' && !v.template && v.status === 'running' && !v.lock && !haIds().has(v.vmid) && !used.has(v.vmid))!;
    used.add(vm.vmid);
    await c.client.waitForTask(String(await c.client.post(`/nodes/${vm.node}/qemu/${vm.vmid}/status/suspend`, { todisk: 1 })));
    expect(c.sim.state.vm(vm.vmid)).toMatchObject({ status: 'stopped', lock: 'suspended' });
    await c.client.post('/cluster/ha/resources', { sid: `vm:${vm.vmid}`, state: 'started' });
    const start = await until('the HA manager starts it', () => tasksOf(vm.vmid, 'qmstart').find((t) => t.status === 'stopped'), 5000);
    expect(start).toMatchObject({ user: 'root@pam', exitstatus: 'OK' });
    expect(start.log.join('\n')).toContain(`resuming VM ${vm.vmid} from saved state`);
    expect(c.sim.state.vm(vm.vmid)!.status).toBe('running');
    expect(c.sim.state.vm(vm.vmid)!.lock).toBeUndefined();
  });

  it('an ignored resource is run directly, as if unmanaged (vm_is_ha_managed): plain qmstart and qmigrate, its state left ignored', async () => {
    const vm = c.sim.state.vms().find((v) => v.type === 'qemu' && !v.template && v.status === 'stopped' && !v.lock && !haIds().has(v.vmid) && !used.has(v.vmid))!;
    used.add(vm.vmid);
    await c.client.post('/cluster/ha/resources', { sid: `vm:${vm.vmid}`, state: 'ignored' });
    const start = String(await c.client.post(`/nodes/${vm.node}/qemu/${vm.vmid}/status/start`, {}));
    expect(start).toContain(':qmstart:');
    expect((await c.client.waitForTask(start)).exitstatus).toBe('OK');
    expect(c.sim.state.vm(vm.vmid)!.status).toBe('running');
    const target = otherNode(vm.node);
    const move = String(await c.client.post(`/nodes/${vm.node}/qemu/${vm.vmid}/migrate`, { target, online: 1, 'with-local-disks': 1 }));
    expect(move).toContain(':qmigrate:');
    expect((await c.client.waitForTask(move)).exitstatus).toBe('OK');
    expect(c.sim.state.vm(vm.vmid)!.node).toBe(target);
    expect(c.sim.state.ha().resources.find((r) => r.sid === `vm:${vm.vmid}`)!.state).toBe('ignored');
    // moxxie moves it back as an unmanaged VM: a plain qmigrate, not "by PVE HA".
    const op = await c.core.run('migrate', { vmSelectors: `id:${vm.vmid}`, targetNode: vm.node });
    const back = op.targets[0].phases.find((p) => p.name === 'migrate')!;
    expect([op.targets[0].state, back.message]).toEqual(['succeeded', `online to ${vm.node}`]);
    expect(back.upids.map((u) => u.split(':')[5])).toEqual(['qmigrate']);
    expect(c.sim.state.vm(vm.vmid)!.node).toBe(vm.node);
  });
});

describe('migration of HA guests through the core', () => {
  it('a VM: the step ends when the guest is on the target, the LRM\'s qmigrate recorded with the phase', async () => {
    const { vmid, node } = await haGuest('qemu', 'running');
    const target = otherNode(node);
    const op = await c.core.run('migrate', { vmSelectors: `id:${vmid}`, targetNode: target });
    const t = op.targets[0];
    expect(t.state, t.message).toBe('succeeded');
    expect(c.sim.state.vm(vmid)).toMatchObject({ node: target, status: 'running' });
    const lrm = tasksOf(vmid, 'qmigrate').at(-1)!;
    expect(lrm).toMatchObject({ user: 'root@pam', exitstatus: 'OK', node });
    const migrate = t.phases.find((p) => p.name === 'migrate')!;
    expect(migrate.upids.map((u) => u.split(':')[5])).toEqual(['hamigrate', 'qmigrate']);
    expect(migrate.upids[1]).toBe(lrm.upid);
  });

  it('a lost answer to the migrate: its hamigrate is found and the HA move followed, never a second request', async () => {
    const { vmid, node } = await haGuest('qemu', 'running');
    const target = otherNode(node);
    c.sim.faults.set({ lostAnswerRate: 1, lostAnswerMethods: ['POST'] });
    let op;
    try {
      op = await c.core.run('migrate', { vmSelectors: `id:${vmid}`, targetNode: target });
    } finally {
      c.sim.faults.set({ lostAnswerRate: 0 });
    }
    const t = op.targets[0];
    expect(t.state, t.message).toBe('succeeded');
    expect(c.sim.state.vm(vmid)).toMatchObject({ node: target, status: 'running' });
    expect(tasksOf(vmid, 'hamigrate')).toHaveLength(1);
    expect(tasksOf(vmid, 'qmigrate').filter((x) => x.user === 'root@pam')).toHaveLength(1);
  });

  it('a CT: the relocation is awaited; it ends running on the target', async () => {
    const { vmid, node } = await haGuest('lxc', 'running');
    const target = otherNode(node);
    const op = await c.core.run('migrate', { vmSelectors: `id:${vmid}`, targetNode: target });
    const t = op.targets[0];
    expect(t.state, t.message).toBe('succeeded');
    expect(c.sim.state.vm(vmid)).toMatchObject({ node: target, status: 'running' });
    expect(t.phases.find((p) => p.name === 'migrate')!.upids.map((u) => u.split(':')[5])).toEqual(['hamigrate', 'vzmigrate']);
  });

  it('a failed LRM migration fails the step with its error and task, at once; the VM stays and runs', async () => {
    const { vmid, node } = await haGuest('qemu', 'running');
    const target = otherNode(node);
    c.sim.setGuestBehaviour(vmid, { failsOnlineMigration: true });
    try {
      const op = await c.core.run('migrate', { vmSelectors: `id:${vmid}`, targetNode: target });
      const t = op.targets[0];
      const lrm = tasksOf(vmid, 'qmigrate').at(-1)!;
      expect(lrm).toMatchObject({ user: 'root@pam', exitstatus: 'migration aborted' });
      expect(t.state).toBe('failed');
      expect(t.message).toContain(`PVE's HA manager could not move VM ${vmid} to ${target}: migration aborted (its task ${lrm.upid})`);
      expect(c.sim.state.vm(vmid)).toMatchObject({ node, status: 'running' });
    } finally {
      c.sim.setGuestBehaviour(vmid, { failsOnlineMigration: false });
    }
  });

  it('a request the HA manager drops (its target went offline) ends the wait with a clear error', async () => {
    const { vmid, node } = await haGuest('qemu', 'stopped');
    const target = otherNode(node);
    const upid = String(await c.client.post(`/nodes/${node}/qemu/${vmid}/migrate`, { target }));
    c.sim.faults.set({ offlineNodes: [target] });
    try {
      const tools: PhaseTools = { client: c.client, data: {}, vmids: inProcessVmids(), cancelled: () => false, progress: () => {}, awaitTask: (u, o) => c.client.waitForTask(u, o) };
      await tools.awaitTask(upid);
      const err = await followHaMove(tools, { type: 'qemu', vmid }, upid, target, { taskTimeoutMs: 60_000, settleMs: 600 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StepFailure);
      expect((err as Error).message).toBe(`PVE's HA manager accepted the move of VM ${vmid} to ${target} (${upid} ended OK) but did not move it within 1 s: it is still on ${node}; see ha-manager status`);
      expect(c.sim.state.vm(vmid)!.node).toBe(node);
      expect(tasksOf(vmid, 'qmigrate')).toHaveLength(0);
    } finally {
      c.sim.faults.set({ offlineNodes: [] });
    }
  });
});
