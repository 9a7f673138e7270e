// A cluster plan as plain text: the placement table (hosts × groups), one row per VM, the run order, the
// options, and what would stop it. The CLI prints it and MCP returns it beside the structured plan.
import { bytes } from '../../text/bytes.js';
import { textTable } from '../../text/table.js';
import { placementTable, type ClusterPlan, type PlannedVm } from './placement.js';

const yes = (b: boolean) => (b ? 'yes' : 'no');

const routeText = (vm: PlannedVm): string =>
  vm.route === 'container' ? `container from ${vm.source.volid}` : vm.route === 'import' ? `import ${vm.source.volid}` : vm.route === 'clone' ? `clone ${vm.source.templateVmid}` : `clone ${vm.source.templateVmid} on ${vm.source.node}, migrate`;

export function placementTableText(plan: ClusterPlan): string {
  const { groups, rows } = placementTable(plan);
  const zoned = plan.hosts.some((h) => h.zone);
  const byHost = new Map(plan.hosts.map((h) => [h.node, h]));
  return textTable(
    ['HOST', ...(zoned ? ['ZONE'] : []), ...groups, 'VMS', 'MEM FREE AFTER', 'VCPUS'],
    rows.map((r) => {
      const h = byHost.get(r.host)!;
      return [r.host, ...(zoned ? [h.zone ?? '-'] : []), ...r.counts.map(String), String(r.total), h.online ? bytes(h.memFreeAfter) : 'offline', h.online ? `${h.vcpusAfter}/${h.vcpuLimit}` : '-'];
    }),
  );
}

export function vmTableText(plan: ClusterPlan): string {
  return textTable(
    ['VMID', 'NAME', 'GROUP', 'HOST', 'CORES', 'MEMORY', 'DISKS', 'HOW', 'IPCONFIG'],
    plan.vms.map((v) => [
      String(v.vmid),
      v.name,
      v.group,
      v.host,
      String(v.cores),
      `${v.memoryMB} MiB`,
      v.disks.map((d) => `${d.key} ${d.storage} ${d.sizeGB}G`).join(' '),
      routeText(v),
      v.ipconfig.join(' ') || '-',
    ]),
  );
}

export function planReport(plan: ClusterPlan): string {
  const hosts = new Set(plan.vms.map((v) => v.host)).size;
  const out: string[] = [];
  out.push(`Cluster ${plan.cluster} (${plan.clusterType}): ${plan.vms.length} VM${plan.vms.length === 1 ? '' : 's'} on ${hosts} host${hosts === 1 ? '' : 's'}. A plan: nothing is created.`);
  if (plan.vms.length) {
    out.push('', 'Placement (hosts x groups):', placementTableText(plan), '', vmTableText(plan));
  }
  const order = plan.waves.length > 1 ? plan.waves.map((w, i) => `${i + 1}. ${w.join(', ')}`).join('  ') : `${plan.waves[0]?.join(', ')} (side by side)`;
  const o = plan.options;
  out.push('', `Order: ${order}`);
  out.push(`Options: start after creation ${yes(o.startAfterCreation)}; parallel ${yes(o.parallelProvisioning)}${o.parallelProvisioning ? ` (at most ${o.maxParallelOperations} at once)` : ''}; rollback ${o.rollbackStrategy}`);
  out.push('VM ids are what PVE would give now; the run reserves each when it creates the VM (one taken meanwhile: a free id no other VM of the plan has).');
  if (plan.haRules.length) {
    out.push('', 'HA rules (PVE 9; the run makes the VMs HA resources and creates these):');
    for (const r of plan.haRules) out.push(`  ${r.rule}: ${r.type} ${r.affinity} ${r.resources}`);
  }
  if (plan.warnings.length) out.push('', ...plan.warnings.map((w) => `warning: ${w}`));
  if (plan.problems.length) {
    out.push('', `The plan cannot run (${plan.problems.length} problem${plan.problems.length === 1 ? '' : 's'}); nothing would be created:`);
    for (const p of plan.problems) out.push(`  ${p.where}: ${p.message}`);
  }
  return out.join('\n');
}
