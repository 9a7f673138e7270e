// GET /nodes/{node}/lxc/{vmid}/migrate (new in PVE 9.0; pve-container migrate_vm_precondition): whether the CT
// runs, and which nodes it may move to. It reads configuration only: every other cluster node is allowed unless
// a strict HA node-affinity rule keeps the CT off it; HA resources in positive affinity move along. On 8.4 the
// route does not exist and the router answers 501.
import { haHandles, haSid } from '../ha.js';
import { requirePriv, type HandlerTable } from './context.js';
import { containerOf } from './lxc-common.js';

export const lxcMigratePreconditionHandlers: HandlerTable = {
  'GET /nodes/{node}/lxc/{vmid}/migrate': (ctx) => {
    const { sim } = ctx;
    const vm = containerOf(ctx);
    requirePriv(ctx, `/vms/${vm.vmid}`, 'VM.Migrate');
    const sid = haSid(vm);
    // vm_is_ha_managed: an `ignored` resource gets no HA information.
    const managed = haHandles(sim, vm.vmid);
    const rules = managed ? sim.ha.rules.filter((r) => r.resources.includes(sid)) : [];
    const pinned = rules.filter((r) => r.type === 'node-affinity' && r.strict && r.nodes);
    const allowedByRule = (node: string) => pinned.every((r) => r.nodes!.split(',').some((n) => n.split(':')[0] === node));
    const allowed: string[] = [];
    const notAllowed: Record<string, unknown> = {};
    for (const node of sim.nodes.keys()) {
      if (node === vm.node) continue;
      if (allowedByRule(node)) allowed.push(node);
      else notAllowed[node] = { 'blocking-ha-resources': [{ sid, cause: 'node-affinity' }] };
    }
    // An ignored partner is not in the CRM's status, so it does not move along (get_resource_motion_info).
    const dependent = [...new Set(rules.filter((r) => r.type === 'resource-affinity' && r.affinity === 'positive').flatMap((r) => r.resources).filter((s) => s !== sid && haHandles(sim, Number(s.slice(3)))))];
    return {
      running: vm.state !== 'stopped' ? 1 : 0,
      'allowed-nodes': allowed,
      'not-allowed-nodes': notAllowed,
      ...(dependent.length ? { 'dependent-ha-resources': dependent } : {}),
    };
  },
};
