// `moxxie history` through the built CLI's dispatcher (one driver process, fixtures/cli-driver.ts) reading a
// context's store: operations run by the real core against the simulator are recorded into that store, then
// listed, shown and audited from the CLI without any cluster connection.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadOnlyError } from '../../src/ops/errors.js';
import { HistoryStore } from '../../src/history/store.js';
import { createCore } from '../../src/ops/core.js';
import type { Operation } from '../../src/ops/types.js';
import { startCluster, tokenClient, type TestCluster } from '../fixtures/cluster.js';
import { cliDriverForFile } from '../fixtures/cli-driver.js';
import type { Exit } from '../fixtures/cli-process.js';

const cli = join(dirname(fileURLToPath(import.meta.url)), '../../dist/bundle/cli.js');
let state: string;
let env: Record<string, string>;
let cluster: TestCluster;
let snapshotOp: Operation;
let dryOp: Operation;

const inDriver = cliDriverForFile();
const moxxie = (...args: string[]): Promise<Exit> => inDriver(['history', ...args], env);

beforeAll(async () => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: build first (npm run build)`);
  state = mkdtempSync(join(tmpdir(), 'moxxie-history-cli-'));
  const config = join(state, 'config.json');
  writeFileSync(config, JSON.stringify({ current: 'lab', contexts: { lab: { url: 'https://pve.invalid:8006', auth: { tokenId: 'root@pam!moxxie' } } } }), { mode: 0o600 });
  const inherited: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('PVE_') && !k.startsWith('MOXXIE_')) inherited[k] = v;
  env = { ...inherited, MOXXIE_STATE_DIR: state, MOXXIE_CONFIG: config };

  // The 'lab' context's store, written by the real core running real operations on the simulator.
  const store = new HistoryStore({ dir: join(state, 'lab') });
  cluster = await startCluster({ vms: 20 }, { recorder: store, frontEnd: 'tui', context: { name: 'lab' } });
  snapshotOp = await cluster.core.createSnapshots({ vmSelectors: [{ type: 'VM_IDS', value: '8200,8201,99999' }], snapshotName: 'hist-{vmid}' });
  dryOp = await cluster.core.power({ vmSelectors: [{ type: 'VM_IDS', value: '8200' }], operation: 'STOP', dryRun: true });
  // A refused mutation, audited: a read-only core over the same store.
  const readOnly = createCore({ context: { name: 'lab', url: cluster.sim.url, readOnly: true, safeMode: false, demo: false }, client: tokenClient(cluster.sim), recorder: store, frontEnd: 'mcp' });
  await expect(readOnly.power({ vmSelectors: [{ type: 'VM_IDS', value: '8201' }], operation: 'STOP' })).rejects.toBeInstanceOf(ReadOnlyError);
  await readOnly.close();
  await store.flush();
});

afterAll(async () => {
  await cluster?.close();
  rmSync(state, { recursive: true, force: true });
});

describe('moxxie history', () => {
  it('lists the operations newest first, with counts, and filters by status and front end', async () => {
    const list = await moxxie();
    expect(list.code).toBe(0);
    const lines = list.out.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+STARTED\s+KIND\s+STATUS\s+BY\s+TOOK\s+VMS$/);
    // A dry run changes nothing and is kept in the audit only (see below), not as an operation.
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(new RegExp(`^${snapshotOp.id}\\s+.*snapshot\\.create\\s+succeeded\\s+tui\\s+[\\d.]+ s\\s+2 succeeded$`));
    const json = JSON.parse((await moxxie('list', '--json')).out) as { operations: Operation[] };
    expect(json.operations.map((o) => o.id)).toEqual([snapshotOp.id]);
    expect(JSON.parse((await moxxie('list', '--status', 'succeeded', '--json')).out).operations.map((o: Operation) => o.id)).toEqual([snapshotOp.id]);
    // A filter that matches nothing says what there is, never "no operations recorded".
    expect((await moxxie('list', '--front-end', 'mcp')).out.trim()).toBe('no operation has front end mcp (of 1 recorded: 1 tui)');
    expect((await moxxie('list', '--status', 'failed')).out.trim()).toBe('no operation has status failed (of 1 recorded: 1 succeeded)');
    expect(JSON.parse((await moxxie('--limit', '1', '--json')).out).operations).toHaveLength(1);
  });

  it('shows one operation with a row per VM as the simulator saw it, and its warnings', async () => {
    const show = await moxxie('show', snapshotOp.id);
    expect(show.code).toBe(0);
    expect(show.out).toMatch(/warning: .*99999/);
    for (const vmid of [8200, 8201]) {
      const task = cluster.sim.state.tasks().find((t) => t.type === 'qmsnapshot' && t.id === String(vmid))!;
      expect(task.exitstatus).toBe('OK');
      expect(show.out).toMatch(new RegExp(`${vmid}\\s+\\S+\\s+pve\\d\\s+succeeded\\s+snapshot hist-${vmid}\\s+${task.upid.replace(/[!$]/g, '\\$&')}`));
      expect(cluster.sim.state.vm(vmid)!.snapshots.some((s) => s.name === `hist-${vmid}`)).toBe(true);
    }
  });

  it('lists the audit, allowed and refused, and only refusals with --refused', async () => {
    const audit = await moxxie('audit');
    expect(audit.code).toBe(0);
    expect(audit.out).toMatch(/mcp\s+power STOP\s+REFUSED\s+.*read-only/);
    expect(audit.out).toMatch(new RegExp(`tui\\s+snapshot\\.create\\s+allowed\\s+${snapshotOp.id}`));
    expect(audit.out).toMatch(new RegExp(`tui\\s+power STOP \\(dry\\)\\s+allowed\\s+${dryOp.id}`));
    const refused = JSON.parse((await moxxie('audit', '--refused', '--json')).out) as { audit: Array<{ allowed: boolean; frontEnd: string }> };
    expect(refused.audit.length).toBeGreaterThan(0);
    expect(refused.audit.every((a) => !a.allowed)).toBe(true);
  });

  it('refuses bad input with the field and what is valid, and never invents a context', async () => {
    const status = await moxxie('list', '--status', 'bogus');
    expect(status.code).toBe(2);
    expect(status.err).toMatch(/--status must be one of planned, running, succeeded, partial, failed, cancelled, interrupted, rolled-back; got 'bogus'/);
    const missing = await moxxie('show', 'op-nope');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/no operation 'op-nope' in this context's history/);
    const ctx = await moxxie('--context', 'lba');
    expect(ctx.code).toBe(2);
    expect(ctx.err).toMatch(/context 'lba' is not in .*; known: lab, plus the built-in demo/);
    expect(readdirSync(state)).not.toContain('lba');
    expect((await moxxie('audit', '--status', 'failed')).err).toMatch(/--status and --front-end apply to history list only/);
    expect((await moxxie('list', '--limit', '0')).err).toMatch(/--limit must be a whole number from 1 to 5000, got '0'/);
  });
});
