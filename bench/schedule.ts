// Scheduler figure: how late a per-second job starts after its scheduled time.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistoryStore } from '../src/history/store.js';
import { createCore } from '../src/ops/core.js';
import { PveClient } from '../src/pve/client.js';
import { JobManager } from '../src/schedule/jobs.js';
import { Scheduler } from '../src/schedule/scheduler.js';
import { startSimulator } from '../src/sim/index.js';

export async function run(): Promise<void> {
  const sim = await startSimulator({ vms: 20, taskDurationMs: 20 });
  const client = new PveClient({ url: sim.url, auth: { tokenId: sim.credentials.tokenId, tokenSecret: sim.credentials.tokenSecret }, tls: { fingerprint: sim.fingerprint }, taskPollIntervalMs: 20 });
  const core = createCore({ context: { name: 'bench', url: sim.url, readOnly: false, safeMode: false, demo: false }, client });
  const store = new HistoryStore({ dir: mkdtempSync(join(tmpdir(), 'moxxie-bench-sched-')) });
  const jobs = new JobManager(store, core);
  const job = await jobs.create({ name: 'every-second', taskType: 'snapshot_create', cronExpression: '* * * * * ?', parameters: { snapshotNamePattern: 'tick-{vmid}-{time}' }, vmSelectors: [{ type: 'VM_IDS', value: '8200' }] });
  const scheduler = new Scheduler({ jobs, store });
  scheduler.start();
  for (;;) {
    const runs = await jobs.runs(job.id, { limit: 100 });
    if (runs.filter((r) => r.status !== 'running').length >= 20) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  await scheduler.stop(5000);
  const runs = (await jobs.runs(job.id, { limit: 100 })).filter((r) => r.scheduledAt !== undefined && r.status !== 'skipped-overlap').slice(0, 20);
  const drifts = runs.map((r) => r.startedAt - (r.scheduledAt as number)).sort((a, b) => a - b);
  const median = drifts[Math.floor(drifts.length / 2)];
  console.log(`scheduler fire-drift ms: ${median} (median of ${drifts.length} runs of a per-second job; max ${drifts.at(-1)})`);
  await client.close();
  await sim.close();
}
