// `moxxie backups …` through the built CLI's dispatcher (one driver process) against a simulator this test runs: list (a companion read), create
// and restore from --file with the seed's bodies, protect, and delete with --yes; checked on the true state.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { CLI, cliEnvironment, type Exit } from '../fixtures/cli-process.js';
import { cliDriverForFile } from '../fixtures/cli-driver.js';

let sim: Simulator;
let state: string;
let env: Record<string, string>;
beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first`);
  sim = await startSimulator({ vms: 30, taskDurationMs: 30 });
  state = mkdtempSync(join(tmpdir(), 'moxxie-backups-cli-'));
  env = cliEnvironment(sim, state);
});
afterAll(async () => {
  await sim?.close();
  if (state) rmSync(state, { recursive: true, force: true });
});

// The command lines run through the CLI's dispatcher in one driver process (fixtures/cli-driver.ts).
const inDriver = cliDriverForFile();
const moxxie = (args: string[], stdin?: string): Promise<Exit> => inDriver(args, env, stdin);
const local = () => sim.state.storageContent('local').filter((v) => v.content === 'backup');
const SLOW = { timeout: 120_000 };

describe('moxxie backups', () => {
  it('create --file takes the seed body verbatim; list shows the archives', SLOW, async () => {
    const file = join(state, 'bulk.json');
    writeFileSync(file, JSON.stringify({ vmSelectors: [{ type: 'VM_IDS', value: '8200,8201,8202' }], storage: 'local', mode: 'snapshot', compress: 'zstd', notes: 'Pre-maintenance backup', maxParallel: 3, dryRun: false }));
    const made = await moxxie(['backups', 'create', '--file', file]);
    expect(made.code, made.err).toBe(0);
    expect(local().filter((b) => b.notes === 'Pre-maintenance backup').map((b) => b.vmid).sort()).toEqual([8200, 8201, 8202]);

    const listed = await moxxie(['backups', 'list', 'id:8200-8202', '--storage', 'local', '--json']);
    expect(listed.code, listed.err).toBe(0);
    const json = JSON.parse(listed.out) as { total: number; backups: Array<{ vmid: number; notes: string }> };
    expect(json.total).toBe(3);
    expect(json.backups.map((b) => b.vmid)).toEqual([8200, 8201, 8202]);
    const table = await moxxie(['backups', 'list', 'id:8200']);
    expect(table.out).toMatch(/VMID\s+NAME\s+VOLID\s+NODE\s+SIZE\s+AGE\s+PROTECTED\s+TTL\s+NOTES/);
    expect(table.out).toMatch(/8200\s+workshop-wk-01\s+local:backup\/vzdump-qemu-8200-/);
  });

  it('protect, then delete: without --yes nothing is deleted; a protected one is refused by PVE; unprotected it goes', SLOW, async () => {
    const volid = local().find((b) => b.vmid === 8201)!.volid;
    expect((await moxxie(['backups', 'protect', volid])).code).toBe(0);
    expect(local().find((b) => b.volid === volid)!.protected).toBe(true);
    const unconfirmed = await moxxie(['backups', 'delete', volid]);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.err).toMatch(/destructive: run again with --yes/);
    const refused = await moxxie(['backups', 'delete', volid, '--yes']);
    expect(refused.code).toBe(1);
    expect(`${refused.out}${refused.err}`).toMatch(/cannot remove protected volume/);
    expect(local().some((b) => b.volid === volid)).toBe(true);
    expect((await moxxie(['backups', 'unprotect', volid])).code).toBe(0);
    const deleted = await moxxie(['backups', 'delete', volid, '--yes']);
    expect(deleted.code, deleted.err).toBe(0);
    expect(local().some((b) => b.volid === volid)).toBe(false);
  });

  it('restore --file - reads the body from stdin and restores to a new id', SLOW, async () => {
    const volid = local().find((b) => b.vmid === 8202)!.volid;
    const before = new Set(sim.state.vms().map((v) => v.vmid));
    const res = await moxxie(['backups', 'restore', '--file', '-'], JSON.stringify({ volid, name: 'cli-restored', storage: 'local-zfs' }));
    expect(res.code, res.err).toBe(0);
    const created = sim.state.vms().filter((v) => !before.has(v.vmid));
    expect(created.map((v) => v.name)).toEqual(['cli-restored']);
  });
});
