// What qemu-server does to the config of a VM it creates or clones, beyond the options sent: the checks of
// `import-from` (check_storage_access, check_drive_param), `meta`, `smbios1` uuid, `vmgenid`, the default
// `boot` order, and property strings re-printed as print_property_string does (default key first, the
// other keys sorted). A NIC on a bridge its node lacks fails at start (the bridge check of PVE's tap_plug).
import { randomUUID } from 'node:crypto';
import { SimTaskError, paramError } from './api-error.js';
import type { SimCluster } from './cluster.js';
import type { SimConfig, SimNodeRecord } from './model.js';
import { DRIVE_RE, isCdrom, isCloudinit } from './vm-config.js';

/** The QEMU version PVE 9 records in `meta` for a VM it creates. */
const CREATION_QEMU = '9.2.0';
/** PVE's `$NEW_DISK_RE`: `[storage:]size`. */
const NEW_DISK_RE = /^(?:([^/:\s]+):)?(\d+(?:\.\d+)?)$/;
/** Drive interfaces in the order resolve_first_disk looks at them. */
const BOOT_ORDER_INTERFACES = ['ide', 'sata', 'scsi', 'virtio'];

const importFromOf = (value: string): string | undefined => /(?:^|,)import-from=([^,]+)/.exec(value)?.[1];

/** The content type of a volume as parse_volname sees it (`iso/…` is iso, `import/…` import, disks images). */
function volumeType(sim: SimCluster, volid: string): string {
  const known = sim.volumes.get(volid);
  if (known) return known.content;
  const m = /^[^:]+:(iso|import|vztmpl|backup|snippets)\//.exec(volid);
  return m ? m[1] : 'images';
}

/**
 * The synchronous checks of create_vm for drives with `import-from`, in PVE's order: the source's content
 * type (check_storage_access), then the `<storage>:0` syntax and what an EFI or TPM import needs
 * (check_drive_param). Each is a 400 naming the drive, as PVE's raise_param_exc.
 */
export function checkImportDrives(sim: SimCluster, params: Record<string, unknown>): void {
  const drives = Object.keys(params)
    .filter((k) => DRIVE_RE.test(k) && params[k] !== undefined && params[k] !== null)
    .sort();
  for (const k of drives) {
    const source = importFromOf(String(params[k]));
    if (!source || source.startsWith('/')) continue;
    const vtype = volumeType(sim, source);
    if (vtype !== 'images' && vtype !== 'import') throw paramError({ [k]: `${source} has wrong type '${vtype}' - needs to be 'images' or 'import'` });
  }
  for (const k of drives) {
    const value = String(params[k]);
    if (!importFromOf(value)) continue;
    const m = NEW_DISK_RE.exec(value.split(',')[0]);
    if (!m || Number(m[2]) !== 0) throw paramError({ [k]: "'import-from' requires special syntax - use <storage ID>:0,import-from=<source>" });
    const has = (opt: string) => new RegExp(`(?:^|,)${opt}=`).test(value);
    if (k === 'efidisk0') {
      for (const required of ['efitype', 'pre-enrolled-keys']) if (!has(required)) throw paramError({ [k]: `need to specify '${required}' when using 'import-from'` });
    } else if (k === 'tpmstate0' && !has('version')) {
      throw paramError({ [k]: "need to specify 'version' when using 'import-from'" });
    }
  }
}

/** The drive keys of a create whose import runs inside the task (where a missing source fails it). */
export function importDriveKeys(params: Record<string, unknown>): string[] {
  return Object.keys(params).filter((k) => DRIVE_RE.test(k) && !!importFromOf(String(params[k] ?? '')));
}

/** The task error of an import whose source cannot be read, as create_disks reports it. */
export function importFailure(value: string): SimTaskError {
  const source = importFromOf(value) ?? value;
  return new SimTaskError(`cannot import from '${source}' - could not get size of ${source}`);
}

/** A property string as print_property_string writes it: the default key's value first, the others by key. */
export function canonicalProperty(value: string): string {
  const [first, ...rest] = value.split(',');
  const keyOf = (p: string) => p.split('=', 1)[0];
  return [first, ...rest.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0))].join(',');
}

/** Drives and NICs re-printed canonically (create and clone write them through print_drive / print_net). */
export function canonicalConfig(config: SimConfig): void {
  for (const [k, v] of Object.entries(config)) if (DRIVE_RE.test(k) || /^net\d+$/.test(k)) config[k] = canonicalProperty(String(v));
}

/** get_default_bootdevices: the first disk, the first CD-ROM (a cloud-init drive is neither), the first NIC. */
export function defaultBoot(config: SimConfig): string | undefined {
  const drives = Object.keys(config)
    .filter((k) => BOOT_ORDER_INTERFACES.some((i) => new RegExp(`^${i}\\d+$`).test(k)))
    .sort((a, b) => {
      const ia = BOOT_ORDER_INTERFACES.findIndex((i) => a.startsWith(i));
      const ib = BOOT_ORDER_INTERFACES.findIndex((i) => b.startsWith(i));
      return ia - ib || Number(a.replace(/\D/g, '')) - Number(b.replace(/\D/g, ''));
    });
  const value = (k: string) => String(config[k]);
  const disk = drives.find((k) => !isCdrom(value(k)) && !isCloudinit(value(k)));
  const cdrom = drives.find((k) => isCdrom(value(k)) && !isCloudinit(value(k)));
  const nic = Object.keys(config)
    .filter((k) => /^net\d+$/.test(k))
    .sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)))[0];
  const order = [disk, cdrom, nic].filter((d): d is string => !!d);
  return order.length ? `order=${order.join(';')}` : undefined;
}

/** What create_vm adds to the config it writes: meta, smbios1 uuid, vmgenid, boot (unless given). */
export function addCreateDefaults(config: SimConfig, nowSec: number): void {
  config.meta = `creation-qemu=${CREATION_QEMU},ctime=${nowSec}`;
  if (config.boot === undefined) {
    const boot = defaultBoot(config);
    if (boot) config.boot = boot;
  }
  if (config.smbios1 === undefined) config.smbios1 = `uuid=${randomUUID()}`;
  if (config.vmgenid === undefined || String(config.vmgenid) === '1') config.vmgenid = randomUUID();
}

/** What clone_vm renews: a new smbios1 uuid (other smbios1 fields kept), a new vmgenid if the source had one. */
export function renewCloneIds(config: SimConfig): void {
  const other = String(config.smbios1 ?? '')
    .split(',')
    .filter((p) => p && !p.startsWith('uuid='));
  config.smbios1 = canonicalProperty([`uuid=${randomUUID()}`, ...other].join(','));
  if (config.vmgenid !== undefined) config.vmgenid = randomUUID();
}

/** The bridges of a node; a node recorded before bridges were modelled has every bridge a NIC names. */
export function nodeHasBridge(node: SimNodeRecord | undefined, bridge: string): boolean {
  return !node?.bridges || node.bridges.includes(bridge);
}

/** Start fails as PVE's tap_plug does when a NIC names a bridge the node lacks. */
export function assertBridges(sim: SimCluster, nodeName: string, config: SimConfig): void {
  const node = sim.nodes.get(nodeName);
  for (const k of Object.keys(config).sort()) {
    if (!/^net\d+$/.test(k)) continue;
    const bridge = /(?:^|,)bridge=([^,]+)/.exec(String(config[k]))?.[1];
    if (bridge && !nodeHasBridge(node, bridge)) throw new SimTaskError(`bridge '${bridge}' does not exist`);
  }
}
