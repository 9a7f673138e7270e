// An HA resource in state `ignored`, as PVE treats it (checked against pve-ha-manager's PVE::HA::Config:
// $service_check_ha_state behind vm_is_ha_managed and get_service_status, service_is_configured; Manager.pm;
// API2/HA/Status.pm; and the qemu-server / pve-container handlers that call them): it is not HA-managed, so its
// status shows managed 0, its power and hibernation are direct, and the CRM forgets what it had filed for it;
// it is still configured, so a destroy needs purge. Each case reads the simulator's true state back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimVm, type Simulator } from '../../src/sim/index.js';
import { until } from '../fixtures/wait.js';
import { api, waitTask } from './http.js';

let sim: Simulator;
let a: ReturnType<typeof api>;
beforeAll(async () => {
  sim = await startSimulator({ http: true, nodes: 4, vms: 40, seed: 7, taskDurationMs: 20, containers: true });
  a = api(sim);
});
afterAll(() => sim.close());

const used = new Set<number>();
const sidOf = (vm: SimVm) => `${vm.type === 'lxc' ? 'ct' : 'vm'}:${vm.vmid}`;
const haState = (vm: SimVm) => sim.state.ha().resources.find((r) => r.sid === sidOf(vm))?.state;
const base = (vm: SimVm) => `/nodes/${vm.node}/${vm.type}/${vm.vmid}`;

/** A guest no case has used, not an HA resource yet, made one in `state`. */
async function haGuest(type: 'qemu' | 'lxc', status: 'running' | 'stopped', state: 'ignored' | 'started' | 'stopped'): Promise<SimVm> {
  const vm = sim.state.vms().find((v) => v.type === type && !v.template && v.status === status && !v.lock && !used.has(v.vmid) && !haState(v))!;
  used.add(vm.vmid);
  await a.data(a.post('/cluster/ha/resources', { sid: sidOf(vm), state }));
  return vm;
}

describe('an ignored HA resource', () => {
  it('status/current shows it as not HA-managed (get_service_status), a VM and a CT alike; a started one is managed', async () => {
    for (const type of ['qemu', 'lxc'] as const) {
      const ignored = await haGuest(type, 'running', 'ignored');
      const managed = await haGuest(type, 'running', 'started');
      expect((await a.data<{ ha: unknown }>(a.get(`${base(ignored)}/status/current`))).ha).toEqual({ managed: 0 });
      expect((await a.data<{ ha: { managed: number; state: string } }>(a.get(`${base(managed)}/status/current`))).ha).toMatchObject({ managed: 1, state: 'started' });
    }
  });

  it('/cluster/ha/status/current lists it without a crm_state: the CRM drops an ignored service from its status', async () => {
    const ignored = await haGuest('qemu', 'stopped', 'ignored');
    const status = await a.data<Array<Record<string, unknown>>>(a.get('/cluster/ha/status/current'));
    const entry = status.find((e) => e.id === `service:${sidOf(ignored)}`)!;
    expect(entry).toMatchObject({ type: 'service', sid: sidOf(ignored), node: ignored.node, state: 'ignored', request_state: 'ignored' });
    expect(entry).not.toHaveProperty('crm_state');
    // A managed service does have one.
    expect(status.find((e) => e.type === 'service' && e.request_state === 'started')).toHaveProperty('crm_state');
  });

  it('may be hibernated (suspend todisk), which PVE refuses for an HA-managed VM', async () => {
    const managed = await haGuest('qemu', 'running', 'started');
    const refused = await a.post(`${base(managed)}/status/suspend`, { todisk: '1' });
    expect([refused.status, refused.statusText]).toEqual([500, 'Cannot suspend HA managed VM to disk']);
    expect(sim.state.vm(managed.vmid)).toMatchObject({ status: 'running' });
    expect(sim.state.vm(managed.vmid)!.lock).toBeUndefined();

    const ignored = await haGuest('qemu', 'running', 'ignored');
    const upid = await a.data<string>(a.post(`${base(ignored)}/status/suspend`, { todisk: '1' }));
    expect(upid).toContain(':qmsuspend:');
    expect((await waitTask(sim, upid)).exitstatus).toBe('OK');
    expect(sim.state.vm(ignored.vmid)).toMatchObject({ status: 'stopped', lock: 'suspended' });
    expect(haState(ignored)).toBe('ignored');
  });

  it('may be stopped with overrule-shutdown, which PVE refuses (400) for an HA-managed VM or CT', async () => {
    for (const type of ['qemu', 'lxc'] as const) {
      const managed = await haGuest(type, 'running', 'started');
      const refused = await a.post(`${base(managed)}/status/stop`, { 'overrule-shutdown': '1' });
      expect(refused.status).toBe(400);
      expect(refused.body!.errors).toEqual({ 'overrule-shutdown': 'Not applicable for HA resources.' });
      // Nothing was asked of the HA manager: the guest runs and its resource still wants it started.
      expect(sim.state.vm(managed.vmid)!.status).toBe('running');
      expect(haState(managed)).toBe('started');
      expect(sim.state.tasks().filter((t) => t.id === String(managed.vmid) && t.type === 'hastop')).toEqual([]);

      const ignored = await haGuest(type, 'running', 'ignored');
      const upid = await a.data<string>(a.post(`${base(ignored)}/status/stop`, { 'overrule-shutdown': '1' }));
      expect(upid).toContain(type === 'lxc' ? ':vzstop:' : ':qmstop:');
      expect((await waitTask(sim, upid)).exitstatus).toBe('OK');
      expect(sim.state.vm(ignored.vmid)!.status).toBe('stopped');
    }
  });

  it('gets no HA information in the CT migration precondition and is no dependent of a partner in positive affinity', async () => {
    const ignored = await haGuest('lxc', 'running', 'ignored');
    const partner = await haGuest('lxc', 'running', 'started');
    await a.data(a.post('/cluster/ha/rules', { rule: 'ct-together', type: 'resource-affinity', affinity: 'positive', resources: `${sidOf(ignored)},${sidOf(partner)}` }));
    await a.data(a.post('/cluster/ha/rules', { rule: 'ct-pinned', type: 'node-affinity', strict: '1', nodes: ignored.node, resources: sidOf(ignored) }));
    try {
      type Precondition = { 'allowed-nodes': string[]; 'not-allowed-nodes': Record<string, unknown>; 'dependent-ha-resources'?: string[] };
      const own = await a.data<Precondition>(a.get(`${base(ignored)}/migrate`));
      expect(own['allowed-nodes'].sort()).toEqual(['pve1', 'pve2', 'pve3', 'pve4'].filter((n) => n !== ignored.node));
      expect(own['not-allowed-nodes']).toEqual({});
      expect(own).not.toHaveProperty('dependent-ha-resources');
      const other = await a.data<Precondition>(a.get(`${base(partner)}/migrate`));
      expect(other['dependent-ha-resources']).toEqual([]);
    } finally {
      await a.data(a.del('/cluster/ha/rules/ct-together'));
      await a.data(a.del('/cluster/ha/rules/ct-pinned'));
    }
  });

  it('a filed migration is dropped when its resource is made ignored before the HA manager runs it', async () => {
    // A seeded HA VM: no CRM round is pending for it yet.
    const vm = sim.state.vms().find((v) => v.type === 'qemu' && !v.template && v.status === 'running' && !v.lock && !used.has(v.vmid) && haState(v) === 'started')!;
    used.add(vm.vmid);
    const target = ['pve1', 'pve2', 'pve3', 'pve4'].find((n) => n !== vm.node)!;
    // Long tasks: the hamigrate ends after the resource is re-made below, and the CRM round comes after that.
    sim.faults.set({ taskDurationMs: 500 });
    try {
      const upid = await a.data<string>(a.post(`${base(vm)}/migrate`, { target, online: '1' }));
      expect(upid).toContain(':hamigrate:');
      await a.data(a.del(`/cluster/ha/resources/${sidOf(vm)}`));
      await a.data(a.post('/cluster/ha/resources', { sid: sidOf(vm), state: 'ignored' }));
      expect((await waitTask(sim, upid)).exitstatus).toBe('OK');
      expect(sim.state.ha().migrations).toContainEqual({ vmid: vm.vmid, target });
      await until('the HA manager drops the ignored service\'s migration', () => !sim.state.ha().migrations.some((m) => m.vmid === vm.vmid));
    } finally {
      sim.faults.set({ taskDurationMs: 20 });
    }
    expect(sim.state.vm(vm.vmid)).toMatchObject({ node: vm.node, status: 'running' });
    expect(sim.state.tasks().filter((t) => t.id === String(vm.vmid) && t.type === 'qmigrate')).toEqual([]);
  });

  it('still counts as configured: destroying its guest needs purge (service_is_configured)', async () => {
    const ignored = await haGuest('qemu', 'stopped', 'ignored');
    const refused = await a.del(base(ignored));
    expect([refused.status, refused.statusText]).toEqual([500, `unable to remove VM ${ignored.vmid} - used in HA resources and purge parameter not set.`]);
    expect(sim.state.vm(ignored.vmid)).toBeDefined();
    expect(haState(ignored)).toBe('ignored');
  });
});
