// Scheduler figure: how late a per-second job's runs start after their scheduled times (median of 20).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistoryStore } from '../src/history/store.js';
import { createCore } from '../src/ops/core.js';
import { PveClient } from '../src/pve/client.js';
import { JobManager } from '../src/schedule/jobs.js';
import { Scheduler } from '../src/schedule/scheduler.js';
import { startSimulator } from '../src/sim/index.js';

const RUNS = 20;

export async function run(): Promise<void> {
  const sim = await startSimulator({ vms: 20, taskDurationMs: 20 });
  const client = new PveClient({ url: sim.url, auth: { tokenId: sim.credentials.tokenId, tokenSecret: sim.credentials.tokenSecret }, tls: { fingerprint: sim.fingerprint }, taskPollIntervalMs: 20 });
  const dir = mkdtempSync(join(tmpdir(), 'moxxie-bench-sched-'));
  const store = new HistoryStore({ dir });
  const core = createCore({ context: { name: 'bench', url: sim.url, readOnly: false, safeMode: false, demo: false }, client, recorder: store });
  const jobs = new JobManager(store, core);
  try {
    const job = await jobs.create({
      name: 'every-second',
      taskType: 'snapshot_create',
      cronExpression: '* * * * * ?',
      // A job that fires every second says so (moxxie refuses it otherwise).
      allowSubMinute: true,
      parameters: { snapshotNamePattern: 'tick-{vmid}-{time}' },
      vmSelectors: [{ type: 'VM_IDS', value: '8200' }],
    });
    const scheduler = new Scheduler({ jobs, store });
    scheduler.start();
    const scheduled = async () => (await jobs.runs(job.id, { limit: 100 })).filter((r) => r.scheduledAt !== undefined && r.status !== 'running' && r.status !== 'skipped-overlap' && r.status !== 'missed');
    while ((await scheduled()).length < RUNS) await new Promise((r) => setTimeout(r, 200));
    await scheduler.stop(5000);
    const drifts = (await scheduled())
      .slice(0, RUNS)
      .map((r) => r.startedAt - (r.scheduledAt as number))
      .sort((a, b) => a - b);
    const median = (drifts[RUNS / 2 - 1] + drifts[RUNS / 2]) / 2;
    console.log(`scheduler fire-drift ms: ${median}`);
  } finally {
    await core.close();
    await store.flush();
    await client.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
