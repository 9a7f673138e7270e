// Where a container archive is restored when the request names no storage. pct restore without `storage`
// puts every volume on 'local' (pve-container's create_vm: `storage // 'local'`), which usually holds no
// container volumes, so moxxie names one: the original container's rootfs storage when that storage holds
// container volumes on the restore node, else the request must say.
import type { Inventory, Vm } from '../inventory/model.js';
import { getGuestConfig } from '../pve/endpoints/guest.js';
import type { PveRequester } from '../pve/types.js';

export type RestoreStorage = { storage: string; why: string } | { error: string };

export async function containerRestoreStorage(client: PveRequester, inv: Inventory, node: string, original: Vm | undefined): Promise<RestoreStorage> {
  const fit = inv.storages.filter((s) => s.node === node && s.content.includes('rootdir')).map((s) => s.storage);
  if (original?.type === 'lxc') {
    const config = await getGuestConfig(client, { type: 'lxc', node: original.node, vmid: original.vmid }).catch(() => undefined);
    const rootfs = String(config?.rootfs ?? '').replace(/^volume=/, '');
    const storage = rootfs.includes(':') ? rootfs.split(':')[0] : undefined;
    if (storage && fit.includes(storage)) return { storage, why: `the storage of CT ${original.vmid}'s rootfs` };
  }
  if (fit.includes('local')) return { storage: 'local', why: "PVE's default for pct restore" };
  return { error: `say where the container's volumes go: pct restore would put them on 'local', which holds no container volumes on ${node}; storages that do: ${fit.join(', ') || 'none'}` };
}
