// `moxxie scheduler` as a real process (the built CLI) against a simulator, with its state in a temp dir.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HistoryStore } from '../../src/history/store.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';

const cli = join(dirname(fileURLToPath(import.meta.url)), '../../dist/src/cli.js');
let sim: Simulator;
let env: Record<string, string>;
let stateDir: string;

beforeAll(async () => {
  sim = await startSimulator({ vms: 30, taskDurationMs: 40 });
  stateDir = mkdtempSync(join(tmpdir(), 'moxxie-headless-'));
  env = {
    ...(process.env as Record<string, string>),
    MOXXIE_STATE_DIR: stateDir,
    MOXXIE_CONFIG: join(stateDir, 'none.json'),
    PVE_URL: sim.url,
    PVE_TOKEN_ID: sim.credentials.tokenId,
    PVE_TOKEN_SECRET: sim.credentials.tokenSecret,
    PVE_FINGERPRINT: sim.fingerprint,
  };
});
afterAll(() => sim.close());

function scheduler(args: string[]) {
  const p = spawn(process.execPath, [cli, 'scheduler', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout.on('data', (d: Buffer) => (out += String(d)));
  p.stderr.on('data', (d: Buffer) => (err += String(d)));
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) => p.on('exit', (code) => resolve({ code, out, err })));
  return { p, done, output: () => out };
}

async function addJob(name: string, cronExpression: string, pattern: string) {
  const store = new HistoryStore({ dir: join(stateDir, 'env') });
  const now = Date.now();
  await store.update((d) => {
    d.jobs.push({
      id: `job-${name}`,
      name,
      taskType: 'snapshot_create',
      cronExpression,
      enabled: true,
      parameters: { snapshotNamePattern: pattern, includeVmState: false },
      vmSelectors: [{ type: 'VM_IDS', value: '8200,8201' }],
      maxRetries: 0,
      retryDelaySeconds: 0,
      timeoutSeconds: 600,
      createdAt: now - 7200_000,
      updatedAt: now - 7200_000,
      // Due: the last accounted fire was before the current minute began.
      lastScheduledAt: Math.floor(now / 60_000) * 60_000 - 1000,
    });
  });
  return store;
}

describe('headless scheduler', () => {
  it('--once runs the due jobs, logs JSON lines for start and end, and exits 0', async () => {
    const store = await addJob('minutely', '0 * * * * ?', 'once-{vmid}');
    const { done } = scheduler(['--once', '--json']);
    const res = await done;
    expect(res.err).toBe('');
    expect(res.code).toBe(0);
    const lines = res.out.trim().split('\n').map((l) => JSON.parse(l) as { event: string; job: string });
    expect(lines.map((l) => l.event)).toEqual(['run-start', 'run-end']);
    expect(sim.state.vm(8200)!.snapshots.some((s) => s.name === 'once-8200')).toBe(true);
    const runs = await store.listJobRuns({ jobId: 'job-minutely' });
    expect(runs[0].status).toBe('succeeded');
    expect(JSON.stringify(await store.read())).not.toContain(sim.credentials.tokenSecret);
  });

  it('exits non-zero with the reason on bad configuration', async () => {
    const { PVE_URL: _u, PVE_TOKEN_ID: _i, PVE_TOKEN_SECRET: _s, ...withoutCluster } = env;
    const p = spawn(process.execPath, [cli, 'scheduler', '--context', 'nope'], { env: withoutCluster });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += String(d)));
    const code = await new Promise<number | null>((r) => p.on('exit', r));
    expect(code).not.toBe(0);
    expect(err).toMatch(/context 'nope'/);
  });

  it('lets only one scheduler hold the lease', async () => {
    const first = scheduler([]);
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (first.output().includes('scheduler started')) {
          clearInterval(t);
          resolve();
        }
      }, 50);
    });
    const second = await scheduler(['--once']).done;
    expect(second.code).toBe(3);
    expect(second.err).toMatch(/another moxxie scheduler already runs/);
    first.p.kill('SIGTERM');
    expect((await first.done).code).toBe(0);
  });

  it('on SIGTERM during a run, lets running steps finish and exits 0', async () => {
    sim.faults.set({ taskDurationMs: 600 });
    try {
      const store = await addJob('sigterm', '0 * * * * ?', 'term-{vmid}');
      const s = scheduler(['--json']);
      await new Promise<void>((resolve) => {
        const t = setInterval(() => {
          if (s.output().includes('"run-start"')) {
            clearInterval(t);
            resolve();
          }
        }, 20);
      });
      s.p.kill('SIGTERM');
      const res = await s.done;
      expect(res.code).toBe(0);
      const run = (await store.listJobRuns({ jobId: 'job-sigterm' }))[0];
      expect(run.status).not.toBe('running');
      expect(run.finishedAt).toBeDefined();
      // Whatever the run reported as succeeded really exists on the cluster.
      for (const v of run.vms.filter((x) => x.state === 'succeeded')) expect(sim.state.vm(v.vmid)!.snapshots.some((sn) => sn.name === `term-${v.vmid}`)).toBe(true);
    } finally {
      sim.faults.set({ taskDurationMs: 40 });
    }
  });
});
