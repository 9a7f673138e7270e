import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimVm, type Simulator } from '../../src/sim/index.js';
import { api, waitTask } from './http.js';

const KEY_A = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ops@example.org';
const KEY_B = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHt8XQ2pYvcl0JmXlA4uJ3vCzC0gRk2GzOlEgbdVwq7Q admin@example.org';

let sim: Simulator;
let a: ReturnType<typeof api>;
beforeAll(async () => {
  sim = await startSimulator({ http: true, vms: 80, taskDurationMs: 20 });
  a = api(sim);
});
afterAll(() => sim.close());

/** Starts a task that runs long enough to be seen running (its lock) even on a loaded machine, then restores short tasks. */
async function slowly<T>(start: () => Promise<T>, ms = 400): Promise<T> {
  sim.faults.set({ taskDurationMs: ms });
  try {
    return await start();
  } finally {
    sim.faults.set({ taskDurationMs: 20 });
  }
}

const taken = new Set<number>();
/** A guest no other test in this file uses. */
function pick(pred: (v: SimVm) => boolean): SimVm {
  const vm = sim.state.vms().find((v) => v.type === 'qemu' && !v.template && !v.lock && !v.protection && !taken.has(v.vmid) && v.vmid < 8200 && pred(v));
  if (!vm) throw new Error('no suitable VM in the generated cluster');
  taken.add(vm.vmid);
  return vm;
}
const base = (vm: SimVm) => `/nodes/${vm.node}/qemu/${vm.vmid}`;
const run = async (upid: Promise<string>) => waitTask(sim, await upid);

describe('config', () => {
  it('answers config with digest, masked cipassword, normalised tags and a generated MAC', async () => {
    const vm = pick(() => true);
    await a.data(a.put(`${base(vm)}/config`, { tags: 'Web, prod;web', cipassword: 'hunter22', net1: 'virtio,bridge=vmbr0' }));
    const cfg = await a.data<Record<string, string>>(a.get(`${base(vm)}/config`));
    expect(cfg.digest).toMatch(/^[0-9a-f]{40}$/);
    expect(cfg.tags).toBe('prod;web');
    expect(cfg.cipassword).toBe('**********');
    expect(cfg.net1).toMatch(/^virtio=BC:24:11:[0-9A-F]{2}:[0-9A-F]{2}:[0-9A-F]{2},bridge=vmbr0$/);
    expect(sim.state.vm(vm.vmid)!.config.cipassword).toBe('hunter22');
    expect(typeof cfg.cores).toBe('number');
    expect(typeof cfg.memory).toBe('string');
  });

  it('honours digest: a stale one fails with checksum mismatch and changes nothing', async () => {
    const vm = pick(() => true);
    const { digest } = await a.data<{ digest: string }>(a.get(`${base(vm)}/config`));
    expect((await a.put(`${base(vm)}/config`, { description: 'first', digest })).status).toBe(200);
    const stale = await a.put(`${base(vm)}/config`, { description: 'second', digest });
    expect(stale.status).toBe(500);
    expect(stale.statusText).toBe('checksum mismatch (file change by other user?)');
    expect(sim.state.vm(vm.vmid)!.config.description).toBe('first');
  });

  it('changes the digest when a snapshot is taken, as the config file changes', async () => {
    const vm = pick(() => true);
    const { digest } = await a.data<{ digest: string }>(a.get(`${base(vm)}/config`));
    await run(a.data<string>(a.post(`${base(vm)}/snapshot`, { snapname: 'bump' })));
    expect((await a.put(`${base(vm)}/config`, { description: 'late', digest })).statusText).toBe('checksum mismatch (file change by other user?)');
  });

  it('refuses an empty update, an unknown delete key and a key both set and deleted', async () => {
    const vm = pick(() => true);
    expect((await a.put(`${base(vm)}/config`, {})).statusText).toBe('no options specified');
    expect((await a.put(`${base(vm)}/config`, { delete: 'frobnicate' })).body!.errors).toEqual({ delete: "unknown option 'frobnicate'" });
    expect((await a.put(`${base(vm)}/config`, { delete: 'description', description: 'x' })).body!.errors).toEqual({ delete: "you can't use '-description' and -delete description' at the same time" });
  });

  it('keeps sshkeys URL-encoded as sent; rejects unencoded keys and lines that are not keys', async () => {
    const vm = pick(() => true);
    const keys = encodeURIComponent(`${KEY_A}\n${KEY_B}`);
    await a.data(a.put(`${base(vm)}/config`, { sshkeys: keys, ciuser: 'ops' }));
    expect(sim.state.vm(vm.vmid)!.config.sshkeys).toBe(keys);
    // Sent without the extra encoding layer, the form decoder hands PVE raw spaces: a schema error.
    expect((await a.put(`${base(vm)}/config`, { sshkeys: KEY_A })).body!.errors!.sshkeys).toMatch(/^invalid format - invalid urlencoded string/);
    const notKey = await a.put(`${base(vm)}/config`, { sshkeys: encodeURIComponent('ssh-ed25519 bm90LWEta2V5 x@y') });
    expect(notKey.status).toBe(500);
    expect(notKey.statusText).toBe('SSH public key validation error');
    expect(sim.state.vm(vm.vmid)!.config.sshkeys).toBe(keys);
  });

  it('keeps non-hotplug changes of a running VM pending until its next start; fast-plug ones apply at once', async () => {
    const vm = pick((v) => v.status === 'running');
    const cores = Number(vm.config.cores);
    await a.data(a.put(`${base(vm)}/config`, { cores: String(cores + 1), description: 'now' }));
    const state = sim.state.vm(vm.vmid)!;
    expect(state.config.cores).toBe(cores);
    expect(state.pending).toEqual({ cores: cores + 1 });
    expect(state.config.description).toBe('now');
    expect((await a.data<{ cores: number }>(a.get(`${base(vm)}/config`))).cores).toBe(cores + 1);
    expect((await a.data<{ cores: number }>(a.get(`${base(vm)}/config?current=1`))).cores).toBe(cores);
    const pending = await a.data<Array<{ key: string; value?: unknown; pending?: unknown }>>(a.get(`${base(vm)}/pending`));
    expect(pending.find((p) => p.key === 'cores')).toEqual({ key: 'cores', value: cores, pending: cores + 1 });
    await run(a.data<string>(a.post(`${base(vm)}/status/reboot`)));
    expect(sim.state.vm(vm.vmid)!.config.cores).toBe(cores + 1);
    expect(sim.state.vm(vm.vmid)!.pending).toBeUndefined();
  });

  it('applies POST config in a qmconfig task; background_delay answers null once it finished', async () => {
    const vm = pick(() => true);
    const upid = await a.data<string>(a.post(`${base(vm)}/config`, { description: 'async' }));
    expect(upid).toContain(`:qmconfig:${vm.vmid}:`);
    expect((await waitTask(sim, upid)).exitstatus).toBe('OK');
    expect(sim.state.vm(vm.vmid)!.config.description).toBe('async');
    expect(await a.data(a.post(`${base(vm)}/config`, { description: 'delayed', background_delay: '5' }))).toBeNull();
  });

  it('allocates a new disk and detaches a deleted one as unused, refusing that on a protected VM', async () => {
    const vm = pick((v) => v.status === 'stopped');
    await a.data(a.put(`${base(vm)}/config`, { scsi1: 'local-zfs:4' }));
    expect(sim.state.vm(vm.vmid)!.config.scsi1).toBe(`local-zfs:vm-${vm.vmid}-disk-1,size=4G`);
    await a.data(a.put(`${base(vm)}/config`, { protection: '1' }));
    const refused = await a.put(`${base(vm)}/config`, { delete: 'scsi1' });
    expect(refused.statusText).toBe("can't remove drive 'scsi1' - protection mode enabled");
    await a.data(a.put(`${base(vm)}/config`, { delete: 'protection' }));
    await a.data(a.put(`${base(vm)}/config`, { delete: 'scsi1' }));
    expect(sim.state.vm(vm.vmid)!.config.unused0).toBe(`local-zfs:vm-${vm.vmid}-disk-1`);
  });

  it('answers for a VM addressed on the wrong node as PVE does', async () => {
    const vm = pick(() => true);
    const other = sim.state.nodes().find((n) => n.node !== vm.node)!.node;
    const res = await a.get(`/nodes/${other}/qemu/${vm.vmid}/config`);
    expect(res.status).toBe(500);
    expect(res.statusText).toBe(`Configuration file 'nodes/${other}/qemu-server/${vm.vmid}.conf' does not exist`);
  });

  it('lists the qemu guests of a node', async () => {
    const list = await a.data<Array<{ vmid: number; status: string; name: string }>>(a.get('/nodes/pve2/qemu'));
    const expected = sim.state.vms().filter((v) => v.node === 'pve2' && v.type === 'qemu');
    expect(list.map((v) => v.vmid).sort()).toEqual(expected.map((v) => v.vmid).sort());
  });
});

describe('power', () => {
  it('starts, pauses, resumes, reboots and stops a VM, status/current following', async () => {
    const vm = pick((v) => v.status === 'stopped');
    const st = () => a.data<{ status: string; qmpstatus: string; uptime: number }>(a.get(`${base(vm)}/status/current`));
    expect((await st()).status).toBe('stopped');
    expect((await a.post(`${base(vm)}/status/reboot`)).statusText).toBe(`VM ${vm.vmid} not running`);
    expect((await a.post(`${base(vm)}/status/suspend`)).statusText).toBe(`VM ${vm.vmid} not running`);
    expect((await run(a.data<string>(a.post(`${base(vm)}/status/start`)))).exitstatus).toBe('OK');
    expect(sim.state.vm(vm.vmid)!.status).toBe('running');
    await run(a.data<string>(a.post(`${base(vm)}/status/suspend`)));
    expect(await st()).toMatchObject({ status: 'running', qmpstatus: 'paused' });
    expect((await a.post(`${base(vm)}/status/shutdown`)).statusText).toBe('VM is paused - cannot shutdown');
    await run(a.data<string>(a.post(`${base(vm)}/status/resume`)));
    expect(sim.state.vm(vm.vmid)!.status).toBe('running');
    await run(a.data<string>(a.post(`${base(vm)}/status/reboot`)));
    await run(a.data<string>(a.post(`${base(vm)}/status/stop`)));
    expect(sim.state.vm(vm.vmid)!.status).toBe('stopped');
    expect((await run(a.data<string>(a.post(`${base(vm)}/status/stop`)))).exitstatus).toBe('OK');
  });

  it('fails a start of a running VM and of a template inside the task', async () => {
    const vm = pick((v) => v.status === 'running');
    expect((await run(a.data<string>(a.post(`${base(vm)}/status/start`)))).exitstatus).toBe(`VM ${vm.vmid} already running`);
    const tmpl = sim.state.vm(9001)!;
    expect((await run(a.data<string>(a.post(`/nodes/${tmpl.node}/qemu/9001/status/start`)))).exitstatus).toBe("you can't start a vm if it's a template");
  });

  it('shuts down; a guest ignoring ACPI times out unless forceStop', async () => {
    const polite = pick((v) => v.status === 'running');
    await run(a.data<string>(a.post(`${base(polite)}/status/shutdown`)));
    expect(sim.state.vm(polite.vmid)!.status).toBe('stopped');
    const stubborn = pick((v) => v.status === 'running');
    sim.setGuestBehaviour(stubborn.vmid, { ignoresShutdown: true });
    const soft = await run(a.data<string>(a.post(`${base(stubborn)}/status/shutdown`, { timeout: '1' })));
    expect(soft.exitstatus).toBe('VM quit/powerdown failed - got timeout');
    expect(sim.state.vm(stubborn.vmid)!.status).toBe('running');
    const forced = await run(a.data<string>(a.post(`${base(stubborn)}/status/shutdown`, { timeout: '1', forceStop: '1' })));
    expect(forced.exitstatus).toBe('OK');
    expect(forced.log).toContain('VM still running - terminating now with SIGTERM');
    expect(sim.state.vm(stubborn.vmid)!.status).toBe('stopped');
  });

  it('suspends to disk (lock suspended) and resumes by starting', async () => {
    const vm = pick((v) => v.status === 'running');
    const upid = await a.data<string>(a.post(`${base(vm)}/status/suspend`, { todisk: '1' }));
    expect(upid).toContain(':qmsuspend:');
    await waitTask(sim, upid);
    expect(sim.state.vm(vm.vmid)).toMatchObject({ status: 'stopped', lock: 'suspended' });
    await run(a.data<string>(a.post(`${base(vm)}/status/resume`)));
    expect(sim.state.vm(vm.vmid)!.status).toBe('running');
    expect(sim.state.vm(vm.vmid)!.lock).toBeUndefined();
  });
});

describe('snapshots', () => {
  it('lists snapshots with the current entry last, carrying parent and running', async () => {
    const vm = pick((v) => v.status === 'running');
    await run(a.data<string>(a.post(`${base(vm)}/snapshot`, { snapname: 'one', description: 'first one' })));
    await run(a.data<string>(a.post(`${base(vm)}/snapshot`, { snapname: 'two', vmstate: '1' })));
    const list = await a.data<Array<Record<string, unknown>>>(a.get(`${base(vm)}/snapshot`));
    expect(list.at(-1)).toMatchObject({ name: 'current', description: 'You are here!', running: 1, parent: 'two' });
    expect(list.find((s) => s.name === 'two')).toMatchObject({ vmstate: 1, parent: 'one', description: '' });
    expect(list.find((s) => s.name === 'one')).toMatchObject({ vmstate: 0, description: 'first one' });
  });

  it('ignores vmstate on a stopped VM and refuses reserved names', async () => {
    const vm = pick((v) => v.status === 'stopped');
    await run(a.data<string>(a.post(`${base(vm)}/snapshot`, { snapname: 'cold', vmstate: '1' })));
    expect(sim.state.vm(vm.vmid)!.snapshots.find((s) => s.name === 'cold')!.vmstate).toBe(false);
    expect((await a.post(`${base(vm)}/snapshot`, { snapname: 'current' })).statusText).toBe("unable to use snapshot name 'current' (reserved name)");
    expect((await run(a.data<string>(a.post('/nodes/pve1/qemu/9001/snapshot', { snapname: 'tmpl' })))).exitstatus).toBe("you can't take a snapshot if it's a template");
  });

  it('reads and describes a snapshot config', async () => {
    const vm = pick(() => true);
    await run(a.data<string>(a.post(`${base(vm)}/snapshot`, { snapname: 'described' })));
    expect(await a.data(a.put(`${base(vm)}/snapshot/described/config`, { description: 'now described' }))).toBeNull();
    const cfg = await a.data<Record<string, unknown>>(a.get(`${base(vm)}/snapshot/described/config`));
    expect(cfg).toMatchObject({ description: 'now described', name: vm.name });
    expect(typeof cfg.snaptime).toBe('number');
    expect((await a.get(`${base(vm)}/snapshot/nope/config`)).statusText).toBe("snapshot 'nope' does not exist");
  });

  it('rolls back config and power state: a vmstate snapshot resumes running, others stay stopped unless start=1', async () => {
    const vm = pick((v) => v.status === 'running');
    await a.data(a.put(`${base(vm)}/config`, { description: 'original' }));
    await run(a.data<string>(a.post(`${base(vm)}/snapshot`, { snapname: 'withram', vmstate: '1' })));
    await run(a.data<string>(a.post(`${base(vm)}/snapshot`, { snapname: 'noram' })));
    await a.data(a.put(`${base(vm)}/config`, { description: 'drifted' }));
    const rb = await a.data<string>(a.post(`${base(vm)}/snapshot/noram/rollback`));
    expect(rb).toContain(':qmrollback:');
    await waitTask(sim, rb);
    expect(sim.state.vm(vm.vmid)).toMatchObject({ status: 'stopped', lock: undefined, config: expect.objectContaining({ description: 'original' }) });
    // The disk is on ZFS: rolling back past the newer 'noram' is refused until it is gone.
    const refused = await waitTask(sim, await a.data<string>(a.post(`${base(vm)}/snapshot/withram/rollback`)));
    expect(refused.exitstatus).toBe(`can't rollback, 'withram' is not most recent snapshot on 'local-zfs:vm-${vm.vmid}-disk-0'`);
    await run(a.data<string>(a.del(`${base(vm)}/snapshot/noram`)));
    await run(a.data<string>(a.post(`${base(vm)}/snapshot/withram/rollback`)));
    expect(sim.state.vm(vm.vmid)!.status).toBe('running');
    await run(a.data<string>(a.post(`${base(vm)}/snapshot`, { snapname: 'noram' })));
    await run(a.data<string>(a.post(`${base(vm)}/snapshot/noram/rollback`, { start: '1' })));
    expect(sim.state.vm(vm.vmid)!.status).toBe('running');
    const list = await a.data<Array<{ name: string; parent?: string }>>(a.get(`${base(vm)}/snapshot`));
    expect(list.at(-1)?.parent).toBe('noram');
  });

  it('deletes a snapshot (lock snapshot-delete), re-parenting its child; a missing one is a synchronous 500', async () => {
    const vm = pick(() => true);
    await run(a.data<string>(a.post(`${base(vm)}/snapshot`, { snapname: 'parent' })));
    await run(a.data<string>(a.post(`${base(vm)}/snapshot`, { snapname: 'child' })));
    const del = await slowly(() => a.data<string>(a.del(`${base(vm)}/snapshot/parent`)));
    expect(sim.state.vm(vm.vmid)!.lock).toBe('snapshot-delete');
    expect(del).toContain(':qmdelsnapshot:');
    await waitTask(sim, del);
    const snaps = sim.state.vm(vm.vmid)!.snapshots;
    expect(snaps.some((s) => s.name === 'parent')).toBe(false);
    expect(snaps.find((s) => s.name === 'child')!.parent).toBe(vm.snapshots.at(-1)?.name);
    const missing = await a.del(`${base(vm)}/snapshot/parent`);
    expect(missing.status).toBe(500);
    expect(missing.statusText).toBe("snapshot 'parent' does not exist");
  });
});

describe('clone', () => {
  it('full-clones a template onto another storage with lock clone, fresh MACs and the task id of the source', async () => {
    const upid = await slowly(() => a.data<string>(a.post('/nodes/pve1/qemu/9001/clone', { newid: '5000', name: 'from-template', full: '1', storage: 'local-zfs', pool: 'workshop', description: 'cloned' })));
    expect(upid).toContain(':qmclone:9001:');
    expect(sim.state.vm(5000)!.lock).toBe('clone');
    await waitTask(sim, upid);
    const made = sim.state.vm(5000)!;
    expect(made).toMatchObject({ name: 'from-template', node: 'pve1', status: 'stopped', template: false, pool: 'workshop', lock: undefined });
    expect(made.config.scsi0).toBe('local-zfs:vm-5000-disk-0,size=2G');
    expect(made.config.net0).not.toBe(sim.state.vm(9001)!.config.net0);
    expect(made.config.description).toBe('cloned');
  });

  it('links a clone of a template by default and names it Copy-of-VM-<name>', async () => {
    await run(a.data<string>(a.post('/nodes/pve1/qemu/9002/clone', { newid: '5001' })));
    const made = sim.state.vm(5001)!;
    expect(made.name).toBe('Copy-of-VM-talos-template');
    expect(made.config.scsi0).toBe('local-zfs:base-9002-disk-0/vm-5001-disk-0,size=2G');
  });

  it('fails as PVE does: storage on a linked clone, local disks to another node, a taken id, a missing pool', async () => {
    expect((await a.post('/nodes/pve1/qemu/9001/clone', { newid: '5002', full: '0', storage: 'local-zfs' })).statusText).toBe("parameter 'storage' not allowed for linked clones");
    expect((await a.post('/nodes/pve1/qemu/9001/clone', { newid: '5002', target: 'pve2' })).statusText).toBe("can't clone VM to node 'pve2' (VM uses local storage)");
    expect((await a.post('/nodes/pve1/qemu/9001/clone', { newid: '8200' })).statusText).toBe('unable to create VM 8200: config file already exists');
    const pool = await a.post('/nodes/pve1/qemu/9001/clone', { newid: '5002', pool: 'nope' });
    expect(pool.status).toBe(403);
    expect(pool.statusText).toBe("Permission check failed (pool 'nope' does not exist)");
    expect(sim.state.vm(5002)).toBeUndefined();
  });

  it('refuses a linked clone of a normal VM before forking (a synchronous 500), making nothing', async () => {
    const vm = pick(() => true);
    const res = await a.post(`${base(vm)}/clone`, { newid: '5003', full: '0' });
    expect(res.status).toBe(500);
    expect(res.statusText).toBe("Linked clone feature is not supported for drive 'scsi0'");
    expect(sim.state.vm(5003)).toBeUndefined();
  });
});

describe('create and destroy', () => {
  it('creates a cloud-init VM with import-from, a cloudinit drive and a pool, locked create while the task runs', async () => {
    const keys = encodeURIComponent(KEY_A);
    const res = await slowly(() => a.post('/nodes/pve1/qemu', {
      vmid: '5100', name: 'ci-vm', memory: '2048', cores: '2', pool: 'workshop', tags: 'moxxie;env-dev',
      scsi0: 'local-zfs:0,import-from=local-zfs:base-9001-disk-0,iothread=1', ide2: 'local-zfs:cloudinit',
      ciuser: 'debian', sshkeys: keys, net0: 'virtio,bridge=vmbr0', ipconfig0: 'ip=10.0.0.5/24,gw=10.0.0.1', nameserver: '1.1.1.1', searchdomain: 'lab', agent: 'enabled=1', boot: 'order=scsi0;net0', onboot: '1',
    }));
    const upid = res.body!.data as string;
    expect(upid).toContain(':qmcreate:5100:');
    expect(sim.state.vm(5100)!.lock).toBe('create');
    const t = await waitTask(sim, upid);
    expect(t.log.some((l) => l.includes("importing disk 'local-zfs:base-9001-disk-0'"))).toBe(true);
    const vm = sim.state.vm(5100)!;
    expect(vm).toMatchObject({ name: 'ci-vm', node: 'pve1', status: 'stopped', pool: 'workshop', tags: ['env-dev', 'moxxie'], lock: undefined });
    expect(vm.config).toMatchObject({ scsi0: 'local-zfs:vm-5100-disk-0,iothread=1,size=2G', ide2: 'local-zfs:vm-5100-cloudinit,media=cdrom', sshkeys: keys, cores: 2, onboot: 1, memory: '2048' });
    expect(String(vm.config.net0)).toMatch(/^virtio=BC:24:11:/);
  });

  it('refuses import-from a volume local to another node, a taken VMID and a storage without images', async () => {
    // The source is read inside the task: a volume this node cannot see fails it, and the VM is removed again.
    const remote = await run(a.data<string>(a.post('/nodes/pve2/qemu', { vmid: '5101', scsi0: 'local-zfs:0,import-from=local-zfs:base-9001-disk-0' })));
    expect(remote.exitstatus).toBe("cannot import from 'local-zfs:base-9001-disk-0' - could not get size of local-zfs:base-9001-disk-0");
    expect(sim.state.vm(5101)).toBeUndefined();
    const shared = await a.post('/nodes/pve2/qemu', { vmid: '5102', scsi0: 'local-zfs:0,import-from=util-iso:import/debian-12-generic-amd64.qcow2', start: '1' });
    await waitTask(sim, shared.body!.data as string);
    expect(sim.state.vm(5102)).toMatchObject({ node: 'pve2', status: 'running' });
    const taken = await a.post('/nodes/pve1/qemu', { vmid: '8201' });
    expect(taken.statusText).toBe("unable to create VM 8201 - VM 8201 already exists on node 'pve2'");
    const noImages = await a.post('/nodes/pve1/qemu', { vmid: '5103', scsi0: 'local:8' });
    expect(noImages.body!.errors).toEqual({ storage: "storage 'local' does not support vm images" });
    expect(sim.state.vm(5103)).toBeUndefined();
  });

  it('restores a VM from a backup archive (qmrestore)', async () => {
    const backup = sim.state.storageContent('backup-nfs').find((v) => v.vmid !== undefined)!;
    const source = sim.state.vm(backup.vmid!)!;
    const upid = await a.data<string>(a.post('/nodes/pve3/qemu', { vmid: '5200', archive: backup.volid, storage: 'local-zfs' }));
    expect(upid).toContain(':qmrestore:5200:');
    await waitTask(sim, upid);
    const restored = sim.state.vm(5200)!;
    expect(restored.name).toBe(source.name);
    expect(String(restored.config.scsi0)).toMatch(/^local-zfs:vm-5200-disk-0,/);
    expect((await a.post('/nodes/pve3/qemu', { vmid: '5201', archive: 'backup-nfs:backup/vzdump-qemu-1-2020_01_01-00_00_00.vma.zst' })).statusText).toBe("volume 'backup-nfs:backup/vzdump-qemu-1-2020_01_01-00_00_00.vma.zst' does not exist");
  });

  it('destroys a stopped VM; refuses a protected or running one synchronously', async () => {
    const prot = sim.state.vms().find((v) => v.protection && v.type === 'qemu')!;
    const refused = await a.del(`/nodes/${prot.node}/qemu/${prot.vmid}`);
    expect(refused.status).toBe(500);
    expect(refused.statusText).toBe(`can't remove VM ${prot.vmid} - protection mode enabled`);
    const running = pick((v) => v.status === 'running');
    expect((await a.del(base(running))).statusText).toBe(`VM ${running.vmid} is running - destroy failed`);
    const victim = pick((v) => v.status === 'stopped');
    const upid = await a.data<string>(a.del(base(victim)));
    expect(upid).toContain(`:qmdestroy:${victim.vmid}:`);
    await waitTask(sim, upid);
    expect(sim.state.vm(victim.vmid)).toBeUndefined();
    expect(sim.state.vm(prot.vmid)).toBeDefined();
  });
});

describe('resize', () => {
  it('grows a disk by +N or to N; shrinking, a cdrom and a missing disk fail in the task', async () => {
    const vm = pick((v) => /size=\d+G/.test(String(v.config.scsi0)));
    const size = Number(/size=(\d+)G/.exec(String(vm.config.scsi0))![1]);
    const upid = await a.data<string>(a.put(`${base(vm)}/resize`, { disk: 'scsi0', size: '+2G' }));
    expect(upid).toContain(`:resize:${vm.vmid}:`);
    await waitTask(sim, upid);
    expect(sim.state.vm(vm.vmid)!.config.scsi0).toContain(`size=${size + 2}G`);
    await run(a.data<string>(a.put(`${base(vm)}/resize`, { disk: 'scsi0', size: `${size + 10}G` })));
    expect(sim.state.vm(vm.vmid)!.config.scsi0).toContain(`size=${size + 10}G`);
    expect((await run(a.data<string>(a.put(`${base(vm)}/resize`, { disk: 'scsi0', size: '1G' })))).exitstatus).toBe('shrinking disks is not supported');
    expect((await run(a.data<string>(a.put(`${base(vm)}/resize`, { disk: 'scsi5', size: '+1G' })))).exitstatus).toBe("disk 'scsi5' does not exist");
    await a.data(a.put(`${base(vm)}/config`, { ide2: 'none,media=cdrom' }));
    expect((await run(a.data<string>(a.put(`${base(vm)}/resize`, { disk: 'ide2', size: '+1G' })))).exitstatus).toBe("you can't resize a cdrom");
  });
});

describe('migrate', () => {
  it('reports preconditions from the configuration: an offline node stays allowed, local disks listed', async () => {
    const vm = pick((v) => v.status === 'running' && v.node === 'pve2');
    sim.faults.set({ offlineNodes: ['pve4'] });
    try {
      const pre = await a.data<{ running: number; allowed_nodes: string[]; not_allowed_nodes: Record<string, unknown>; local_disks: Array<{ volid: string; drivename: string; size: number }>; local_resources: unknown[] }>(a.get(`${base(vm)}/migrate`));
      expect(pre.running).toBe(1);
      expect(pre.allowed_nodes.sort()).toEqual(['pve1', 'pve3', 'pve4']);
      expect(pre.not_allowed_nodes).toEqual({});
      expect(pre.local_disks[0]).toMatchObject({ volid: `local-zfs:vm-${vm.vmid}-disk-0`, drivename: 'scsi0' });
      expect(pre.local_disks[0].size).toBeGreaterThan(0);
      expect(pre.local_resources).toEqual([]);
    } finally {
      sim.faults.set({ offlineNodes: [] });
    }
  });

  it('migrates: refuses the local node and a running VM without online; live with local disks needs with-local-disks', async () => {
    const vm = pick((v) => v.status === 'running' && v.node === 'pve2');
    expect((await a.post(`${base(vm)}/migrate`, { target: 'pve2' })).body!.errors).toEqual({ target: 'target is local node.' });
    expect((await a.post(`${base(vm)}/migrate`, { target: 'pve9' })).statusText).toBe("no such cluster node 'pve9'");
    expect((await a.post(`${base(vm)}/migrate`, { target: 'pve3' })).statusText).toBe("can't migrate running VM without --online");
    const noDisks = await run(a.data<string>(a.post(`${base(vm)}/migrate`, { target: 'pve3', online: '1' })));
    expect(noDisks.exitstatus).toBe('migration aborted');
    expect(noDisks.log.some((l) => /ERROR: migration aborted \(duration \d\d:\d\d:\d\d\): can't live migrate attached local disks without with-local-disks option/.test(l))).toBe(true);
    expect(sim.state.vm(vm.vmid)!.node).toBe('pve2');
    const upid = await slowly(() => a.data<string>(a.post(`${base(vm)}/migrate`, { target: 'pve3', online: '1', 'with-local-disks': '1' })));
    expect(upid).toContain(`UPID:pve2:`);
    expect(upid).toContain(`:qmigrate:${vm.vmid}:`);
    expect(sim.state.vm(vm.vmid)!.lock).toBe('migrate');
    const t = await waitTask(sim, upid);
    expect(t.log.some((l) => /migration finished successfully/.test(l))).toBe(true);
    expect(sim.state.vm(vm.vmid)).toMatchObject({ node: 'pve3', status: 'running', lock: undefined });
    expect((await a.get(`/nodes/pve2/qemu/${vm.vmid}/config`)).status).toBe(500);
    expect((await a.get(`/nodes/pve3/qemu/${vm.vmid}/config`)).status).toBe(200);
  });

  it('migrates a stopped VM offline with its local disks, onto another storage if asked', async () => {
    const vm = pick((v) => v.status === 'stopped' && v.node === 'pve1');
    await run(a.data<string>(a.post(`${base(vm)}/migrate`, { target: 'pve4' })));
    expect(sim.state.vm(vm.vmid)!.node).toBe('pve4');
  });
});
