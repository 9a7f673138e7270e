// The seed's VM fields (POST /vms, /vms/cloud-init, /vms/{id}/clone) as request schemas and as the PVE config
// parameters they become: disks, NICs, ip configs, tags, cloud-init. Everything PVE would refuse is refused
// here, before anything runs, naming the field; every combination these schemas allow maps to one valid
// PVE request (a VLAN given as both `vlan` and `vlanTag` is one `tag`, never PVE's "duplicate key tag").
import { z } from 'zod';
import type { Inventory } from '../inventory/model.js';
import { getPools } from '../pve/endpoints/pools.js';
import type { PveClient } from '../pve/client.js';
import { RequestError } from './errors.js';
import type { GuestType, OperationTarget } from './types.js';
import { boolField, enumField, intField, textField } from './request-schema.js';
import type { NewGuestSpec } from './new-guest-phases.js';
import { newOwnershipToken } from './vmid-allocator.js';

/** PVE's dns-name format for `name`: dot-separated labels of letters, digits and hyphens (no underscores). */
const DNS_NAME_RE = /^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*$/;
const TAG_RE = /^[a-z0-9_][a-z0-9_\-+.]*$/i;
export const INDEX_PLACEHOLDER = '{index}';
export const MAX_NICS = 8;
export const MAX_BULK = 50;

export const NIC_MODELS = ['virtio', 'e1000', 'e1000e', 'vmxnet3', 'rtl8139'] as const;
export const DISK_INTERFACES = ['SCSI', 'VIRTIO', 'SATA', 'IDE'] as const;
/** Slots per interface (PVE: scsi0-30, virtio0-15, sata0-5, ide0-3). */
const SLOTS: Record<(typeof DISK_INTERFACES)[number], number> = { SCSI: 30, VIRTIO: 15, SATA: 5, IDE: 3 };
export const CACHE_MODES = ['NONE', 'WRITEBACK', 'WRITETHROUGH', 'DIRECTSYNC', 'UNSAFE'] as const;
export const VGA_TYPES = ['std', 'cirrus', 'vmware', 'qxl', 'qxl2', 'qxl3', 'qxl4', 'serial0', 'serial1', 'serial2', 'serial3', 'virtio', 'virtio-gl', 'none'] as const;

// ---- schema pieces -------------------------------------------------------------------------------------------

export const nameField = textField('required: the VM name, a DNS name such as "web-01" (letters, digits, hyphens; dots between labels)')
  .max(253)
  .describe(`a DNS name (no underscores); ${INDEX_PLACEHOLDER} numbers the VMs when count > 1`);

export const vmidField = intField(100, 999_999_999).describe('default: the next free id');

export const networkSchema = z
  .strictObject({
    model: enumField(NIC_MODELS).optional().describe('NIC model (default virtio)'),
    bridge: textField('required: the Linux bridge, e.g. "vmbr0"').regex(/^[A-Za-z0-9_.-]+$/, { error: 'must be a bridge name such as vmbr0' }).describe('the bridge, e.g. vmbr0'),
    vlan: intField(1, 4094).optional().describe('VLAN tag (1-4094)'),
    vlanTag: intField(1, 4094).optional().describe('the same as vlan (either name)'),
    firewall: boolField().optional().describe("PVE's firewall on this NIC"),
  })
  .describe('a network interface');

export const diskSchema = z.strictObject({
  interfaceType: enumField(DISK_INTERFACES).describe('SCSI, VIRTIO, SATA or IDE'),
  slot: intField(0, 30).describe('the slot: scsi0-30, virtio0-15, sata0-5, ide0-3'),
  storage: textField('required: a storage with images content, e.g. "local-zfs"').describe('a storage with images content'),
  sizeGB: intField(1, 131072).describe('size in GiB'),
  ssd: boolField().optional().describe('tell the guest it is an SSD (not for VIRTIO)'),
  iothread: boolField().optional().describe('an IO thread for the disk (SCSI and VIRTIO)'),
  cache: enumField(CACHE_MODES).optional().describe('cache mode'),
  discard: boolField().optional().describe('pass discard/TRIM to the storage'),
  backup: boolField().optional().describe('include in backups (default true)'),
});

export const diskOptionsSchema = z
  .strictObject({
    ssd: boolField().optional(),
    iothread: boolField().optional(),
    discard: boolField().optional(),
    cache: enumField(CACHE_MODES).optional(),
  })
  .describe('options of the imported system disk');

const ipConfigField = z.string({ error: 'must be an ipconfig string such as "ip=dhcp" or "ip=10.0.0.5/24,gw=10.0.0.1"' }).describe('"ip=dhcp" or "ip=10.0.0.5/24,gw=10.0.0.1" (ip6=, gw6= too)');

export const tagsField = z
  .union([z.array(z.string()), z.string()], { error: 'must be a list of tags or a comma-separated string' })
  .describe('tags: a list or "a,b,c"');

/** Fields of the three VM-making bodies shared by create, cloud-init and clone. */
export const networkFields = {
  network: networkSchema.optional().describe('one NIC (net0)'),
  networks: z.array(networkSchema).max(MAX_NICS, { error: `at most ${MAX_NICS} NICs (net0-net7)` }).optional().describe(`up to ${MAX_NICS} NICs, net0 first`),
  ipConfig: ipConfigField.optional().describe('cloud-init ipconfig0'),
  ipConfigs: z.array(ipConfigField).max(MAX_NICS, { error: `at most ${MAX_NICS} ip configs (ipconfig0-7)` }).optional().describe('ipconfig0..7, in NIC order'),
};

export const cloudInitFields = {
  cloudInitUser: z.string().min(1).max(64).optional().describe('cloud-init user (ciuser)'),
  cloudInitPassword: z.string().min(1).max(256).optional().describe('never recorded'),
  sshKeys: z.string().min(1).max(16_384).optional().describe('one per line'),
  nameservers: z.string().min(1).optional().describe('comma- or space-separated'),
  searchDomain: z.string().min(1).optional().describe('DNS search domain'),
};

export const bulkCountField = intField(1, MAX_BULK).optional().describe(`VMs from this spec (1-${MAX_BULK}); the name then needs ${INDEX_PLACEHOLDER}`);

/** The run fields of a capability that makes guests: how many, how many at once, dry run, the failure policy. */
export function newGuestRunFields(o: { atOnce: string; failed: string }) {
  return {
    count: bulkCountField,
    maxParallel: intField(1, 20).optional().describe(o.atOnce),
    maxPerNode: intField(1, 20).optional().describe('steps at once per node'),
    dryRun: boolField().optional().describe('only return the plan; nothing is changed'),
    onFailure: enumField(['continue', 'stop']).optional().describe(`after a failed ${o.failed}: 'continue' (default) or 'stop' starting new ones`),
  };
}

// ---- checks and mapping --------------------------------------------------------------------------------------

type Network = z.infer<typeof networkSchema>;
type Disk = z.infer<typeof diskSchema>;
type DiskOptions = z.infer<typeof diskOptionsSchema>;
export type PveParams = Record<string, string | number>;

/** The names of `count` VMs: `name` with {index} = 1..count; a single VM keeps its name. */
export function renderNames(name: string, count: number | undefined): string[] {
  const n = count ?? 1;
  if (n > 1 && !name.includes(INDEX_PLACEHOLDER)) throw new RequestError('name', `must contain ${INDEX_PLACEHOLDER} when count is ${n}, e.g. "web-${INDEX_PLACEHOLDER}", so every VM gets its own name`);
  const names = Array.from({ length: n }, (_, i) => name.split(INDEX_PLACEHOLDER).join(String(i + 1)));
  for (const rendered of names) if (!DNS_NAME_RE.test(rendered)) throw new RequestError('name', `'${rendered}' is not a valid VM name: letters, digits and hyphens, dots between labels, no underscores or spaces (PVE's dns-name)`);
  return names;
}

export function checkNode(inv: Inventory, node: string, field = 'node'): void {
  const n = inv.nodes.find((x) => x.node === node);
  if (!n) throw new RequestError(field, `no node '${node}' in this cluster; nodes: ${inv.nodes.map((x) => x.node).join(', ')}`);
  if (n.status !== 'online') throw new RequestError(field, `node '${node}' is ${n.status}; choose an online node`);
}

/** A storage on `node` that holds VM disks, or a RequestError naming `field`. */
export function checkImageStorage(inv: Inventory, node: string, storage: string, field: string): { shared: boolean } {
  const s = inv.storages.find((x) => x.storage === storage && x.node === node);
  const withImages = inv.storages.filter((x) => x.node === node && x.content.includes('images')).map((x) => x.storage);
  if (!s) throw new RequestError(field, `no storage '${storage}' on node ${node}; storages for VM disks there: ${withImages.join(', ') || 'none'}`);
  if (!s.content.includes('images')) throw new RequestError(field, `storage '${storage}' does not support vm images (PVE's words); use one of ${withImages.join(', ')}`);
  return { shared: s.shared };
}

/** The storage a legacy `diskGB` lands on: the node's first non-shared storage with images content. */
export function defaultDiskStorage(inv: Inventory, node: string): string {
  const candidates = inv.storages.filter((x) => x.node === node && x.content.includes('images')).sort((a, b) => Number(a.shared) - Number(b.shared));
  if (!candidates.length) throw new RequestError('diskGB', `node ${node} has no storage for VM disks; give disks[] with a storage`);
  return candidates[0].storage;
}

export async function checkPool(client: PveClient, pool: string | undefined): Promise<void> {
  if (pool === undefined) return;
  const pools = (await getPools(client)).map((p) => p.poolid);
  if (!pools.includes(pool)) throw new RequestError('pool', `no pool '${pool}' (PVE would refuse it: "pool '${pool}' does not exist"); pools: ${pools.join(', ') || 'none'}`);
}

export function tagList(tags: string[] | string | undefined, field = 'tags'): string[] {
  if (tags === undefined) return [];
  const list = Array.isArray(tags) ? tags : tags.split(/[,;\s]+/).filter(Boolean);
  return [
    ...new Set(
      list.map((t, i) => {
        if (!TAG_RE.test(t) || t.length > 128) throw new RequestError(Array.isArray(tags) ? `${field}[${i}]` : field, `'${t}' is not a valid PVE tag: letters, digits and _ - + . only, not starting with - + or .`);
        return t.toLowerCase();
      }),
    ),
  ].sort();
}

/** net0..: one NIC string each, as PVE takes it (model, bridge, one tag, firewall). */
export function nicParams(r: { network?: Network; networks?: Network[] }): PveParams {
  if (r.network && r.networks) throw new RequestError('networks', 'give network (one NIC) or networks (a list), not both');
  const nics = r.networks ?? (r.network ? [r.network] : []);
  const out: PveParams = {};
  nics.forEach((n, i) => {
    const field = r.networks ? `networks[${i}]` : 'network';
    if (n.vlan !== undefined && n.vlanTag !== undefined && n.vlan !== n.vlanTag) throw new RequestError(`${field}.vlanTag`, `disagrees with vlan (${n.vlan} and ${n.vlanTag}); give one VLAN tag`);
    const tag = n.vlan ?? n.vlanTag;
    const parts = [n.model ?? 'virtio', `bridge=${n.bridge}`];
    if (n.firewall !== undefined) parts.push(`firewall=${n.firewall ? 1 : 0}`);
    if (tag !== undefined) parts.push(`tag=${tag}`);
    out[`net${i}`] = parts.join(',');
  });
  return out;
}

const IP4_CIDR = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/;
const IP4 = /^(\d{1,3}\.){3}\d{1,3}$/;
const IP6_CIDR = /^[0-9a-fA-F:]+\/\d{1,3}$/;

/** PVE's ipconfig format: ip=CIDR|dhcp|manual, gw needs ip, ip6=CIDR|auto|dhcp|manual, gw6 needs ip6. */
function checkIpConfig(value: string, field: string): void {
  const seen: Record<string, string> = {};
  for (const part of value.split(',')) {
    const [k, v] = part.split('=', 2);
    if (v === undefined || !['ip', 'gw', 'ip6', 'gw6'].includes(k)) throw new RequestError(field, `'${part}' is not an ipconfig part; use ip=CIDR|dhcp|manual, gw=IP, ip6=CIDR|auto|dhcp|manual, gw6=IP (e.g. "ip=10.0.0.5/24,gw=10.0.0.1")`);
    if (seen[k] !== undefined) throw new RequestError(field, `'${k}' is given twice`);
    seen[k] = v;
  }
  if (seen.ip !== undefined && !['dhcp', 'manual'].includes(seen.ip) && !IP4_CIDR.test(seen.ip)) throw new RequestError(field, `ip '${seen.ip}' must be an IPv4 address with prefix (10.0.0.5/24), dhcp or manual`);
  if (seen.gw !== undefined && !IP4.test(seen.gw)) throw new RequestError(field, `gw '${seen.gw}' must be an IPv4 address`);
  if (seen.gw !== undefined && (seen.ip === undefined || seen.ip === 'dhcp' || seen.ip === 'manual')) throw new RequestError(field, 'gw needs a static ip (PVE: gw requires ip)');
  if (seen.ip6 !== undefined && !['dhcp', 'auto', 'manual'].includes(seen.ip6) && !IP6_CIDR.test(seen.ip6)) throw new RequestError(field, `ip6 '${seen.ip6}' must be an IPv6 address with prefix, auto, dhcp or manual`);
  if (seen.gw6 !== undefined && seen.ip6 === undefined) throw new RequestError(field, 'gw6 needs ip6');
}

export function ipConfigParams(r: { ipConfig?: string; ipConfigs?: string[] }): PveParams {
  if (r.ipConfig !== undefined && r.ipConfigs !== undefined) throw new RequestError('ipConfigs', 'give ipConfig (ipconfig0) or ipConfigs (a list), not both');
  const list = r.ipConfigs ?? (r.ipConfig !== undefined ? [r.ipConfig] : []);
  const out: PveParams = {};
  list.forEach((v, i) => {
    checkIpConfig(v, r.ipConfigs ? `ipConfigs[${i}]` : 'ipConfig');
    out[`ipconfig${i}`] = v;
  });
  return out;
}

const SSH_KEY_LINE = /^(?:(?:[^\s"]+|"[^"]*")\s+)?(ssh-rsa|ssh-dss|ssh-ed25519|ecdsa-sha2-nistp(?:256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com)\s+([A-Za-z0-9+/]+={0,2})(\s.*)?$/;

/** The keys as PVE validates them (each line an OpenSSH public key), one per line. */
export function sshKeyText(keys: string, field = 'sshKeys'): string {
  const lines = keys.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  lines.forEach((line, i) => {
    const m = SSH_KEY_LINE.exec(line);
    const blob = m ? Buffer.from(m[2], 'base64') : undefined;
    if (!m || !blob || blob.length < 4 || blob.subarray(4, 4 + blob.readUInt32BE(0)).toString('latin1') !== m[1]) {
      throw new RequestError(field, `line ${i + 1} is not an OpenSSH public key ("ssh-ed25519 AAAA… comment"); PVE would answer "SSH public key validation error"`);
    }
  });
  return lines.join('\n');
}

export function nameserverParam(value: string): string {
  const list = value.split(/[,\s]+/).filter(Boolean);
  for (const ip of list) if (!IP4.test(ip) && !/^[0-9a-fA-F:]+$/.test(ip)) throw new RequestError('nameservers', `'${ip}' is not an IP address`);
  return list.join(' ');
}

/** Cloud-init params from the seed fields (cipassword left out: it is added at run time, never planned or recorded). */
export function cloudInitParams(r: { cloudInitUser?: string; sshKeys?: string; nameservers?: string; searchDomain?: string; ipConfig?: string; ipConfigs?: string[] }): PveParams {
  const out: PveParams = { ...ipConfigParams(r) };
  if (r.cloudInitUser !== undefined) out.ciuser = r.cloudInitUser;
  // Sent URL-encoded (spaces as %20) inside the form body, as PVE requires; the client's encodeConfigParams does it.
  if (r.sshKeys !== undefined) out.sshkeys = sshKeyText(r.sshKeys);
  if (r.nameservers !== undefined) out.nameserver = nameserverParam(r.nameservers);
  if (r.searchDomain !== undefined) out.searchdomain = r.searchDomain;
  return out;
}

export function driveOptions(o: DiskOptions & { backup?: boolean }, iface: string, field: string): string[] {
  const opts: string[] = [];
  if (o.ssd) {
    if (iface === 'virtio') throw new RequestError(`${field}.ssd`, 'VIRTIO disks have no ssd option (PVE refuses it); use SCSI or leave ssd out');
    opts.push('ssd=1');
  }
  if (o.iothread) {
    if (iface !== 'scsi' && iface !== 'virtio') throw new RequestError(`${field}.iothread`, `${iface.toUpperCase()} disks have no iothread option; use SCSI or VIRTIO`);
    opts.push('iothread=1');
  }
  if (o.discard) opts.push('discard=on');
  if (o.cache) opts.push(`cache=${o.cache.toLowerCase()}`);
  if (o.backup === false) opts.push('backup=0');
  return opts;
}

/** scsi0/virtio1/…: `storage:sizeGB,options`, each storage checked on the node; duplicates refused. */
export function diskParams(inv: Inventory, node: string, disks: Disk[]): PveParams {
  const out: PveParams = {};
  disks.forEach((d, i) => {
    const field = `disks[${i}]`;
    if (d.slot > SLOTS[d.interfaceType]) throw new RequestError(`${field}.slot`, `${d.interfaceType} slots are 0-${SLOTS[d.interfaceType]} (got ${d.slot})`);
    const iface = d.interfaceType.toLowerCase();
    const key = `${iface}${d.slot}`;
    if (out[key] !== undefined) throw new RequestError(`${field}.slot`, `${key} is given twice`);
    checkImageStorage(inv, node, d.storage, `${field}.storage`);
    out[key] = [`${d.storage}:${d.sizeGB}`, ...driveOptions(d, iface, field)].join(',');
  });
  if (Object.keys(out).some((k) => k.startsWith('scsi'))) out.scsihw = 'virtio-scsi-single';
  return out;
}

/** `order=…` from bootOrder ("order=net0;scsi0" or "net0;scsi0"), every device one the VM will have. */
export function bootParam(bootOrder: string, params: PveParams): string {
  const list = bootOrder.replace(/^order=/, '');
  const devices = list.split(/[;,]/).filter(Boolean);
  if (!devices.length) throw new RequestError('bootOrder', 'must list devices, e.g. "order=scsi0;net0"');
  for (const d of devices) {
    if (params[d] === undefined) throw new RequestError('bootOrder', `'${d}' is not a device of this VM (PVE: invalid bootorder: device '${d}' does not exist); it has ${Object.keys(params).filter((k) => /^(scsi|virtio|sata|ide|net)\d+$/.test(k)).join(', ')}`);
  }
  return `order=${devices.join(';')}`;
}

/** A text the caller wants in the VM's description must leave room for moxxie's marker (PVE's 8 KiB). */
export function checkDescription(description: string | undefined): void {
  if (description !== undefined && Buffer.byteLength(description, 'utf8') > 8000) throw new RequestError('description', 'at most 8000 bytes (PVE allows 8 KiB; moxxie adds its marker)');
}

/** Ids the inventory shows as taken, for the plan's estimate of the ids new VMs will get. */
export function estimateIds(inv: Inventory, count: number, from = 100): number[] {
  const used = new Set(inv.vms.map((v) => v.vmid));
  const out: number[] = [];
  for (let id = from; out.length < count; id++) if (!used.has(id)) out.push(id);
  return out;
}

/**
 * New-guest targets for `names`, with ids as the plan can foresee them (the allocator decides at run time).
 * `spec(name)` gives what the guest's phases need beyond what every new guest's spec holds (NewGuestSpec: its
 * name, node, the operator's id and a fresh ownership token), which is filled in here.
 */
export function newGuestTargets<S extends NewGuestSpec>(
  inv: Inventory,
  names: string[],
  at: { guestType: GuestType; vmid: number | undefined; node: string },
  action: (name: string) => string,
  spec: (name: string) => Omit<S, keyof NewGuestSpec>,
): OperationTarget[] {
  const ids = at.vmid !== undefined ? [at.vmid] : estimateIds(inv, names.length);
  return names.map((name, i) => ({
    id: `new-${i + 1}`,
    kind: 'new-guest',
    vmid: ids[i],
    guestType: at.guestType,
    name,
    node: at.node,
    state: 'planned',
    action: action(name),
    phases: [],
    spec: { name, node: at.node, vmid: at.vmid, token: newOwnershipToken(), ...spec(name) },
  }));
}

export const agentParam = (on: boolean | undefined): PveParams => (on === undefined ? {} : { agent: on ? 'enabled=1' : 'enabled=0' });

/** A disk size in GiB as the seed's fields give it. */
export const intFieldGB = intField(1, 131072);
