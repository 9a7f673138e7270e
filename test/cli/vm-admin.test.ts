// `moxxie vm delete|resize|set|ssh-keys|template` and `moxxie storage list|content|download` as real
// command lines (the built CLI's dispatcher, one driver process) against a simulator this test runs, checked against its true state; the
// seed's bodies through --file (and stdin).
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simDownloadChecksum } from '../../src/sim/download-body.js';
import { startSimulator, type SimVm, type Simulator } from '../../src/sim/index.js';
import { cliEnvironment, type Exit } from '../fixtures/cli-process.js';
import { cliDriverForFile } from '../fixtures/cli-driver.js';
import { tokenClient } from '../fixtures/cluster.js';
import { tempDir } from '../fixtures/temp-dirs.js';

let sim: Simulator;
let state: string;
let env: Record<string, string>;
let server: Server;
let listUrl = '';
const seedDownload = {
  url: 'https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-generic-amd64.qcow2',
  filename: 'debian-12-generic-amd64.qcow2',
  checksumUrl: 'https://cloud.debian.org/images/cloud/bookworm/latest/SHA512SUMS',
  checksumAlgorithm: 'sha512',
};

beforeAll(async () => {
  sim = await startSimulator({ vms: 30, taskDurationMs: 30 });
  state = tempDir('vm-admin-cli');
  env = cliEnvironment(sim, state);
  server = createServer((req, res) => res.end(`${simDownloadChecksum(seedDownload.url, 'sha512')}  ${seedDownload.filename}\n`));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  listUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/SHA512SUMS`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await sim?.close();
});

const SLOW = { timeout: 120_000 };
// The command lines run through the CLI's dispatcher in one driver process (fixtures/cli-driver.ts).
const inDriver = cliDriverForFile();
const moxxie = (args: string[], stdin?: string): Promise<Exit> => inDriver(args, env, stdin);
const taken = new Set<number>();
function pick(pred: (v: SimVm) => boolean): SimVm {
  const vm = sim.state.vms().find((v) => v.type === 'qemu' && !v.template && !v.lock && !v.protection && !taken.has(v.vmid) && v.vmid < 8200 && pred(v));
  if (!vm) throw new Error('no suitable VM');
  taken.add(vm.vmid);
  return vm;
}

describe('moxxie vm …', SLOW, () => {
  it('delete shows its plan and changes nothing without --yes; deletes with it', async () => {
    // Safe mode is on for an ad-hoc context: the VM carries the moxxie tag.
    const vm = pick((v) => v.status === 'stopped' && v.tags.includes('moxxie'));
    const plan = await moxxie(['vm', 'delete', `id:${vm.vmid}`, '--purge']);
    expect(plan.code, plan.err).toBe(2);
    expect(plan.out + plan.err).toMatch(/delete \(purge\) \(cannot be undone\)/);
    expect(sim.state.vm(vm.vmid)).toBeDefined();
    const done = await moxxie(['vm', 'delete', `id:${vm.vmid}`, '--purge', '--yes', '--json']);
    expect(done.code, done.err).toBe(0);
    expect(JSON.parse(done.out).status).toBe('succeeded');
    expect(sim.state.vm(vm.vmid)).toBeUndefined();
  });

  it('resize +N, set cores and memory (--dry-run changes nothing), ssh-keys from the seed body in --file', async () => {
    const vm = pick((v) => /size=\d+G/.test(String(v.config.scsi0)));
    const gb = Number(/size=(\d+)G/.exec(String(vm.config.scsi0))![1]);
    const resized = await moxxie(['vm', 'resize', `id:${vm.vmid}`, '--disk', 'scsi0', '--size', '+3G']);
    expect(resized.code, resized.err).toBe(0);
    expect(String(sim.state.vm(vm.vmid)!.config.scsi0)).toContain(`size=${gb + 3}G`);
    const dry = await moxxie(['vm', 'set', `id:${vm.vmid}`, '--cores', '3', '--memory', '3072', '--dry-run']);
    expect(dry.code, dry.err).toBe(0);
    expect(sim.state.vm(vm.vmid)!.config.cores).toBe(vm.config.cores);
    expect((await moxxie(['vm', 'set', `id:${vm.vmid}`, '--cores', '3', '--memory', '3072'])).code).toBe(0);
    const after = sim.state.vm(vm.vmid)!;
    expect({ ...after.config, ...after.pending }).toMatchObject({ cores: 3, memory: '3072' });
    const body = join(state, 'ssh-keys.json');
    writeFileSync(body, JSON.stringify({ sshKeys: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGLmQqfp8X5DUVxLruBsCmJ7m4mDGcr5V7e2BXMkNPDp user@example.com' }));
    const keys = await moxxie(['vm', 'ssh-keys', `id:${vm.vmid}`, '--file', body]);
    expect(keys.code, keys.err).toBe(0);
    expect(decodeURIComponent(String(sim.state.vm(vm.vmid)!.config.sshkeys)).trim()).toBe('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGLmQqfp8X5DUVxLruBsCmJ7m4mDGcr5V7e2BXMkNPDp user@example.com');
    const badKeys = await moxxie(['vm', 'ssh-keys', `id:${vm.vmid}`, '--keys', 'ssh-rsa AAAAB3NzaC1yc2EAAAA... user2@example.com']);
    expect(badKeys.code).toBe(2);
    expect(badKeys.err).toMatch(/sshKeys \(--keys\): line 1 \('ssh-rsa AAAAB3NzaC1yc2EAAAA\.\.\. user2@example\.com'\) is not an OpenSSH public key/);
  });

  it('template converts a VM outside safe mode only with --force and --yes', async () => {
    const vm = pick((v) => v.status === 'stopped' && v.snapshots.length === 0 && !v.tags.includes('moxxie'));
    const refused = await moxxie(['vm', 'template', `id:${vm.vmid}`, '--yes', '--json']);
    expect(JSON.parse(refused.out).targets[0].message).toMatch(/safe mode: not tagged 'moxxie'/);
    expect(sim.state.vm(vm.vmid)!.template).toBe(false);
    const r = await moxxie(['vm', 'template', `id:${vm.vmid}`, '--force', '--yes']);
    expect(r.code, r.err).toBe(0);
    expect(sim.state.vm(vm.vmid)!.template).toBe(true);
  });
});

describe('moxxie storage …', SLOW, () => {
  it('lists storages and content; downloads the seed body from stdin, reading the checksum list itself', async () => {
    const list = await moxxie(['storage', 'list', '--json']);
    expect(list.code, list.err).toBe(0);
    expect(JSON.parse(list.out).storages.map((s: { storage: string }) => s.storage)).toContain('util-iso');
    const existing = 'util-iso:import/debian-12-generic-amd64.qcow2';
    const skipped = await moxxie(['storage', 'download', '--storage', 'util-iso', '--file', '-', '--json'], JSON.stringify({ ...seedDownload, checksumUrl: listUrl }));
    expect(skipped.code, skipped.err).toBe(0);
    expect(JSON.parse(skipped.out).targets[0]).toMatchObject({ state: 'skipped' });
    const client = tokenClient(sim);
    await client.delete(`/nodes/pve1/storage/util-iso/content/${encodeURIComponent(existing)}`);
    await client.close();
    await expect.poll(() => sim.state.storageContent('util-iso').map((v) => v.volid)).not.toContain(existing);
    const r = await moxxie(['storage', 'download', '--storage', 'util-iso', '--file', '-'], JSON.stringify({ ...seedDownload, checksumUrl: listUrl }));
    expect(r.code, r.err).toBe(0);
    expect(sim.state.storageContent('util-iso').map((v) => v.volid)).toContain(existing);
    const content = await moxxie(['storage', 'content', 'util-iso', '--content', 'import']);
    expect(content.code, content.err).toBe(0);
    expect(content.out).toContain(existing);
    const bad = await moxxie(['storage', 'content', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/no storage 'nope'/);
  });
});
