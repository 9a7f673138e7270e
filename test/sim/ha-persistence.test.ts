// The simulator's HA stack across a restart of a simulator with a statePath (the demo's sim-state.json). PVE
// keeps HA resources, rules and the HA manager's filed commands in pmxcfs, so they outlive a restart: a
// migration filed by a hamigrate task and not yet run is carried out after it, through the LRM's real qmigrate.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startSimulator, type Simulator, type SimOptions } from '../../src/sim/index.js';
import { tempDir } from '../fixtures/temp-dirs.js';
import { until } from '../fixtures/wait.js';
import { api, waitTask } from './http.js';

const dir = tempDir('sim-ha-state');
const NODES = ['pve1', 'pve2', 'pve3', 'pve4'];

async function withSim<T>(opts: SimOptions, body: (sim: Simulator) => Promise<T>): Promise<T> {
  const sim = await startSimulator({ nodes: 4, vms: 40, seed: 7, http: true, ...opts });
  try {
    return await body(sim);
  } finally {
    await sim.close();
  }
}

const haVm = (sim: Simulator, status: 'running' | 'stopped') =>
  sim.state.vms().find((v) => v.type === 'qemu' && !v.template && v.status === status && !v.lock && sim.state.ha().resources.some((r) => r.sid === `vm:${v.vmid}`))!;

describe('the HA stack in the saved state', () => {
  it('a filed HA migration the HA manager has not run yet is carried out after a restart: the VM ends on the target', async () => {
    const statePath = join(dir, 'pending', 'sim-state.json');
    const moving = await withSim({ statePath, taskDurationMs: 500 }, async (first) => {
      const vm = haVm(first, 'running');
      const target = NODES.find((n) => n !== vm.node)!;
      const a = api(first);
      const upid = await a.data<string>(a.post(`/nodes/${vm.node}/qemu/${vm.vmid}/migrate`, { target, online: '1' }));
      expect(upid).toContain(':hamigrate:');
      // The request is filed when the task ends; from now on a CRM round is far away, so none runs before the close.
      first.faults.set({ taskDurationMs: 600_000 });
      expect((await waitTask(first, upid)).exitstatus).toBe('OK');
      expect(first.state.tasks().find((t) => t.upid === upid)!.log.join('\n')).toContain(`Requesting HA migration for VM ${vm.vmid} to node ${target}`);
      // Filed, not run: the VM has not moved and the LRM has started no qmigrate.
      expect(first.state.vm(vm.vmid)).toMatchObject({ node: vm.node, status: 'running' });
      expect(first.state.tasks().filter((t) => t.id === String(vm.vmid) && t.type === 'qmigrate')).toEqual([]);
      expect(first.state.ha().migrations).toEqual([{ vmid: vm.vmid, target }]);
      return { vmid: vm.vmid, source: vm.node, target };
    });

    await withSim({ statePath, taskDurationMs: 20 }, async (second) => {
      // Nothing asked this simulator to migrate: the restored request is the HA manager's own.
      const lrm = await until('the LRM runs the restored migration', () => second.state.tasks().find((t) => t.id === String(moving.vmid) && t.type === 'qmigrate' && t.status === 'stopped'));
      expect(lrm).toMatchObject({ node: moving.source, user: 'root@pam', exitstatus: 'OK' });
      expect(second.state.vm(moving.vmid)).toMatchObject({ node: moving.target, status: 'running' });
      expect(second.state.tasks().filter((t) => t.type === 'hamigrate')).toEqual([]);
      expect(second.state.ha().migrations).toEqual([]);
    });
  });

  it('a CT\'s filed HA migration is carried out after a restart as the LRM relocates: shut down, vzmigrate, started on the target', async () => {
    const statePath = join(dir, 'pending-ct', 'sim-state.json');
    const moving = await withSim({ statePath, taskDurationMs: 20, containers: true }, async (first) => {
      const ct = first.state.vms().find((v) => v.type === 'lxc' && !v.template && v.status === 'running' && !v.lock && !first.state.ha().resources.some((r) => r.sid === `ct:${v.vmid}`))!;
      const target = NODES.find((n) => n !== ct.node)!;
      const a = api(first);
      // Its CRM round comes 40 ms later and finds the CT running as asked; the hamigrate below outlasts it.
      await a.data(a.post('/cluster/ha/resources', { sid: `ct:${ct.vmid}`, state: 'started' }));
      first.faults.set({ taskDurationMs: 500 });
      const upid = await a.data<string>(a.post(`/nodes/${ct.node}/lxc/${ct.vmid}/migrate`, { target, restart: '1' }));
      expect(upid).toContain(':hamigrate:');
      first.faults.set({ taskDurationMs: 600_000 });
      expect((await waitTask(first, upid)).exitstatus).toBe('OK');
      expect(first.state.ha().migrations).toEqual([{ vmid: ct.vmid, target }]);
      expect(first.state.vm(ct.vmid)).toMatchObject({ node: ct.node, status: 'running' });
      expect(first.state.tasks().filter((t) => t.id === String(ct.vmid) && ['vzshutdown', 'vzmigrate'].includes(t.type))).toEqual([]);
      return { vmid: ct.vmid, source: ct.node, target };
    });

    await withSim({ statePath, taskDurationMs: 20, containers: true }, async (second) => {
      await until('the CT runs on the target', () => second.state.vm(moving.vmid)!.node === moving.target && second.state.vm(moving.vmid)!.status === 'running');
      const lrm = second.state.tasks().filter((t) => t.id === String(moving.vmid) && t.user === 'root@pam');
      expect(lrm.map((t) => `${t.type}@${t.node}:${t.exitstatus}`)).toEqual([`vzshutdown@${moving.source}:OK`, `vzmigrate@${moving.source}:OK`, `vzstart@${moving.target}:OK`]);
      expect(second.state.ha().migrations).toEqual([]);
    });
  });

  it('HA resources added through the API keep their requested state, and rules stay, across a restart', async () => {
    const statePath = join(dir, 'resources', 'sim-state.json');
    const kept = await withSim({ statePath, taskDurationMs: 20 }, async (first) => {
      const vm = first.state.vms().find((v) => v.type === 'qemu' && !v.template && v.status === 'running' && !first.state.ha().resources.some((r) => r.sid === `vm:${v.vmid}`))!;
      const a = api(first);
      await a.data(a.post('/cluster/ha/resources', { sid: `vm:${vm.vmid}`, state: 'ignored', comment: 'hands off' }));
      await a.data(a.post('/cluster/ha/rules', { rule: 'pin-it', type: 'node-affinity', resources: `vm:${vm.vmid}`, nodes: vm.node }));
      return { vmid: vm.vmid, ha: first.state.ha() };
    });
    await withSim({ statePath, taskDurationMs: 20 }, async (second) => {
      expect(second.state.ha()).toEqual(kept.ha);
      expect(second.state.ha().resources).toContainEqual({ sid: `vm:${kept.vmid}`, state: 'ignored', comment: 'hands off' });
      expect(second.state.ha().rules.map((r) => r.rule)).toContain('pin-it');
    });
  });
});
