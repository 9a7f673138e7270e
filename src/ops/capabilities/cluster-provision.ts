// Provision a cluster of VMs from the seed's POST /clusters/provision body, verbatim: the plan (placement,
// ids, IPs; HARD anti-affinity that cannot be met fails here, before anything is created) becomes one
// 'new-guest' target per VM whose phases clone or import, migrate, configure, resize, start and verify it.
// Groups run in waves (dependsOn), at most maxParallelOperations at once (one with parallelProvisioning
// false), clones of one template one at a time. After a failure or a cancel the spec's rollbackStrategy
// (FULL, PARTIAL, NONE, MARK_FAILED) is applied to the VMs this operation made — by id and marker, never by
// name. `core.rollback(id)` removes everything it made; `core.resume(id)` finishes it from PVE's state.
import { z } from 'zod';
import { lazySchema } from '../lazy-schema.js';
import type { Capability } from '../capability.js';
import { RequestError } from '../errors.js';
import { boolField } from '../request-schema.js';
import { sshKeyText } from '../guest-config.js';
import { newOwnershipToken } from '../vmid-allocator.js';
import { applyRollback } from '../provisioning/apply-rollback.js';
import { clusterSpecSchema, type RollbackStrategy } from '../provisioning/cluster-spec.js';
import { lookUpLocalImages, onlineNodeBridges } from '../provisioning/plan-on-cluster.js';
import { planCluster } from '../provisioning/placement.js';
import { madeOnOf, provisionPhases, type ProvisionSpec } from '../provisioning/provision-phases.js';
import { planTargets } from '../provisioning/plan-targets.js';
import { containerGroupProblem, provisionContainerPhases } from '../provisioning/container-guests.js';
import { haSidOf } from '../../pve/ha-sid.js';
import { haAffinityRefusal, haRulesState } from '../provisioning/ha-affinity-check.js';
import { CREATE_TASK_TIMEOUT_MS } from './vm-create.js';

const schema = lazySchema(() =>
  clusterSpecSchema.safeExtend({
    dryRun: boolField().optional().describe('only return the plan (placement, ids, IPs); nothing is created'),
  }));
export type ClusterProvisionRequest = z.infer<ReturnType<typeof schema>>;

/** The request as a resume or rollback sees it (the recorded body: options may be absent, passwords are). */
type Recorded = { name?: string; nodeGroups?: Array<{ name?: string; template?: { cloudInit?: { password?: string } } }>; options?: Partial<ClusterProvisionRequest['options']> };

const optionsOf = (r: Recorded) => ({
  rollbackStrategy: (r.options?.rollbackStrategy ?? 'FULL') as RollbackStrategy,
  parallel: r.options?.parallelProvisioning !== false,
  maxParallel: r.options?.maxParallelOperations ?? 5,
});

export const clusterProvision: Capability<ClusterProvisionRequest> = {
  kind: 'cluster.provision',
  title: 'Provision a cluster',
  description:
    "Create a cluster of VMs from a spec (the seed's POST /clusters/provision body; plan_cluster previews it). Each VM is cloned from its template (or imported), placed, configured, grown, started when asked and verified; after a failure or a cancel the spec's rollbackStrategy is applied to the VMs this operation made. Success means every VM is READY.",
  get schema() {
    return schema();
  },
  guestTypes: ['qemu', 'lxc'],
  label: (r) => `provision cluster ${r.name} (${r.nodeGroups.reduce((n, g) => n + g.count, 0)} VMs)`,
  // It makes many VMs at once and its rollback deletes them: every front end shows the plan and confirms it.
  destructive: () => true,
  auditName: (r) => `cluster.provision ${r.name}`,
  taskTimeoutMs: () => CREATE_TASK_TIMEOUT_MS,
  names: { tool: 'provision_cluster', verb: ['cluster', 'provision'] },
  hints: { destructive: true, idempotent: false },

  async plan(input, req) {
    // PVE refuses keys ssh-keygen cannot read ("SSH public key validation error"): refused here, before anything is made.
    req.nodeGroups.forEach((g, i) => {
      if (g.template.cloudInit?.sshKeys !== undefined) sshKeyText(g.template.cloudInit.sshKeys, `nodeGroups[${i}].template.cloudInit.sshKeys`);
    });
    const ctProblem = containerGroupProblem(req.nodeGroups);
    if (ctProblem) throw ctProblem;
    // options.haResourceAffinity is strict: on a cluster without HA rules (PVE 8.4) it is refused, not dropped —
    // by the planner's check (ha-affinity-check.ts), which the plan preview runs too.
    const haRules = await haRulesState(input.client, req);
    if (haRules && !haRules.available) {
      const refusal = haAffinityRefusal(req, haRules)!;
      throw new RequestError(refusal.where, `${refusal.message}. Nothing was created.`);
    }
    const imageNodes = await lookUpLocalImages(input.client, input.inventory, req);
    const nodeBridges = input.placement?.nodeBridges ?? (await onlineNodeBridges(input.client, input.inventory));
    const plan = planCluster(req, input.inventory, { ...(input.placement ?? {}), imageNodes: { ...imageNodes, ...(input.placement?.imageNodes ?? {}) }, nodeBridges, ...(haRules ? { haRules } : {}) });
    if (!plan.ok) {
      // Nothing is created from a plan that cannot run: HARD anti-affinity, addresses, room, ids.
      const [first] = plan.problems;
      const more = plan.problems.length > 1 ? ` (and ${plan.problems.length - 1} more: ${plan.problems.slice(1).map((p) => `${p.where}: ${p.message}`).join('; ')})` : '';
      throw new RequestError(first.where, `${first.message}${more}. Nothing was created.`);
    }
    // Each VM of a HARD group with an HA rule joins that rule (ha-rule-phase.ts); the rule is found by the planned ids.
    const haRuleOf = (sid: string) => plan.haRules.find((r) => r.resources.split(',').includes(sid));
    const targets = planTargets(plan).map((t) => {
      const rule = haRuleOf(haSidOf(t.guestType, Number(t.spec?.plannedVmid)));
      return { ...t, spec: { ...t.spec, name: t.name, node: t.node, token: newOwnershipToken(), ...(rule ? { haRule: { rule: rule.rule, comment: rule.comment } } : {}) } };
    });
    return { targets, blocked: new Set<string>() };
  },

  phases(target, req) {
    const spec = target.spec as unknown as ProvisionSpec;
    const group = (req as Recorded).nodeGroups?.find((g) => g.name === spec.group);
    // From the live request only: a password is in no plan, journal or history.
    const password = () => group?.template?.cloudInit?.password;
    return target.guestType === 'lxc' ? provisionContainerPhases(target, password) : provisionPhases(target, password);
  },

  maxParallel: (req) => {
    const o = optionsOf(req as Recorded);
    return o.parallel ? o.maxParallel : 1;
  },
  waveOf: (t) => (typeof t.spec?.wave === 'number' ? t.spec.wave : 0),
  afterRun: ({ op, env, request, cancelled }) => applyRollback({ op, env, strategy: optionsOf(request as Recorded).rollbackStrategy, cancelled }),
  rollback: ({ op, env }) => applyRollback({ op, env, strategy: 'FULL', cancelled: false, full: true }),

  resources: (target) => {
    const spec = target.spec as unknown as ProvisionSpec;
    const nodes = [...new Set([madeOnOf(spec), spec.node])];
    // Local storage is one pool per node: the per-storage cap counts each node's own. Only the host's: the
    // template node's is written by the clone alone, which the template slot already serializes, and a cap
    // held there for the VM's whole chain would let no more than 4 VMs of a cluster run at once.
    // The template is held for the clone only: a VM waiting for its template's clone slot takes none of the
    // maxParallelOperations slots, so another template's VMs (or an import) go ahead instead.
    return { guests: [], nodes, storages: [`${spec.storage}@${spec.node}`], ...(spec.route === 'import' || spec.route === 'container' ? {} : { template: spec.source.templateVmid, templateUntil: 'clone' }) };
  },
};
