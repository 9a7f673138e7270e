// Concurrent clones as qemu-server's clone_vm runs them: the source's config lock shared while it is stopped
// (clones of one template coexist) and exclusive while it runs (1 s timeout), then per volume the storage
// lock (a node's flock for local storage, pmxcfs's cluster-wide lock for shared storage; 10 s) that
// vdisk_clone / vdisk_alloc hold. A waiter past a timeout fails its task with PVE's message and its VM is
// gone. Timeouts are PVE's scaled by lockTimeoutScale, so tasks of a few hundred ms show the contention.
// Also: node capacity (configurable) and node use that is the sum of what the running guests report.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { api, waitTask } from './http.js';

const GiB = 1024 ** 3;
let sim: Simulator;
let a: ReturnType<typeof api>;
beforeAll(async () => {
  sim = await startSimulator({ http: true, vms: 40, taskDurationMs: 20, nodeCapacity: { pve2: { maxcpu: 16, maxmemGiB: 64 } } });
  a = api(sim);
  // A one-disk template on local-zfs (7000), one on shared ceph-vm (7001), and a running one-disk VM (7010).
  for (const [vmid, disk] of [['7000', 'local-zfs:1'], ['7001', 'ceph-vm:1']]) {
    await waitTask(sim, await a.data<string>(a.post('/nodes/pve1/qemu', { vmid, name: `tpl-${vmid}`, scsi0: disk })));
    await waitTask(sim, await a.data<string>(a.post(`/nodes/pve1/qemu/${vmid}/template`)));
  }
  await waitTask(sim, await a.data<string>(a.post('/nodes/pve1/qemu', { vmid: '7010', name: 'live', scsi0: 'local-zfs:1', start: '1' })));
});
afterAll(() => sim.close());

/** Starts the clones at once (each POST answers as soon as its worker is forked) and waits for them all. */
async function clones(source: number, bodies: Array<Record<string, string>>, node = 'pve1'): Promise<string[]> {
  const upids = await Promise.all(bodies.map((b) => a.data<string>(a.post(`/nodes/${node}/qemu/${source}/clone`, b))));
  const ends = await Promise.all(upids.map((u) => waitLong(u)));
  return ends.map((t) => t.exitstatus ?? '');
}

async function waitLong(upid: string): Promise<{ exitstatus?: string }> {
  for (;;) {
    const t = sim.state.tasks().find((x) => x.upid === upid);
    if (t?.status === 'stopped') return t;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function withFaults<T>(patch: { taskDurationMs: number; lockTimeoutScale: number }, body: () => Promise<T>): Promise<T> {
  sim.faults.set(patch);
  try {
    return await body();
  } finally {
    sim.faults.set({ taskDurationMs: 20, lockTimeoutScale: 1 });
  }
}

describe('clone locks', () => {
  it('linked clones of one template queue on the local storage lock; the one waiting past the timeout fails and leaves no VM', async () => {
    // Each linked clone holds pve1's pve-storage-local-zfs lock for its whole 300 ms volume clone; the timeout
    // is 10 s x 0.045 = 450 ms: the second waits 300 ms (fine), the third would wait 600 ms.
    const ends = await withFaults({ taskDurationMs: 300, lockTimeoutScale: 0.045 }, () => clones(7000, ['7100', '7101', '7102'].map((newid) => ({ newid, full: '0' }))));
    expect(ends).toEqual(['OK', 'OK', "clone failed: can't lock file '/var/lock/pve-manager/pve-storage-local-zfs' - got timeout"]);
    expect(sim.state.vm(7100)!.config.scsi0).toMatch(/^local-zfs:base-7000-disk-0\/vm-7100-disk-0/);
    expect(sim.state.vm(7101)).toBeDefined();
    expect(sim.state.vm(7102)).toBeUndefined();
    expect(sim.state.vm(7000)!.lock).toBeUndefined();
  }, 20_000);

  it('full clones of a stopped template share its config lock: side by side they all succeed', async () => {
    // 600 ms clones, allocation (120 ms) under the storage lock; the config lock's timeout would be 300 ms, so
    // an exclusive lock on the template would fail the second: it is shared.
    const ends = await withFaults({ taskDurationMs: 600, lockTimeoutScale: 0.3 }, () => clones(7000, ['7110', '7111', '7112'].map((newid) => ({ newid, full: '1' }))));
    expect(ends).toEqual(['OK', 'OK', 'OK']);
    for (const id of [7110, 7111, 7112]) expect(sim.state.vm(id)!.config.scsi0).toMatch(new RegExp(`^local-zfs:vm-${id}-disk-0`));
  }, 20_000);

  it('clones of a running VM take its config lock exclusively: a second one fails after the 1 s flock timeout', async () => {
    expect(sim.state.vm(7010)!.status).toBe('running');
    const ends = await withFaults({ taskDurationMs: 600, lockTimeoutScale: 0.3 }, () => clones(7010, ['7120', '7121'].map((newid) => ({ newid, full: '1' }))));
    expect(ends).toEqual(['OK', "can't lock file '/var/lock/qemu-server/lock-7010.conf' - got timeout"]);
    expect(sim.state.vm(7120)).toBeDefined();
    expect(sim.state.vm(7121)).toBeUndefined();
  }, 20_000);

  it('shared storage is locked cluster-wide (pmxcfs): clones onto ceph-vm to two nodes contend, with cfs-lock\'s message', async () => {
    // Allocation holds the lock 200 ms of each 1 s clone; the timeout is 10 s x 0.01 = 100 ms.
    const ends = await withFaults({ taskDurationMs: 1000, lockTimeoutScale: 0.01 }, () =>
      clones(7001, [
        { newid: '7130', full: '1', storage: 'ceph-vm' },
        { newid: '7131', full: '1', storage: 'ceph-vm', target: 'pve2' },
      ]),
    );
    expect(ends).toEqual(['OK', "clone failed: cfs-lock 'storage-ceph-vm' error: got lock request timeout"]);
    expect(sim.state.vm(7130)!.node).toBe('pve1');
    expect(sim.state.vm(7131)).toBeUndefined();
  }, 20_000);
});

describe('node capacity', () => {
  type NodeEntry = { node: string; mem: number; maxmem: number; maxcpu: number; cpu: number };
  type Guest = { node: string; type: string; status: string; mem: number; vmid: number };

  it('is configurable and the same in /nodes, /cluster/resources and /nodes/{node}/status', async () => {
    const nodes = (await a.data<NodeEntry[]>(a.get('/nodes'))).sort((x, y) => x.node.localeCompare(y.node));
    const res = (await a.data<NodeEntry[]>(a.get('/cluster/resources?type=node'))).sort((x, y) => x.node.localeCompare(y.node));
    expect(nodes.find((n) => n.node === 'pve2')).toMatchObject({ maxcpu: 16, maxmem: 64 * GiB });
    expect(nodes.find((n) => n.node === 'pve1')).toMatchObject({ maxcpu: 32, maxmem: 256 * GiB });
    expect(res.map((n) => [n.node, n.mem, n.maxmem, n.maxcpu])).toEqual(nodes.map((n) => [n.node, n.mem, n.maxmem, n.maxcpu]));
    const status = await a.data<{ memory: { total: number; used: number; free: number }; cpuinfo: { cpus: number } }>(a.get('/nodes/pve2/status'));
    const pve2 = nodes.find((n) => n.node === 'pve2')!;
    expect(status.memory).toEqual({ total: 64 * GiB, used: pve2.mem, free: 64 * GiB - pve2.mem });
    expect(status.cpuinfo.cpus).toBe(16);
  });

  it("a node's used memory is the host's 4 GiB plus what its running guests report; starting a VM adds its share", async () => {
    const used = async (node: string) => {
      const all = await a.data<Array<NodeEntry & Guest>>(a.get('/cluster/resources'));
      const guests = all.filter((r) => (r.type === 'qemu' || r.type === 'lxc') && r.node === node && r.status === 'running');
      return { node: all.find((r) => r.type === 'node' && r.node === node)!.mem, guests: guests.reduce((s, g) => s + g.mem, 0) };
    };
    const before = await used('pve3');
    expect(before.node).toBe(4 * GiB + before.guests);
    await waitTask(sim, await a.data<string>(a.post('/nodes/pve3/qemu', { vmid: '7140', name: 'big', memory: '16384', scsi0: 'local-zfs:1', start: '1' })));
    const after = await used('pve3');
    expect(after.node).toBe(4 * GiB + after.guests);
    expect(after.node - before.node).toBeGreaterThan(0);
    expect(after.node - before.node).toBeLessThanOrEqual(16 * GiB);
  });

  it('refuses a capacity that is not a positive size', async () => {
    await expect(startSimulator({ http: true, vms: 0, nodeCapacity: { maxcpu: 0 } })).rejects.toThrow(/maxcpu of pve1 must be a positive integer/);
  });
});
