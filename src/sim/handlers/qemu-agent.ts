// POST /nodes/{node}/qemu/{vmid}/agent/ping: PVE's answers — no agent configured, VM not running, or an empty
// result once the agent answers (simplified: the agent answers as soon as the VM runs; a paused VM's does not).
import { SimApiError } from '../api-error.js';
import { requirePriv, vmidOf, type HandlerTable } from './context.js';

export const qemuAgentHandlers: HandlerTable = {
  'POST /nodes/{node}/qemu/{vmid}/agent/ping': (ctx) => {
    const vm = ctx.sim.qemu(String(ctx.params.node), vmidOf(ctx.params));
    requirePriv(ctx, `/vms/${vm.vmid}`, 'VM.Monitor');
    if (!/^(enabled=)?(1|on|yes|true)/.test(String(vm.config.agent ?? ''))) throw new SimApiError(500, 'No QEMU guest agent configured');
    if (vm.state === 'stopped') throw new SimApiError(500, `VM ${vm.vmid} is not running`);
    if (vm.state === 'paused') throw new SimApiError(500, 'QEMU guest agent is not running');
    return {};
  },
};
