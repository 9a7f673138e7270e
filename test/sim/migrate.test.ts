// The simulator's migration as PVE's: time in proportion to what moves (RAM online, local disks), bwlimit,
// a live migration that can be made to fail, target storages that must hold images, and a config-based
// precondition that ignores `target`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimVm, type Simulator } from '../../src/sim/index.js';
import { api, waitTask } from './http.js';

let sim: Simulator;
let a: ReturnType<typeof api>;
beforeAll(async () => {
  sim = await startSimulator({ http: true, vms: 60, taskDurationMs: 10, faults: { migrationMsPerGiB: 5 } });
  a = api(sim);
});
afterAll(() => sim.close());

const taken = new Set<number>();
function pick(pred: (v: SimVm) => boolean): SimVm {
  const vm = sim.state.vms().find((v) => v.type === 'qemu' && !v.template && !v.lock && !taken.has(v.vmid) && v.vmid < 8200 && pred(v));
  if (!vm) throw new Error('no suitable VM in the generated cluster');
  taken.add(vm.vmid);
  return vm;
}
const base = (vm: SimVm) => `/nodes/${vm.node}/qemu/${vm.vmid}`;
const other = (vm: SimVm) => (vm.node === 'pve1' ? 'pve2' : 'pve1');

describe('simulated migration', () => {
  it('the precondition ignores target (even an unknown node) and lists local devices without barring nodes', async () => {
    const vm = pick((v) => v.status === 'running');
    const pre = await a.data<{ allowed_nodes: string[]; not_allowed_nodes: object }>(a.get(`${base(vm)}/migrate?target=nosuchnode`));
    expect(pre.allowed_nodes.sort()).toEqual(['pve1', 'pve2', 'pve3', 'pve4'].filter((n) => n !== vm.node));
    expect(pre.not_allowed_nodes).toEqual({});
  });

  it('refuses a target storage without images content before any task starts, as PVE does', async () => {
    const vm = pick((v) => v.status === 'stopped');
    const before = sim.state.tasks().length;
    const res = await a.post(`${base(vm)}/migrate`, { target: other(vm), targetstorage: 'local' });
    expect(res.status).toBe(500);
    expect(res.statusText).toBe("storage 'local' does not support vm images");
    const mapped = await a.post(`${base(vm)}/migrate`, { target: other(vm), targetstorage: 'local-zfs:backup-nfs' });
    expect(mapped.statusText).toBe("storage 'backup-nfs' does not support vm images");
    expect(sim.state.tasks().length).toBe(before);
    expect(sim.state.vm(vm.vmid)!.node).toBe(vm.node);
  });

  it('takes time in proportion to the RAM moved online, and bwlimit stretches it', async () => {
    const vm = pick((v) => v.status === 'running' && Number(v.config.memory) >= 4096);
    const target = other(vm);
    sim.faults.set({ migrationMsPerGiB: 0.5 });
    const started = Date.now();
    const fast = await a.data<string>(a.post(`${base(vm)}/migrate`, { target, online: '1', 'with-local-disks': '1' }));
    const t1 = await waitTask(sim, fast);
    const fastMs = Date.now() - started;
    expect(t1.exitstatus).toBe('OK');
    expect(sim.state.vm(vm.vmid)!.node).toBe(target);
    // 51200 KiB/s is 1/20 of the simulated 1 GiB/s link: the same VM takes about 20 times as long.
    const back = vm.node;
    const slowStart = Date.now();
    const slow = await a.data<string>(a.post(`/nodes/${target}/qemu/${vm.vmid}/migrate`, { target: back, online: '1', 'with-local-disks': '1', bwlimit: '51200' }));
    const t2 = await waitTask(sim, slow);
    const slowMs = Date.now() - slowStart;
    expect(t2.exitstatus).toBe('OK');
    expect(t2.log.some((l) => l.includes('bandwidth limit of 51200 KiB/s'))).toBe(true);
    sim.faults.set({ migrationMsPerGiB: 5 });
    expect(slowMs).toBeGreaterThan(fastMs * 5);
  });

  it('a guest set to fail live migration aborts online and stays running on its node; offline it moves', async () => {
    const vm = pick((v) => v.status === 'running');
    sim.setGuestBehaviour(vm.vmid, { failsOnlineMigration: true });
    const upid = await a.data<string>(a.post(`${base(vm)}/migrate`, { target: other(vm), online: '1', 'with-local-disks': '1' }));
    const t = await waitTask(sim, upid);
    expect(t.exitstatus).toBe('migration aborted');
    expect(t.log.some((l) => /ERROR: online migrate failure/.test(l))).toBe(true);
    expect(sim.state.vm(vm.vmid)).toMatchObject({ node: vm.node, status: 'running', lock: undefined });
    await waitTask(sim, await a.data<string>(a.post(`${base(vm)}/status/stop`)));
    const off = await waitTask(sim, await a.data<string>(a.post(`${base(vm)}/migrate`, { target: other(vm) })));
    expect(off.exitstatus).toBe('OK');
    expect(sim.state.vm(vm.vmid)).toMatchObject({ node: other(vm), status: 'stopped' });
  });

  it('the control endpoint sets the behaviour and refuses unknown ones', async () => {
    const s2 = await startSimulator({ http: true, vms: 20, controlEndpoint: true });
    try {
      const bad = await fetch(`${s2.url}/_sim/guests/100`, { method: 'POST', body: JSON.stringify({ failsMigration: true }) });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { message: string }).message).toContain("unknown guest behaviour 'failsMigration'");
      const ok = await fetch(`${s2.url}/_sim/guests/100`, { method: 'POST', body: JSON.stringify({ failsOnlineMigration: true }) });
      expect(ok.status).toBe(200);
    } finally {
      await s2.close();
    }
  });

  it('a target that goes offline while the data moves aborts the migration', async () => {
    const vm = pick((v) => v.status === 'stopped');
    const target = other(vm);
    sim.faults.set({ migrationMsPerGiB: 20 });
    try {
      const upid = await a.data<string>(a.post(`${base(vm)}/migrate`, { target }));
      sim.faults.set({ offlineNodes: [target] });
      const t = await waitTask(sim, upid);
      expect(t.exitstatus).toBe('migration aborted');
      expect(sim.state.vm(vm.vmid)!.node).toBe(vm.node);
    } finally {
      sim.faults.set({ migrationMsPerGiB: 5, offlineNodes: [] });
    }
  });
});
