// The VM id allocator against a simulator: concurrent reservations in one process and across processes never
// share an id, a reservation of a crashed process expires, ids already in PVE are passed over, `preferred` and
// ranges, and createWithVmid's retry when another client takes the id between nextid and create.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, utimesSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postQemu } from '../../src/pve/endpoints/qemu.js';
import { createVmidAllocator, createWithVmid, describeCreated, newOwnershipToken, ownershipProblem } from '../../src/ops/vmid-allocator.js';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';
import { tempDir } from '../fixtures/temp-dirs.js';

const WORKER = join(dirname(fileURLToPath(import.meta.url)), '../../dist/bench/vmid-worker.js');

let c: TestCluster;
beforeAll(async () => {
  c = await startCluster();
});
afterAll(async () => {
  await c?.close();
});

const simHas = (vmid: number) => c.sim.state.vms().some((v) => v.vmid === vmid);

describe('reserve', () => {
  it('hands 40 concurrent callers in one process 40 different ids, none of them used in PVE', async () => {
    const vmids = createVmidAllocator();
    const held = await Promise.all(Array.from({ length: 40 }, () => vmids.reserve(c.client)));
    const ids = held.map((r) => r.vmid);
    expect(new Set(ids).size).toBe(40);
    for (const id of ids) expect(simHas(id)).toBe(false);
    // Released ids are offered again.
    const first = Math.min(...ids);
    await Promise.all(held.map((r) => r.release()));
    const again = await vmids.reserve(c.client);
    expect(again.vmid).toBe(first);
    await again.release();
  });

  it('two allocators of one process (two cores) share their reservations', async () => {
    const a = await createVmidAllocator().reserve(c.client);
    const b = await createVmidAllocator().reserve(c.client);
    expect(b.vmid).not.toBe(a.vmid);
    await a.release();
    await b.release();
  });

  it('passes over ids above nextid that PVE already uses', async () => {
    const vmids = createVmidAllocator();
    const first = await vmids.reserve(c.client);
    // The id after the first one is taken by another client: the next reservation must skip it.
    await c.client.waitForTask(await postQemu(c.client, 'pve1', { vmid: first.vmid + 1, name: 'other-client' }));
    const second = await vmids.reserve(c.client);
    expect(second.vmid).toBe(first.vmid + 2);
    await first.release();
    await second.release();
  });

  it('avoid: the search passes over the ids given', async () => {
    const vmids = createVmidAllocator();
    const r = await vmids.reserve(c.client, { after: 5100, avoid: [5101, 5102, 5104] });
    expect(r.vmid).toBe(5103);
    await r.release();
  });

  it('after: an id above the one given', async () => {
    const vmids = createVmidAllocator();
    const r = await vmids.reserve(c.client, { after: 5000 });
    expect(r.vmid).toBe(5001);
    await r.release();
  });

  it('preferred: the id when free; refused naming vmid when PVE has it or another caller holds it', async () => {
    const vmids = createVmidAllocator();
    const r = await vmids.reserve(c.client, { preferred: 7777 });
    expect(r.vmid).toBe(7777);
    await expect(vmids.reserve(c.client, { preferred: 7777 })).rejects.toThrow(/^vmid: VM id 7777 is being used by another moxxie operation/);
    await r.release();
    await expect(vmids.reserve(c.client, { preferred: 100 })).rejects.toThrow(/^vmid: VM 100 already exists/);
    await expect(vmids.reserve(c.client, { preferred: 99 })).rejects.toThrow(/^vmid: must be a whole number from 100/);
  });

  it('a range: ids only inside it, and a clear error once it is full', async () => {
    const vmids = createVmidAllocator({ range: { min: 6000, max: 6002 } });
    const held = await Promise.all([0, 1, 2].map(() => vmids.reserve(c.client)));
    expect(held.map((r) => r.vmid).sort()).toEqual([6000, 6001, 6002]);
    await expect(vmids.reserve(c.client)).rejects.toThrow(/^vmid: no free VM id in 6000-6002/);
    await Promise.all(held.map((r) => r.release()));
    expect(() => createVmidAllocator({ range: { min: 10, max: 5 } })).toThrow(/^vmidRange:/);
  });

  it('a reservation left by a crashed process expires; a live one is respected', async () => {
    const dir = tempDir('vmids-stale');
    const vmids = createVmidAllocator({ dir, staleMs: 2000 });
    const probe = await vmids.reserve(c.client);
    const next = probe.vmid;
    await probe.release();
    // Another process's lock directory for that id, fresh: the id is passed over.
    const cluster = createHash('sha256').update(c.client.url).digest('hex').slice(0, 12);
    const lock = join(dir, `${cluster}-${next}.lock`);
    mkdirSync(lock);
    const passed = await vmids.reserve(c.client);
    expect(passed.vmid).toBeGreaterThan(next);
    await passed.release();
    // The same lock not refreshed for longer than staleMs (its holder died): taken over.
    const old = new Date(Date.now() - 10_000);
    utimesSync(lock, old, old);
    const taken = await vmids.reserve(c.client);
    expect(taken.vmid).toBe(next);
    await taken.release();
  });
});

interface Worker {
  ids: Promise<number[]>;
  release(): void;
  /** kill -9: the worker never releases its ids. */
  kill(): void;
  done: Promise<number | null>;
}

function holdWorker(dir: string | undefined, count: number): Worker {
  const args = { url: c.sim.url, tokenId: c.sim.credentials.tokenId, tokenSecret: c.sim.credentials.tokenSecret, fingerprint: c.sim.fingerprint, dir, mode: 'hold', count };
  const p = spawn(process.execPath, [WORKER, JSON.stringify(args)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stderr.on('data', (d: Buffer) => (err += String(d)));
  const ids = new Promise<number[]>((resolve, reject) => {
    p.stdout.on('data', (d: Buffer) => {
      out += String(d);
      if (out.includes('\n')) resolve((JSON.parse(out.split('\n')[0]) as { ids: number[] }).ids);
    });
    p.on('exit', (code) => reject(new Error(`worker exited ${code} before printing its ids: ${err}`)));
  });
  return { ids, release: () => p.stdin.end(), done: new Promise((r) => p.on('exit', r)), kill: () => void p.kill('SIGKILL') };
}

describe('across processes', () => {
  it('4 processes holding 15 ids each at the same time share none', async () => {
    const dir = tempDir('vmids-procs');
    const workers = [0, 1, 2, 3].map(() => holdWorker(dir, 15));
    const all = (await Promise.all(workers.map((w) => w.ids))).flat();
    for (const w of workers) w.release();
    expect(await Promise.all(workers.map((w) => w.done))).toEqual([0, 0, 0, 0]);
    expect(all).toHaveLength(60);
    expect(new Set(all).size).toBe(60);
    for (const id of all) expect(simHas(id)).toBe(false);
  });

  it("a killed process's reservations are released at once (its pid is gone), not after the 30 s stale time", async () => {
    const dir = tempDir('vmids-killed');
    const worker = holdWorker(dir, 3);
    const ids = await worker.ids;
    // A live holder's ids are passed over.
    const meanwhile = await createVmidAllocator({ dir }).reserve(c.client);
    expect(ids).not.toContain(meanwhile.vmid);
    await meanwhile.release();
    worker.kill();
    expect(await worker.done).toBe(null);
    // The default stale time (30 s) has not passed, and this reserves the killed process's ids at once.
    const vmids = createVmidAllocator({ dir });
    const token = newOwnershipToken();
    const made = await createWithVmid({
      client: c.client,
      vmids,
      create: async (id) => {
        const r = await c.client.waitForTask(await postQemu(c.client, 'pve1', { vmid: id, name: 'after-kill', description: describeCreated('', token) }));
        if (!r.ok) throw new Error(r.exitstatus);
      },
    });
    expect(made).toBe(Math.min(...ids));
    expect(c.sim.state.vms().find((v) => v.vmid === made)?.config.name).toBe('after-kill');
    const rest = await Promise.all([0, 1].map(() => vmids.reserve(c.client)));
    expect(rest.map((r) => r.vmid).sort()).toEqual(ids.filter((id) => id !== made).sort());
    await Promise.all(rest.map((r) => r.release()));
    // Released: no lock directory or holder record is left behind.
    expect(readdirSync(dir)).toEqual([]);
  });

  it('without a shared directory they would collide (what the directory prevents)', async () => {
    const workers = [0, 1].map(() => holdWorker(undefined, 5));
    const [a, b] = await Promise.all(workers.map((w) => w.ids));
    for (const w of workers) w.release();
    await Promise.all(workers.map((w) => w.done));
    expect(a.filter((id) => b.includes(id)).length).toBeGreaterThan(0);
  });
});

describe('createWithVmid and ownership', () => {
  it('another client takes the id between nextid and create: the create moves to the next id and the VM is ours', async () => {
    const vmids = createVmidAllocator();
    const token = newOwnershipToken();
    const tried: number[] = [];
    let raced = false;
    const vmid = await createWithVmid({
      client: c.client,
      vmids,
      onTry: async (id) => {
        tried.push(id);
        if (!raced) {
          raced = true;
          // The other client (not moxxie: no reservation) creates exactly this id first.
          await c.client.waitForTask(await postQemu(c.client, 'pve2', { vmid: id, name: 'intruder' }));
        }
      },
      create: async (id) => {
        const r = await c.client.waitForTask(await postQemu(c.client, 'pve1', { vmid: id, name: 'mine', description: describeCreated('web tier', token) }));
        if (!r.ok) throw new Error(r.exitstatus);
      },
    });
    expect(tried).toEqual([tried[0], vmid]);
    expect(vmid).toBeGreaterThan(tried[0]);
    expect(await ownershipProblem(c.client, 'pve1', vmid, { name: 'mine', token })).toBeUndefined();
    // The intruder's VM is not ours, and the check says why.
    expect(await ownershipProblem(c.client, 'pve2', tried[0], { name: 'mine', token })).toMatch(/marker is missing.*another client took the id/);
    const vm = c.sim.state.vms().find((v) => v.vmid === vmid)!;
    expect(vm.node).toBe('pve1');
    expect(String(vm.config.description)).toBe(`web tier\n[moxxie-create ${token}]`);
  });

  it('a preferred id that another client takes is not swapped: the create fails', async () => {
    const vmids = createVmidAllocator();
    await expect(
      createWithVmid({
        client: c.client,
        vmids,
        preferred: 8800,
        onTry: async (id) => void (await c.client.waitForTask(await postQemu(c.client, 'pve2', { vmid: id, name: 'intruder' }))),
        create: async (id) => void (await postQemu(c.client, 'pve1', { vmid: id, name: 'mine' })),
      }),
    ).rejects.toThrow(/already exists/);
    expect(c.sim.state.vms().find((v) => v.vmid === 8800)?.config.name).toBe('intruder');
  });
});
