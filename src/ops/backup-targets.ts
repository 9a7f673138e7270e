// Targets for capabilities that act on backup volumes (protect, notes, delete, restore): each volid is found
// in the cluster's backup list (so its node, storage and guest are PVE's, not guessed from the name), or the
// target is blocked saying why.
import { z } from 'zod';
import type { Inventory } from '../inventory/model.js';
import type { PveClient } from '../pve/client.js';
import { listBackupsReport, type BackupEntry } from './backup-list.js';
import type { Plan } from './capability.js';
import type { OperationTarget } from './types.js';

/** A backup's volid as PVE names it: `storage:backup/vzdump-qemu-100-….vma.zst` or a PBS `storage:backup/vm/100/…`. */
export const volidField = () =>
  z
    .string({ error: "must be a backup's volid, e.g. 'local:backup/vzdump-qemu-100-2026_01_15-02_00_00.vma.zst' (see 'moxxie backups list')" })
    .regex(/^[a-zA-Z][-\w.]*:\S+$/, { error: (iss) => `'${String(iss.input)}' is not a volid: it looks like 'storage:backup/vzdump-qemu-100-….vma.zst' (see 'moxxie backups list')` })
    .max(1024, { error: 'at most 1024 characters' });

export const volidListField = () => z.array(volidField(), { error: 'must be a list of backup volids' }).min(1, { error: 'name at least one backup volid' }).max(1000, { error: 'at most 1000 volids at once' });

export const volumeTargetId = (volid: string): string => `vol-${volid}`;

/** The backup entries for these volids (one read of the cluster's backups), with what could not be read. */
export async function findBackups(client: PveClient, inventory: Inventory, volids: string[]): Promise<{ found: Map<string, BackupEntry>; warnings: string[] }> {
  const storages = [...new Set(volids.map((v) => v.slice(0, v.indexOf(':'))))];
  const report = await listBackupsReport(client, inventory, storages.length === 1 ? { storage: storages[0] } : undefined);
  const wanted = new Set(volids);
  return { found: new Map(report.backups.filter((b) => wanted.has(b.volid)).map((b) => [b.volid, b])), warnings: report.warnings };
}

export function volumeTarget(b: BackupEntry, action: string, spec: Record<string, unknown>): OperationTarget {
  return { id: volumeTargetId(b.volid), kind: 'volume', vmid: b.vmid, guestType: b.guestType, name: b.volid, node: b.node, state: 'planned', action, phases: [], spec: { volid: b.volid, storage: b.storage, ...spec } };
}

/** One target per volid: found ones with `make`'s action and spec (or a skip reason), missing ones blocked. */
export async function planVolumes(
  client: PveClient,
  inventory: Inventory,
  volids: string[],
  make: (b: BackupEntry) => { action: string; spec?: Record<string, unknown>; skip?: string },
): Promise<Plan> {
  const { found, warnings } = await findBackups(client, inventory, volids);
  const targets: OperationTarget[] = [];
  const blocked = new Set<string>();
  for (const volid of [...new Set(volids)]) {
    const b = found.get(volid);
    if (!b) {
      const why = warnings.length ? `not found (${warnings.join('; ')})` : "not found in the cluster's backup storages";
      targets.push({ id: volumeTargetId(volid), kind: 'volume', vmid: 0, name: volid, node: '', state: 'skipped', action: 'backup', message: why, phases: [] });
      blocked.add(volumeTargetId(volid));
      continue;
    }
    const m = make(b);
    if (m.skip) targets.push({ ...volumeTarget(b, m.action, {}), state: 'skipped', message: m.skip, spec: undefined });
    else targets.push(volumeTarget(b, m.action, m.spec ?? {}));
  }
  return { targets, blocked };
}
