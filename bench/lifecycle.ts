// VM lifecycle figures. (1) VM id collisions: 4 moxxie-like processes each make 50 VMs at once against one
// simulator, every id from the allocator with reservations in one shared directory, no retry on "already
// exists" — so every such answer would be a collision (target 0). (2) 20 clones of one template in one request:
// the clones of a template go one at a time (PVE's config lock; the runner's per-template cap), so the ideal
// makespan is 20 clone tasks back to back; the figure is the real makespan over that (target <= 1.15).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCore } from '../src/ops/core.js';
import { PveClient } from '../src/pve/client.js';
import { startSimulator, type Simulator } from '../src/sim/index.js';
import type { WorkerArgs } from './vmid-worker.js';

const here = dirname(fileURLToPath(import.meta.url));
const PROCESSES = 4;
const PER_PROCESS = 50;
const CLONES = 20;
const CLONE_TASK_MS = 500;

function worker(sim: Simulator, dir: string): Promise<{ ids: number[]; collisions: number }> {
  const args: WorkerArgs = { url: sim.url, tokenId: sim.credentials.tokenId, tokenSecret: sim.credentials.tokenSecret, fingerprint: sim.fingerprint, dir, mode: 'create', count: PER_PROCESS, parallel: 5, node: 'pve1' };
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [join(here, 'vmid-worker.js'), JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += String(d)));
    p.stderr.on('data', (d: Buffer) => (err += String(d)));
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim()) as { ids: number[]; collisions: number }) : reject(new Error(`vmid worker exited ${code}: ${err}`))));
  });
}

async function collisions(): Promise<void> {
  const sim = await startSimulator({ vms: 60, taskDurationMs: 20 });
  const dir = mkdtempSync(join(tmpdir(), 'moxxie-bench-vmids-'));
  try {
    const results = await Promise.all(Array.from({ length: PROCESSES }, () => worker(sim, dir)));
    const ids = results.flatMap((r) => r.ids);
    const collided = results.reduce((n, r) => n + r.collisions, 0);
    // Two processes handed the same id would show as a collision or as fewer distinct VMs than creates.
    const made = new Set(ids).size;
    const lost = PROCESSES * PER_PROCESS - collided - made;
    console.log(`vmid-allocation collisions ${PROCESSES}-processes x ${PER_PROCESS}: ${collided + Math.max(0, lost)}`);
    console.error(`  (${made} VMs made, ${collided} "already exists" answers; ids ${Math.min(...ids)}-${Math.max(...ids)})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await sim.close();
  }
}

async function cloneMakespan(): Promise<void> {
  const sim = await startSimulator({ vms: 40, taskDurationMs: 20 });
  const client = new PveClient({ url: sim.url, auth: { tokenId: sim.credentials.tokenId, tokenSecret: sim.credentials.tokenSecret }, tls: { fingerprint: sim.fingerprint } });
  const core = createCore({ context: { name: 'bench', url: sim.url, readOnly: false, safeMode: false, demo: false }, client });
  try {
    sim.faults.set({ taskDurationMs: CLONE_TASK_MS });
    const op = await core.run('vm.clone', { sourceVmId: 9000, name: 'bench-clone-{index}', count: CLONES, maxParallel: CLONES });
    const made = sim.state.vms().filter((v) => /^bench-clone-\d+$/.test(v.name)).length;
    if (op.status !== 'succeeded' || made !== CLONES) throw new Error(`bench/lifecycle: clone ended ${op.status} with ${made}/${CLONES} clones on the cluster`);
    const makespan = op.finishedAt! - op.startedAt;
    const ideal = CLONES * CLONE_TASK_MS;
    console.log(`clone ${CLONES}-from-1-template makespan/ideal: ${(makespan / ideal).toFixed(3)}`);
    console.error(`  (${CLONES} clones of template 9000: ${makespan} ms vs ideal ${ideal} ms)`);
  } finally {
    await core.close();
    await client.close();
    await sim.close();
  }
}

export async function run(): Promise<void> {
  await collisions();
  await cloneMakespan();
}
