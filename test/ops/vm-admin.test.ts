// VM administration and downloads through the core, asserted on the simulator's true state: the seed's SSH
// Key Management and download-url examples verbatim, delete (protection, running, purge, unreferenced disks,
// a selection), resize (absolute, +N, shrink refused), cores/memory, template conversion.
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needsConfirmation } from '../../src/ops/capabilities/index.js';
import { simDownloadChecksum } from '../../src/sim/download-body.js';
import type { SimVm } from '../../src/sim/index.js';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';

let c: TestCluster;
beforeAll(async () => {
  c = await startCluster({ vms: 60 });
});
afterAll(() => c.close());

const taken = new Set<number>();
/** A qemu guest no other test here uses. */
function pick(pred: (v: SimVm) => boolean): SimVm {
  const vm = c.sim.state.vms().find((v) => v.type === 'qemu' && !v.template && !v.lock && !taken.has(v.vmid) && v.vmid < 8200 && pred(v));
  if (!vm) throw new Error('no suitable VM in the generated cluster');
  taken.add(vm.vmid);
  return vm;
}
const ids = (...vms: SimVm[]) => [{ type: 'VM_IDS', value: vms.map((v) => v.vmid).join(',') }];
const target = (op: { targets: Array<{ vmid: number; state: string; message?: string }> }, vmid: number) => op.targets.find((t) => t.vmid === vmid)!;

/** A real OpenSSH ssh-rsa public key line (the seed's second key is cut short with "..."). */
function rsaKeyLine(comment: string): string {
  const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
  const field = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, 0]).fill(0).map((_, i) => (b.length >> (24 - 8 * i)) & 0xff), b]);
  const mpint = (s: string) => {
    const raw = Buffer.from(s, 'base64url');
    return field(raw[0] & 0x80 ? Buffer.concat([Buffer.from([0]), raw]) : raw);
  };
  const blob = Buffer.concat([field(Buffer.from('ssh-rsa')), mpint(jwk.e!), mpint(jwk.n!)]);
  return `ssh-rsa ${blob.toString('base64')} ${comment}`;
}

describe('SSH Key Management (seed examples)', () => {
  const seedOne = { sshKeys: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGLmQqfp8X5DUVxLruBsCmJ7m4mDGcr5V7e2BXMkNPDp user@example.com' };
  const seedMany = { sshKeys: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGLmQqfp8X5DUVxLruBsCmJ7m4mDGcr5V7e2BXMkNPDp user1@example.com\nssh-rsa AAAAB3NzaC1yc2EAAAA... user2@example.com' };
  const stored = (vmid: number) => decodeURIComponent(String(c.sim.state.vm(vmid)!.config.sshkeys ?? '')).split('\n').filter(Boolean);

  it('sets one key: stored URL-encoded, decoding back to the key; a rollback puts the old keys back', async () => {
    const vm = pick(() => true);
    const before = c.sim.state.vm(vm.vmid)!.config.sshkeys;
    const op = await c.core.run('vm.ssh-keys', { vmSelectors: ids(vm), ...seedOne });
    expect(op.status).toBe('succeeded');
    expect(stored(vm.vmid)).toEqual([seedOne.sshKeys]);
    expect(String(c.sim.state.vm(vm.vmid)!.config.sshkeys)).toMatch(/^ssh-ed25519%20AAAA/);
    // Again: nothing to do.
    expect(target(await c.core.run('vm.ssh-keys', { vmSelectors: ids(vm), ...seedOne }), vm.vmid)).toMatchObject({ state: 'skipped', message: 'already has exactly these keys' });
    await c.core.rollback(op.id);
    expect(c.sim.state.vm(vm.vmid)!.config.sshkeys).toBe(before);
  });

  it('refuses the seed\'s multi-key body as PVE would (its ssh-rsa key is cut short with "..."), naming the line; sets several real keys', async () => {
    const vm = pick(() => true);
    const before = c.sim.state.vm(vm.vmid)!.config.sshkeys;
    const tasksBefore = c.sim.state.tasks().length;
    await expect(c.core.run('vm.ssh-keys', { vmSelectors: ids(vm), ...seedMany })).rejects.toThrow(/sshKeys: line 2 \('ssh-rsa AAAAB3NzaC1yc2EAAAA\.\.\. user2@example\.com'\) is not an OpenSSH public key/);
    expect(c.sim.state.vm(vm.vmid)!.config.sshkeys).toBe(before);
    expect(c.sim.state.tasks().length).toBe(tasksBefore);
    const rsa = rsaKeyLine('user2@example.com');
    const body = { sshKeys: seedMany.sshKeys.replace(/ssh-rsa .*$/, rsa) };
    expect((await c.core.run('vm.ssh-keys', { vmSelectors: ids(vm), ...body })).status).toBe('succeeded');
    expect(stored(vm.vmid)).toEqual([seedOne.sshKeys.replace('user@', 'user1@'), rsa]);
  });
});

describe('delete', () => {
  it('is destructive (confirmed by every front end); refuses a protected VM and skips a running one unless stopFirst', async () => {
    expect(needsConfirmation('vm.delete', { vmSelectors: 'id:1' })).toBe(true);
    const prot = c.sim.state.vms().find((v) => v.protection && v.type === 'qemu' && !v.template)!;
    const running = pick((v) => v.status === 'running' && !v.protection && !v.tags.includes('always-on'));
    const op = await c.core.run('vm.delete', { vmSelectors: ids(prot, running) });
    expect(target(op, prot.vmid)).toMatchObject({ state: 'skipped', message: expect.stringMatching(/PVE protection is on: PVE refuses to delete it/) });
    expect(target(op, running.vmid)).toMatchObject({ state: 'skipped', message: expect.stringMatching(/is running: PVE refuses to delete a running VM \(use stopFirst/) });
    expect(c.sim.state.vm(prot.vmid)).toBeDefined();
    expect(c.sim.state.vm(running.vmid)!.status).toBe('running');
    // force does not override PVE's own protection flag.
    expect(target(await c.core.run('vm.delete', { vmSelectors: ids(prot), force: true, dryRun: true }), prot.vmid).state).toBe('skipped');
    const stopped = await c.core.run('vm.delete', { vmSelectors: ids(running), stopFirst: true });
    expect(stopped.status).toBe('succeeded');
    expect(target(stopped, running.vmid)).toMatchObject({ state: 'succeeded' });
    expect(stopped.targets[0].phases.map((p) => p.name)).toEqual(['stop', 'delete', 'verify']);
    expect(c.sim.state.vm(running.vmid)).toBeUndefined();
  });

  it('deletes a selection; destroyUnreferencedDisks also removes a disk no config names, purge is passed on', async () => {
    const a = pick((v) => v.status === 'stopped' && !v.protection && String(v.config.scsi0).startsWith('local-zfs:'));
    const b = pick((v) => v.status === 'stopped' && !v.protection && v.node === a.node && String(v.config.scsi0).startsWith('local-zfs:'));
    for (const vm of [a, b]) await c.client.post(`/nodes/${vm.node}/storage/local-zfs/content`, { vmid: vm.vmid, filename: `vm-${vm.vmid}-disk-7`, size: '1G' });
    const plan = await c.core.run('vm.delete', { vmSelectors: ids(a), dryRun: true, purge: true, destroyUnreferencedDisks: true });
    expect(plan.targets[0].action).toBe('delete (purge, with unreferenced disks) (cannot be undone)');
    expect(c.sim.state.vm(a.vmid)).toBeDefined();
    const one = await c.core.run('vm.delete', { vmSelectors: ids(a), purge: true, destroyUnreferencedDisks: true });
    expect(one.status).toBe('succeeded');
    const task = c.sim.state.tasks().find((t) => t.upid === one.targets[0].phases[0].upids[0])!;
    expect(task.log).toContain(`purging VM ${a.vmid} from related configurations..`);
    const other = pick((v) => v.status === 'stopped' && !v.protection);
    const two = await c.core.run('vm.delete', { vmSelectors: ids(b, other) });
    expect(two.targets.map((t) => t.state)).toEqual(['succeeded', 'succeeded']);
    for (const vm of [a, b, other]) expect(c.sim.state.vm(vm.vmid)).toBeUndefined();
    const content = await c.core.storageContent({ storage: 'local-zfs', node: a.node, content: 'images' });
    const left = content.items.map((i) => i.volid);
    expect(left).not.toContain(`local-zfs:vm-${a.vmid}-disk-7`);
    expect(left).toContain(`local-zfs:vm-${b.vmid}-disk-7`);
  });
});

describe('resize', () => {
  const sizeOf = (vmid: number) => /size=([^,]+)/.exec(String(c.sim.state.vm(vmid)!.config.scsi0))![1];
  it('grows to an absolute size and by +N; refuses shrinking before anything runs; a disk at the size is skipped', async () => {
    const vm = pick((v) => /size=\d+G/.test(String(v.config.scsi0)));
    const gb = Number(/size=(\d+)G/.exec(String(vm.config.scsi0))![1]);
    const abs = await c.core.run('vm.resize', { vmSelectors: ids(vm), disk: 'scsi0', size: `${gb + 8}G` });
    expect(abs.status).toBe('succeeded');
    expect(abs.targets[0].action).toBe(`resize scsi0 ${gb}G → ${gb + 8}G (cannot be undone)`);
    expect(sizeOf(vm.vmid)).toBe(`${gb + 8}G`);
    expect((await c.core.run('vm.resize', { vmSelectors: ids(vm), disk: 'scsi0', size: '+2G' })).status).toBe('succeeded');
    expect(sizeOf(vm.vmid)).toBe(`${gb + 10}G`);
    const shrink = await c.core.run('vm.resize', { vmSelectors: ids(vm), disk: 'scsi0', size: '1G' });
    expect(shrink.status).toBe('failed');
    expect(shrink.targets[0].message).toMatch(new RegExp(`shrinking is refused: scsi0 is ${gb + 10}G, 1G would be smaller \\(PVE cannot shrink disks\\); not attempted`));
    expect(sizeOf(vm.vmid)).toBe(`${gb + 10}G`);
    expect(c.sim.state.tasks().filter((t) => t.type === 'resize' && t.id === String(vm.vmid))).toHaveLength(2);
    expect(target(await c.core.run('vm.resize', { vmSelectors: ids(vm), disk: 'scsi0', size: `${gb + 10}G` }), vm.vmid)).toMatchObject({ state: 'skipped' });
    await expect(c.core.run('vm.resize', { vmSelectors: ids(vm), disk: 'scsi0', size: '10GiB' })).rejects.toThrow(/size: '10GiB' is not a size such as "50G"/);
    expect(target(await c.core.run('vm.resize', { vmSelectors: ids(vm), disk: 'scsi9', size: '+1G' }), vm.vmid).message).toMatch(/has no disk scsi9/);
  });
});

describe('set cores and memory', () => {
  it('writes them (pending on a running VM); a rollback puts the old values back', async () => {
    const stopped = pick((v) => v.status === 'stopped');
    const running = pick((v) => v.status === 'running');
    const op = await c.core.run('vm.set', { vmSelectors: ids(stopped, running), cores: 6, memoryMB: 6144 });
    expect(op.status).toBe('succeeded');
    expect(c.sim.state.vm(stopped.vmid)!.config).toMatchObject({ cores: 6, memory: '6144' });
    expect(c.sim.state.vm(running.vmid)!.pending).toMatchObject({ cores: 6, memory: '6144' });
    expect(target(op, running.vmid)).toMatchObject({ state: 'succeeded' });
    expect(op.targets.find((t) => t.vmid === running.vmid)!.action).toMatch(/pending until the next start/);
    await c.core.rollback(op.id);
    expect(c.sim.state.vm(stopped.vmid)!.config.cores).toBe(stopped.config.cores);
    expect(c.sim.state.vm(stopped.vmid)!.config.memory).toBe(stopped.config.memory);
    await expect(c.core.run('vm.set', { vmSelectors: ids(stopped) })).rejects.toThrow(/cores: give cores, memoryMB or both/);
  });
});

describe('convert to template', () => {
  it('converts a stopped VM without snapshots; says why others are left', async () => {
    const vm = pick((v) => v.status === 'stopped' && v.snapshots.length === 0);
    const snap = pick((v) => v.status === 'stopped' && v.snapshots.length > 0);
    const op = await c.core.run('vm.template', { vmSelectors: ids(vm, snap) });
    expect(target(op, vm.vmid).state).toBe('succeeded');
    expect(target(op, snap.vmid)).toMatchObject({ state: 'skipped', message: expect.stringMatching(/PVE converts only a VM without snapshots/) });
    expect(c.sim.state.vm(vm.vmid)!.template).toBe(true);
    expect(c.sim.state.vm(snap.vmid)!.template).toBe(false);
  });
});

describe('lost answers', () => {
  it('a delete, a +N resize and a download whose answers are lost each run once: found by their task, never doubled', async () => {
    const gone = pick((v) => v.status === 'stopped' && !v.protection);
    const grown = pick((v) => /size=\d+G/.test(String(v.config.scsi0)));
    const gb = Number(/size=(\d+)G/.exec(String(grown.config.scsi0))![1]);
    const url = 'https://dl.example.org/lost-answer.iso';
    c.sim.faults.set({ lostAnswerRate: 1, lostAnswerMode: 'mixed', lostAnswerMethods: ['POST', 'PUT', 'DELETE'] });
    let ops;
    try {
      ops = [
        await c.core.run('vm.delete', { vmSelectors: ids(gone) }),
        await c.core.run('vm.resize', { vmSelectors: ids(grown), disk: 'scsi0', size: '+1G' }),
        await c.core.run('storage.download', { storage: 'util-iso', url }),
      ];
    } finally {
      c.sim.faults.set({ lostAnswerRate: 0 });
    }
    expect(ops.map((o) => o.status), JSON.stringify(ops.map((o) => o.targets[0].message))).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const tasks = c.sim.state.tasks();
    expect(c.sim.state.vm(gone.vmid)).toBeUndefined();
    expect(tasks.filter((t) => t.type === 'qmdestroy' && t.id === String(gone.vmid))).toHaveLength(1);
    expect(String(c.sim.state.vm(grown.vmid)!.config.scsi0)).toContain(`size=${gb + 1}G`);
    expect(tasks.filter((t) => t.type === 'resize' && t.id === String(grown.vmid))).toHaveLength(1);
    expect(tasks.filter((t) => t.type === 'download' && t.id === 'lost-answer.iso')).toHaveLength(1);
  });
});

describe('download-url (seed example)', () => {
  const seed = {
    url: 'https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-generic-amd64.qcow2',
    filename: 'debian-12-generic-amd64.qcow2',
    checksumUrl: 'https://cloud.debian.org/images/cloud/bookworm/latest/SHA512SUMS',
    checksumAlgorithm: 'sha512',
  };
  let server: Server;
  let sums = `${simDownloadChecksum(seed.url, 'sha512')}  debian-12-generic-amd64.qcow2\n`;
  let listUrl = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/SHA512SUMS') res.end(sums);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    listUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/SHA512SUMS`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  const volids = () => c.sim.state.storageContent('util-iso').map((v) => v.volid);

  it('plans the seed body as it stands: the file is already on util-iso in the demo, so nothing is downloaded', async () => {
    const op = await c.core.run('storage.download', { storage: 'util-iso', ...seed, checksumUrl: listUrl, dryRun: true });
    expect(op.targets[0]).toMatchObject({ state: 'skipped', message: expect.stringMatching(/util-iso:import\/debian-12-generic-amd64\.qcow2 already exists/) });
  });

  it('reads the checksum list itself, picks the line for the file, and PVE verifies it', async () => {
    const good = simDownloadChecksum(seed.url, 'sha512');
    sums = `${'0'.repeat(128)}  debian-12-genericcloud-amd64.qcow2\n${good}  debian-12-generic-amd64.qcow2\n`;
    const existing = 'util-iso:import/debian-12-generic-amd64.qcow2';
    await c.client.delete(`/nodes/pve1/storage/util-iso/content/${encodeURIComponent(existing)}`);
    await expect.poll(volids).not.toContain(existing);
    const op = await c.core.run('storage.download', { storage: 'util-iso', ...seed, checksumUrl: listUrl });
    expect(op.status).toBe('succeeded');
    expect(op.targets[0].action).toMatch(/sha512 verified/);
    expect(op.targets[0].action).toContain(`sha512 from ${listUrl} (line for debian-12-generic-amd64.qcow2)`);
    expect(volids()).toContain(existing);
    const task = c.sim.state.tasks().find((t) => t.upid === op.targets[0].phases[0].upids[0])!;
    expect(task).toMatchObject({ type: 'download', exitstatus: 'OK' });
    expect(task.log).toContain('calculating checksum...OK, checksum verified');
  });

  it('follows the download task\'s progress lines in the target\'s message while it runs', async () => {
    const url = 'https://dl.example.org/slow-alpine.iso';
    const seen: string[] = [];
    // Progress is polled once a second: a download of a few seconds shows it.
    c.sim.faults.set({ taskDurationMs: 3000 });
    try {
      const op = await c.core.run('storage.download', { storage: 'util-iso', url }, {
        onEvent: (e) => {
          if (e.type === 'target-updated' && e.target.message) seen.push(e.target.message);
        },
      });
      expect(op.status).toBe('succeeded');
    } finally {
      c.sim.faults.set({ taskDurationMs: 30 });
    }
    expect(seen.some((m) => /^downloading: \d+K .* (25|50|75|100)%$/.test(m))).toBe(true);
  });

  it('fails with PVE\'s message on a wrong checksum and leaves no file; a list without the file is refused naming checksumUrl', async () => {
    const url = 'https://cloud.example.org/noble-server-cloudimg-amd64.img';
    const wrong = 'ab'.repeat(64);
    const op = await c.core.run('storage.download', { storage: 'util-iso', url, checksum: wrong, checksumAlgorithm: 'sha512' });
    expect(op.status).toBe('failed');
    expect(op.targets[0].message).toContain(`checksum mismatch: got '${simDownloadChecksum(url, 'sha512')}' != expect '${wrong}'`);
    // The .img cloud image was to be saved as .qcow2 in import content; nothing is there.
    expect(op.targets[0].name).toBe('util-iso:import/noble-server-cloudimg-amd64.qcow2');
    expect(op.targets[0].action).toMatch(/saved as noble-server-cloudimg-amd64\.qcow2: an \.img cloud image is a qcow2 disk image/);
    expect(volids().some((v) => v.includes('noble'))).toBe(false);
    sums = `${'1'.repeat(128)}  other.qcow2\n`;
    await expect(c.core.run('storage.download', { storage: 'util-iso', url, checksumUrl: listUrl })).rejects.toThrow(/checksumUrl: .* has no line for 'noble-server-cloudimg-amd64\.img' \(it lists other\.qcow2\)/);
    await expect(c.core.run('storage.download', { storage: 'local-zfs', url: 'https://e.org/x.iso' })).rejects.toThrow(/storage: 'local-zfs' is a zfspool storage/);
    await expect(c.core.run('storage.download', { storage: 'local', url: 'https://e.org/x.iso' })).rejects.toThrow(/node: storage 'local' is local to each node/);
    await expect(c.core.run('storage.download', { storage: 'util-iso', url: 'https://e.org/x.iso', bogus: 1 })).rejects.toThrow(/unknown field 'bogus'/);
  });
});
