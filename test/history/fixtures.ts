// Hand-built records for the history tests (no engine involved), temp directories that are removed after
// each test, and the child writer process (test/history/writer-process.mjs, on the compiled store).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import type { Operation, OperationTarget, PhaseRecord, TargetState } from '../../src/ops/types.js';

const here = dirname(fileURLToPath(import.meta.url));
export const writer = join(here, 'writer-process.mjs');
export const builtStore = join(here, '../../dist/src/history/store.js');

const dirs: string[] = [];
/** A temp directory removed after the test. */
export function tmp(p: string): string {
  const d = mkdtempSync(join(tmpdir(), `moxxie-${p}-`));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

export function child(args: string[], env: Record<string, string> = {}) {
  const p = spawn(process.execPath, [writer, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  p.stderr!.on('data', (d: Buffer) => (err += String(d)));
  const ready = new Promise<void>((resolve) => p.stdout!.on('data', (d: Buffer) => String(d).includes('ready') && resolve()));
  const exited = new Promise<{ code: number | null; err: string }>((resolve) => p.on('exit', (code) => resolve({ code, err })));
  return { p, ready, exited };
}

/** A lock left by a killed writer is taken over once it is 8 s old: age it instead of waiting. */
export function ageLocks(dir: string): void {
  const past = new Date(Date.now() - 60_000);
  for (const name of ['history.json.lock', 'audit.jsonl.lock']) {
    const lock = join(dir, name);
    if (existsSync(lock)) utimesSync(lock, past, past);
  }
}

export const upid = (vmid: number, n = 1) => `UPID:pve1:0000${String(1000 + n)}:00005678:65000000:qmsnapshot:${vmid}:root@pam:`;

export function phase(name: string, state: PhaseRecord['state'] = 'pending', upids: string[] = []): PhaseRecord {
  return { name, state, upids };
}

export function target(vmid: number, state: TargetState = 'planned', phases: PhaseRecord[] = [phase('snapshot'), phase('verify')]): OperationTarget {
  return { id: `t${vmid}`, kind: 'guest', vmid, guestType: 'qemu', name: `vm-${vmid}`, node: 'pve1', state, action: 'snapshot x', phases };
}

export function operation(id: string, status: Operation['status'] = 'running', startedAt = Date.now(), targets = [target(100, 'succeeded'), target(101, 'running'), target(102)]): Operation {
  return {
    id,
    kind: 'snapshot.create',
    label: 'snapshot x',
    request: { snapshotName: 'x' },
    dryRun: false,
    status,
    targets,
    warnings: [],
    frontEnd: 'tui',
    context: 'test',
    startedAt,
    ...(status === 'running' ? {} : { finishedAt: startedAt + 1000 }),
  };
}
