// options.haResourceAffinity needs PVE 9's HA rules. One check, inside the planner, so the plan preview
// (plan_cluster, `moxxie cluster plan`) and the run refuse it alike: a problem, not a warning, when the
// cluster lacks them. The feature state comes from clusterFeatures (GET /cluster/ha/rules answers or not).
import type { PveClient } from '../../pve/client.js';
import { clusterFeatures, type FeatureState } from '../../pve/features.js';
import type { ClusterSpec } from './cluster-spec.js';

/** Does the spec ask for HA rules at all (the flag, and a HARD group of more than one guest)? */
export function asksForHaRules(spec: ClusterSpec): boolean {
  return spec.options.haResourceAffinity === true && spec.nodeGroups.some((g) => g.placement?.antiAffinity === 'HARD' && g.count > 1);
}

/** The cluster's HA-rules state, read only when the spec asks for rules. */
export async function haRulesState(client: PveClient, spec: ClusterSpec): Promise<FeatureState | undefined> {
  return asksForHaRules(spec) ? (await clusterFeatures(client)).features['ha-rules'] : undefined;
}

/** The refusal, when the spec asks for HA rules and the cluster has none; undefined otherwise (or when unknown). */
export function haAffinityRefusal(spec: ClusterSpec, haRules: FeatureState | undefined): { where: string; message: string } | undefined {
  if (!asksForHaRules(spec) || !haRules || haRules.available) return undefined;
  return { where: 'options.haResourceAffinity', message: `needs PVE 9's HA rules, which this cluster lacks (${haRules.reason}); leave it out or false` };
}
