// VM configuration semantics of qemu-server: tag normalisation, generated MACs, drive allocation
// (`storage:size`, `import-from`, `storage:cloudinit`), the [PENDING] section of a running VM, and the
// synchronous checks of update_vm_api (digest, lock, protection, delete/revert conflicts).
import { SimApiError, paramError } from './api-error.js';
import type { SimCluster } from './cluster.js';
import type { SimConfig, SimVmRecord } from './model.js';
import { splitList } from './schema/formats.js';
import { qemuConfigValue, qemuOptionExists } from './schema/qemu-options.js';

export const DRIVE_RE = /^(?:(?:scsi|virtio|sata|ide)\d+|efidisk0|tpmstate0)$/;
const GiB = 1024 ** 3;

/** Keys that are request controls, not config options. */
const CONTROL_KEYS = new Set(['node', 'vmid', 'digest', 'delete', 'revert', 'force', 'skiplock', 'background_delay', 'import-working-storage']);

/** Applied at once even on a running VM ("fast plug"), cloud-init options included. */
const FAST_PLUG = new Set([
  'name', 'description', 'tags', 'onboot', 'protection', 'startup', 'hookscript', 'shares', 'vmstatestorage', 'lock',
  'migrate_downtime', 'migrate_speed', 'ciuser', 'cipassword', 'citype', 'cicustom', 'ciupgrade', 'sshkeys', 'nameserver', 'searchdomain',
]);

function appliesWhileRunning(key: string, value?: string | number): boolean {
  // Default hotplug is network,disk,usb; a CD-ROM's media can always be changed live.
  if (value !== undefined && DRIVE_RE.test(key) && isCdrom(String(value))) return true;
  return FAST_PLUG.has(key) || /^ipconfig\d+$/.test(key) || /^net\d+$/.test(key) || /^(scsi|virtio)\d+$/.test(key) || /^usb\d+$/.test(key) || /^unused\d+$/.test(key);
}

export const isCdrom = (value: string): boolean => /(^|,)media=cdrom(,|$)/.test(value) || /^(none|cdrom)(,|$)/.test(value);
export const isCloudinit = (value: string): boolean => /^[^,]*:(vm-\d+-)?cloudinit(,|$)/.test(value);
export const volidOf = (value: string): string => value.split(',')[0];

/** Disk size in bytes from a drive line's `size=` option. */
export function driveSize(value: string): number {
  const m = /(?:^|,)size=(\d+(?:\.\d+)?)([KMGT]?)(?:,|$)/.exec(value);
  if (!m) return 0;
  const unit: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: GiB, T: 1024 ** 4 };
  return Math.round(Number(m[1]) * unit[m[2]]);
}

/** A size as PVE writes it in drive lines: the largest unit that divides it. */
export function formatSize(bytes: number): string {
  for (const [unit, n] of [['T', 1024 ** 4], ['G', GiB], ['M', 1024 ** 2], ['K', 1024]] as const) if (bytes >= n && bytes % n === 0) return `${bytes / n}${unit}`;
  return String(bytes);
}

export function normaliseTags(value: string): string {
  return [...new Set(splitList(value).map((t) => t.toLowerCase()))].sort().join(';');
}

const NIC_MODELS = new Set(['e1000', 'e1000-82540em', 'e1000-82544gc', 'e1000-82545em', 'e1000e', 'i82551', 'i82557b', 'i82559er', 'ne2k_isa', 'ne2k_pci', 'pcnet', 'rtl8139', 'virtio', 'vmxnet3']);

/** A `net[n]` value as PVE prints it (`<model>=<MAC>,...`); a missing MAC gets PVE's BC:24:11 prefix. */
export function withMac(sim: SimCluster, value: string): string {
  let model: string | undefined;
  let mac: string | undefined;
  const rest: string[] = [];
  for (const part of value.split(',')) {
    const [k, v] = part.split('=', 2);
    if (v === undefined && !model && NIC_MODELS.has(k)) model = k;
    else if (k === 'model') model = v;
    else if (k === 'macaddr') mac = v;
    else if (NIC_MODELS.has(k) && !model) [model, mac] = [k, v];
    else rest.push(part);
  }
  if (!model) return value;
  return [`${model}=${mac ?? sim.newMac()}`, ...rest].join(',');
}

/** The config with pending changes applied: what GET .../config answers by default. */
export function effectiveConfig(vm: SimVmRecord): SimConfig {
  if (!vm.pending && !vm.pendingDelete?.length) return vm.config;
  const out: SimConfig = { ...vm.config, ...(vm.pending ?? {}) };
  for (const k of vm.pendingDelete ?? []) delete out[k];
  return out;
}

/** Commits the pending section (at VM start, reboot, or any change while stopped). */
export function applyPending(vm: SimVmRecord): void {
  if (vm.pending) Object.assign(vm.config, vm.pending);
  for (const k of vm.pendingDelete ?? []) delete vm.config[k];
  delete vm.pending;
  delete vm.pendingDelete;
}

function checkImageStorage(sim: SimCluster, storage: string): void {
  const s = sim.storages.get(storage);
  if (!s) throw new SimApiError(500, `storage '${storage}' does not exist`);
  if (!s.content.includes('images')) throw paramError({ storage: `storage '${storage}' does not support vm images` });
}

/** The size of an `import-from` source as seen from `node`; PVE can import only what that node can read. */
function importSourceSize(sim: SimCluster, node: string, src: string, rootUser: boolean): number {
  if (src.startsWith('/')) {
    if (!rootUser) throw paramError({ 'import-from': 'Only root can pass arbitrary filesystem paths.' });
    return 2 * GiB;
  }
  const vol = sim.volumes.get(src);
  const storage = src.split(':')[0];
  const shared = !!sim.storages.get(storage)?.shared;
  if (vol) {
    if (!shared && vol.node !== node) throw new SimApiError(500, `volume '${src}' does not exist`);
    return vol.size;
  }
  const owner = /^[^:]+:(?:base|vm)-(\d+)-disk-\d+$/.exec(src);
  const vm = owner ? sim.vms.get(Number(owner[1])) : undefined;
  const drive = vm && Object.values(vm.config).map(String).find((v) => volidOf(v) === src);
  if (!vm || !drive || (!shared && vm.node !== node)) throw new SimApiError(500, `volume '${src}' does not exist`);
  return driveSize(drive);
}

function nextDiskIndex(vmid: number, config: SimConfig): number {
  let n = 0;
  const re = new RegExp(`:(?:base|vm)-${vmid}-disk-(\\d+)`);
  for (const v of Object.values(config)) {
    const m = re.exec(String(v));
    if (m) n = Math.max(n, Number(m[1]) + 1);
  }
  return n;
}

/**
 * Turns a drive value as sent by a client into what PVE stores: `local-zfs:32` allocates
 * `local-zfs:vm-<id>-disk-<n>,size=32G`; `import-from` copies a source's size; `local-zfs:cloudinit`
 * becomes the cloud-init drive. Existing volumes, `none` and `cdrom` are kept as given.
 */
export function allocateDrive(sim: SimCluster, node: string, vmid: number, value: string, config: SimConfig, rootUser: boolean): string {
  const [vol, ...opts] = value.split(',');
  const cloudinit = /^([a-z][a-z0-9\-_.]*[a-z0-9]):cloudinit$/i.exec(vol);
  if (cloudinit) {
    checkImageStorage(sim, cloudinit[1]);
    return `${cloudinit[1]}:vm-${vmid}-cloudinit,media=cdrom`;
  }
  const alloc = /^([a-z][a-z0-9\-_.]*[a-z0-9]):(\d+(?:\.\d+)?)$/i.exec(vol);
  if (!alloc) return value;
  checkImageStorage(sim, alloc[1]);
  let size = Math.round(Number(alloc[2]) * GiB);
  const rest: string[] = [];
  for (const o of opts) {
    const m = /^import-from=(.+)$/.exec(o);
    if (m) size = Math.max(size, importSourceSize(sim, node, m[1], rootUser));
    else if (!/^size=/.test(o)) rest.push(o);
  }
  if (size <= 0) size = GiB;
  const index = nextDiskIndex(vmid, config);
  return [`${alloc[1]}:vm-${vmid}-disk-${index}`, ...rest, `size=${formatSize(size)}`].join(',');
}

const SSH_KEY_RE = /^(?:\S+\s+)?(ssh-rsa|ssh-dss|ssh-ed25519|ecdsa-sha2-nistp(?:256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com)\s+([A-Za-z0-9+/]+={0,2})(?:\s.*)?$/;

/**
 * PVE un-escapes `sshkeys` and has ssh-keygen read every line. A key whose spaces arrived as '+' (form
 * encoding applied once instead of twice) fails here, as on a real cluster.
 */
export function checkSshKeys(value: string): void {
  const fail = () => new SimApiError(500, 'SSH public key validation error');
  let text: string;
  try {
    text = decodeURIComponent(value);
  } catch {
    throw fail();
  }
  for (const line of text.split('\n')) {
    if (/^\s*$/.test(line)) continue;
    const m = SSH_KEY_RE.exec(line.trim());
    if (!m) throw fail();
    const blob = Buffer.from(m[2], 'base64');
    if (blob.length < 4 || blob.subarray(4, 4 + blob.readUInt32BE(0)).toString('latin1') !== m[1]) throw fail();
  }
}

/** Converts create/update parameters into config values: typed per schema, tags normalised, MACs and drives filled in. */
export function configValue(sim: SimCluster, node: string, vmid: number, key: string, raw: unknown, config: SimConfig, rootUser: boolean): string | number {
  let v = qemuConfigValue(key, raw);
  if (key === 'tags') v = normaliseTags(String(v));
  else if (key === 'sshkeys') checkSshKeys(String(v));
  else if (/^net\d+$/.test(key)) v = withMac(sim, String(v));
  else if (DRIVE_RE.test(key)) v = allocateDrive(sim, node, vmid, String(v), config, rootUser);
  return v;
}

export interface ConfigUpdateInput {
  sim: SimCluster;
  vm: SimVmRecord;
  params: Record<string, unknown>;
  /** root@pam with a ticket: may use skiplock. */
  rootUser: boolean;
}

export interface ConfigUpdateResult {
  /** Task warnings (POST's qmconfig task ends `WARNINGS: n`). */
  warnings: string[];
  /** Log lines naming what changed. */
  changes: string[];
}

const onlyRoot = (p: string) => paramError({ [p]: 'Only root may use this option.' });

/** update_vm_api: synchronous checks under the config lock, then the change (applied, or pending while running). */
export function updateVmConfig({ sim, vm, params, rootUser }: ConfigUpdateInput): ConfigUpdateResult {
  const truthy = (k: string) => params[k] === true || params[k] === '1' || params[k] === 1;
  const del = params.delete === undefined ? [] : splitList(String(params.delete)).map((k) => (k === 'cdrom' ? 'ide2' : k));
  const revert = params.revert === undefined ? [] : splitList(String(params.revert));
  for (const k of del) {
    if (params[k] !== undefined) throw paramError({ delete: `you can't use '-${k}' and -delete ${k}' at the same time` });
    if (revert.includes(k)) throw paramError({ revert: `you can't use '-delete ${k}' and '-revert ${k}' at the same time` });
    if (!qemuOptionExists(k)) throw paramError({ delete: `unknown option '${k}'` });
  }
  for (const k of revert) {
    if (!qemuOptionExists(k)) throw paramError({ revert: `unknown option '${k}'` });
    if (params[k] !== undefined) throw paramError({ revert: `you can't use '-${k}' and '-revert ${k}' at the same time` });
  }
  if (truthy('force') && params.delete === undefined) throw paramError({ delete: "missing property - 'force' requires this property" });
  if (truthy('skiplock') && !rootUser) throw onlyRoot('skiplock');
  const changes = Object.keys(params).filter((k) => !CONTROL_KEYS.has(k));
  if (!changes.length && !del.length && !revert.length) throw new SimApiError(500, 'no options specified');
  if (params.digest !== undefined && String(params.digest) !== sim.vmDigest(vm)) throw new SimApiError(500, 'checksum mismatch (file change by other user?)');
  if (!truthy('skiplock')) sim.assertUnlocked(vm);
  const current = effectiveConfig(vm);
  for (const k of del) {
    const v = current[k];
    if (v !== undefined && DRIVE_RE.test(k) && !isCdrom(String(v)) && !isCloudinit(String(v)) && Number(current.protection) === 1) {
      throw new SimApiError(500, `can't remove drive '${k}' - protection mode enabled`);
    }
  }

  const result: ConfigUpdateResult = { warnings: [], changes: [] };
  const running = vm.state !== 'stopped';
  const values: SimConfig = {};
  for (const k of changes) values[k] = configValue(sim, vm.node, vm.vmid, k, params[k], { ...current, ...values }, rootUser);

  for (const k of revert) {
    if (vm.pending) delete vm.pending[k];
    vm.pendingDelete = vm.pendingDelete?.filter((x) => x !== k);
    result.changes.push(`revert ${k}`);
  }
  for (const k of del) {
    if (current[k] === undefined) {
      result.warnings.push(`cannot delete '${k}' - not set in current configuration!`);
      continue;
    }
    result.changes.push(`delete ${k}`);
    const detached = DRIVE_RE.test(k) && !isCdrom(String(current[k])) && !isCloudinit(String(current[k])) && !truthy('force');
    if (!running || appliesWhileRunning(k, current[k])) {
      if (detached) vm.config[nextUnused(vm.config)] = volidOf(String(current[k]));
      delete vm.config[k];
      if (vm.pending) delete vm.pending[k];
    } else {
      vm.pendingDelete = [...new Set([...(vm.pendingDelete ?? []), k])];
    }
  }
  for (const [k, v] of Object.entries(values)) {
    result.changes.push(`${k}: ${k === 'cipassword' ? '**********' : v}`);
    if (!running || appliesWhileRunning(k, v)) {
      vm.config[k] = v;
      if (vm.pending) delete vm.pending[k];
      vm.pendingDelete = vm.pendingDelete?.filter((x) => x !== k);
    } else {
      vm.pending = { ...(vm.pending ?? {}), [k]: v };
    }
  }
  if (!running) applyPending(vm);
  if (vm.pending && !Object.keys(vm.pending).length) delete vm.pending;
  if (vm.pendingDelete && !vm.pendingDelete.length) delete vm.pendingDelete;
  sim.touch();
  return result;
}

function nextUnused(config: SimConfig): string {
  let i = 0;
  while (config[`unused${i}`] !== undefined) i++;
  return `unused${i}`;
}
