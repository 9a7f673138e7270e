// GET /nodes/{node}/lxc/{vmid}/migrate (new in PVE 9.0; pve-container migrate_vm_precondition): whether the CT
// runs, and which nodes it may move to. It reads configuration only: a locked CT fails (check_lock); every other
// cluster node is allowed unless an HA resource in negative affinity with the CT is there, and HA resources in
// positive affinity are listed as moving along (ha-motion.ts; an ignored CT gets neither). On 8.4 the route does
// not exist and the router answers 501.
import { haMotionInfo } from '../ha-motion.js';
import { requirePriv, type HandlerTable } from './context.js';
import { containerOf, ctAssertUnlocked } from './lxc-common.js';

export const lxcMigratePreconditionHandlers: HandlerTable = {
  'GET /nodes/{node}/lxc/{vmid}/migrate': (ctx) => {
    const { sim } = ctx;
    const vm = containerOf(ctx);
    requirePriv(ctx, `/vms/${vm.vmid}`, 'VM.Migrate');
    ctAssertUnlocked(vm);
    const motion = haMotionInfo(sim, vm);
    const allowed: string[] = [];
    const notAllowed: Record<string, unknown> = {};
    for (const node of sim.nodes.keys()) {
      if (node === vm.node) continue;
      const blocking = motion?.blocking[node];
      if (blocking) notAllowed[node] = { 'blocking-ha-resources': blocking };
      else allowed.push(node);
    }
    return {
      running: vm.state !== 'stopped' ? 1 : 0,
      'allowed-nodes': allowed,
      'not-allowed-nodes': notAllowed,
      ...(motion ? { 'dependent-ha-resources': motion.dependent } : {}),
    };
  },
};
