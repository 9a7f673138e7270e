// Operation-engine figures: a 500-VM bulk snapshot against its ideal makespan, and PVE calls per VM.
import { createCore } from '../src/ops/core.js';
import { PveClient } from '../src/pve/client.js';
import { startSimulator } from '../src/sim/index.js';

export async function run(): Promise<void> {
  const taskMs = 200;
  const maxParallel = 20;
  const sim = await startSimulator({ vms: 520, nodes: 8, taskDurationMs: taskMs });
  // A 25 ms watch interval: each task's end is seen within about an eighth of its duration.
  const client = new PveClient({ url: sim.url, auth: { tokenId: sim.credentials.tokenId, tokenSecret: sim.credentials.tokenSecret }, tls: { fingerprint: sim.fingerprint }, taskPollIntervalMs: 50, maxConnections: 24 });
  const core = createCore({ context: { name: 'bench', url: sim.url, readOnly: false, safeMode: false, demo: false }, client });
  const ids = sim.state.vms().filter((v) => v.type === 'qemu' && !v.template).slice(0, 500).map((v) => v.vmid);
  sim.stats.reset();
  const op = await core.createSnapshots({ vmSelectors: [{ type: 'VM_IDS', value: ids.join(',') }], snapshotName: 'bench-{vmid}', maxParallel });
  const makespan = (op.finishedAt ?? Date.now()) - op.startedAt;
  const ideal = Math.ceil(ids.length / maxParallel) * taskMs;
  const ok = op.summary?.counts.succeeded ?? 0;
  console.log(`bulk-snapshot makespan/ideal: ${(makespan / ideal).toFixed(3)} (${makespan} ms vs ideal ${ideal} ms; ${ok}/${ids.length} succeeded, maxParallel ${maxParallel}, task ${taskMs} ms)`);
  console.log(`bulk-snapshot api-calls/vm: ${(sim.stats.requests / ids.length).toFixed(2)} (${sim.stats.requests} calls incl. the inventory read)`);
  await client.close();
  await sim.close();
}
