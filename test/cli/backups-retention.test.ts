// `moxxie backups candidates` (companion read) and `moxxie backups prune` (generated verb) through the built CLI's dispatcher
// against a simulator this test runs; deletions checked against the simulator's storage content.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postVzdump } from '../../src/pve/endpoints/storage.js';
import type { PveClient } from '../../src/pve/client.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { CLI, cliEnvironment, type Exit } from '../fixtures/cli-process.js';
import { cliDriverForFile } from '../fixtures/cli-driver.js';
import { tokenClient } from '../fixtures/cluster.js';

let sim: Simulator;
let client: PveClient;
let state: string;
let env: Record<string, string>;
const SLOW = { timeout: 120_000 };
// The command lines run through the CLI's dispatcher in one driver process (fixtures/cli-driver.ts).
const inDriver = cliDriverForFile();
const moxxie = (args: string[], stdin?: string): Promise<Exit> => inDriver(args, env, stdin);
const local = (vmid: number) => sim.state.storageContent('local').filter((v) => v.content === 'backup' && v.vmid === vmid).map((v) => v.volid).sort();

beforeAll(async () => {
  sim = await startSimulator({ vms: 30, taskDurationMs: 10 });
  client = tokenClient(sim);
  state = mkdtempSync(join(tmpdir(), 'moxxie-retention-cli-'));
  env = cliEnvironment(sim, state);
  for (let i = 0; i < 3; i++) {
    for (const vmid of [8200, 8201]) await client.waitForTask(await postVzdump(client, sim.state.vm(vmid)!.node, { vmid: String(vmid), storage: 'local' }), { timeoutMs: 10_000 });
  }
});
afterAll(async () => {
  await client?.close();
  await sim?.close();
  if (state) rmSync(state, { recursive: true, force: true });
});

describe('moxxie backups candidates', () => {
  it('prints each backup with its mark and rule, and PVE agreeing', SLOW, async () => {
    const res = await moxxie(['backups', 'candidates', '--policy', 'count:1', '--vm-ids', '8200,8201', '--storage', 'local']);
    expect(res.code, res.err).toBe(0);
    expect(res.out.match(/^REMOVE /gm)).toHaveLength(4);
    expect(res.out.match(/^KEEP /gm)).toHaveLength(2);
    expect(res.out).toMatch(/keep-last=1: beyond the 1 kept/);
    expect(res.out).toMatch(/count:1: 4 of 6 backup\(s\) to remove/);
    expect(res.out).toMatch(/PVE's own prune preview \(keep-last=1\) agrees/);
    const json = await moxxie(['backups', 'candidates', '--file', '-', '--json'], JSON.stringify({ retentionPolicy: 'count:1', vmIds: [8200], storage: 'local' }));
    expect(json.code, json.err).toBe(0);
    expect([...JSON.parse(json.out).candidates].sort()).toEqual(local(8200).slice(0, 2));
  });

  it('refuses a bad policy or flag with exit 2, naming it', SLOW, async () => {
    const bad = await moxxie(['backups', 'candidates', '--policy', 'weekly:2']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/retentionPolicy: 'weekly:2' is not a retention policy/);
    const missing = await moxxie(['backups', 'candidates']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/--policy is required/);
  });
});

describe('moxxie backups prune', () => {
  it("takes the seed's cleanup body with --file; a dry run and a run without --yes delete nothing", SLOW, async () => {
    const before = [...local(8200), ...local(8201)];
    const seed = await moxxie(['backups', 'prune', '--file', '-'], JSON.stringify({ retentionPolicy: 'days:30', dryRun: true, tags: ['env-dev'] }));
    expect(seed.code, seed.err).toBe(0);
    const plan = await moxxie(['backups', 'prune', '--policy', 'count:1', '--vm-ids', '8200,8201', '--storage', 'local']);
    expect(plan.code).toBe(2);
    expect(`${plan.out}${plan.err}`).toMatch(/--yes/);
    expect([...local(8200), ...local(8201)]).toEqual(before);
  });

  it('with --yes deletes exactly the candidates, each awaited', SLOW, async () => {
    const preview = JSON.parse((await moxxie(['backups', 'candidates', '--policy', 'count:1', '--vm-ids', '8200,8201', '--storage', 'local', '--json'])).out).candidates as string[];
    const before = [...local(8200), ...local(8201)];
    const res = await moxxie(['backups', 'prune', '--policy', 'count:1', '--vm-ids', '8200,8201', '--storage', 'local', '--yes', '--json']);
    expect(res.code, res.err).toBe(0);
    const op = JSON.parse(res.out) as { status: string; targets: Array<{ state: string; message?: string }> };
    expect(op.status).toBe('succeeded');
    expect(op.targets.map((t) => t.message)).toEqual(['deleted', 'deleted', 'deleted', 'deleted']);
    expect([...local(8200), ...local(8201)]).toEqual(before.filter((v) => !preview.includes(v)));
    expect(local(8200)).toHaveLength(1);
  });
});
