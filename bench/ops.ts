// Operation-engine figures: a 500-VM bulk snapshot (maxParallel 20, 200 ms simulated tasks) against its ideal
// makespan ceil(500/20) × 200 ms, and the PVE calls it cost per VM (from the simulator's own request count).
// The client is configured as the product configures it for a real cluster (the default task-watch settings).
import { createCore } from '../src/ops/core.js';
import { PveClient } from '../src/pve/client.js';
import { startSimulator } from '../src/sim/index.js';

const VMS = 500;
const MAX_PARALLEL = 20;
const TASK_MS = 200;
// Each step's overhead is its POST plus the time until the task watcher sees the task end. The watcher
// learns how long this cluster's snapshot tasks take and looks when they have most likely ended (about one
// task-list call per task, shared by the tasks on a node), so the client keeps its default interval (1 s,
// now only the longest gap between looks at an overdue task): no bench-only setting.

export async function run(): Promise<void> {
  const sim = await startSimulator({ vms: VMS + 20, nodes: 8, taskDurationMs: TASK_MS });
  const client = new PveClient({
    url: sim.url,
    auth: { tokenId: sim.credentials.tokenId, tokenSecret: sim.credentials.tokenSecret },
    tls: { fingerprint: sim.fingerprint },
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
    console.error(`  (bulk snapshot: ${makespan} ms vs ideal ${ideal} ms; ${calls} PVE calls incl. the inventory read, ${client.watcher.stats.listCalls} of them task lists; learnt: ${JSON.stringify(client.watcher.durations.snapshot())})`);
  } finally {
    await core.close();
    await client.close();
    await sim.close();
  }
}
