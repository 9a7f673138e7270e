// What PVE 9 added for containers, against both profiles: the migration precondition GET (9.0; 501 on 8.4),
// pct create's unprivileged default and ha-managed (9.1; a 400 on 8.4, as the schema has no such parameter).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { api, waitTask } from './http.js';

let v9: Simulator;
let v84: Simulator;
let a9: ReturnType<typeof api>;
let a84: ReturnType<typeof api>;
beforeAll(async () => {
  [v9, v84] = await Promise.all([startSimulator({ http: true, vms: 20, taskDurationMs: 20 }), startSimulator({ http: true, vms: 20, taskDurationMs: 20, pve: '8.4' })]);
  a9 = api(v9);
  a84 = api(v84);
});
afterAll(async () => {
  await v9.close();
  await v84.close();
});

const TEMPLATE = 'util-iso:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';
type Precondition = { running: number; 'allowed-nodes': string[]; 'not-allowed-nodes': Record<string, unknown>; 'dependent-ha-resources'?: string[] };

describe('GET /nodes/{node}/lxc/{vmid}/migrate', () => {
  it('PVE 9: running state and every other node allowed', async () => {
    for (const vmid of [300, 301]) {
      const ct = v9.state.vm(vmid)!;
      const p = await a9.data<Precondition>(a9.get(`/nodes/${ct.node}/lxc/${vmid}/migrate`));
      expect(p.running).toBe(ct.status === 'stopped' ? 0 : 1);
      expect(p['allowed-nodes'].sort()).toEqual(['pve1', 'pve2', 'pve3', 'pve4'].filter((n) => n !== ct.node));
      expect(p['not-allowed-nodes']).toEqual({});
    }
  });

  it('a CT on another node or a VM id is not found, as pct answers', async () => {
    const ct = v9.state.vm(300)!;
    const other = ct.node === 'pve1' ? 'pve2' : 'pve1';
    expect((await a9.get(`/nodes/${other}/lxc/300/migrate`)).status).toBe(500);
    expect((await a9.get(`/nodes/${v9.state.vm(100)!.node}/lxc/100/migrate`)).status).toBe(500);
  });

  it('PVE 8.4 has no such route: 501', async () => {
    const ct = v84.state.vm(300)!;
    expect((await a84.get(`/nodes/${ct.node}/lxc/300/migrate`)).status).toBe(501);
  });
});

describe('pct create', () => {
  it('makes an unprivileged CT unless told otherwise', async () => {
    const made = await a9.data<string>(a9.post('/nodes/pve1/lxc', { vmid: '720', ostemplate: TEMPLATE, storage: 'local-zfs' }));
    expect((await waitTask(v9, made)).exitstatus).toBe('OK');
    expect(v9.state.vm(720)!.config.unprivileged).toBe(1);
    const privileged = await a9.data<string>(a9.post('/nodes/pve1/lxc', { vmid: '721', ostemplate: TEMPLATE, storage: 'local-zfs', unprivileged: '0' }));
    expect((await waitTask(v9, privileged)).exitstatus).toBe('OK');
    expect(v9.state.vm(721)!.config.unprivileged).toBe('0');
  });

  it('ha-managed: an HA resource on 9 (started when start=1); refused by the 8.4 schema', async () => {
    const made = await a9.data<string>(a9.post('/nodes/pve2/lxc', { vmid: '722', ostemplate: TEMPLATE, storage: 'local-zfs', 'ha-managed': '1', start: '1' }));
    expect((await waitTask(v9, made)).exitstatus).toBe('OK');
    const res = await a9.data<Array<{ sid: string; state: string; type: string }>>(a9.get('/cluster/ha/resources'));
    expect(res.find((r) => r.sid === 'ct:722')).toMatchObject({ state: 'started', type: 'ct' });
    const status = await a9.data<{ ha: { managed: number } }>(a9.get('/nodes/pve2/lxc/722/status/current'));
    expect(status.ha.managed).toBe(1);
    const refused = await a84.post('/nodes/pve2/lxc', { vmid: '722', ostemplate: TEMPLATE, storage: 'local-zfs', 'ha-managed': '1' });
    expect(refused.status).toBe(400);
    expect(refused.body!.errors).toHaveProperty('ha-managed');
    expect(v84.state.vm(722)).toBeUndefined();
  });

  it('a CT start fails when its bridge is not on the node, as a VM start does', async () => {
    const made = await a9.data<string>(a9.post('/nodes/pve3/lxc', { vmid: '723', ostemplate: TEMPLATE, storage: 'local-zfs', net0: 'name=eth0,bridge=wsdc1up,ip=dhcp' }));
    expect((await waitTask(v9, made)).exitstatus).toBe('OK');
    const start = await a9.data<string>(a9.post('/nodes/pve3/lxc/723/status/start'));
    expect((await waitTask(v9, start)).exitstatus).toBe("bridge 'wsdc1up' does not exist");
    expect(v9.state.vm(723)!.status).toBe('stopped');
  });
});
