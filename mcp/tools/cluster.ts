// Cluster provisioning for an assistant: `plan_cluster` is its dry run. It takes the seed's cluster spec
// (the POST /clusters/provision body verbatim) and returns where every VM would go, with the placement
// table as text. Read-only: it reads the cluster and changes nothing.
import { z } from 'zod';
import { clusterSpecSchema, parseClusterSpec } from '../../src/ops/provisioning/cluster-spec.js';
import { placementSettingsOf } from '../../src/config/placement-settings.js';
import { planReport } from '../../src/ops/provisioning/plan-report.js';
import { placementTable } from '../../src/ops/provisioning/placement.js';
import { defineTool, READS_CLUSTER, type AnyToolSpec } from '../define-tool.js';
import type { ToolContext } from '../tool-context.js';
import { ok } from '../tool-result.js';

const plannedVm = z.object({
  name: z.string(),
  group: z.string(),
  role: z.string(),
  vmid: z.number().describe('what PVE would give now; the run reserves it or the next free id'),
  host: z.string(),
  zone: z.string().optional(),
  storage: z.string(),
  cores: z.number(),
  memoryMB: z.number(),
  route: z.enum(['clone', 'clone+migrate', 'import', 'container']).describe('how its disk gets to the host; container: a container made from the OS template (pct create)'),
  ipconfig: z.array(z.string()).describe('ipconfig0, ipconfig1, ... as PVE takes them'),
  nets: z.array(z.string()),
  tags: z.array(z.string()),
  wave: z.number().describe('groups run in waves; dependsOn puts a group in a later wave'),
});

export function clusterTools(ctx: ToolContext): AnyToolSpec[] {
  const planCluster = defineTool({
    name: 'plan_cluster',
    title: 'Plan a cluster',
    description: 'Dry run of provisioning from the seed\'s cluster spec: each VM\'s host, id, storage and IP, the placement table, warnings and blocking problems. Creates nothing.',
    input: { spec: clusterSpecSchema.describe("the cluster spec, exactly the seed's POST /clusters/provision body") },
    output: {
      ok: z.boolean().describe('true when the plan can run'),
      cluster: z.string(),
      vms: z.array(plannedVm),
      placement: z.object({ groups: z.array(z.string()), rows: z.array(z.object({ host: z.string(), counts: z.array(z.number()), total: z.number() })) }).describe('hosts x groups: VMs of each group per host'),
      problems: z.array(z.object({ where: z.string(), message: z.string() })),
      warnings: z.array(z.string()),
      waves: z.array(z.array(z.string())),
      haRules: z.array(z.object({ rule: z.string(), type: z.string(), affinity: z.string(), resources: z.string(), comment: z.string() })).describe('PVE 9 HA rules for HARD groups when options.haResourceAffinity: the run makes the VMs HA resources and creates each rule'),
    },
    annotations: READS_CLUSTER,
    run: async ({ spec }) => {
      // Parsed again through the one schema so defaults apply exactly as for the CLI and the TUI.
      const parsed = parseClusterSpec(spec);
      const plan = await ctx.core.planCluster(parsed, ctx.core.context.demo ? {} : placementSettingsOf(ctx.core.context.name));
      return ok(planReport(plan), {
        ok: plan.ok,
        cluster: plan.cluster,
        vms: plan.vms.map((v) => ({ name: v.name, group: v.group, role: v.role, vmid: v.vmid, host: v.host, ...(v.zone ? { zone: v.zone } : {}), storage: v.storage, cores: v.cores, memoryMB: v.memoryMB, route: v.route, ipconfig: v.ipconfig, nets: v.nets, tags: v.tags, wave: v.wave })),
        placement: placementTable(plan),
        problems: plan.problems,
        warnings: plan.warnings,
        waves: plan.waves,
        haRules: plan.haRules,
      });
    },
  });
  return [planCluster];
}
