import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { contextStateDir } from '../../src/config/paths.js';
import { currentOwner } from '../../src/history/process-owner.js';
import { HistoryStore, openHistory } from '../../src/history/store.js';
import type { Operation } from '../../src/ops/types.js';

const here = dirname(fileURLToPath(import.meta.url));
const writer = join(here, 'writer-process.mjs');
const built = join(here, '../../dist/src/history/store.js');
const tmp = (p: string) => mkdtempSync(join(tmpdir(), `moxxie-${p}-`));

function child(args: string[], env: Record<string, string> = {}) {
  const p = spawn(process.execPath, [writer, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  p.stderr!.on('data', (d: Buffer) => (err += String(d)));
  const ready = new Promise<void>((resolve) => p.stdout!.on('data', (d: Buffer) => String(d).includes('ready') && resolve()));
  const exited = new Promise<{ code: number | null; err: string }>((resolve) => p.on('exit', (code) => resolve({ code, err })));
  return { p, ready, exited };
}

function operation(id: string, status: Operation['status'], startedAt = Date.now()): Operation {
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
    startedAt,
  };
}

const readJson = (dir: string) => JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8')) as { audit: Array<{ action: string }>; operations: Operation[] };

describe('history store across processes', () => {
  it('has the compiled store the child processes import (built by the test setup)', () => {
    expect(existsSync(built)).toBe(true);
  });

  it('loses no record when three processes write 1,000 records each at the same time', async () => {
    const dir = tmp('hist');
    const writers = ['a', 'b', 'c'].map((t) => child(['audit', dir, t, '1000']));
    const results = await Promise.all(writers.map((w) => w.exited));
    expect(results.map((r) => r.err)).toEqual(['', '', '']);
    expect(results.map((r) => r.code)).toEqual([0, 0, 0]);
    const data = readJson(dir);
    expect(data.audit).toHaveLength(3000);
    for (const t of ['a', 'b', 'c']) {
      const mine = data.audit.filter((e) => e.action.startsWith(`${t}-`)).map((e) => e.action);
      expect(new Set(mine).size).toBe(1000);
      // Each writer's records are in the order it wrote them.
      expect(mine).toEqual(Array.from({ length: 1000 }, (_, i) => `${t}-${i}`));
    }
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp') || f.endsWith('.lock'))).toEqual([]);
  }, 180_000);

  it('leaves a valid store when a writer is killed mid-write, and the next writer takes over', async () => {
    const dir = tmp('kill');
    const w = child(['audit', dir, 'k', '1000000'], { SIGNAL_AFTER: '50' });
    await w.ready;
    w.p.kill('SIGKILL');
    await w.exited;
    const data = readJson(dir);
    expect(data.audit.length).toBeGreaterThanOrEqual(50);
    expect(data.audit.map((e) => e.action)).toEqual(Array.from({ length: data.audit.length }, (_, i) => `k-${i}`));
    // A lock or a temp file the killed writer left behind does not stop the next process.
    const store = await openHistory({ dir });
    await store.audit({ at: Date.now(), context: 'x', frontEnd: 'cli', action: 'after-kill', request: {}, allowed: true });
    expect(store.lastError).toBeUndefined();
    expect((await store.read()).audit.at(-1)?.action).toBe('after-kill');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 60_000);

  it('shows an operation whose process was killed as interrupted, keeping what had completed', async () => {
    const dir = tmp('int');
    const w = child(['op', dir, 'op-killed']);
    await w.ready;
    const before = await new HistoryStore({ dir }).getOperation('op-killed');
    expect(before?.status).toBe('running');
    w.p.kill('SIGKILL');
    await w.exited;
    const reopened = await openHistory({ dir });
    const op = (await reopened.getOperation('op-killed'))!;
    expect(op.status).toBe('interrupted');
    expect(op.finishedAt).toBeDefined();
    expect(op.targets.map((t) => t.state)).toEqual(['succeeded', 'cancelled', 'cancelled']);
    expect(op.targets[0].message).toBe('snapshot pre-change created');
    expect(op.targets[1].message).toMatch(/interrupted while running.*UPID:pve1:00001235/);
    expect(op.targets[2].message).toMatch(/not started/);
    expect(op.summary?.counts).toMatchObject({ succeeded: 1, cancelled: 2 });
  }, 30_000);
});

describe('history store', () => {
  it('treats a reused pid with another start time as a dead owner, and leaves live owners alone', async () => {
    const dir = tmp('pid');
    const store = new HistoryStore({ dir });
    await store.operationStarted(operation('op-alive', 'running'));
    await store.operationStarted(operation('op-reused', 'running'));
    const me = currentOwner();
    await store.update((d) => {
      d.operations[1].owner = { ...me, start: `${me.start ?? '1'}9` };
    });
    const reopened = await openHistory({ dir });
    expect((await reopened.getOperation('op-alive'))!.status).toBe('running');
    expect((await reopened.getOperation('op-reused'))!.status).toBe(me.start === undefined ? 'running' : 'interrupted');
  });

  it('records an operation from start to finish, coalescing progress writes', async () => {
    const dir = tmp('rec');
    const store = new HistoryStore({ dir, progressFlushMs: 20 });
    const op = operation('op-1', 'running');
    await store.operationStarted(op);
    op.targets[1] = { ...op.targets[1], state: 'succeeded' };
    store.targetUpdated(op);
    op.targets[2] = { ...op.targets[2], state: 'running' };
    store.targetUpdated(op);
    await store.flush();
    const mid = (await store.getOperation('op-1'))!;
    expect(mid.targets.map((t) => t.state)).toEqual(['succeeded', 'succeeded', 'running']);
    expect(mid.owner.pid).toBe(process.pid);
    op.status = 'succeeded';
    op.targets[2] = { ...op.targets[2], state: 'succeeded' };
    await store.operationFinished(op);
    // A late progress write never overwrites the final record.
    store.targetUpdated({ ...op, status: 'running' });
    await store.flush();
    expect((await store.getOperation('op-1'))!.status).toBe('succeeded');
    expect(await store.listOperations({ status: 'succeeded' })).toHaveLength(1);
  });

  it('applies retention by age and count, never dropping running operations', async () => {
    const dir = tmp('ret');
    const store = new HistoryStore({ dir, retention: { maxAgeDays: 1, maxRecords: 3 } });
    const day = 86_400_000;
    await store.operationFinished(operation('op-old', 'succeeded', Date.now() - 3 * day));
    await store.operationStarted(operation('op-old-running', 'running', Date.now() - 3 * day));
    for (let i = 0; i < 5; i++) await store.operationFinished(operation(`op-n${i}`, 'succeeded', Date.now() - 1000 + i));
    await store.audit({ at: Date.now() - 2 * day, context: 't', frontEnd: 'cli', action: 'old', request: {}, allowed: true });
    await store.audit({ at: Date.now(), context: 't', frontEnd: 'cli', action: 'new', request: {}, allowed: true });
    const { removed } = await store.applyRetention();
    const data = await store.read();
    expect(data.operations.map((o) => o.id).sort()).toEqual(['op-n2', 'op-n3', 'op-n4', 'op-old-running']);
    expect(data.audit.map((a) => a.action)).toEqual(['new']);
    expect(removed).toBe(4);
  });

  it('sets a damaged file aside and starts a new one', async () => {
    const dir = tmp('bad');
    writeFileSync(join(dir, 'history.json'), '{"operations": [');
    const errors: string[] = [];
    const store = new HistoryStore({ dir, onError: (e) => errors.push(e.message) });
    expect((await store.read()).operations).toEqual([]);
    await store.audit({ at: Date.now(), context: 't', frontEnd: 'cli', action: 'fresh', request: {}, allowed: true });
    expect(readJson(dir).audit.map((a) => a.action)).toEqual(['fresh']);
    const aside = readdirSync(dir).filter((f) => f.startsWith('history.json.damaged-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(dir, aside[0]), 'utf8')).toBe('{"operations": [');
    expect(errors.some((e) => e.includes('kept it as'))).toBe(true);
  });

  it('finds a context\'s store under MOXXIE_STATE_DIR', async () => {
    const root = tmp('root');
    const store = await openHistory({ dir: contextStateDir('lab', { MOXXIE_STATE_DIR: root }) });
    expect(store.file).toBe(join(root, 'lab', 'history.json'));
  });
});
