import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { tokenHeaders } from '../fixtures/cluster.js';
import { raw, waitTask } from './http.js';

let sim: Simulator;
let h: Record<string, string>;
beforeAll(async () => {
  sim = await startSimulator({ http: true, vms: 60, taskDurationMs: 30 });
  h = tokenHeaders(sim);
});
afterAll(() => sim.close());

const UPID_RE = /^UPID:[a-zA-Z0-9-]+:[0-9A-F]{8}:[0-9A-F]{8,9}:[0-9A-F]{8}:[^:\s/]+:[^:\s/]*:[^:\s/]+:$/;

describe('schema validation', () => {
  it('answers 400 with per-parameter errors, as PVE does', async () => {
    const res = await raw(sim, 'POST', '/nodes/pve1/qemu/8200/snapshot', { headers: h, form: { snapname: '1bad', vmstate: 'true' } });
    expect(res.status).toBe(400);
    expect(res.statusText).toBe('Parameter verification failed.');
    expect(res.body?.errors?.snapname).toContain("invalid configuration ID '1bad'");
    expect(res.body?.errors?.vmstate).toBe("type check ('boolean') failed - got 'true'");
  });

  it('refuses unknown parameters, missing required ones and values outside an enum', async () => {
    const unknown = await raw(sim, 'GET', '/cluster/resources?foo=1', { headers: h });
    expect(unknown.body?.errors?.foo).toContain('property is not defined in schema');
    const missing = await raw(sim, 'POST', '/nodes/pve1/qemu/8200/snapshot', { headers: h, form: {} });
    expect(missing.body?.errors?.snapname).toBe('property is missing and it is not optional');
    const badEnum = await raw(sim, 'GET', '/cluster/resources?type=vms', { headers: h });
    expect(badEnum.status).toBe(400);
    expect(badEnum.body?.errors?.type).toContain('enumeration');
  });

  it('checks path values as parameters and answers 501 for unknown methods', async () => {
    const bad = await raw(sim, 'POST', '/nodes/pve1/qemu/abc/status/start', { headers: h });
    expect(bad.status).toBe(400);
    expect(bad.body?.errors?.vmid).toContain("type check ('integer') failed");
    const nope = await raw(sim, 'POST', '/nodes/pve1/qemu/8200/status/frobnicate', { headers: h });
    expect(nope.status).toBe(501);
    expect(nope.statusText).toBe("Method 'POST /nodes/pve1/qemu/8200/status/frobnicate' not implemented");
  });

  it('accepts JSON bodies like pveproxy', async () => {
    const res = await raw(sim, 'PUT', '/nodes/pve2/qemu/8201/config', { headers: h, json: { description: 'json body', onboot: true } });
    expect(res.body?.message).toBeUndefined();
    expect(res.status).toBe(200);
    expect(sim.state.vm(8201)?.config.onboot).toBe(1);
    expect(sim.state.vm(8201)?.config.description).toBe('json body');
  });
});

describe('cluster views', () => {
  it('lists guests, nodes and storages in /cluster/resources with the type filter', async () => {
    const all = (await raw(sim, 'GET', '/cluster/resources', { headers: h })).body!.data as Array<Record<string, unknown>>;
    const types = new Set(all.map((r) => r.type));
    expect([...types].sort()).toEqual(['lxc', 'node', 'pool', 'qemu', 'storage']);
    const vms = (await raw(sim, 'GET', '/cluster/resources?type=vm', { headers: h })).body!.data as Array<Record<string, unknown>>;
    expect(vms).toHaveLength(60);
    const tmpl = vms.find((v) => v.vmid === 9001)!;
    expect(tmpl.template).toBe(1);
    const ws = vms.find((v) => v.vmid === 8200)!;
    expect(String(ws.tags)).toContain('moxxie');
    expect(ws.name).toBe('workshop-wk-01');
  });

  it('answers nextid as a string and refuses a taken id', async () => {
    const free = await raw(sim, 'GET', '/cluster/nextid', { headers: h });
    expect(typeof free.body?.data).toBe('string');
    const taken = await raw(sim, 'GET', '/cluster/nextid?vmid=8200', { headers: h });
    expect(taken.body?.errors?.vmid).toBe('VM 8200 already exists');
  });
});

describe('tasks and locks', () => {
  it('returns a well-formed UPID, runs the task asynchronously and logs TASK OK', async () => {
    const res = await raw(sim, 'POST', '/nodes/pve1/qemu/8200/snapshot', { headers: h, form: { snapname: 'lifecycle', description: 'd' } });
    const upid = res.body!.data as string;
    expect(upid).toMatch(UPID_RE);
    expect(upid).toContain(':qmsnapshot:8200:root@pam!moxxie:');
    const running = await raw(sim, 'GET', `/nodes/pve1/tasks/${encodeURIComponent(upid)}/status`, { headers: h });
    expect((running.body!.data as { status: string }).status).toBe('running');
    expect(sim.state.vm(8200)?.lock).toBe('snapshot');
    const conflict = await raw(sim, 'PUT', '/nodes/pve1/qemu/8200/config', { headers: h, form: { description: 'x' } });
    expect(conflict.status).toBe(500);
    expect(conflict.statusText).toBe('VM is locked (snapshot)');
    await waitTask(sim, upid);
    const done = (await raw(sim, 'GET', `/nodes/pve1/tasks/${encodeURIComponent(upid)}/status`, { headers: h })).body!.data as { status: string; exitstatus: string };
    expect(done).toMatchObject({ status: 'stopped', exitstatus: 'OK' });
    const log = await raw(sim, 'GET', `/nodes/pve1/tasks/${encodeURIComponent(upid)}/log`, { headers: h });
    expect((log.body!.data as Array<{ t: string }>).at(-1)?.t).toBe('TASK OK');
    expect(log.body!.total).toBeGreaterThan(0);
    expect(sim.state.vm(8200)?.snapshots.map((s) => s.name)).toContain('lifecycle');
    expect(sim.state.vm(8200)?.lock).toBeUndefined();
  });

  it('fails a task with PVE texts: duplicate snapshot, already running', async () => {
    const dup = (await raw(sim, 'POST', '/nodes/pve1/qemu/8200/snapshot', { headers: h, form: { snapname: 'lifecycle' } })).body!.data as string;
    expect((await waitTask(sim, dup)).exitstatus).toBe("snapshot name 'lifecycle' already used");
    const running = sim.state.vms().find((v) => v.status === 'running' && v.type === 'qemu')!;
    const start = (await raw(sim, 'POST', `/nodes/${running.node}/qemu/${running.vmid}/status/start`, { headers: h })).body!.data as string;
    expect((await waitTask(sim, start)).exitstatus).toBe(`VM ${running.vmid} already running`);
  });

  it('lists running tasks with source=active and finished ones by default', async () => {
    const upid = (await raw(sim, 'POST', '/nodes/pve1/qemu/8200/snapshot', { headers: h, form: { snapname: 'listed' } })).body!.data as string;
    const active = (await raw(sim, 'GET', '/nodes/pve1/tasks?source=active', { headers: h })).body!.data as Array<{ upid: string; status: string }>;
    expect(active.find((t) => t.upid === upid)?.status).toBe('RUNNING');
    const archive = (await raw(sim, 'GET', '/nodes/pve1/tasks', { headers: h })).body!.data as Array<{ upid: string }>;
    expect(archive.some((t) => t.upid === upid)).toBe(false);
    await waitTask(sim, upid);
  });

  it('rolls back and deletes snapshots; a missing snapshot is PVE\'s error', async () => {
    const before = sim.state.vm(8202)!;
    const snap = (await raw(sim, 'POST', '/nodes/pve3/qemu/8202/snapshot', { headers: h, form: { snapname: 'rb' } })).body!.data as string;
    await waitTask(sim, snap);
    await raw(sim, 'PUT', '/nodes/pve3/qemu/8202/config', { headers: h, form: { description: 'changed after snapshot' } });
    const rb = (await raw(sim, 'POST', '/nodes/pve3/qemu/8202/snapshot/rb/rollback', { headers: h })).body!.data as string;
    await waitTask(sim, rb);
    expect(sim.state.vm(8202)?.config.description).toBe(before.config.description);
    const del = (await raw(sim, 'DELETE', '/nodes/pve3/qemu/8202/snapshot/rb', { headers: h })).body!.data as string;
    await waitTask(sim, del);
    expect(sim.state.vm(8202)?.snapshots.some((s) => s.name === 'rb')).toBe(false);
    const missing = await raw(sim, 'DELETE', '/nodes/pve3/qemu/8202/snapshot/rb', { headers: h });
    expect(missing.status).toBe(500);
    expect(missing.body?.message).toContain("snapshot 'rb' does not exist");
  });

  it('lists snapshots with current last', async () => {
    const list = (await raw(sim, 'GET', '/nodes/pve1/qemu/8200/snapshot', { headers: h })).body!.data as Array<{ name: string }>;
    expect(list.at(-1)?.name).toBe('current');
  });
});

describe('config, power, lifecycle', () => {
  it('normalises tags, honours digest and masks cipassword', async () => {
    const cfg = (await raw(sim, 'GET', '/nodes/pve1/qemu/8200/config', { headers: h })).body!.data as { digest: string };
    expect(cfg.digest).toMatch(/^[0-9a-f]{40}$/);
    expect((await raw(sim, 'PUT', '/nodes/pve1/qemu/8200/config', { headers: h, form: { tags: 'Web, prod;web', digest: cfg.digest } })).status).toBe(200);
    expect(sim.state.vm(8200)?.config.tags).toBe('prod;web');
    const stale = await raw(sim, 'PUT', '/nodes/pve1/qemu/8200/config', { headers: h, form: { tags: 'x', digest: cfg.digest } });
    expect(stale.body?.message).toContain('checksum mismatch');
    await raw(sim, 'PUT', '/nodes/pve1/qemu/8200/config', { headers: h, form: { cipassword: 'hunter22' } });
    const after = (await raw(sim, 'GET', '/nodes/pve1/qemu/8200/config', { headers: h })).body!.data as { cipassword: string };
    expect(after.cipassword).toBe('**********');
  });

  it('answers for a VM on the wrong node as PVE does', async () => {
    const res = await raw(sim, 'GET', '/nodes/pve2/qemu/8200/config', { headers: h });
    expect(res.status).toBe(500);
    expect(res.body?.message).toContain("Configuration file 'nodes/pve2/qemu-server/8200.conf' does not exist");
  });

  it('starts, suspends, resumes and stops a VM; reboot of a stopped VM is a synchronous 500', async () => {
    const vm = sim.state.vms().find((v) => v.status === 'stopped' && v.type === 'qemu' && !v.template)!;
    const path = `/nodes/${vm.node}/qemu/${vm.vmid}/status`;
    expect((await raw(sim, 'POST', `${path}/reboot`, { headers: h })).statusText).toBe(`VM ${vm.vmid} not running`);
    await waitTask(sim, (await raw(sim, 'POST', `${path}/start`, { headers: h })).body!.data as string);
    expect(sim.state.vm(vm.vmid)?.status).toBe('running');
    await waitTask(sim, (await raw(sim, 'POST', `${path}/suspend`, { headers: h })).body!.data as string);
    expect(sim.state.vm(vm.vmid)?.status).toBe('paused');
    await waitTask(sim, (await raw(sim, 'POST', `${path}/resume`, { headers: h })).body!.data as string);
    expect(sim.state.vm(vm.vmid)?.status).toBe('running');
    await waitTask(sim, (await raw(sim, 'POST', `${path}/stop`, { headers: h })).body!.data as string);
    expect(sim.state.vm(vm.vmid)?.status).toBe('stopped');
  });

  it('shuts down a guest that ignores ACPI only with forceStop', async () => {
    const vm = sim.state.vms().find((v) => v.status === 'running' && v.type === 'qemu' && !v.lock)!;
    sim.setGuestBehaviour(vm.vmid, { ignoresShutdown: true });
    const path = `/nodes/${vm.node}/qemu/${vm.vmid}/status/shutdown`;
    const soft = await waitTask(sim, (await raw(sim, 'POST', path, { headers: h, form: { timeout: '1' } })).body!.data as string);
    expect(soft.exitstatus).toBe('VM quit/powerdown failed - got timeout');
    expect(sim.state.vm(vm.vmid)?.status).toBe('running');
    const forced = await waitTask(sim, (await raw(sim, 'POST', path, { headers: h, form: { timeout: '1', forceStop: '1' } })).body!.data as string);
    expect(forced.exitstatus).toBe('OK');
    expect(sim.state.vm(vm.vmid)?.status).toBe('stopped');
  });

  it('clones a template, refuses to delete a protected VM and deletes a stopped one', async () => {
    const clone = await raw(sim, 'POST', '/nodes/pve1/qemu/9001/clone', { headers: h, form: { newid: '5000', name: 'from-template', full: '1', storage: 'local-zfs' } });
    await waitTask(sim, clone.body!.data as string);
    const made = sim.state.vm(5000)!;
    expect(made.name).toBe('from-template');
    expect(String(made.config.scsi0)).toContain('vm-5000-disk-0');
    await raw(sim, 'PUT', `/nodes/pve1/qemu/5000/config`, { headers: h, form: { protection: '1' } });
    const refused = await raw(sim, 'DELETE', '/nodes/pve1/qemu/5000', { headers: h });
    expect(refused.body?.message).toContain("can't remove VM 5000 - protection mode enabled");
    await raw(sim, 'PUT', `/nodes/pve1/qemu/5000/config`, { headers: h, form: { delete: 'protection' } });
    await waitTask(sim, (await raw(sim, 'DELETE', '/nodes/pve1/qemu/5000', { headers: h })).body!.data as string);
    expect(sim.state.vm(5000)).toBeUndefined();
  });

  it('creates a cloud-init VM with import-from and a cloudinit drive, keeping sshkeys URL-encoded', async () => {
    const keys = encodeURIComponent('ssh-ed25519 AAAA user@host');
    const res = await raw(sim, 'POST', '/nodes/pve1/qemu', {
      headers: h,
      form: { vmid: '5100', name: 'ci-vm', memory: '2048', scsi0: 'local-zfs:0,import-from=local-zfs:base-9001-disk-0', ide2: 'local-zfs:cloudinit', ciuser: 'debian', sshkeys: keys, net0: 'virtio,bridge=vmbr0', ipconfig0: 'ip=dhcp' },
    });
    expect(res.status).toBe(200);
    await waitTask(sim, res.body!.data as string);
    const vm = sim.state.vm(5100)!;
    expect(vm.config.ide2).toBe('local-zfs:vm-5100-cloudinit,media=cdrom');
    expect(vm.config.sshkeys).toBe(keys);
    expect(String(vm.config.net0)).toMatch(/^virtio=BC:24:11:/);
  });

  it('migrates a stopped VM and refuses a running one without online', async () => {
    const vm = sim.state.vms().find((v) => v.status === 'running' && v.type === 'qemu' && v.node === 'pve2' && !v.lock)!;
    const refused = await raw(sim, 'POST', `/nodes/pve2/qemu/${vm.vmid}/migrate`, { headers: h, form: { target: 'pve3' } });
    expect(refused.body?.message).toContain("can't migrate running VM without --online");
    const pre = (await raw(sim, 'GET', `/nodes/pve2/qemu/${vm.vmid}/migrate`, { headers: h })).body!.data as { running: number; allowed_nodes: string[] };
    expect(pre.running).toBe(1);
    expect(pre.allowed_nodes).toContain('pve3');
    const task = await raw(sim, 'POST', `/nodes/pve2/qemu/${vm.vmid}/migrate`, { headers: h, form: { target: 'pve3', online: '1', 'with-local-disks': '1' } });
    await waitTask(sim, task.body!.data as string);
    expect(sim.state.vm(vm.vmid)?.node).toBe('pve3');
  });

  it('backs up with vzdump into storage content and deletes unprotected backups only', async () => {
    const before = sim.state.storageContent('backup-nfs').length;
    const task = await raw(sim, 'POST', '/nodes/pve1/vzdump', { headers: h, form: { vmid: '8200', storage: 'backup-nfs', mode: 'snapshot', 'notes-template': '{{guestname}}', protected: '1' } });
    await waitTask(sim, task.body!.data as string);
    const content = sim.state.storageContent('backup-nfs');
    expect(content.length).toBe(before + 1);
    const made = content.find((v) => v.vmid === 8200 && v.protected)!;
    expect(made.notes).toBe('workshop-wk-01');
    const refused = await raw(sim, 'DELETE', `/nodes/pve1/storage/backup-nfs/content/${encodeURIComponent(made.volid)}`, { headers: h });
    expect(refused.status).toBe(500);
    await raw(sim, 'PUT', `/nodes/pve1/storage/backup-nfs/content/${encodeURIComponent(made.volid)}`, { headers: h, form: { protected: '0' } });
    await waitTask(sim, (await raw(sim, 'DELETE', `/nodes/pve1/storage/backup-nfs/content/${encodeURIComponent(made.volid)}`, { headers: h })).body!.data as string);
    expect(sim.state.storageContent('backup-nfs').some((v) => v.volid === made.volid)).toBe(false);
  });

  it('lists storages and pools', async () => {
    const st = (await raw(sim, 'GET', '/nodes/pve1/storage?content=backup', { headers: h })).body!.data as Array<{ storage: string }>;
    expect(st.map((s) => s.storage).sort()).toEqual(['backup-nfs', 'local']);
    const pool = (await raw(sim, 'GET', '/pools/workshop', { headers: h })).body!.data as { members: unknown[] };
    expect(pool.members.length).toBe(10);
    expect((await raw(sim, 'GET', '/pools/nope', { headers: h })).body?.message).toContain("pool 'nope' does not exist");
  });
});

describe('fault injection', () => {
  it('answers 595 for an offline node and shows its guests as unknown', async () => {
    sim.faults.set({ offlineNodes: ['pve4'] });
    try {
      const res = await raw(sim, 'GET', '/nodes/pve4/status', { headers: h });
      expect(res.status).toBe(595);
      const vms = (await raw(sim, 'GET', '/cluster/resources?type=vm', { headers: h })).body!.data as Array<{ node: string; status: string; name?: string }>;
      const onPve4 = vms.filter((v) => v.node === 'pve4');
      expect(onPve4.length).toBeGreaterThan(0);
      expect(onPve4.every((v) => v.status === 'unknown' && v.name === undefined)).toBe(true);
    } finally {
      sim.faults.set({ offlineNodes: [] });
    }
  });

  it('injects HTTP errors, failing tasks and latency', async () => {
    sim.faults.set({ errorRate: 1, errorStatus: 503 });
    expect((await raw(sim, 'GET', '/version', { headers: h })).status).toBe(503);
    sim.faults.set({ errorRate: 0, taskFailureRate: 1 });
    const upid = (await raw(sim, 'POST', '/nodes/pve1/qemu/8200/snapshot', { headers: h, form: { snapname: 'willfail' } })).body!.data as string;
    expect((await waitTask(sim, upid)).exitstatus).toBe('simulated task failure (fault injection)');
    sim.faults.set({ taskFailureRate: 0, latencyMs: 150 });
    const t0 = Date.now();
    await raw(sim, 'GET', '/version', { headers: h });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    sim.faults.reset();
    expect(sim.faults.current.latencyMs).toBe(0);
  });

  it('drops connections when told to', async () => {
    sim.faults.set({ dropRate: 1 });
    await expect(raw(sim, 'GET', '/version', { headers: h })).rejects.toThrow();
    sim.faults.set({ dropRate: 0 });
  });

  it('refuses bad fault settings naming the field', () => {
    expect(() => sim.faults.set({ errorRate: 2 })).toThrow(/errorRate must be between 0 and 1/);
  });
});

describe('control endpoint', () => {
  it('is off unless enabled, and sets faults over HTTP when on', async () => {
    expect((await fetch(`${sim.url}/_sim/faults`)).status).toBe(501);
    const ctl = await startSimulator({ http: true, vms: 5, controlEndpoint: true });
    try {
      const res = await fetch(`${ctl.url}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs: 5 }) });
      expect(res.status).toBe(200);
      expect(ctl.faults.current.latencyMs).toBe(5);
      const bad = await fetch(`${ctl.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ bogus: 1 }) });
      expect(bad.status).toBe(400);
    } finally {
      await ctl.close();
    }
  });
});
