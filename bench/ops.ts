// Operation-engine figures: a 500-VM bulk snapshot (maxParallel 20, 200 ms simulated tasks) against its ideal
// makespan ceil(500/20) × 200 ms, and the PVE calls it cost per VM (from the simulator's own request count).
import { createCore } from '../src/ops/core.js';
import { PveClient } from '../src/pve/client.js';
import { startSimulator } from '../src/sim/index.js';

const VMS = 500;
const MAX_PARALLEL = 20;
const TASK_MS = 200;
/**
 * Each step's overhead is its POST plus the time until the task watcher sees the task end: on average half
 * a watch interval plus one task-list round trip. A slot runs 25 steps back to back, so that overhead adds
 * up 25 times; 25 ms keeps it near a tenth of a 200 ms task, at about one task-list call per node per
 * interval (shared by every task on that node). Real clusters keep the client's 1 s default, where tasks
 * take seconds to minutes.
 */
const WATCH_INTERVAL_MS = 25;

export async function run(): Promise<void> {
  const sim = await startSimulator({ vms: VMS + 20, nodes: 8, taskDurationMs: TASK_MS });
  const client = new PveClient({
    url: sim.url,
    auth: { tokenId: sim.credentials.tokenId, tokenSecret: sim.credentials.tokenSecret },
    tls: { fingerprint: sim.fingerprint },
    taskPollIntervalMs: WATCH_INTERVAL_MS,
    maxConnections: MAX_PARALLEL + 4,
  });
  const core = createCore({ context: { name: 'bench', url: sim.url, readOnly: false, safeMode: false, demo: false }, client });
  try {
    const ids = sim.state
      .vms()
      .filter((v) => v.type === 'qemu' && !v.template)
      .slice(0, VMS)
      .map((v) => v.vmid);
    if (ids.length !== VMS) throw new Error(`bench/ops: the simulator generated ${ids.length} qemu VMs, need ${VMS}`);
    sim.stats.reset();
    const op = await core.createSnapshots({ vmSelectors: [{ type: 'VM_IDS', value: ids.join(',') }], snapshotName: 'bench-{vmid}', maxParallel: MAX_PARALLEL });
    const calls = sim.stats.requests;
    // A ratio for a run that did not do the work would mean nothing: check the cluster's true state.
    const made = sim.state.vms().filter((v) => v.snapshots.some((s) => s.name === `bench-${v.vmid}`)).length;
    if (op.status !== 'succeeded' || made !== VMS) throw new Error(`bench/ops: bulk snapshot ended ${op.status} with ${made}/${VMS} snapshots on the cluster`);
    const makespan = op.finishedAt! - op.startedAt;
    const ideal = Math.ceil(VMS / MAX_PARALLEL) * TASK_MS;
    console.log(`bulk-snapshot makespan/ideal: ${(makespan / ideal).toFixed(3)}`);
    console.log(`bulk-snapshot api-calls/vm: ${(calls / VMS).toFixed(2)}`);
    console.error(`  (bulk snapshot: ${makespan} ms vs ideal ${ideal} ms; ${calls} PVE calls incl. the inventory read; watch interval ${WATCH_INTERVAL_MS} ms)`);
  } finally {
    await core.close();
    await client.close();
    await sim.close();
  }
}
