// Selector figure: a four-term tag expression evaluated over 10,000 VMs (median of many runs).
// The inventory comes from the simulator's generator in-process, mapped by the real mapResources.
import { mapResources } from '../src/inventory/inventory.js';
import type { Inventory } from '../src/inventory/model.js';
import type { ClusterResource } from '../src/pve/endpoints/cluster.js';
import { compileTagExpression } from '../src/select/tag-expression.js';
import { generateCluster } from '../src/sim/generator.js';

const EXPRESSION = '(env-prod OR env-test) AND client-* AND NOT always-on';
const VMS = 10_000;
const RUNS = 201;

function inventory(): Inventory {
  const cluster = generateCluster({ seed: 1, nodes: 32, vms: VMS, now: Math.floor(Date.now() / 1000) });
  const resources: ClusterResource[] = [
    ...cluster.nodes.map((n) => ({ id: `node/${n.node}`, type: 'node', node: n.node, status: 'online', maxcpu: n.maxcpu, maxmem: n.maxmem })),
    ...cluster.vms.map((v) => ({
      id: `${v.type}/${v.vmid}`,
      type: v.type,
      vmid: v.vmid,
      node: v.node,
      name: String(v.config.name ?? v.config.hostname ?? ''),
      status: v.state,
      template: v.config.template ? 1 : 0,
      tags: v.config.tags === undefined ? undefined : String(v.config.tags),
    })),
  ];
  return mapResources(resources);
}

export async function run(): Promise<void> {
  const inv = inventory();
  const matches = compileTagExpression(EXPRESSION);
  const times: number[] = [];
  let matched = 0;
  for (let i = 0; i < RUNS + 20; i++) {
    const start = performance.now();
    let n = 0;
    for (const vm of inv.vms) if (matches(vm.tags)) n++;
    const ms = performance.now() - start;
    if (i >= 20) times.push(ms); // the first runs warm the JIT up
    matched = n;
  }
  if (matched === 0 || matched === inv.vms.length) throw new Error(`bench/select: "${EXPRESSION}" matched ${matched} of ${inv.vms.length}; the figure would mean nothing`);
  times.sort((a, b) => a - b);
  console.log(`tag-expression 10k-vms ms: ${times[Math.floor(times.length / 2)].toFixed(3)}`);
}
