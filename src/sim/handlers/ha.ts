// /cluster/ha: resources, status, and the placement policy of the profile — rules on PVE 9 (groups answer
// 500 once migrated), groups on 8.4 (there is no /cluster/ha/rules: the router answers 501).
import { createHash } from 'node:crypto';
import { SimApiError } from '../api-error.js';
import type { SimCluster } from '../cluster.js';
import { haSid, type SimHaResource } from '../ha.js';
import { crmServiceState } from '../ha-manager.js';
import { nowSec, str, type HandlerTable } from './context.js';

const digestOf = (value: unknown): string => createHash('sha1').update(JSON.stringify(value)).digest('hex');

function resourceView(sim: SimCluster, r: SimHaResource): Record<string, unknown> {
  const vm = sim.vms.get(r.vmid);
  const out: Record<string, unknown> = {
    sid: vm ? haSid(vm) : `vm:${r.vmid}`,
    type: vm?.type === 'lxc' ? 'ct' : 'vm',
    state: r.state,
    max_restart: r.maxRestart,
    max_relocate: r.maxRelocate,
  };
  if (sim.profile.ha === 'rules') out.failback = r.failback ? 1 : 0;
  if (r.group && sim.profile.ha === 'groups') out.group = r.group;
  if (r.comment) out.comment = r.comment;
  return out;
}

function ruleView(rule: SimCluster['ha']['rules'][number]): Record<string, unknown> {
  const out: Record<string, unknown> = { rule: rule.rule, type: rule.type, resources: rule.resources.join(',') };
  if (rule.nodes !== undefined) out.nodes = rule.nodes;
  if (rule.strict !== undefined) out.strict = rule.strict ? 1 : 0;
  if (rule.affinity) out.affinity = rule.affinity;
  if (rule.comment) out.comment = rule.comment;
  out.digest = digestOf(rule);
  return out;
}

function groupsOrFail(sim: SimCluster) {
  // pve-ha-manager 5 (PVE 9): once the groups became rules, the group API refuses to answer.
  if (sim.profile.ha === 'rules' && sim.ha.groupsMigrated) throw new SimApiError(500, 'ha groups have been migrated to rules');
  return sim.ha.groups;
}

/**
 * What `ha-manager status` says of a service (pve-ha-manager's Tools::get_verbose_service_state): the CRM's
 * state, with fast feedback on what was asked since its last round.
 */
function verboseServiceState(crm: string, requested: string, running: boolean): string {
  if (requested === 'ignored') return 'ignored';
  if (crm === 'stopped') return requested === 'started' ? 'starting' : requested === 'disabled' ? 'disabled' : 'stopped';
  if (crm === 'started') return !running ? 'starting' : requested === 'stopped' || requested === 'disabled' ? 'stopping' : 'started';
  if (crm === 'error' && requested === 'disabled') return 'clearing error flag';
  return crm;
}

export const haHandlers: HandlerTable = {
  'GET /cluster/ha': () => [{ id: 'status' }, { id: 'resources' }, { id: 'groups' }, { id: 'rules' }],

  'GET /cluster/ha/resources': ({ sim, params }) => {
    const type = str(params, 'type');
    return [...sim.ha.resources.values()]
      .map((r) => resourceView(sim, r))
      .filter((r) => !type || r.type === type)
      .map((r) => ({ ...r, digest: digestOf([...sim.ha.resources.values()]) }));
  },

  'GET /cluster/ha/resources/{sid}': ({ sim, params }) => {
    const sid = String(params.sid);
    // A bare number means vm:<id> (PVE::HA::Config::parse_sid).
    const m = /^(?:(vm|ct):)?(\d+)$/.exec(sid);
    const r = m ? sim.ha.resources.get(Number(m[2])) : undefined;
    if (!r) throw new SimApiError(500, `no such resource '${sid}'`);
    return { ...resourceView(sim, r), digest: digestOf([...sim.ha.resources.values()]) };
  },

  'GET /cluster/ha/status/current': ({ sim }) => {
    const now = nowSec();
    const nodes = [...sim.nodes.keys()];
    const master = nodes.find((n) => sim.isOnline(n)) ?? nodes[0];
    const out: Array<Record<string, unknown>> = [
      { id: 'quorum', type: 'quorum', node: master, status: 'OK', quorate: 1 },
      { id: 'master', type: 'master', node: master, status: `${master} (active, ${new Date(now * 1000).toUTCString()})`, timestamp: now },
    ];
    if (sim.profile.ha === 'rules') out.push({ id: 'fencing', type: 'fencing', node: master, status: 'armed', 'armed-state': 'armed', resource_mode: 'freeze' });
    for (const n of nodes) {
      const online = sim.isOnline(n);
      const active = [...sim.ha.resources.values()].some((r) => sim.vms.get(r.vmid)?.node === n);
      out.push({ id: `lrm:${n}`, type: 'lrm', node: n, status: online ? `${n} (${active ? 'active' : 'idle'}, ${new Date(now * 1000).toUTCString()})` : `${n} (old timestamp - dead?, ${new Date(now * 1000).toUTCString()})`, timestamp: now });
    }
    for (const r of sim.ha.resources.values()) {
      const vm = sim.vms.get(r.vmid);
      if (!vm) continue;
      const sid = haSid(vm);
      const state = verboseServiceState(crmServiceState(sim, vm), r.state, vm.state !== 'stopped');
      out.push({
        id: `service:${sid}`,
        type: 'service',
        sid,
        node: vm.node,
        // The CRM drops an ignored service from its status (Manager.pm), so the API shows no crm_state for it.
        ...(r.state === 'ignored' ? {} : { crm_state: crmServiceState(sim, vm) }),
        request_state: r.state,
        state,
        status: `${sid} (${vm.node}, ${state})`,
        max_restart: r.maxRestart,
        max_relocate: r.maxRelocate,
        ...(sim.profile.ha === 'rules' ? { failback: r.failback ? 1 : 0 } : {}),
      });
    }
    return out;
  },

  'GET /cluster/ha/rules': ({ sim, params }) => {
    const type = str(params, 'type');
    const resource = str(params, 'resource');
    return sim.ha.rules.filter((r) => (!type || r.type === type) && (!resource || r.resources.includes(resource))).map(ruleView);
  },

  'GET /cluster/ha/rules/{rule}': ({ sim, params }) => {
    const rule = sim.ha.rules.find((r) => r.rule === params.rule);
    if (!rule) throw new SimApiError(500, `HA rule '${String(params.rule)}' does not exist`);
    return ruleView(rule);
  },

  'GET /cluster/ha/groups': ({ sim }) =>
    groupsOrFail(sim).map((g) => ({ group: g.group, type: 'group', nodes: g.nodes, restricted: g.restricted ? 1 : 0, nofailback: g.nofailback ? 1 : 0, ...(g.comment ? { comment: g.comment } : {}), digest: digestOf(g) })),

  'GET /cluster/ha/groups/{group}': ({ sim, params }) => {
    const g = groupsOrFail(sim).find((x) => x.group === params.group);
    if (!g) throw new SimApiError(500, `no such ha group '${String(params.group)}'`);
    return { group: g.group, type: 'group', nodes: g.nodes, restricted: g.restricted ? 1 : 0, nofailback: g.nofailback ? 1 : 0, ...(g.comment ? { comment: g.comment } : {}), digest: digestOf(g) };
  },
};
