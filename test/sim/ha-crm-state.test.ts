// The HA state PVE shows for a service is the CRM's (pve-ha-manager: Config.pm get_service_status reads
// manager_status' service_status; pve-manager's /cluster/resources `hastate` too), not the state asked for:
// it moves only in a CRM round (ha-manager status' verbose state is derived from it, get_verbose_service_state). So right after a stop is asked it still says `started`, then `request_stop`
// while the LRM shuts the guest down, then `stopped`; a client cannot read "my request was filed" from it.
// Read from the simulator over HTTP while it happens, every few milliseconds.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSimulator, type SimVm, type Simulator } from '../../src/sim/index.js';
import { until } from '../fixtures/wait.js';
import { api, waitTask } from './http.js';

let sim: Simulator;
let a: ReturnType<typeof api>;
beforeAll(async () => {
  sim = await startSimulator({ http: true, nodes: 2, vms: 8, seed: 3, taskDurationMs: 150 });
  a = api(sim);
});
afterAll(() => sim.close());

interface Seen {
  status: string;
  ha: string;
  hastate: string;
  crm: string;
  /** ha-manager status' verbose state (get_verbose_service_state). */
  verbose: string;
}

it('status/current, /cluster/resources and ha/status/current show the CRM state: started, request_stop, stopped', async () => {
  const vm: SimVm = sim.state.vms().find((v) => v.type === 'qemu' && !v.template && v.status === 'running' && !v.lock)!;
  const sid = `vm:${vm.vmid}`;
  await a.data(a.post('/cluster/ha/resources', { sid, state: 'started' }));
  const look = async (): Promise<Seen> => {
    const current = await a.data<{ status: string; ha: { state: string } }>(a.get(`/nodes/${vm.node}/qemu/${vm.vmid}/status/current`));
    const row = (await a.data<Array<{ vmid: number; hastate?: string }>>(a.get('/cluster/resources?type=vm'))).find((r) => r.vmid === vm.vmid)!;
    const service = (await a.data<Array<{ sid?: string; crm_state?: string; state?: string }>>(a.get('/cluster/ha/status/current'))).find((s) => s.sid === sid)!;
    return { status: current.status, ha: current.ha.state, hastate: row.hastate ?? '', crm: service.crm_state ?? '', verbose: service.state ?? '' };
  };
  await until('the CRM to look at the new service', async () => (await look()).ha === 'started');

  // Asked to stop: the hastop task only files the request; the CRM state has not moved yet.
  await waitTask(sim, await a.data<string>(a.post(`/nodes/${vm.node}/qemu/${vm.vmid}/status/stop`, {})));
  expect(sim.state.ha().resources.find((r) => r.sid === sid)?.state).toBe('stopped');
  const seen: Seen[] = [await look()];
  // ha-manager status gives fast feedback: the CRM is still at started, the stop is asked: stopping.
  expect(seen[0]).toEqual({ status: 'running', ha: 'started', hastate: 'started', crm: 'started', verbose: 'stopping' });
  await until('the guest to be stopped and the CRM to say so', async () => {
    seen.push(await look());
    const last = seen[seen.length - 1];
    return last.status === 'stopped' && last.ha === 'stopped';
  });
  // Each answer went through the CRM's states in order (the three are read one after the other, so one may
  // be a step ahead of another); status/current showed request_stop while the guest ran, and never stopped
  // before the guest was down (both from one answer).
  const steps = (values: string[]) => values.filter((v, i) => v !== values[i - 1]);
  for (const field of ['ha', 'hastate', 'crm'] as const) {
    const order = steps(seen.map((s) => s[field]));
    expect(order, field).toEqual(['started', 'request_stop', 'stopped'].filter((v) => order.includes(v)));
  }
  expect(steps(seen.map((s) => s.ha))).toEqual(['started', 'request_stop', 'stopped']);
  expect(seen.some((s) => s.ha === 'request_stop' && s.status === 'running')).toBe(true);
  expect(seen.some((s) => s.ha === 'stopped' && s.status === 'running')).toBe(false);
});
