// /nodes/{node}/capabilities/qemu/migration (PVE 9.0+): whether the node can carry conntrack state along
// a live migration (dbus-vmstate). On 8.4 the path does not exist and the router answers 501.
import type { HandlerTable } from './context.js';

export const capabilityHandlers: HandlerTable = {
  'GET /nodes/{node}/capabilities/qemu/migration': ({ sim, params }) => {
    sim.node(String(params.node));
    return { 'has-dbus-vmstate': 1 };
  },
};
