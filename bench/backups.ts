// Bulk backup figure: 60 VMs on 4 nodes, 1 s backups (the simulator's task duration), maxParallel 4. PVE runs
// one vzdump per node at a time, so the best possible makespan is the busiest node's backups back to back;
// the ratio shows what planning per node (and each step's reads and writes) costs on top of that.
import { createCore } from '../src/ops/core.js';
import { PveClient } from '../src/pve/client.js';
import { startSimulator } from '../src/sim/index.js';

const VMS = 60;
const NODES = 4;
const MAX_PARALLEL = 4;
const TASK_MS = 1000;

export async function run(): Promise<void> {
  const sim = await startSimulator({ vms: VMS + 20, nodes: NODES, taskDurationMs: TASK_MS });
  const client = new PveClient({
    url: sim.url,
    auth: { tokenId: sim.credentials.tokenId, tokenSecret: sim.credentials.tokenSecret },
    tls: { fingerprint: sim.fingerprint },
    maxConnections: MAX_PARALLEL + 4,
  });
  const core = createCore({ context: { name: 'bench', url: sim.url, readOnly: false, safeMode: false, demo: false }, client });
  try {
    const vms = sim.state
      .vms()
      .filter((v) => v.type === 'qemu' && !v.template && !v.lock)
      .slice(0, VMS);
    if (vms.length !== VMS) throw new Error(`bench/backups: the simulator generated ${vms.length} qemu VMs, need ${VMS}`);
    const perNode = new Map<string, number>();
    for (const v of vms) perNode.set(v.node, (perNode.get(v.node) ?? 0) + 1);
    const op = await core.run('backup.create', { vmSelectors: [{ type: 'VM_IDS', value: vms.map((v) => v.vmid).join(',') }], storage: 'local', mode: 'snapshot', compress: 'zstd', notes: 'bench {{vmid}}', maxParallel: MAX_PARALLEL });
    // A ratio for a run that did not do the work would mean nothing: count the archives on the cluster.
    const made = sim.state.storageContent('local').filter((b) => b.content === 'backup' && b.notes?.startsWith('bench ')).length;
    if (op.status !== 'succeeded' || made !== VMS) throw new Error(`bench/backups: bulk backup ended ${op.status} with ${made}/${VMS} archives on the cluster`);
    const makespan = op.finishedAt! - op.startedAt;
    const ideal = Math.max(...perNode.values()) * TASK_MS;
    console.log(`bulk-backup makespan/ideal: ${(makespan / ideal).toFixed(3)}`);
    console.error(`  (bulk backup: ${makespan} ms vs ideal ${ideal} ms; VMs per node ${JSON.stringify(Object.fromEntries(perNode))})`);
  } finally {
    await core.close();
    await client.close();
    await sim.close();
  }
}
