// A VM's snapshots as moxxie shows them: PVE's "current" entry left out, TTL and expiry parsed from the
// description marker, oldest first.
import type { SnapshotInfo } from '../core.js';
import type { Vm } from '../inventory/model.js';
import { getGuestSnapshots, refOf } from '../pve/endpoints/guest.js';
import type { PveRequester } from '../pve/types.js';
import { expiresAt, isMoxxieMade, parseTtlHours } from './snapshot-marker.js';

/** A guest without its type (an older journal's target) is a VM. */
export async function listSnapshots(client: PveRequester, vm: Pick<Vm, 'node' | 'vmid'> & { type?: string; guestType?: Vm['type'] }): Promise<SnapshotInfo[]> {
  const raw = await getGuestSnapshots(client, refOf(vm));
  return raw
    .filter((s) => s.name !== 'current')
    .map((s) => ({
      name: s.name,
      description: s.description ?? '',
      snaptime: s.snaptime,
      vmstate: Number(s.vmstate) === 1,
      parent: s.parent,
      ttlHours: parseTtlHours(s.description),
      expiresAt: expiresAt(s.snaptime, s.description),
      moxxieMade: isMoxxieMade(s.description),
    }))
    .sort((a, b) => (a.snaptime ?? 0) - (b.snaptime ?? 0));
}
