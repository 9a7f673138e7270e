// HA-managed guests' power under faults, on the simulator's true state. PVE answers their start and stop with
// a hastart/hastop task that only asks the HA manager; the guest changes state a CRM round later (the
// simulator's ha-manager.ts). After a lost answer the runner must recognise that task as the write's own and
// wait for the guest, never file the request twice; and the HA manager must act on a resource's state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';
import { until } from '../fixtures/wait.js';

let c: TestCluster;
beforeAll(async () => {
  c = await startCluster({ nodes: 4, vms: 40, seed: 7, taskDurationMs: 40 });
});
afterAll(() => c.close());

const haVms = () => c.sim.state.ha().resources.filter((r) => r.sid.startsWith('vm:')).map((r) => Number(r.sid.slice(3)));
const tasksOf = (vmid: number, type: string) => c.sim.state.tasks().filter((t) => t.id === String(vmid) && t.type === type);

describe('the simulated HA manager', () => {
  it('a hastop only files the request: the task ends with the VM still running, the LRM shuts it down after', async () => {
    const vmid = haVms().find((id) => c.sim.state.vm(id)!.status === 'running')!;
    const vm = c.sim.state.vm(vmid)!;
    const upid = String(await c.client.post(`/nodes/${vm.node}/qemu/${vmid}/status/stop`, {}));
    expect(upid).toContain(':hastop:');
    const ended = await c.client.waitForTask(upid);
    expect(ended.exitstatus).toBe('OK');
    expect(c.sim.state.vm(vmid)!.status).toBe('running'); // not at the task's end
    expect(c.sim.state.ha().resources.find((r) => r.sid === `vm:${vmid}`)!.state).toBe('stopped');
    await until('the HA manager stops the VM', () => c.sim.state.vm(vmid)!.status === 'stopped');
    const lrm = tasksOf(vmid, 'qmshutdown').at(-1)!;
    expect(lrm).toMatchObject({ user: 'root@pam', exitstatus: 'OK' });
    expect(lrm.starttime).toBeGreaterThanOrEqual(c.sim.state.tasks().find((t) => t.upid === upid)!.starttime);
  });

  it('a resource with state started on a stopped guest is started by the HA manager (root@pam qmstart)', async () => {
    const free = c.sim.state.vms().find((v) => v.type === 'qemu' && !v.template && v.status === 'stopped' && !haVms().includes(v.vmid))!;
    const before = tasksOf(free.vmid, 'qmstart').length;
    await c.client.post('/cluster/ha/resources', { sid: `vm:${free.vmid}` }); // state defaults to started
    await until('the HA manager starts the VM', () => c.sim.state.vm(free.vmid)!.status === 'running');
    const starts = tasksOf(free.vmid, 'qmstart');
    expect(starts).toHaveLength(before + 1);
    expect(starts.at(-1)).toMatchObject({ user: 'root@pam', exitstatus: 'OK' });
    // `stopped` is acted on too; `ignored` is left alone.
    await c.client.delete(`/cluster/ha/resources/vm:${free.vmid}`);
    await c.client.post('/cluster/ha/resources', { sid: `vm:${free.vmid}`, state: 'ignored' });
    expect(c.sim.state.vm(free.vmid)!.status).toBe('running');
    await c.client.delete(`/cluster/ha/resources/vm:${free.vmid}`);
  });
});

describe('power of HA-managed guests through the core', () => {
  it('START and STOP wait for the HA manager: success means the guest reached the state', async () => {
    const vmid = haVms().find((id) => c.sim.state.vm(id)!.status === 'stopped')!;
    const start = await c.core.run('power', { vmSelectors: `id:${vmid}`, operation: 'START' });
    expect(start.targets[0].state).toBe('succeeded');
    expect(c.sim.state.vm(vmid)!.status).toBe('running');
    expect(start.targets[0].phases[0].upids.map((u) => u.split(':')[5])).toEqual(['hastart']);
    // force: the demo's HA guests are production (always-on), spared otherwise.
    const stop = await c.core.run('power', { vmSelectors: `id:${vmid}`, operation: 'SHUTDOWN', timeoutSeconds: 30, force: true });
    expect(stop.status).toBe('succeeded');
    expect(stop.targets[0].state).toBe('succeeded');
    expect(c.sim.state.vm(vmid)!.status).toBe('stopped');
  });

  it.each(['drop', '502'] as const)('a lost answer of a hastart (%s): the HA task is found and followed, the request filed once, the VM running', async (mode) => {
    // A stopped VM made an HA resource for this case alone: no earlier task of it can be mistaken for the write's.
    const fresh = c.sim.state.vms().find((v) => v.type === 'qemu' && !v.template && v.status === 'stopped' && !v.tags.includes('always-on') && !haVms().includes(v.vmid) && !c.sim.state.tasks().some((t) => t.id === String(v.vmid)))!;
    await c.client.post('/cluster/ha/resources', { sid: `vm:${fresh.vmid}`, state: 'stopped' });
    const vmid = fresh.vmid;
    const hastarts = tasksOf(vmid, 'hastart').length;
    c.sim.faults.set({ lostAnswerRate: 1, lostAnswerMode: mode, lostAnswerMethods: ['POST'] });
    let op;
    try {
      op = await c.core.run('power', { vmSelectors: `id:${vmid}`, operation: 'START' });
    } finally {
      c.sim.faults.set({ lostAnswerRate: 0 });
    }
    expect(op.targets[0].state, op.targets[0].message).toBe('succeeded');
    expect(c.sim.state.vm(vmid)!.status).toBe('running');
    const mine = tasksOf(vmid, 'hastart').slice(hastarts);
    expect(mine).toHaveLength(1); // asked once: the retry found PVE's hastart instead of sending another
    expect(op.targets[0].phases[0].upids).toEqual([mine[0].upid]);
    // And back down the same way: one hastop.
    const hastops = tasksOf(vmid, 'hastop').length;
    c.sim.faults.set({ lostAnswerRate: 1, lostAnswerMode: mode, lostAnswerMethods: ['POST'] });
    try {
      op = await c.core.run('power', { vmSelectors: `id:${vmid}`, operation: 'STOP', force: true });
    } finally {
      c.sim.faults.set({ lostAnswerRate: 0 });
    }
    expect(op.targets[0].state, op.targets[0].message).toBe('succeeded');
    expect(c.sim.state.vm(vmid)!.status).toBe('stopped');
    expect(tasksOf(vmid, 'hastop').slice(hastops)).toHaveLength(1);
  });
});

describe('a stop already asked of the HA manager', () => {
  // A CRM round a second after a request: a window in which PVE's status still shows the CRM's old state.
  let slow: TestCluster;
  beforeAll(async () => {
    slow = await startCluster({ nodes: 2, vms: 12, seed: 7, taskDurationMs: 500 });
  });
  afterAll(() => slow.close());

  it('a resumed stop whose hastop went out is recognised from the resource’s requested state (the CRM’s still says started): no second hastop, it waits for the HA manager', async () => {
    const vm = slow.sim.state.vms().find((v) => v.type === 'qemu' && !v.template && v.status === 'running' && !v.lock)!;
    await slow.client.post('/cluster/ha/resources', { sid: `vm:${vm.vmid}`, state: 'started' });
    const hastops = () => slow.sim.state.tasks().filter((t) => t.id === String(vm.vmid) && t.type === 'hastop');
    // The hastop goes out, then its node drops off the network: the step's outcome is unknown.
    const op = await slow.core.run(
      'power',
      { vmSelectors: `id:${vm.vmid}`, operation: 'STOP', force: true },
      {
        onEvent: (e) => {
          if (e.type === 'phase-changed' && e.phase.upids.length === 1 && e.phase.state === 'running') slow.sim.faults.set({ offlineNodes: [vm.node] });
        },
      },
    );
    expect(op.targets[0].state).toBe('failed');
    expect(hastops()).toHaveLength(1);
    slow.sim.faults.set({ offlineNodes: [] });
    // Back online: the request is filed, the CRM has not acted yet and its state still says started.
    const status = await slow.client.get<{ status: string; ha: { state: string } }>(`/nodes/${vm.node}/qemu/${vm.vmid}/status/current`);
    expect(status).toMatchObject({ status: 'running', ha: { state: 'started' } });
    const resumed = await slow.core.resume(op.id);
    expect(resumed.targets[0].state, resumed.targets[0].message).toBe('succeeded');
    expect(hastops()).toHaveLength(1);
    expect(slow.sim.state.vm(vm.vmid)!.status).toBe('stopped');
  });
});
