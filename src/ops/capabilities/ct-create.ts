// Create containers (pct create) from an OS template (`vztmpl` content): hostname, template, root disk, NICs
// (name, bridge, ip, gw, VLAN tag), cores, memory, swap, unprivileged, features, SSH public keys, a root
// password (never recorded: added at run time from the live request, like cloud-init's), DNS, tags, pool;
// or N of them from one spec with a hostname pattern (web-{index}). What PVE would refuse is refused here,
// naming the field. Each CT is a 'new-guest' target: make (an allocator id, awaited `vzcreate`, ownership
// check), start if asked (`vzstart`), verify the config read back. A failed phase is undone.
import { z } from 'zod';
import type { Inventory } from '../../inventory/model.js';
import { postLxcCreate } from '../../pve/endpoints/guest.js';
import { getStorageContent } from '../../pve/endpoints/storage.js';
import { clusterFeatures, requireFeature } from '../../pve/features.js';
import type { PveClient } from '../../pve/client.js';
import { lazySchema } from '../lazy-schema.js';
import type { Capability } from '../capability.js';
import { RequestError } from '../errors.js';
import { checkDescription, checkNode, checkPool, nameserverParam, newGuestRunFields, newGuestTargets, renderNames, sshKeyText, tagList, tagsField, vmidField, type PveParams } from '../guest-config.js';
import { makeContainerPhase, startContainerPhase, verifyContainerPhase } from '../new-container-phases.js';
import { refuseMissingBridges } from '../node-bridges.js';
import type { NewGuestSpec } from '../new-guest-phases.js';
import { boolField, intField, textField } from '../request-schema.js';
import { describeCreated } from '../vmid-allocator.js';
import { CREATE_TASK_TIMEOUT_MS } from './vm-create.js';

/** pve-container's MAX_LXC_NETWORKS. */
export const MAX_CT_NICS = 32;
const IFACE_RE = /^[-_.\w]+$/;
const IP4_CIDR = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/;
const IP4 = /^(\d{1,3}\.){3}\d{1,3}$/;
const IP6_CIDR = /^[0-9a-fA-F:]+\/\d{1,3}$/;
const IP6 = /^[0-9a-fA-F:]+$/;
const TEMPLATE_RE = /^([a-zA-Z][-\w.]*):vztmpl\/(.+\.tar\.(?:gz|xz|zst))$/;

const ctNetworkSchema = z
  .strictObject({
    name: z.string().min(1).max(15).regex(IFACE_RE, { error: 'must be an interface name such as eth0' }).optional().describe('the interface inside the CT (default eth0, eth1 …)'),
    bridge: textField('required: the Linux bridge, e.g. "vmbr0"').regex(/^[-_.\w]+$/, { error: 'must be a bridge name such as vmbr0' }).describe('the bridge, e.g. vmbr0'),
    ip: z.string().optional().describe('IPv4: "dhcp", "manual" or an address with prefix, 10.0.0.5/24'),
    gw: z.string().optional().describe('IPv4 gateway (needs a static ip)'),
    ip6: z.string().optional().describe('IPv6: "auto", "dhcp", "manual" or an address with prefix'),
    gw6: z.string().optional().describe('IPv6 gateway (needs a static ip6)'),
    tag: intField(1, 4094).optional().describe('VLAN tag (1-4094)'),
    firewall: boolField().optional().describe("PVE's firewall on this NIC"),
  })
  .describe('a container NIC (netN)');

const featuresSchema = z
  .strictObject({
    nesting: boolField().optional().describe('nested containers (systemd in newer distributions wants it)'),
    keyctl: boolField().optional().describe('keyctl() for unprivileged CTs (docker inside)'),
    fuse: boolField().optional().describe('fuse file systems'),
    mknod: boolField().optional().describe('mknod() in unprivileged CTs (experimental)'),
    mount: z.array(z.string().regex(/^[a-zA-Z0-9_]+$/, { error: 'must be a file system type such as nfs or cifs' })).min(1).optional().describe('file system types the CT may mount, e.g. ["nfs"]'),
  })
  .describe('LXC features');

const schema = lazySchema(() =>
  z.strictObject({
    node: textField('required: the node to create the container on, e.g. "pve1"').describe('the node'),
    hostname: textField('required: the host name, a DNS name such as "web-01"').max(253).describe('the host name (a DNS name); {index} is the number of each CT when count > 1'),
    ostemplate: textField('required: a container template volume, e.g. "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst"').describe("a vztmpl volume (list_storage_content lists them)"),
    vmid: vmidField.optional(),
    rootfs: z
      .strictObject({
        storage: textField('a storage with container (rootdir) content, e.g. "local-zfs"').optional().describe("default: the node's first rootdir storage"),
        sizeGB: intField(1, 131072).optional().describe('size in GiB (default 8)'),
      })
      .optional()
      .describe("default: 8 GiB on the node's first rootdir storage"),
    networks: z.array(ctNetworkSchema).max(MAX_CT_NICS, { error: `at most ${MAX_CT_NICS} NICs (net0-net${MAX_CT_NICS - 1})` }).optional().describe('NICs, net0 first'),
    cores: intField(1, 8192).optional().describe('CPU cores (default: all of the node)'),
    memoryMB: intField(16, 8_388_608).optional().describe('memory in MiB (default 512)'),
    swapMB: intField(0, 8_388_608).optional().describe('swap in MiB (default 512)'),
    unprivileged: boolField().optional().describe('default true'),
    features: featuresSchema.optional(),
    sshPublicKeys: z.string().min(1).max(16_384).optional().describe("for root, one per line"),
    password: z.string().min(5, { error: 'must be at least 5 characters (PVE: minLength 5)' }).max(256).optional().describe('never recorded'),
    nameservers: z.string().min(1).optional().describe('DNS servers, comma- or space-separated (default: the host\'s)'),
    searchDomain: z.string().min(1).optional().describe('DNS search domain'),
    tags: tagsField.optional(),
    pool: z.string().min(1).optional().describe('must exist'),
    description: z.string().optional().describe('moxxie adds its marker line'),
    startOnBoot: boolField().optional().describe('start with the node (onboot)'),
    haManaged: boolField().optional().describe('PVE 9.1+'),
    start: boolField().optional().describe('start the CT once it is made'),
    ...newGuestRunFields({ atOnce: 'CTs made at once (1-20)', failed: 'CT' }),
  }));
export type CtCreateRequest = z.infer<ReturnType<typeof schema>>;

interface Spec extends NewGuestSpec {
  ostemplate: string;
  params: PveParams;
  start: boolean;
  haManaged: boolean;
  verify: PveParams;
  /** The request set a root password (the value itself is never recorded): a resume cannot make this CT without it. */
  rootPwGiven?: boolean;
}

type Network = z.infer<typeof ctNetworkSchema>;

/** netN as pve-container takes it: name=…,bridge=…[,firewall][,ip,gw][,ip6,gw6][,tag]. */
function netParam(n: Network, i: number): string {
  const field = `networks[${i}]`;
  if (n.ip !== undefined && !['dhcp', 'manual'].includes(n.ip) && !IP4_CIDR.test(n.ip)) throw new RequestError(`${field}.ip`, `'${n.ip}' must be dhcp, manual or an IPv4 address with prefix (10.0.0.5/24)`);
  if (n.gw !== undefined && !IP4.test(n.gw)) throw new RequestError(`${field}.gw`, `'${n.gw}' must be an IPv4 address`);
  if (n.gw !== undefined && (n.ip === undefined || n.ip === 'dhcp' || n.ip === 'manual')) throw new RequestError(`${field}.gw`, 'a gateway needs a static ip (10.0.0.5/24)');
  if (n.ip6 !== undefined && !['auto', 'dhcp', 'manual'].includes(n.ip6) && !IP6_CIDR.test(n.ip6)) throw new RequestError(`${field}.ip6`, `'${n.ip6}' must be auto, dhcp, manual or an IPv6 address with prefix`);
  if (n.gw6 !== undefined && !IP6.test(n.gw6)) throw new RequestError(`${field}.gw6`, `'${n.gw6}' must be an IPv6 address`);
  if (n.gw6 !== undefined && (n.ip6 === undefined || ['auto', 'dhcp', 'manual'].includes(n.ip6))) throw new RequestError(`${field}.gw6`, 'an IPv6 gateway needs a static ip6');
  const parts = [`name=${n.name ?? `eth${i}`}`, `bridge=${n.bridge}`];
  if (n.firewall !== undefined) parts.push(`firewall=${n.firewall ? 1 : 0}`);
  for (const k of ['ip', 'gw', 'ip6', 'gw6'] as const) if (n[k] !== undefined) parts.push(`${k}=${n[k]}`);
  if (n.tag !== undefined) parts.push(`tag=${n.tag}`);
  return parts.join(',');
}

function featuresParam(f: z.infer<typeof featuresSchema>, unprivileged: boolean): string | undefined {
  if (f.keyctl && !unprivileged) throw new RequestError('features.keyctl', 'keyctl is for unprivileged containers only (PVE); leave it out or set unprivileged true');
  if (f.mknod && !unprivileged) throw new RequestError('features.mknod', 'mknod is for unprivileged containers only (PVE); leave it out or set unprivileged true');
  const parts: string[] = [];
  for (const k of ['fuse', 'keyctl', 'mknod', 'nesting'] as const) if (f[k] !== undefined) parts.push(`${k}=${f[k] ? 1 : 0}`);
  if (f.mount) parts.push(`mount=${f.mount.join(';')}`);
  return parts.length ? parts.join(',') : undefined;
}

/** The storage the root disk goes on: the one asked for (checked on the node), or the node's first for containers. */
function rootfsParam(inv: Inventory, node: string, rootfs: CtCreateRequest['rootfs']): string {
  const forCts = inv.storages.filter((s) => s.node === node && s.content.includes('rootdir')).sort((a, b) => Number(a.shared) - Number(b.shared));
  const size = rootfs?.sizeGB ?? 8;
  if (rootfs?.storage === undefined) {
    if (!forCts.length) throw new RequestError('rootfs.storage', `node ${node} has no storage for containers (rootdir content); give rootfs.storage`);
    return `${forCts[0].storage}:${size}`;
  }
  const s = inv.storages.find((x) => x.storage === rootfs.storage && x.node === node);
  const names = forCts.map((x) => x.storage).join(', ') || 'none';
  if (!s) throw new RequestError('rootfs.storage', `no storage '${rootfs.storage}' on node ${node}; storages for containers there: ${names}`);
  if (!s.content.includes('rootdir')) throw new RequestError('rootfs.storage', `storage '${rootfs.storage}' does not support container directories (PVE's words; it lacks rootdir content); use one of ${names}`);
  return `${rootfs.storage}:${size}`;
}

/** The template must be a vztmpl volume that `node` can read; the error lists the ones it can. */
async function checkTemplate(client: PveClient, inv: Inventory, node: string, volid: string): Promise<void> {
  const withTemplates = inv.storages.filter((s) => s.node === node && s.content.includes('vztmpl'));
  const available = async (): Promise<string[]> => {
    const lists = await Promise.all(withTemplates.map((s) => getStorageContent(client, node, s.storage, { content: 'vztmpl' }).catch(() => [])));
    return lists.flat().map((i) => i.volid);
  };
  const m = TEMPLATE_RE.exec(volid);
  if (!m) throw new RequestError('ostemplate', `'${volid}' is not a container template volume; give STORAGE:vztmpl/FILE.tar.{gz,xz,zst}${(await available()).slice(0, 5).map((v, i) => `${i ? ',' : ';'} ${v}`).join('') || ''}`);
  const storage = withTemplates.find((s) => s.storage === m[1]);
  if (!storage) throw new RequestError('ostemplate', `storage '${m[1]}' holds no container templates on node ${node}; storages with vztmpl content there: ${withTemplates.map((s) => s.storage).join(', ') || 'none'}`);
  const list = await available();
  if (!list.includes(volid)) throw new RequestError('ostemplate', `no template '${volid}' on node ${node}; templates there: ${list.join(', ') || 'none (storage download fetches one)'}`);
}

/** The PVE create params of one CT (without vmid, hostname, description, password), every field checked. */
function createParams(inv: Inventory, r: CtCreateRequest): PveParams {
  const unprivileged = r.unprivileged ?? true;
  const params: PveParams = { rootfs: rootfsParam(inv, r.node, r.rootfs), unprivileged: unprivileged ? 1 : 0 };
  if (r.cores !== undefined) params.cores = r.cores;
  if (r.memoryMB !== undefined) params.memory = r.memoryMB;
  if (r.swapMB !== undefined) params.swap = r.swapMB;
  const features = r.features ? featuresParam(r.features, unprivileged) : undefined;
  if (features) params.features = features;
  (r.networks ?? []).forEach((n, i) => (params[`net${i}`] = netParam(n, i)));
  const names = (r.networks ?? []).map((n, i) => n.name ?? `eth${i}`);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new RequestError('networks', `interface name '${dup}' is given twice`);
  if (r.nameservers !== undefined) params.nameserver = nameserverParam(r.nameservers);
  if (r.searchDomain !== undefined) params.searchdomain = r.searchDomain;
  if (r.sshPublicKeys !== undefined) params['ssh-public-keys'] = sshKeyText(r.sshPublicKeys, 'sshPublicKeys');
  if (r.startOnBoot !== undefined) params.onboot = r.startOnBoot ? 1 : 0;
  const tags = tagList(r.tags);
  if (tags.length) params.tags = tags.join(';');
  return params;
}

/** The hostnames of `count` CTs (PVE's dns-name, as a VM name), errors naming `hostname`. */
function hostnames(pattern: string, count: number | undefined): string[] {
  try {
    return renderNames(pattern, count);
  } catch (err) {
    if (err instanceof RequestError) throw new RequestError('hostname', err.message.replace(/^name: /, '').replace('VM name', 'host name'));
    throw err;
  }
}

/** What the verify compares with the CT's config (ssh keys and DNS are not in it as sent). */
const VERIFIED = /^(cores|memory|swap|unprivileged|features|onboot|tags|rootfs|net\d+)$/;

export const ctCreate: Capability<CtCreateRequest> = {
  kind: 'ct.create',
  title: 'Create containers',
  description:
    'Create a container (or count containers named by a {index} hostname pattern) from an OS template (vztmpl). The root password is never recorded. Success means the vzcreate task ended OK, the CT with that id is ours with the config asked for, and it runs if start was asked; otherwise it is removed again.',
  get schema() {
    return schema();
  },
  guestTypes: ['lxc'],
  label: (r) => `create ${r.count && r.count > 1 ? `${r.count} containers ${r.hostname}` : `container ${r.hostname}`} on ${r.node}`,
  destructive: () => false,
  undoFailed: true,
  taskTimeoutMs: () => CREATE_TASK_TIMEOUT_MS,
  names: {
    tool: 'create_container',
    verb: ['ct', 'create'],
    cli: { aliases: { memory: 'memoryMB', swap: 'swapMB', 'memory-mb': 'memoryMB', 'swap-mb': 'swapMB' } },
  },
  hints: { destructive: false, idempotent: false },

  async plan(input, req) {
    checkNode(input.inventory, req.node);
    if (req.vmid !== undefined && (req.count ?? 1) > 1) throw new RequestError('vmid', 'give no vmid when count > 1: every CT takes the next free id');
    if (req.vmid !== undefined && input.inventory.vms.some((v) => v.vmid === req.vmid)) throw new RequestError('vmid', `guest ${req.vmid} already exists; choose another id or leave vmid out for the next free one`);
    checkDescription(req.description);
    if (req.haManaged) {
      // ha-managed exists from PVE 9.1 on; an older cluster would answer 400 after the plan was shown.
      try {
        requireFeature(await clusterFeatures(input.client), 'lxc-create-ha-managed');
      } catch (err) {
        throw new RequestError('haManaged', (err as Error).message);
      }
    }
    const params = createParams(input.inventory, req);
    await refuseMissingBridges(input.client, req.node, params, (i) => `networks[${i}].bridge`);
    await checkTemplate(input.client, input.inventory, req.node, req.ostemplate);
    await checkPool(input.client, req.pool);
    const names = hostnames(req.hostname, req.count);
    const nics = Object.keys(params).filter((k) => /^net\d+$/.test(k)).length;
    const what = `${req.ostemplate.split('/').pop()}, rootfs ${params.rootfs}, ${nics} NIC${nics === 1 ? '' : 's'}`;
    const targets = newGuestTargets<Spec>(
      input.inventory,
      names,
      { guestType: 'lxc', vmid: req.vmid, node: req.node },
      (name) => `create CT ${name} (${what})${req.vmid === undefined ? ', next free id' : ''}${req.haManaged ? ', HA-managed' : ''}${req.start ? ', then start' : ''}${req.password ? ' (password set, not recorded)' : ''}`,
      (name) => ({
        ostemplate: req.ostemplate,
        params,
        start: req.start === true,
        haManaged: req.haManaged === true,
        rootPwGiven: req.password !== undefined,
        verify: { ...Object.fromEntries(Object.entries(params).filter(([k]) => VERIFIED.test(k))), hostname: name },
      }),
    );
    return { targets, blocked: new Set() };
  },

  phases(target, req) {
    const spec = target.spec as unknown as Spec;
    const send = (client: PveClient, vmid: number) => {
      // A resume works from the recorded request, which has no password: making the CT without one would
      // silently drop what the operator asked for. A CT already made (with it) is found by the phase's check.
      if (spec.rootPwGiven && req.password === undefined) {
        throw new Error(`CT ${spec.name} was asked with a root password, which moxxie never records, and it was not created yet: a resume cannot create it without the password; run ct.create again with the password`);
      }
      return postLxcCreate(client, spec.node, {
        ...spec.params,
        vmid,
        ostemplate: spec.ostemplate,
        hostname: spec.name,
        description: describeCreated(req.description, spec.token),
        ...(req.pool ? { pool: req.pool } : {}),
        ...(spec.haManaged ? { 'ha-managed': 1 } : {}),
        // The password comes from the live request only: it is in no plan, journal or history.
        ...(req.password ? { password: req.password } : {}),
      });
    };
    return [
      makeContainerPhase(target, spec, send),
      ...(spec.start ? [startContainerPhase(target)] : []),
      verifyContainerPhase(target, spec, { running: spec.start, keys: spec.verify, haManaged: spec.haManaged }),
    ];
  },

  resources: (target, req) => {
    const spec = target.spec as unknown as Spec;
    return { guests: req.vmid !== undefined ? [req.vmid] : [], nodes: [spec.node], storages: [String(spec.params.rootfs).split(':')[0]] };
  },
};

