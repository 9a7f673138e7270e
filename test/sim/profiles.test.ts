// The simulator's PVE 9 and 8.4 profiles: each validates against its own schema and answers as that release.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { api, waitTask } from './http.js';
import { until } from '../fixtures/wait.js';

let v9: Simulator;
let v84: Simulator;
let a9: ReturnType<typeof api>;
let a84: ReturnType<typeof api>;
beforeAll(async () => {
  [v9, v84] = await Promise.all([startSimulator({ http: true, vms: 60, taskDurationMs: 20 }), startSimulator({ http: true, vms: 60, taskDurationMs: 20, pve: '8.4' })]);
  a9 = api(v9);
  a84 = api(v84);
});
afterAll(async () => {
  await v9.close();
  await v84.close();
});

type Row = Record<string, unknown>;
/** Demo HA resources: production mail servers (vm 106 and 116 at seed 1). */
const HA_VM = 106;
/** VM 100's node (the same in both profiles: the inventory does not depend on the release). */
const n100 = (): string => v9.state.vm(100)!.node;

describe('PVE 9 profile (default)', () => {
  it('reports 9.1 and node status on the 9 kernel', async () => {
    expect(v9.pve).toBe('9');
    expect(await a9.data(a9.get('/version'))).toMatchObject({ release: '9.1', version: '9.1.2' });
    expect((await a9.data<Row>(a9.get('/nodes/pve1/status'))).pveversion).toMatch(/^pve-manager\/9\.1\./);
  });

  it('has HA rules (node-affinity, resource-affinity); migrated groups answer 500', async () => {
    const rules = await a9.data<Row[]>(a9.get('/cluster/ha/rules'));
    expect(rules.map((r) => r.type).sort()).toEqual(['node-affinity', 'resource-affinity']);
    expect(String(rules.find((r) => r.type === 'node-affinity')!.resources)).toContain(`vm:${HA_VM}`);
    expect((await a9.data<Row[]>(a9.get('/cluster/ha/rules?type=resource-affinity'))).length).toBe(1);
    const groups = await a9.get('/cluster/ha/groups');
    expect(groups.status).toBe(500);
    expect(groups.body!.message).toContain('ha groups have been migrated to rules');
  });

  it('lists privileges without VM.Monitor and with VM.GuestAgent.* and Sys.AccessNetwork', async () => {
    const perms = await a9.data<Record<string, Record<string, number>>>(a9.get('/access/permissions'));
    expect(perms['/vms']['VM.Monitor']).toBeUndefined();
    expect(perms['/vms']['VM.GuestAgent.Audit']).toBe(1);
    expect(perms['/vms']['VM.GuestAgent.Unrestricted']).toBe(1);
    expect(perms['/']['Sys.AccessNetwork']).toBe(1);
  });

  it('reports memhost and pressure fields, and the QMP figures of a running VM', async () => {
    const st = await a9.data<Row>(a9.get(`/nodes/${n100()}/qemu/100/status/current`));
    expect(st.status).toBe('running');
    for (const k of ['memhost', 'pressurecpusome', 'pressurecpufull', 'pressureiosome', 'pressureiofull', 'pressurememorysome', 'pressurememoryfull']) expect(st).toHaveProperty(k);
    for (const k of ['balloon', 'ballooninfo', 'freemem', 'blockstat', 'nics', 'proxmox-support']) expect(st).toHaveProperty(k);
    expect(Object.keys(st.blockstat as Row)).toContain('scsi0');
    expect(Object.keys(st.nics as Row)).toEqual(['tap100i0']);
    const res = await a9.data<Row[]>(a9.get('/cluster/resources?type=vm'));
    expect(res.find((r) => r.vmid === 100)).toHaveProperty('memhost');
    const ct = await a9.data<Row>(a9.get('/nodes/pve2/lxc/300/status/current'));
    expect(ct).toHaveProperty('pressurememorysome');
    expect(ct).not.toHaveProperty('memhost');
  });

  it('shows HA-managed guests: hastate, ha.managed, HA resources and status', async () => {
    const res = await a9.data<Row[]>(a9.get('/cluster/resources?type=vm'));
    expect(res.find((r) => r.vmid === HA_VM)!.hastate).toBe('started');
    expect(res.find((r) => r.vmid === 100)).not.toHaveProperty('hastate');
    const node = String(res.find((r) => r.vmid === HA_VM)!.node);
    expect((await a9.data<Row>(a9.get(`/nodes/${node}/qemu/${HA_VM}/status/current`))).ha).toEqual({ managed: 1, state: 'started' });
    expect((await a9.data<Row>(a9.get(`/nodes/${n100()}/qemu/100/status/current`))).ha).toEqual({ managed: 0 });
    const resources = await a9.data<Row[]>(a9.get('/cluster/ha/resources'));
    expect(resources.map((r) => r.sid)).toContain(`vm:${HA_VM}`);
    expect(resources[0]).toHaveProperty('failback');
    expect(resources[0]).not.toHaveProperty('group');
    const status = await a9.data<Row[]>(a9.get('/cluster/ha/status/current'));
    expect(status.find((s) => s.id === `service:vm:${HA_VM}`)).toMatchObject({ type: 'service', node, request_state: 'started' });
    expect(status.some((s) => s.type === 'fencing')).toBe(true);
  });

  it('turns an HA-managed guest stop into an hastop request that sets the HA state; the HA manager acts after it', async () => {
    const res = await a9.data<Row[]>(a9.get('/cluster/resources?type=vm'));
    const node = String(res.find((r) => r.vmid === HA_VM)!.node);
    const upid = await a9.data<string>(a9.post(`/nodes/${node}/qemu/${HA_VM}/status/stop`));
    expect(upid).toContain(':hastop:');
    expect((await waitTask(v9, upid)).exitstatus).toBe('OK');
    // The task only filed the request: the VM stops a CRM round later (PVE: "a few seconds later").
    expect(v9.state.vm(HA_VM)!.status).toBe('running');
    expect((await a9.data<Row>(a9.get(`/cluster/ha/resources/vm:${HA_VM}`))).state).toBe('stopped');
    await until('the HA manager stops the VM', () => v9.state.vm(HA_VM)!.status === 'stopped');
    const suspend = await a9.post(`/nodes/${node}/qemu/${HA_VM}/status/suspend`, { todisk: '1' });
    expect(suspend.status).toBe(500);
    const start = await a9.data<string>(a9.post(`/nodes/${node}/qemu/${HA_VM}/status/start`));
    expect(start).toContain(':hastart:');
    await waitTask(v9, start);
    expect(v9.state.vm(HA_VM)!.status).toBe('stopped');
    await until('the HA manager starts the VM', () => v9.state.vm(HA_VM)!.status === 'running');
  });

  it('validates against the 9 schema: vzdump notification-policy is gone, migrate with-conntrack-state is new', async () => {
    const dump = await a9.post(`/nodes/${n100()}/vzdump`, { vmid: '100', storage: 'backup-nfs', 'notification-policy': 'never' });
    expect(dump.status).toBe(400);
    expect(dump.body!.errors).toHaveProperty('notification-policy');
    // Accepted by the schema; the precondition (running without --online) still refuses it.
    const mig = await a9.post(`/nodes/${n100()}/qemu/100/migrate`, { target: 'pve1', 'with-conntrack-state': '1' });
    expect(mig.status).toBe(500);
    expect(mig.body!.message).toContain("can't migrate running VM without --online");
  });
});

describe('PVE 8.4 profile', () => {
  it('reports 8.4', async () => {
    expect(v84.pve).toBe('8.4');
    expect(await a84.data(a84.get('/version'))).toEqual({ version: '8.4.1', release: '8.4', repoid: '2a5fa54a8503f96d' });
  });

  it('has HA groups and no rules endpoint', async () => {
    const groups = await a84.data<Row[]>(a84.get('/cluster/ha/groups'));
    expect(groups.map((g) => g.group)).toEqual(['prod']);
    const rules = await a84.get('/cluster/ha/rules');
    expect(rules.status).toBe(501);
    const resources = await a84.data<Row[]>(a84.get('/cluster/ha/resources'));
    expect(resources.find((r) => r.sid === `vm:${HA_VM}`)).toMatchObject({ group: 'prod', state: 'started' });
    expect(resources[0]).not.toHaveProperty('failback');
  });

  it('lists VM.Monitor and no VM.GuestAgent privileges', async () => {
    const perms = await a84.data<Record<string, Record<string, number>>>(a84.get('/access/permissions'));
    expect(perms['/vms']['VM.Monitor']).toBe(1);
    expect(Object.keys(perms['/vms']).some((p) => p.startsWith('VM.GuestAgent'))).toBe(false);
  });

  it('has no memhost or pressure fields', async () => {
    const st = await a84.data<Row>(a84.get(`/nodes/${n100()}/qemu/100/status/current`));
    expect(st).not.toHaveProperty('memhost');
    expect(Object.keys(st).some((k) => k.startsWith('pressure'))).toBe(false);
    expect(st).toHaveProperty('ballooninfo');
  });

  it('validates against the 8.4 schema: with-conntrack-state is unknown, notification-policy accepted', async () => {
    const mig = await a84.post(`/nodes/${n100()}/qemu/100/migrate`, { target: 'pve1', online: '1', 'with-conntrack-state': '1' });
    expect(mig.status).toBe(400);
    expect(mig.body!.errors).toHaveProperty('with-conntrack-state');
    const dump = await a84.data<string>(a84.post(`/nodes/${n100()}/vzdump`, { vmid: '100', storage: 'backup-nfs', 'notification-policy': 'never' }));
    expect((await waitTask(v84, dump)).exitstatus).toBe('OK');
  });
});

describe('fidelity', () => {
  it('task lists: typefilter is exact, errors=1 keeps warnings, userfilter matches the user part only', async () => {
    const snap = await a9.data<string>(a9.post('/nodes/pve4/qemu/8203/snapshot', { snapname: 'pf1' }));
    await waitTask(v9, snap);
    // Deleting an option that is not set ends in warnings, which PVE's errors filter keeps.
    const warned = await a9.data<string>(a9.post('/nodes/pve4/qemu/8203/config', { delete: 'serial3' }));
    expect((await waitTask(v9, warned)).exitstatus).toBe('WARNINGS: 1');
    expect((await a9.data<Row[]>(a9.get('/nodes/pve4/tasks?typefilter=qmsnap'))).length).toBe(0);
    expect((await a9.data<Row[]>(a9.get('/nodes/pve4/tasks?typefilter=qmsnapshot'))).map((t) => t.upid)).toContain(snap);
    const errors = (await a9.data<Row[]>(a9.get('/nodes/pve4/tasks?errors=1'))).map((t) => t.upid);
    expect(errors).toContain(warned);
    expect(errors).not.toContain(snap);
    // The token's name (moxxie) is not part of the user.
    expect((await a9.data<Row[]>(a9.get('/nodes/pve4/tasks?userfilter=moxxie'))).length).toBe(0);
    expect((await a9.data<Row[]>(a9.get('/nodes/pve4/tasks?userfilter=ROOT@pam'))).map((t) => t.upid)).toContain(snap);
  });

  it("a container's disk in /cluster/resources matches /nodes/{node}/lxc", async () => {
    const res = (await a9.data<Row[]>(a9.get('/cluster/resources?type=vm'))).find((r) => r.vmid === 301)!;
    const list = (await a9.data<Row[]>(a9.get(`/nodes/${String(res.node)}/lxc`))).find((r) => r.vmid === 301)!;
    expect(Number(res.disk)).toBeGreaterThan(0);
    expect(res.disk).toBe(list.disk);
  });

  it('refuses a ZFS rollback to a snapshot that is not the newest, as the ZFS plugin does', async () => {
    for (const name of ['z1', 'z2']) await waitTask(v9, await a9.data<string>(a9.post(`/nodes/${n100()}/qemu/100/snapshot`, { snapname: name })));
    const t = await waitTask(v9, await a9.data<string>(a9.post(`/nodes/${n100()}/qemu/100/snapshot/z1/rollback`)));
    expect(t.exitstatus).toBe("can't rollback, 'z1' is not most recent snapshot on 'local-zfs:vm-100-disk-0'");
    expect(v9.state.vm(100)!.lock).toBeUndefined();
    const latest = await waitTask(v9, await a9.data<string>(a9.post(`/nodes/${n100()}/qemu/100/snapshot/z2/rollback`)));
    expect(latest.exitstatus).toBe('OK');
  });
});
