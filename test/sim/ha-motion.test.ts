// The CT migration precondition's HA part on PVE 9 (pve-container migrate_vm_precondition with pve-ha-manager's
// get_resource_motion_info): a node where an HA resource in negative affinity with the CT runs is not allowed
// (cause 'resource-affinity', the schema's only cause), HA resources in positive affinity are listed as moving
// along, node-affinity rules block nothing, and a locked CT fails (check_lock). On the simulator's true state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimVm, type Simulator } from '../../src/sim/index.js';
import { api } from './http.js';

let sim: Simulator;
let a: ReturnType<typeof api>;
beforeAll(async () => {
  sim = await startSimulator({ http: true, nodes: 4, vms: 20, seed: 5, taskDurationMs: 20, containers: true });
  a = api(sim);
});
afterAll(() => sim.close());

type Precondition = { running: number; 'allowed-nodes': string[]; 'not-allowed-nodes': Record<string, unknown>; 'dependent-ha-resources'?: string[] };
const NODES = ['pve1', 'pve2', 'pve3', 'pve4'];
const sidOf = (vm: SimVm) => `ct:${vm.vmid}`;
const precondition = (vm: SimVm) => a.data<Precondition>(a.get(`/nodes/${vm.node}/lxc/${vm.vmid}/migrate`));

describe('the CT migration precondition\'s HA information (PVE 9)', () => {
  it('blocks the node of a partner in negative affinity, lists positive partners, and ignores node affinity', async () => {
    const cts = sim.state.vms().filter((v) => v.type === 'lxc' && !v.template && !v.lock && !sim.state.ha().resources.some((r) => r.sid === sidOf(v)));
    const ct = cts[0];
    const apart = cts.find((v) => v.node !== ct.node)!;
    const along = cts.find((v) => v !== ct && v !== apart)!;
    for (const v of [ct, apart, along]) await a.data(a.post('/cluster/ha/resources', { sid: sidOf(v), state: v.status === 'stopped' ? 'stopped' : 'started' }));
    await a.data(a.post('/cluster/ha/rules', { rule: 'ct-apart', type: 'resource-affinity', affinity: 'negative', resources: `${sidOf(ct)},${sidOf(apart)}` }));
    await a.data(a.post('/cluster/ha/rules', { rule: 'ct-along', type: 'resource-affinity', affinity: 'positive', resources: `${sidOf(ct)},${sidOf(along)}` }));
    // A strict node-affinity rule that leaves the CT only its own node: PVE's precondition does not report it.
    await a.data(a.post('/cluster/ha/rules', { rule: 'ct-pinned', type: 'node-affinity', strict: '1', nodes: ct.node, resources: sidOf(ct) }));

    const p = await precondition(ct);
    expect(p['not-allowed-nodes']).toEqual({ [apart.node]: { 'blocking-ha-resources': [{ sid: sidOf(apart), cause: 'resource-affinity' }] } });
    expect(p['allowed-nodes'].sort()).toEqual(NODES.filter((n) => n !== ct.node && n !== apart.node));
    expect(p['dependent-ha-resources']).toEqual([sidOf(along)]);
    // The partner sees the CT the same way; a CT that is no HA resource gets no HA part at all.
    expect((await precondition(apart))['not-allowed-nodes']).toEqual({ [ct.node]: { 'blocking-ha-resources': [{ sid: sidOf(ct), cause: 'resource-affinity' }] } });
    const plain = cts.find((v) => ![ct, apart, along].includes(v))!;
    const free = await precondition(plain);
    expect(free).not.toHaveProperty('dependent-ha-resources');
    expect(free['not-allowed-nodes']).toEqual({});
  });

  it('fails for a locked CT, as check_lock does', async () => {
    const ct = sim.state.vms().find((v) => v.type === 'lxc' && !v.template && !v.lock && v.status === 'stopped' && !sim.state.ha().resources.some((r) => r.sid === sidOf(v)))!;
    // A snapshot that outlasts the test holds the CT's lock.
    sim.faults.set({ taskDurationMs: 600_000 });
    try {
      await a.data(a.post(`/nodes/${ct.node}/lxc/${ct.vmid}/snapshot`, { snapname: 'held' }));
    } finally {
      sim.faults.set({ taskDurationMs: 20 });
    }
    expect(sim.state.vm(ct.vmid)!.lock).toBe('snapshot');
    const res = await a.get(`/nodes/${ct.node}/lxc/${ct.vmid}/migrate`);
    expect([res.status, res.statusText]).toEqual([500, 'CT is locked (snapshot)']);
  });
});
