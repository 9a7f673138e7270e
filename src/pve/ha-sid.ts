// PVE's id of an HA resource: `vm:ID` for a VM, `ct:ID` for a container.
import type { PveGuestType } from './endpoints/guest.js';

export const haSidOf = (type: PveGuestType | undefined, vmid: number): string => `${type === 'lxc' ? 'ct' : 'vm'}:${vmid}`;
