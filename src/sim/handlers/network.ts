// GET /nodes/{node}/network: a node's interfaces as PVE lists them (pve-manager API2/Network.pm): the NIC eno1
// and the node's Linux bridges (the first, vmbr0, on eno1 with the node's address; the others without ports).
// `type` filters as PVE does: bridge, any_bridge and any_local_bridge give the bridges, eth the NIC, others none.
import { SimApiError } from '../api-error.js';
import { str, type HandlerTable } from './context.js';

/** The bridges a node without a modelled list has (states saved before bridges were modelled). */
const EVERY_BRIDGE = ['vmbr0', 'workshop', 'wsdc1up'];

export const networkHandlers: HandlerTable = {
  'GET /nodes/{node}/network': ({ sim, params }) => {
    const name = String(params.node);
    const node = sim.nodes.get(name);
    if (!node) throw new SimApiError(500, `hostname lookup '${name}' failed - failed to get address info for: ${name}: Name or service not known`);
    const index = [...sim.nodes.keys()].indexOf(name) + 1;
    const eth = { iface: 'eno1', type: 'eth', method: 'manual', method6: 'manual', families: ['inet'], active: 1, exists: 1, autostart: 1, priority: 1 };
    const bridges = (node.bridges ?? EVERY_BRIDGE).map((iface, i) => ({
      iface,
      type: 'bridge',
      method: i === 0 ? 'static' : 'manual',
      method6: 'manual',
      families: ['inet'],
      active: 1,
      autostart: 1,
      priority: i + 2,
      bridge_ports: i === 0 ? 'eno1' : '',
      ...(i === 0 ? { address: `10.0.0.${index}`, netmask: '24', cidr: `10.0.0.${index}/24`, gateway: '10.0.0.254' } : {}),
    }));
    const type = str(params, 'type');
    if (!type) return [eth, ...bridges];
    if (type === 'bridge' || type === 'any_bridge' || type === 'any_local_bridge') return bridges;
    if (type === 'eth') return [eth];
    return [];
  },
};
