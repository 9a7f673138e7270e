import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HistoryStore, openHistory } from '../../src/history/store.js';
import type { Operation } from '../../src/ops/types.js';

const here = dirname(fileURLToPath(import.meta.url));
const writer = join(here, 'writer-process.mjs');
const built = join(here, '../../dist/src/history/store.js');

function runWriter(dir: string, tag: string, count: number, env: Record<string, string> = {}) {
  return spawn(process.execPath, [writer, dir, tag, String(count)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
}

function exited(p: ReturnType<typeof spawn>): Promise<number | null> {
  return new Promise((resolve) => p.on('exit', (code) => resolve(code)));
}

function operation(id: string, status: Operation['status']): Operation {
  return {
    id,
    kind: 'snapshot.create',
    request: { snapshotName: 'x' },
    dryRun: false,
    status,
    targets: [
      { vmid: 100, name: 'a', node: 'pve1', state: 'succeeded', action: 'snapshot x' },
      { vmid: 101, name: 'b', node: 'pve1', state: 'running', action: 'snapshot x', upid: 'UPID:pve1:00000001:00000001:00000001:qmsnapshot:101:root@pam:' },
      { vmid: 102, name: 'c', node: 'pve1', state: 'planned', action: 'snapshot x' },
    ],
    warnings: [],
    frontEnd: 'tui',
    context: 'test',
    startedAt: Date.now(),
  };
}

describe('history store', () => {
  it('the compiled store exists for the child processes (built by the test setup)', () => {
    expect(existsSync(built)).toBe(true);
  });

  it('loses no record when three processes write 1,000 records each at the same time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moxxie-hist-'));
    const procs = ['a', 'b', 'c'].map((t) => runWriter(dir, t, 1000));
    const codes = await Promise.all(procs.map(exited));
    expect(codes).toEqual([0, 0, 0]);
    const data = JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8'));
    expect(data.audit).toHaveLength(3000);
    for (const t of ['a', 'b', 'c']) expect(new Set(data.audit.filter((e: { action: string }) => e.action.startsWith(`${t}-`)).map((e: { action: string }) => e.action)).size).toBe(1000);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 180_000);

  it('leaves a valid store when a writer is killed mid-write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moxxie-kill-'));
    const p = runWriter(dir, 'k', 100000, { SIGNAL_AFTER: '50' });
    await new Promise<void>((resolve) => p.stdout!.on('data', (d: Buffer) => String(d).includes('ready') && resolve()));
    p.kill('SIGKILL');
    await exited(p);
    const data = JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8'));
    expect(data.audit.length).toBeGreaterThanOrEqual(50);
    // The next process can take the (stale) lock and keep writing.
    const store = new HistoryStore({ dir });
    await store.audit({ at: Date.now(), context: 'x', frontEnd: 'cli', action: 'after-kill', request: {}, allowed: true });
    expect((await store.read()).audit.at(-1)?.action).toBe('after-kill');
  }, 60_000);

  it('shows an operation whose process died as interrupted, with what had completed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moxxie-int-'));
    const store = new HistoryStore({ dir });
    await store.operationStarted(operation('op-dead', 'running'));
    // Pretend the owner was a process that no longer exists.
    await store.update((d) => {
      d.operations[0].owner.pid = 2 ** 22 + 12345;
    });
    await store.operationStarted(operation('op-alive', 'running'));
    const reopened = await openHistory({ dir });
    const dead = (await reopened.getOperation('op-dead'))!;
    expect(dead.status).toBe('interrupted');
    expect(dead.targets.map((t) => t.state)).toEqual(['succeeded', 'cancelled', 'cancelled']);
    expect(dead.targets[1].message).toMatch(/interrupted while running.*UPID/);
    expect((await reopened.getOperation('op-alive'))!.status).toBe('running');
  });

  it('records operations, coalesces progress and applies retention by age and count', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moxxie-ret-'));
    const store = new HistoryStore({ dir, retention: { maxAgeDays: 1, maxRecords: 3 } });
    const op = operation('op-1', 'running');
    await store.operationStarted(op);
    op.targets[1].state = 'succeeded';
    store.targetUpdated(op);
    await store.flush();
    expect((await store.getOperation('op-1'))!.targets[1].state).toBe('succeeded');
    op.status = 'succeeded';
    await store.operationFinished(op);
    const old = { ...operation('op-old', 'succeeded'), startedAt: Date.now() - 3 * 86_400_000 };
    await store.operationFinished(old);
    for (let i = 0; i < 5; i++) await store.operationFinished({ ...operation(`op-n${i}`, 'succeeded'), startedAt: Date.now() + i });
    const { removed } = await store.applyRetention();
    const left = (await store.read()).operations.map((o) => o.id);
    expect(removed).toBe(4);
    expect(left).not.toContain('op-old');
    expect(left).toHaveLength(3);
  });
});
