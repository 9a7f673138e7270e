// Migration figures. A drain of a node holding 40 VMs (the drain's default caps: 2 moves per node, both ends
// counted) against its ideal: the lower bound the caps allow for the simulated migration times (each move's
// time from what it carries, as the simulator computes it), i.e. the larger of the total over the drained
// node's concurrency, each target's share over its cap, and the longest move. And the placement on the demo
// cluster (4 nodes, 40 VMs, seed 7): the fullest node after draining one, as a fraction of its memory, with
// the RAM committed to its running guests.
import { createCore } from '../src/ops/core.js';
import type { MoveSpec } from '../src/ops/migration/phases.js';
import { PveClient } from '../src/pve/client.js';
import { migrationMs } from '../src/sim/handlers/qemu-migrate.js';
import { generateCluster } from '../src/sim/generator.js';
import { startSimulator, type Simulator } from '../src/sim/index.js';

const VMS_TO_DRAIN = 40;
const NODES = 4;
const TASK_MS = 50;
// A 64 GiB move takes about 1.3 s: moxxie's fixed cost per move (a few API reads, the first look at the task)
// then weighs about as it would against real moves, which take minutes, and the suite runs in under a minute.
const MS_PER_GIB = 20;
const MAX_PER_NODE = 2;
const MAX_PARALLEL = 5;

const connect = (sim: Simulator) => {
  const client = new PveClient({ url: sim.url, auth: { tokenId: sim.credentials.tokenId, tokenSecret: sim.credentials.tokenSecret }, tls: { fingerprint: sim.fingerprint } });
  const core = createCore({ context: { name: 'bench', url: sim.url, readOnly: false, safeMode: false, demo: false }, client });
  return { client, core };
};

/** A cluster size whose pve1 holds exactly `n` movable qemu VMs (the generator is deterministic). */
function clusterSize(n: number): number {
  for (let vms = n * NODES; vms < n * NODES + 40; vms++) {
    const g = generateCluster({ seed: 1, nodes: NODES, vms, now: 0 });
    if (g.vms.filter((v) => v.node === 'pve1' && v.type === 'qemu' && !v.config.template).length === n) return vms;
  }
  throw new Error(`bench/migration: no cluster size gives pve1 ${n} VMs`);
}

async function drainMakespan(): Promise<void> {
  const sim = await startSimulator({ nodes: NODES, vms: clusterSize(VMS_TO_DRAIN), taskDurationMs: TASK_MS, faults: { migrationMsPerGiB: MS_PER_GIB } });
  const { client, core } = connect(sim);
  try {
    const op = await core.run('node.drain', { node: 'pve1', maxParallel: MAX_PARALLEL, maxPerNode: MAX_PER_NODE });
    const moved = op.targets.filter((t) => t.state === 'succeeded');
    const left = sim.state.vms().filter((v) => v.node === 'pve1' && v.type === 'qemu' && !v.template).length;
    if (moved.length !== VMS_TO_DRAIN || left !== 0) throw new Error(`bench/migration: the drain ended ${op.status}, ${moved.length} moved, ${left} VMs left on pve1`);
    // What each move costs in the simulator: the task's base time, its local disks, and its RAM when live.
    const byTarget = new Map<string, number>();
    let total = 0;
    let longest = 0;
    for (const t of moved) {
      const spec = t.spec as unknown as MoveSpec;
      const d = TASK_MS + migrationMs(spec.localDiskBytes, MS_PER_GIB) + (spec.before === 'running' ? migrationMs(spec.memoryBytes, MS_PER_GIB) : 0);
      total += d;
      longest = Math.max(longest, d);
      byTarget.set(spec.target, (byTarget.get(spec.target) ?? 0) + d);
    }
    const ideal = Math.max(total / Math.min(MAX_PARALLEL, MAX_PER_NODE), ...[...byTarget.values()].map((d) => d / MAX_PER_NODE), longest);
    const makespan = op.finishedAt! - op.startedAt;
    console.log(`drain 40-vms makespan/ideal: ${(makespan / ideal).toFixed(3)}`);
    console.error(`  (drain of ${moved.length} VMs: ${makespan} ms vs ideal ${Math.round(ideal)} ms; moves ${Math.round(total)} ms in all, to ${[...byTarget.keys()].sort().join(', ')})`);
  } finally {
    await core.close();
    await client.close();
    await sim.close();
  }
}

async function demoPlacement(): Promise<void> {
  const sim = await startSimulator({ nodes: 4, vms: 40, seed: 7, taskDurationMs: 5, faults: { migrationMsPerGiB: 0.1 } });
  const { client, core } = connect(sim);
  try {
    let worst = 0;
    let worstAt = '';
    // Each node drained in turn (undrained in between), the fullest node of any of the four drains.
    const nodes = sim.state.nodes().map((n) => n.node);
    for (const node of nodes) {
      const before = new Map(sim.state.vms().map((v) => [v.vmid, v.node]));
      const op = await core.run('node.drain', { node });
      if (op.status !== 'succeeded' && op.status !== 'partial') throw new Error(`bench/migration: drain of ${node} ended ${op.status}`);
      const inv = await core.inventory();
      for (const n of inv.nodes) {
        if (n.node === node) continue;
        const used = inv.vms.filter((v) => v.node === n.node && v.status === 'running').reduce((s, v) => s + v.maxmem, 0) / n.maxmem;
        if (used > worst) [worst, worstAt] = [used, `${n.node} after draining ${node}`];
      }
      // Back as it was, for the next node's drain.
      const back = [...before].filter(([vmid, home]) => sim.state.vm(vmid)!.node !== home);
      for (const [vmid, home] of back) await core.run('migrate', { vmSelectors: [{ type: 'VM_IDS', value: String(vmid) }], targetNode: home });
    }
    console.log(`drain placement max-node-mem-used: ${worst.toFixed(3)}`);
    console.error(`  (fullest: ${worstAt}; RAM of running guests over the node's memory)`);
  } finally {
    await core.close();
    await client.close();
    await sim.close();
  }
}

export async function run(): Promise<void> {
  await drainMakespan();
  await demoPlacement();
}
