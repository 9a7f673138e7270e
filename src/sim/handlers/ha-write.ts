// Writes to the HA stack as pve-ha-manager's API2/HA/Resources.pm and (PVE 9) Rules.pm do: a resource is a
// guest that exists in the cluster, defined once; a rule is defined once, names only HA resources (create:
// "cannot use unmanaged resource(s)"), takes only its type's properties and must have the required ones
// (SectionConfig's check_config). Deleting a resource purges it from the rules by default, dropping a rule
// it was the last resource of. On 8.4 /cluster/ha/rules does not exist (no schema entry: the router's 501).
import { createHash } from 'node:crypto';
import { SimApiError } from '../api-error.js';
import type { SimCluster } from '../cluster.js';
import { haSid, type SimHaRule, type SimHaState } from '../ha.js';
import { haKick } from '../ha-manager.js';
import { bool, int, requirePriv, str, type HandlerContext, type HandlerTable } from './context.js';

const digestOf = (value: unknown): string => createHash('sha1').update(JSON.stringify(value)).digest('hex');

/** PVE::HA::Config::parse_sid: "vm:100", "ct:100", or a bare VM id. */
function parseSid(sim: SimCluster, sid: string): { type: 'vm' | 'ct'; vmid: number; sid: string } {
  const m = /^(?:(vm|ct):)?(\d+)$/.exec(sid);
  if (!m) throw new SimApiError(500, `unable to parse service id '${sid}'`);
  const vmid = Number(m[2]);
  const type = (m[1] as 'vm' | 'ct' | undefined) ?? (sim.vms.get(vmid)?.type === 'lxc' ? 'ct' : 'vm');
  return { type, vmid, sid: `${type}:${vmid}` };
}

/** The properties each rule type takes (pve-ha-manager's Rules/NodeAffinity.pm, Rules/ResourceAffinity.pm). */
const RULE_OPTIONS: Record<SimHaRule['type'], { required: string[]; optional: string[] }> = {
  'node-affinity': { required: ['resources', 'nodes'], optional: ['strict', 'comment', 'disable'] },
  'resource-affinity': { required: ['resources', 'affinity'], optional: ['comment', 'disable'] },
};
const RULE_PROPS = ['resources', 'nodes', 'strict', 'affinity', 'comment', 'disable'];

function ruleOptions(ctx: HandlerContext, type: SimHaRule['type'], create: boolean): Record<string, unknown> {
  const opts = RULE_OPTIONS[type];
  const out: Record<string, unknown> = {};
  for (const k of RULE_PROPS) {
    if (ctx.params[k] === undefined) continue;
    if (!opts.required.includes(k) && !opts.optional.includes(k)) throw new SimApiError(500, `unexpected property '${k}'`);
    out[k] = ctx.params[k];
  }
  if (create) for (const k of opts.required) if (out[k] === undefined) throw new SimApiError(500, `missing value for required option '${k}'`);
  return out;
}

function checkResources(sim: SimCluster, list: string): string[] {
  const sids = list.split(',').map((s) => s.trim()).filter(Boolean).map((s) => parseSid(sim, s).sid);
  const unmanaged = sids.filter((s) => !sim.ha.resources.has(parseSid(sim, s).vmid));
  if (unmanaged.length) throw new SimApiError(500, `cannot use unmanaged resource(s) ${unmanaged.join(', ')}`);
  return [...new Set(sids)];
}

function checkNodes(sim: SimCluster, list: string): string {
  const missing = list.split(',').map((n) => n.split(':')[0].trim()).filter((n) => n && !sim.nodes.has(n));
  if (missing.length) throw new SimApiError(500, `cannot use non-existent node(s) ${missing.join(', ')}`);
  return list;
}

function applyRuleOptions(sim: SimCluster, rule: SimHaRule, opts: Record<string, unknown>): void {
  if (opts.resources !== undefined) rule.resources = checkResources(sim, String(opts.resources));
  if (opts.nodes !== undefined) rule.nodes = checkNodes(sim, String(opts.nodes));
  if (opts.strict !== undefined) rule.strict = bool(opts as never, 'strict');
  if (opts.affinity !== undefined) rule.affinity = opts.affinity as SimHaRule['affinity'];
  if (opts.comment !== undefined) rule.comment = String(opts.comment);
}

function findRule(sim: SimCluster, name: string): SimHaRule {
  const rule = sim.ha.rules.find((r) => r.rule === name);
  if (!rule) throw new SimApiError(500, `HA rule '${name}' does not exist`);
  return rule;
}

/** The digest GET /cluster/ha/rules/{rule} shows (handlers/ha.ts's ruleView). */
const ruleDigest = (rule: SimHaRule): string => digestOf(rule);

export const haWriteHandlers: HandlerTable = {
  'POST /cluster/ha/resources': (ctx) => {
    const { sim, params } = ctx;
    requirePriv(ctx, '/', 'Sys.Console');
    const parsed = parseSid(sim, String(params.sid));
    const type = str(params, 'type');
    if (type && type !== parsed.type) throw new SimApiError(500, 'types does not match');
    const vm = sim.vms.get(parsed.vmid);
    if (!vm || (vm.type === 'lxc') !== (parsed.type === 'ct')) throw new SimApiError(500, `resource '${parsed.sid}' does not exist in cluster`);
    const group = str(params, 'group');
    if (group !== undefined) {
      if (sim.profile.ha === 'rules' && sim.ha.groupsMigrated) throw new SimApiError(500, 'ha groups have been migrated to rules');
      if (!sim.ha.groups.some((g) => g.group === group)) throw new SimApiError(500, `HA group '${group}' does not exist`);
    }
    if (sim.ha.resources.has(parsed.vmid)) throw new SimApiError(500, `resource ID '${haSid(vm)}' already defined`);
    const state = (str(params, 'state') ?? 'started').replace(/^enabled$/, 'started') as SimHaState;
    sim.ha.resources.set(parsed.vmid, {
      vmid: parsed.vmid,
      state,
      maxRestart: int(params, 'max_restart') ?? 1,
      maxRelocate: int(params, 'max_relocate') ?? 1,
      failback: params.failback === undefined ? true : bool(params, 'failback'),
      ...(group ? { group } : {}),
      ...(str(params, 'comment') ? { comment: str(params, 'comment') } : {}),
    });
    sim.touch();
    // The CRM acts on the new resource's state: `started` (the default) starts a stopped guest.
    haKick(sim, { newRequest: parsed.vmid });
    return null;
  },

  'DELETE /cluster/ha/resources/{sid}': (ctx) => {
    const { sim, params } = ctx;
    requirePriv(ctx, '/', 'Sys.Console');
    const parsed = parseSid(sim, String(params.sid));
    if (!sim.ha.resources.has(parsed.vmid)) throw new SimApiError(500, `cannot delete service '${parsed.sid}', not HA managed!`);
    sim.ha.resources.delete(parsed.vmid);
    // purge (default 1): out of every rule; a rule left without resources goes too.
    if (params.purge === undefined || bool(params, 'purge')) {
      sim.ha.rules = sim.ha.rules
        .map((r) => ({ ...r, resources: r.resources.filter((s) => s !== parsed.sid) }))
        .filter((r) => r.resources.length > 0);
    }
    sim.touch();
    return null;
  },

  'POST /cluster/ha/rules': (ctx) => {
    const { sim, params } = ctx;
    requirePriv(ctx, '/', 'Sys.Console');
    const type = String(params.type) as SimHaRule['type'];
    const name = String(params.rule);
    const opts = ruleOptions(ctx, type, true);
    if (sim.ha.rules.some((r) => r.rule === name)) throw new SimApiError(500, `HA rule '${name}' already defined`);
    const rule: SimHaRule = { rule: name, type, resources: [] };
    applyRuleOptions(sim, rule, opts);
    sim.ha.rules.push(rule);
    sim.touch();
    return null;
  },

  'PUT /cluster/ha/rules/{rule}': (ctx) => {
    const { sim, params } = ctx;
    requirePriv(ctx, '/', 'Sys.Console');
    const rule = findRule(sim, String(params.rule));
    if (String(params.type) !== rule.type) throw new SimApiError(500, `wrong type '${String(params.type)}' for HA rule '${rule.rule}' (is '${rule.type}')`);
    const digest = str(params, 'digest');
    if (digest && digest !== ruleDigest(rule)) throw new SimApiError(500, 'detected modified configuration - file changed by other user? Try again.');
    const opts = ruleOptions(ctx, rule.type, false);
    const next: SimHaRule = { ...rule, resources: [...rule.resources] };
    for (const k of (str(params, 'delete') ?? '').split(/[,;\s]+/).filter(Boolean)) {
      if (RULE_OPTIONS[rule.type].required.includes(k)) throw new SimApiError(500, `cannot delete required option '${k}'`);
      delete (next as unknown as Record<string, unknown>)[k === 'disable' ? 'disable' : k];
    }
    applyRuleOptions(sim, next, opts);
    Object.assign(rule, next);
    for (const k of Object.keys(rule) as Array<keyof SimHaRule>) if (next[k] === undefined) delete rule[k];
    sim.touch();
    return null;
  },

  'DELETE /cluster/ha/rules/{rule}': (ctx) => {
    const { sim, params } = ctx;
    requirePriv(ctx, '/', 'Sys.Console');
    const rule = findRule(sim, String(params.rule));
    sim.ha.rules = sim.ha.rules.filter((r) => r !== rule);
    sim.touch();
    return null;
  },
};
