// Planning reads of VM configs (disk sizes, protection, snapshots, cloud-init drive) for the administration
// capabilities: bounded in parallel, and a config that cannot be read blocks its target rather than letting
// a step run blind.
import type { Vm } from '../inventory/model.js';
import { getGuestConfig, refOf } from '../pve/endpoints/guest.js';
import type { QemuConfig } from '../pve/endpoints/qemu.js';
import type { PveRequester } from '../pve/types.js';
import { boundedMap } from './bounded-map.js';

const PLAN_READS = 8;

export type ConfigRead = { config: QemuConfig } | { error: string };

export async function readConfigs(client: PveRequester, vms: readonly Vm[]): Promise<Map<number, ConfigRead>> {
  const out = new Map<number, ConfigRead>();
  await boundedMap(vms, PLAN_READS, async (vm) => {
    try {
      out.set(vm.vmid, { config: await getGuestConfig(client, refOf(vm)) });
    } catch (err) {
      out.set(vm.vmid, { error: `could not read the config: ${err instanceof Error ? err.message : String(err)}` });
    }
  });
  return out;
}

const UNIT: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** Bytes from a drive line's `size=` (PVE writes `32G`, `512M`, or bytes). */
export function driveBytes(value: string): number | undefined {
  const m = /(?:^|,)size=(\d+(?:\.\d+)?)([KMGT]?)(?:,|$)/.exec(value);
  return m ? Math.round(Number(m[1]) * UNIT[m[2]]) : undefined;
}

/** A size as PVE prints it: the largest unit that divides it. */
export function sizeText(bytes: number): string {
  for (const [unit, n] of [['T', 1024 ** 4], ['G', 1024 ** 3], ['M', 1024 ** 2], ['K', 1024]] as const) if (bytes >= n && bytes % n === 0) return `${bytes / n}${unit}`;
  return String(bytes);
}

export const isCdromDrive = (value: string): boolean => /(^|,)media=cdrom(,|$)/.test(value) || /^(none|cdrom)(,|$)/.test(value);
export const DISK_KEY_RE = /^(?:(?:scsi|virtio|sata|ide)\d+|efidisk0|tpmstate0)$/;
/** A container's volumes (pct resize): the root file system and mount points. */
export const CT_VOLUME_KEY_RE = /^(?:rootfs|mp\d+)$/;
/** A cloud-init drive (`local-zfs:vm-100-cloudinit,media=cdrom`). */
export const hasCloudInitDrive = (config: QemuConfig): boolean =>
  Object.entries(config).some(([k, v]) => DISK_KEY_RE.test(k) && /^[^,]*:(vm-\d+-)?cloudinit(,|$)/.test(String(v)));
