// PVE's ZFS storage plugin refuses to roll a volume back past newer snapshots (`zfs rollback` without -r):
// volume_rollback_is_possible dies in the rollback worker's prepare step, before the guest is locked.
import { SimTaskError } from './api-error.js';
import type { SimCluster } from './cluster.js';
import type { SimConfig, SimVmRecord } from './model.js';
import { DRIVE_RE, isCdrom } from './vm-config.js';

/** Volume ids of a guest config's disks (qemu drives, container rootfs and mount points). */
function volumesOf(config: SimConfig): string[] {
  const out: string[] = [];
  for (const [k, raw] of Object.entries(config)) {
    if (!DRIVE_RE.test(k) && k !== 'rootfs' && !/^mp\d+$/.test(k)) continue;
    const value = String(raw);
    if (isCdrom(value) || !value.includes(':')) continue;
    out.push(value.split(',')[0].replace(/^volume=/, ''));
  }
  return out;
}

/** Throws the plugin's task error when a ZFS volume of the snapshot has newer snapshots. */
export function assertZfsRollbackPossible(sim: SimCluster, vm: SimVmRecord, snapname: string): void {
  // The guest's snapshots are kept in creation order, which is ZFS's order too (times are only seconds).
  const at = vm.snapshots.findIndex((s) => s.name === snapname);
  if (at < 0) return;
  const snap = vm.snapshots[at];
  for (const volid of volumesOf(snap.config)) {
    const storage = sim.storages.get(volid.slice(0, volid.indexOf(':')));
    if (storage?.type !== 'zfspool') continue;
    const newer = vm.snapshots.slice(at + 1).filter((s) => volumesOf(s.config).includes(volid));
    if (newer.length) throw new SimTaskError(`can't rollback, '${snapname}' is not most recent snapshot on '${volid}'`);
  }
}
