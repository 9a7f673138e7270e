// The cluster spec: the seed's `POST /clusters/provision` body verbatim (field names, enums, nesting), as one
// strict zod schema. Every front end (CLI --file, MCP, TUI, a YAML or JSON file) parses through it, so an
// unknown or misspelt field is refused naming it and the valid names. Passwords are accepted but never
// recorded: `recordableSpec` drops them before a spec reaches history, output or an error.
import { z } from 'zod';
import { RequestError } from '../errors.js';
import { recordableRequest } from '../request-record.js';
import { boolField, enumField, intField, parseRequest, textField } from '../request-schema.js';
import { ipPatternProblem } from './ip-patterns.js';

export const CLUSTER_TYPES = ['GENERIC', 'TALOS', 'K8S', 'K3S', 'DOCKER_SWARM'] as const;
export const NODE_ROLES = ['CONTROL_PLANE', 'WORKER', 'ETCD', 'LOAD_BALANCER', 'STORAGE', 'GENERIC'] as const;
export const ANTI_AFFINITY = ['NONE', 'SOFT', 'HARD', 'ZONE_AWARE'] as const;
export const ROLLBACK_STRATEGIES = ['FULL', 'PARTIAL', 'NONE', 'MARK_FAILED'] as const;
export const DISK_INTERFACES = ['SCSI', 'VIRTIO', 'SATA', 'IDE'] as const;
export const NIC_MODELS = ['virtio', 'e1000', 'e1000e', 'rtl8139', 'vmxnet3'] as const;

export type AntiAffinity = (typeof ANTI_AFFINITY)[number];
export type RollbackStrategy = (typeof ROLLBACK_STRATEGIES)[number];
export type DiskInterface = (typeof DISK_INTERFACES)[number];

/** PVE's drive slots per bus (qemu-server's MAX_*_DISKS). */
export const SLOTS: Record<DiskInterface, number> = { SCSI: 31, VIRTIO: 16, SATA: 6, IDE: 4 };

/** A DNS label: what PVE's `dns-name` format accepts for each part of a VM name. */
const LABEL_RE = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/;
/** PVE's `pve-tag` format. */
const TAG_RE = /^[a-z0-9_][a-z0-9_+.-]*$/i;
/** PVE's `pve-storage-id`. */
const STORAGE_RE = /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i;
/** `storage:volume` (a template's disk, an image in `images`/`import` content, or an OS template in `vztmpl`). */
const VOLID_RE = /^[a-z][a-z0-9\-_.]*[a-z0-9]:\S+$/i;
/** An OS template (`util-iso:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst`), as pct create's ostemplate. */
const VZTMPL_RE = /^[a-z][a-z0-9\-_.]*[a-z0-9]:vztmpl\/[^/\s]+\.tar\.(gz|xz|zst)$/i;

/** A group whose imageSource is an OS template makes containers (pct create) instead of VMs. */
export const isContainerTemplate = (volid: string): boolean => /^[^:]+:vztmpl\//.test(volid);

const label = (what: string) =>
  textField(`required: ${what} (letters, digits and '-', not starting or ending with '-')`).regex(LABEL_RE, {
    error: (iss) => `'${String(iss.input)}' is not valid: ${what} must be letters, digits and '-', not starting or ending with '-'`,
  });

const disk = z.strictObject({
  diskInterface: enumField(DISK_INTERFACES).default('SCSI'),
  slot: intField(0, 30).default(0),
  storage: textField("required: the storage of the disk, e.g. 'local-zfs'").regex(STORAGE_RE, { error: 'must be a PVE storage id such as local-zfs' }),
  sizeGB: intField(1, 65536, 'a size in GiB'),
  ssd: boolField().optional(),
  iothread: boolField().optional(),
});

const network = z.strictObject({
  model: enumField(NIC_MODELS).default('virtio'),
  bridge: textField("required: the bridge (or SDN vnet), e.g. 'vmbr0'").regex(/^[A-Za-z][A-Za-z0-9_.-]{0,15}$/, { error: "must be a bridge name such as 'vmbr0'" }),
  vlanTag: intField(1, 4094, 'a VLAN tag').optional(),
  firewall: boolField().optional(),
});

const cloudInit = z.strictObject({
  user: z.string({ error: 'must be a user name' }).regex(/^[a-z_][a-z0-9_.-]{0,31}$/i, { error: 'must be a user name such as debian' }).optional(),
  // Accepted and passed to PVE; never recorded (recordableSpec drops it).
  password: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty; leave it out for no password' }).optional(),
  sshKeys: z.string({ error: 'must be one or more public keys, one per line' }).optional(),
  ipConfigPatterns: z
    .array(
      z.string({ error: 'must be a pattern such as "ip=dhcp" or "ip=10.0.1.{10+index}/24,gw=10.0.1.1"' }).superRefine((p, ctx) => {
        const problem = ipPatternProblem(p);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
      { error: 'must be a list of patterns, one per network interface' },
    )
    .optional(),
});

const template = z
  .strictObject({
    cores: intField(1, 512, 'a number of cores'),
    memoryMB: intField(16, 4_194_304, 'a memory size in MiB'),
    disks: z.array(disk, { error: 'must be a list of disks' }).min(1, { error: 'needs at least one disk (the image is imported into the first)' }),
    networks: z.array(network, { error: 'must be a list of network interfaces' }).max(32, { error: 'at most 32 interfaces (net0..net31)' }).default([]),
    imageSource: textField(
      "required: a template's disk ('local-zfs:base-9002-disk-0'), an image ('util-iso:import/debian-12.qcow2') or an OS template for containers ('util-iso:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst')",
    )
      .regex(VOLID_RE, {
        error: (iss) => `'${String(iss.input)}' is not a volume id: use storage:volume, e.g. local-zfs:base-9002-disk-0 (not an ISO path)`,
      })
      .refine((v) => !isContainerTemplate(v) || VZTMPL_RE.test(v), {
        error: (iss) => `'${String(iss.input)}' is not an OS template: use storage:vztmpl/NAME.tar.(gz|xz|zst), e.g. util-iso:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst`,
      }),
    cloudInit: cloudInit.optional(),
  })
  .superRefine((t, ctx) => {
    const seen = new Set<string>();
    t.disks.forEach((d, i) => {
      const key = `${d.diskInterface.toLowerCase()}${d.slot}`;
      if (d.slot >= SLOTS[d.diskInterface]) ctx.addIssue({ code: 'custom', path: ['disks', i, 'slot'], message: `${d.diskInterface} has slots 0 to ${SLOTS[d.diskInterface] - 1} (got ${d.slot})` });
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['disks', i, 'slot'], message: `${key} is given twice` });
      seen.add(key);
    });
    const patterns = t.cloudInit?.ipConfigPatterns?.length ?? 0;
    if (patterns > Math.max(1, t.networks.length)) {
      ctx.addIssue({ code: 'custom', path: ['cloudInit', 'ipConfigPatterns'], message: `one pattern per network interface: ${patterns} patterns for ${t.networks.length} interface(s)` });
    }
  });

const placement = z.strictObject({
  antiAffinity: enumField(ANTI_AFFINITY).default('NONE'),
  /** Only these PVE nodes may hold the group's VMs. */
  allowedNodes: z.array(textField('must be a node name'), { error: 'must be a list of node names' }).min(1, { error: 'give at least one node, or leave allowedNodes out' }).optional(),
});

const nodeGroup = z.strictObject({
  name: label('a group name'),
  role: enumField(NODE_ROLES).default('GENERIC'),
  count: intField(1, 100, 'a number of VMs'),
  template,
  placement: placement.optional(),
  tags: z.array(textField('must be a tag').regex(TAG_RE, { error: (iss) => `'${String(iss.input)}' is not a PVE tag (letters, digits, _ + . -)` }), { error: 'must be a list of tags' }).optional(),
  /** Groups whose VMs must all be READY before this group starts (control plane first). */
  dependsOn: z.array(textField('must be a group name'), { error: 'must be a list of group names' }).optional(),
});

const options = z.strictObject({
  startAfterCreation: boolField().default(true),
  parallelProvisioning: boolField().default(true),
  maxParallelOperations: intField(1, 20).default(5),
  rollbackStrategy: enumField(ROLLBACK_STRATEGIES).default('FULL'),
  /** PVE 9 with HA: record each HARD group as a negative resource-affinity HA rule (off by default). */
  haResourceAffinity: boolField().default(false),
});

const OPTION_DEFAULTS = { startAfterCreation: true, parallelProvisioning: true, maxParallelOperations: 5, rollbackStrategy: 'FULL', haResourceAffinity: false } as const;

export const clusterSpecSchema = z
  .strictObject({
    name: label('the cluster name'),
    type: enumField(CLUSTER_TYPES).default('GENERIC'),
    nodeGroups: z.array(nodeGroup, { error: 'must be a list of node groups' }).min(1, { error: 'needs at least one node group' }),
    networkTopology: z
      .strictObject({
        primaryBridge: textField("must be a bridge name such as 'vmbr0'").optional(),
        clusterVlan: intField(1, 4094, 'a VLAN tag').optional(),
      })
      .optional(),
    globalCloudInit: z
      .strictObject({
        nameservers: z.string({ error: 'must be addresses separated by commas or spaces' }).regex(/^[0-9a-fA-F.:]+([,\s]+[0-9a-fA-F.:]+)*$/, { error: "must be IP addresses separated by commas, e.g. '1.1.1.1,8.8.8.8'" }).optional(),
        searchDomain: z.string({ error: 'must be a domain' }).regex(/^[A-Za-z0-9.-]+([,\s]+[A-Za-z0-9.-]+)*$/, { error: "must be a domain such as 'cluster.local'" }).optional(),
      })
      .optional(),
    options: options.default(OPTION_DEFAULTS),
  })
  .superRefine((spec, ctx) => {
    const names = spec.nodeGroups.map((g) => g.name.toLowerCase());
    spec.nodeGroups.forEach((g, i) => {
      if (names.indexOf(g.name.toLowerCase()) !== i) ctx.addIssue({ code: 'custom', path: ['nodeGroups', i, 'name'], message: `group '${g.name}' is named twice` });
      const longest = `${spec.name}-${g.name}-${String(g.count).padStart(2, '0')}`;
      if (longest.length > 63) ctx.addIssue({ code: 'custom', path: ['nodeGroups', i, 'name'], message: `VM names such as '${longest}' exceed 63 characters; shorten the cluster or group name` });
      for (const [j, dep] of (g.dependsOn ?? []).entries()) {
        if (!names.includes(dep.toLowerCase())) ctx.addIssue({ code: 'custom', path: ['nodeGroups', i, 'dependsOn', j], message: `no group '${dep}' (groups: ${spec.nodeGroups.map((x) => x.name).join(', ')})` });
        else if (dep.toLowerCase() === g.name.toLowerCase()) ctx.addIssue({ code: 'custom', path: ['nodeGroups', i, 'dependsOn', j], message: 'a group cannot depend on itself' });
      }
    });
    const cycle = dependencyCycle(spec.nodeGroups);
    if (cycle) ctx.addIssue({ code: 'custom', path: ['nodeGroups'], message: `dependsOn forms a cycle: ${cycle.join(' -> ')}` });
    if (spec.nodeGroups.reduce((n, g) => n + g.count, 0) > 500) ctx.addIssue({ code: 'custom', path: ['nodeGroups'], message: 'at most 500 VMs in one cluster spec' });
  });

export type ClusterSpec = z.infer<typeof clusterSpecSchema>;
export type NodeGroupSpec = ClusterSpec['nodeGroups'][number];
export type GroupTemplate = NodeGroupSpec['template'];

function dependencyCycle(groups: ReadonlyArray<{ name: string; dependsOn?: string[] }>): string[] | undefined {
  const deps = new Map(groups.map((g) => [g.name.toLowerCase(), (g.dependsOn ?? []).map((d) => d.toLowerCase())]));
  const state = new Map<string, 'open' | 'done'>();
  const walk = (name: string, path: string[]): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'open') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'open');
    for (const d of deps.get(name) ?? []) {
      if (d === name || !deps.has(d)) continue;
      const found = walk(d, [...path, name]);
      if (found) return found;
    }
    state.set(name, 'done');
    return undefined;
  };
  for (const name of deps.keys()) {
    const found = walk(name, []);
    if (found) return found;
  }
  return undefined;
}

/**
 * The order groups run in: waves of groups whose dependencies are all in earlier waves. Without any
 * `dependsOn` every group is in the first wave (they may run side by side).
 */
export function groupWaves(spec: ClusterSpec): string[][] {
  const left = new Map(spec.nodeGroups.map((g) => [g.name, new Set((g.dependsOn ?? []).map((d) => d.toLowerCase()))]));
  const waves: string[][] = [];
  const done = new Set<string>();
  while (left.size) {
    const wave = [...left].filter(([, deps]) => [...deps].every((d) => done.has(d))).map(([name]) => name);
    if (!wave.length) throw new RequestError('nodeGroups', 'dependsOn forms a cycle'); // the schema refuses this first
    for (const name of wave) {
      left.delete(name);
      done.add(name.toLowerCase());
    }
    waves.push(wave);
  }
  return waves;
}

/** Parses a spec object (the seed's JSON body); the first problem names its field. */
export function parseClusterSpec(input: unknown): ClusterSpec {
  return parseRequest(clusterSpecSchema, input);
}

export type SpecFormat = 'json' | 'yaml';

/** `.json` is JSON; anything else (`.yaml`, `.yml`, stdin) is YAML, of which JSON is a subset. */
/** The spec as history, output and errors may show it: passwords dropped. */
export function recordableSpec(spec: ClusterSpec | unknown): unknown {
  return recordableRequest(spec);
}
