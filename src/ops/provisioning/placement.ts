// The cluster planner: pure, given an inventory snapshot (one /cluster/resources) and the placement config.
// Per VM it decides the host, the VM id, the storage, the NICs and the ipconfig values, and says how the
// disk gets there (clone on the template's node, clone then migrate, or import). Nothing here calls PVE;
// the dry run of a provisioning is exactly this plan. HARD anti-affinity that cannot be met fails the plan,
// naming how many hosts are needed and why each other host was ruled out.
import type { Inventory, StorageInfo } from '../../inventory/model.js';
import { groupWaves, isContainerTemplate, type AntiAffinity, type ClusterSpec, type NodeGroupSpec } from './cluster-spec.js';
import { PVE_MAX_VMID, PVE_MIN_VMID, type VmidRange } from '../vmid-allocator.js';
import { claimedAddresses, expandPattern, parseIpConfig, subnetProblem } from './ip-patterns.js';
import { haSidOf } from '../../pve/ha-sid.js';
import { haAffinityRefusal } from './ha-affinity-check.js';
import { bridgesOf, missingBridge } from '../node-bridges.js';
import type { FeatureState } from '../../pve/features.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

export interface PlacementConfig {
  /** vCPUs allowed per physical core on a node (running guests plus this plan); default 4. */
  cpuOvercommit?: number;
  /** Failure domains: node -> zone (from the context's config). A node without one is its own zone. */
  zones?: Record<string, string>;
  /** Which nodes hold an image that sits on non-shared storage and is no VM's disk, by volume id. */
  imageNodes?: Record<string, string[]>;
  /** PVE's major version, when known: HA resource-affinity rules need 9 (haRules, when given, decides instead). */
  pveMajor?: number;
  /** The cluster's HA-rules feature (clusterFeatures), when known: without it options.haResourceAffinity is refused. */
  haRules?: FeatureState;
  /** Each node's bridges (GET /nodes/{node}/network), when read: a node without a group's bridge is ruled out. */
  nodeBridges?: Record<string, string[]>;
  /**
   * The context's id range (defaults.vmidRange). The plan shows the lowest ids in it that no guest uses: what
   * PVE's nextid would give now, not a reservation. The run reserves each through the VM id allocator
   * (plan-targets.ts idSearchOf), so an id taken meanwhile moves to a free one that no other target planned.
   */
  vmidRange?: VmidRange;
}

export const DEFAULT_CPU_OVERCOMMIT = 4;

/** How the VM's first disk comes to be on its host. */
/** `container`: pct create from an OS template (`storage:vztmpl/…`); the group makes containers. */
export type DiskRoute = 'clone' | 'clone+migrate' | 'import' | 'container';

export interface PlannedVm {
  name: string;
  group: string;
  role: string;
  /** 0-based within its group (the `index` of ipConfigPatterns); the name's NN is index + 1. */
  index: number;
  /** The wave its group runs in (groups with dependsOn wait for earlier waves). */
  wave: number;
  host: string;
  zone?: string;
  vmid: number;
  /** The storage of its first disk (the image's). */
  storage: string;
  cores: number;
  memoryMB: number;
  disks: Array<{ key: string; storage: string; sizeGB: number; ssd: boolean; iothread: boolean }>;
  /** PVE `netN` values without MAC (PVE makes one): "virtio,bridge=vmbr0,tag=100". */
  nets: string[];
  /** PVE `ipconfigN` values, one per interface that has a pattern. */
  ipconfig: string[];
  /** Static addresses it claims (for the conflict check and the table). */
  addresses: string[];
  route: DiskRoute;
  /** The volume it comes from, and for a clone the template and the node that holds it. */
  source: { volid: string; templateVmid?: number; node?: string };
  tags: string[];
  /**
   * Cloud-init besides ipconfig, as PVE's keys (globalCloudInit's nameservers and search domain included).
   * A password is never part of a plan: `password` only says one is given; the run takes it from the live spec.
   */
  cloudInit: { ciuser?: string; sshkeys?: string; nameserver?: string; searchdomain?: string; password: boolean };
}

export interface PlanProblem {
  /** Where: a spec field path ('nodeGroups[0].template.cloudInit.ipConfigPatterns[0]') or a VM name. */
  where: string;
  message: string;
}

export interface HostPlan {
  node: string;
  zone?: string;
  online: boolean;
  /** Why the host cannot take VMs at all (offline), if so. */
  ruledOut?: string;
  memFreeBefore: number;
  memFreeAfter: number;
  /** vCPUs of running guests before, and with this plan's VMs; the limit is overcommit x cores. */
  vcpusBefore: number;
  vcpusAfter: number;
  vcpuLimit: number;
  /** VMs of each group placed here. */
  groups: Record<string, number>;
}

/** A PVE 9 HA rule that keeps a HARD group apart (the run creates it: ha-rule-phase.ts). */
export interface HaRulePlan {
  rule: string;
  type: 'resource-affinity';
  affinity: 'negative';
  resources: string;
  comment: string;
}

export interface ClusterPlan {
  ok: boolean;
  cluster: string;
  clusterType: string;
  vms: PlannedVm[];
  /** Why the plan cannot run (empty when ok). Nothing is created from a plan with problems. */
  problems: PlanProblem[];
  warnings: string[];
  hosts: HostPlan[];
  /** Groups in run order: each wave starts once every VM of the waves before it is READY. */
  waves: string[][];
  haRules: HaRulePlan[];
  options: ClusterSpec['options'];
}

/** The placement table: hosts × groups, from a plan. */
export function placementTable(plan: ClusterPlan): { groups: string[]; rows: Array<{ host: string; counts: number[]; total: number }> } {
  const groups = [...new Set(plan.vms.map((v) => v.group))];
  const rows = plan.hosts
    .filter((h) => plan.vms.some((v) => v.host === h.node) || h.online)
    .map((h) => {
      const counts = groups.map((g) => h.groups[g] ?? 0);
      return { host: h.node, counts, total: counts.reduce((a, b) => a + b, 0) };
    });
  return { groups, rows };
}

interface NodeState {
  node: string;
  online: boolean;
  zone: string;
  zoneConfigured: boolean;
  memFree: number;
  memFreeBefore: number;
  vcpus: number;
  vcpusBefore: number;
  vcpuLimit: number;
  maxcpu: number;
  groups: Map<string, number>;
}

/** Storage free space, per node for local storage and once for shared storage. */
class StorageSpace {
  private free = new Map<string, number>();
  constructor(private storages: readonly StorageInfo[]) {
    for (const s of storages) this.free.set(this.key(s.storage, s.node, s.shared), Math.max(0, s.maxdisk - s.disk));
  }
  entry(storage: string, node: string): StorageInfo | undefined {
    return this.storages.find((s) => s.storage === storage && s.node === node);
  }
  private key(storage: string, node: string, shared: boolean): string {
    return shared ? storage : `${node}/${storage}`;
  }
  available(storage: string, node: string): number {
    const e = this.entry(storage, node);
    return e ? (this.free.get(this.key(storage, node, e.shared)) ?? 0) : 0;
  }
  take(storage: string, node: string, bytes: number): void {
    const e = this.entry(storage, node);
    if (!e) return;
    const k = this.key(storage, node, e.shared);
    this.free.set(k, (this.free.get(k) ?? 0) - bytes);
  }
}

const gib = (bytes: number): string => `${(bytes / GiB).toFixed(bytes < 10 * GiB ? 1 : 0)} GiB`;

/** The lowest ids of the range that no guest uses (what PVE's /cluster/nextid hands out, in order). */
export function lowestFreeVmids(taken: ReadonlySet<number>, count: number, range: VmidRange = { min: PVE_MIN_VMID, max: PVE_MAX_VMID }): number[] {
  const out: number[] = [];
  for (let id = range.min; out.length < count && id <= range.max; id++) if (!taken.has(id)) out.push(id);
  return out;
}

const VM_DISK_RE = /^(?:\d+\/)?(?:base|vm)-(\d+)-disk-\d+/;

type Reach = { ok: true; route: DiskRoute; source: PlannedVm['source'] } | { ok: false; why: string };

/** Whether (and how) `node` can get the image; `why` when it cannot. */
function imageReach(volid: string, node: string, inv: Inventory, space: StorageSpace, config: PlacementConfig): Reach {
  const storage = volid.slice(0, volid.indexOf(':'));
  const volname = volid.slice(volid.indexOf(':') + 1);
  const owner = VM_DISK_RE.exec(volname);
  if (owner) {
    const templateVmid = Number(owner[1]);
    const vm = inv.vms.find((v) => v.vmid === templateVmid);
    if (!vm) return { ok: false, why: `image ${volid} belongs to VM ${templateVmid}, which does not exist` };
    if (vm.type !== 'qemu') return { ok: false, why: `image ${volid} belongs to container ${templateVmid}` };
    if (vm.status === 'unknown') return { ok: false, why: `template ${templateVmid} is on ${vm.node}, which is offline` };
    const source = { volid, templateVmid, node: vm.node };
    if (node === vm.node) return { ok: true, route: 'clone', source };
    const where = space.entry(storage, vm.node);
    // PVE clones to another node only when every disk is on shared storage; otherwise a full clone on the
    // template's node and an offline migration (local disks are copied) bring it there.
    if (where?.shared) return { ok: true, route: 'clone', source };
    return { ok: true, route: 'clone+migrate', source };
  }
  const entry = space.entry(storage, node);
  if (!entry) return { ok: false, why: `storage '${storage}' of image ${volid} is not on it` };
  const route: DiskRoute = isContainerTemplate(volid) ? 'container' : 'import';
  if (route === 'container' && !entry.content.includes('vztmpl')) return { ok: false, why: `storage '${storage}' of OS template ${volid} does not hold templates (content: ${entry.content.join(',') || 'none'})` };
  if (entry.shared) return { ok: true, route, source: { volid } };
  const holders = config.imageNodes?.[volid];
  if (!holders) return { ok: false, why: `image ${volid} is on local storage and where it is was not looked up` };
  return holders.includes(node) ? { ok: true, route, source: { volid, node } } : { ok: false, why: `image ${volid} is not on it (${storage} is local to each node; it is on ${holders.join(', ') || 'no node'})` };
}

interface GroupNeeds {
  memBytes: number;
  cores: number;
  /** Bytes per storage. */
  disk: Map<string, number>;
  /** The bridges its NICs name (each must exist on the host). */
  bridges?: string[];
}

function needsOf(g: NodeGroupSpec): GroupNeeds {
  const disk = new Map<string, number>();
  for (const d of g.template.disks) disk.set(d.storage, (disk.get(d.storage) ?? 0) + d.sizeGB * GiB);
  return { memBytes: g.template.memoryMB * MiB, cores: g.template.cores, disk };
}

/** Why this node cannot take one more VM of the group now, or undefined. Static reasons first. */
function ruledOut(n: NodeState, g: NodeGroupSpec, needs: GroupNeeds, inv: Inventory, space: StorageSpace, config: PlacementConfig): string | undefined {
  if (g.placement?.allowedNodes && !g.placement.allowedNodes.includes(n.node)) return 'not in allowedNodes';
  if (!n.online) return 'offline';
  for (const storage of needs.disk.keys()) {
    const e = space.entry(storage, n.node);
    if (!e) return `storage '${storage}' is not on it`;
    if (e.status !== 'available') return `storage '${storage}' is ${e.status || 'not available'} on it`;
    // A container's volumes need `rootdir` content, a VM's disks `images`.
    if (isContainerTemplate(g.template.imageSource)) {
      if (!e.content.includes('rootdir')) return `storage '${storage}' does not hold container volumes (content: ${e.content.join(',') || 'none'})`;
    } else if (!e.content.includes('images')) return `storage '${storage}' does not hold VM disks (content: ${e.content.join(',') || 'none'})`;
  }
  const noBridge = missingBridge(n.node, needs.bridges ?? [], config.nodeBridges);
  if (noBridge) return noBridge;
  const reach = imageReach(g.template.imageSource, n.node, inv, space, config);
  if (!reach.ok) return reach.why;
  if (n.memFree < needs.memBytes) return `memory: ${gib(Math.max(0, n.memFree))} free after this plan, ${gib(needs.memBytes)} needed`;
  if (n.vcpus + needs.cores > n.vcpuLimit) return `CPU: ${n.vcpus} + ${needs.cores} vCPUs would exceed ${n.vcpuLimit} (${n.maxcpu} cores x overcommit ${config.cpuOvercommit ?? DEFAULT_CPU_OVERCOMMIT})`;
  for (const [storage, bytes] of needs.disk) {
    const free = space.available(storage, n.node);
    if (free < bytes) return `storage '${storage}': ${gib(Math.max(0, free))} free, ${gib(bytes)} needed`;
  }
  return undefined;
}

/** Higher is roomier: free memory after placing, then vCPU headroom, then name order (stable). */
const roomier = (a: NodeState, b: NodeState): number => b.memFree - a.memFree || b.vcpuLimit - b.vcpus - (a.vcpuLimit - a.vcpus) || a.node.localeCompare(b.node, undefined, { numeric: true });

/** SOFT spreads across hosts, ZONE_AWARE across zones (the group's VMs per zone) and then hosts; then the roomiest. */
function pick(strategy: AntiAffinity, group: string, candidates: NodeState[], perZone: ReadonlyMap<string, number>): NodeState {
  const inGroup = (n: NodeState) => n.groups.get(group) ?? 0;
  return [...candidates].sort((a, b) => {
    if (strategy === 'ZONE_AWARE') {
      const d = (perZone.get(a.zone) ?? 0) - (perZone.get(b.zone) ?? 0);
      if (d) return d;
    }
    if (strategy === 'SOFT' || strategy === 'ZONE_AWARE') {
      const d = inGroup(a) - inGroup(b);
      if (d) return d;
    }
    return roomier(a, b);
  })[0];
}

/** Placement order: the strictest groups first, so HARD groups get the hosts they need. */
const STRICTNESS: Record<AntiAffinity, number> = { HARD: 0, ZONE_AWARE: 1, SOFT: 2, NONE: 3 };

export function planCluster(spec: ClusterSpec, inv: Inventory, config: PlacementConfig = {}): ClusterPlan {
  const problems: PlanProblem[] = [];
  const warnings: string[] = [];
  const ratio = config.cpuOvercommit ?? DEFAULT_CPU_OVERCOMMIT;
  const space = new StorageSpace(inv.storages);
  const zones = config.zones ?? {};

  const nodes: NodeState[] = inv.nodes.map((n) => {
    const online = n.status === 'online';
    const vcpus = inv.vms.filter((v) => v.node === n.node && v.status === 'running' && !v.template).reduce((s, v) => s + v.maxcpu, 0);
    const memFree = online ? Math.max(0, n.maxmem - n.mem) : 0;
    return {
      node: n.node,
      online,
      zone: zones[n.node] ?? n.node,
      zoneConfigured: zones[n.node] !== undefined,
      memFree,
      memFreeBefore: memFree,
      vcpus,
      vcpusBefore: vcpus,
      vcpuLimit: online ? Math.floor(n.maxcpu * ratio) : 0,
      maxcpu: n.maxcpu,
      groups: new Map(),
    };
  });
  const known = new Set(nodes.map((n) => n.node));

  // Ids in spec order (group, then index), so names and ids ascend together.
  const total = spec.nodeGroups.reduce((s, g) => s + g.count, 0);
  const taken = new Set(inv.vms.map((v) => v.vmid));
  const ids = lowestFreeVmids(taken, total, config.vmidRange);
  if (ids.length < total) problems.push({ where: 'nodeGroups', message: `only ${ids.length} free VM ids${config.vmidRange ? ` in this context's range ${config.vmidRange.min}-${config.vmidRange.max}` : ''} for ${total} VMs` });

  const waves = groupWaves(spec);
  const waveOf = new Map(waves.flatMap((w, i) => w.map((g) => [g, i] as const)));

  const names = new Set(inv.vms.map((v) => v.name.toLowerCase()));
  const vms: PlannedVm[] = [];
  let nextId = 0;
  const slots = spec.nodeGroups.map((g, gi) => ({ g, gi, firstId: ((nextId += g.count), nextId - g.count) }));

  for (const { g, gi, firstId } of [...slots].sort((a, b) => STRICTNESS[a.g.placement?.antiAffinity ?? 'NONE'] - STRICTNESS[b.g.placement?.antiAffinity ?? 'NONE'] || a.gi - b.gi)) {
    const strategy = g.placement?.antiAffinity ?? 'NONE';
    const where = `nodeGroups[${gi}]`;
    for (const [j, n] of (g.placement?.allowedNodes ?? []).entries()) {
      if (!known.has(n)) problems.push({ where: `${where}.placement.allowedNodes[${j}]`, message: `no node '${n}' in the cluster (nodes: ${[...known].join(', ')})` });
    }
    const needs = { ...needsOf(g), bridges: bridgesOf(netsOf(g, spec, `${where}.template`, [])) };
    if (strategy === 'ZONE_AWARE' && !Object.keys(zones).length) warnings.push(`group '${g.name}' is ZONE_AWARE but no zones are configured: each host counts as its own zone (like SOFT)`);

    if (strategy === 'HARD') {
      // Feasible only if `count` distinct hosts can each hold one VM now.
      const reasons = nodes.map((n) => ({ n: n.node, why: ruledOut(n, g, needs, inv, space, config) }));
      const able = reasons.filter((r) => !r.why).map((r) => r.n);
      if (able.length < g.count) {
        const out = reasons.filter((r) => r.why).map((r) => `${r.n} (${r.why})`);
        problems.push({
          where: `${where}.placement.antiAffinity`,
          message: `HARD anti-affinity for group '${g.name}' needs ${g.count} hosts (one per VM); ${able.length} can hold one${able.length ? `: ${able.join(', ')}` : ''}. Ruled out: ${out.join('; ') || 'none'}`,
        });
        continue;
      }
    }

    const nets = netsOf(g, spec, `${where}.template`, problems);
    for (let index = 0; index < g.count; index++) {
      const name = `${spec.name}-${g.name}-${String(index + 1).padStart(2, '0')}`;
      if (names.has(name.toLowerCase())) warnings.push(`a guest named ${name} already exists; PVE allows it, but names will be ambiguous`);
      // The group's VMs per zone, over every node of the zone (not only those that can take one more).
      const perZone = new Map<string, number>();
      for (const n of nodes) perZone.set(n.zone, (perZone.get(n.zone) ?? 0) + (n.groups.get(g.name) ?? 0));
      const verdicts = nodes.map((n) => ({ n, why: strategy === 'HARD' && (n.groups.get(g.name) ?? 0) > 0 ? `already holds a VM of '${g.name}'` : ruledOut(n, g, needs, inv, space, config) }));
      const candidates = verdicts.filter((v) => !v.why).map((v) => v.n);
      if (!candidates.length) {
        problems.push({
          where: name,
          message: `no host can hold it (${g.template.cores} cores, ${gib(needs.memBytes)}): ${verdicts.map((v) => `${v.n.node} (${v.why})`).join('; ')}`,
        });
        continue;
      }
      const host = pick(strategy, g.name, candidates, perZone);
      host.memFree -= needs.memBytes;
      host.vcpus += needs.cores;
      host.groups.set(g.name, (host.groups.get(g.name) ?? 0) + 1);
      for (const [storage, bytes] of needs.disk) space.take(storage, host.node, bytes);
      const reach = imageReach(g.template.imageSource, host.node, inv, space, config) as Extract<Reach, { ok: true }>;
      const { ipconfig, addresses } = ipconfigOf(g, index, `${where}.template.cloudInit.ipConfigPatterns`, name, problems);
      vms.push({
        name,
        group: g.name,
        role: g.role,
        index,
        wave: waveOf.get(g.name) ?? 0,
        host: host.node,
        ...(host.zoneConfigured ? { zone: host.zone } : {}),
        vmid: ids[firstId + index] ?? 0,
        storage: g.template.disks[0].storage,
        cores: g.template.cores,
        memoryMB: g.template.memoryMB,
        disks: g.template.disks.map((d) => ({ key: `${d.diskInterface.toLowerCase()}${d.slot}`, storage: d.storage, sizeGB: d.sizeGB, ssd: d.ssd === true, iothread: d.iothread === true })),
        nets,
        ipconfig,
        addresses,
        route: reach.route,
        source: reach.source,
        tags: [...new Set((g.tags ?? []).map((t) => t.toLowerCase()))],
        cloudInit: cloudInitOf(g, spec),
      });
    }
    if (strategy === 'ZONE_AWARE') {
      const used = new Set(vms.filter((v) => v.group === g.name).map((v) => nodes.find((n) => n.node === v.host)!.zone));
      const possible = new Set(nodes.filter((n) => n.online).map((n) => n.zone));
      if (used.size < Math.min(g.count, possible.size)) warnings.push(`group '${g.name}' spans ${used.size} of ${possible.size} zones: the others cannot hold its VMs`);
    }
  }

  vms.sort((a, b) => a.vmid - b.vmid);
  checkAddressConflicts(vms, problems);

  const haRules: HaRulePlan[] = [];
  if (spec.options.haResourceAffinity) {
    const haFeature = config.haRules ?? (config.pveMajor !== undefined ? { available: config.pveMajor >= 9, reason: `HA resource-affinity rules need PVE 9; this cluster runs ${config.pveMajor}` } : undefined);
    const refusal = haAffinityRefusal(spec, haFeature);
    // The same refusal as the run's: a plan that asks for rules the cluster lacks cannot run.
    if (refusal) problems.push(refusal);
    else {
      for (const g of spec.nodeGroups.filter((x) => x.placement?.antiAffinity === 'HARD' && x.count > 1)) {
        const members = vms.filter((v) => v.group === g.name);
        haRules.push({
          // PVE's pve-configid: a letter first, then letters, digits, '-' and '_'.
          rule: `${/^[a-z]/i.test(spec.name) ? '' : 'c-'}${spec.name}-${g.name}-apart`.toLowerCase().replace(/[^a-z0-9_-]/g, '-').slice(0, 64),
          type: 'resource-affinity',
          affinity: 'negative',
          resources: members.map((v) => haSidOf(v.route === 'container' ? 'lxc' : 'qemu', v.vmid)).join(','),
          comment: `moxxie: keep ${spec.name} ${g.name} on separate nodes (HARD anti-affinity)`,
        });
      }
    }
  }

  const hosts: HostPlan[] = nodes.map((n) => ({
    node: n.node,
    ...(n.zoneConfigured ? { zone: n.zone } : {}),
    online: n.online,
    ...(n.online ? {} : { ruledOut: 'offline' }),
    memFreeBefore: n.memFreeBefore,
    memFreeAfter: n.memFree,
    vcpusBefore: n.vcpusBefore,
    vcpusAfter: n.vcpus,
    vcpuLimit: n.vcpuLimit,
    groups: Object.fromEntries(n.groups),
  }));

  return { ok: problems.length === 0, cluster: spec.name, clusterType: spec.type, vms, problems, warnings, hosts, waves, haRules, options: spec.options };
}

function cloudInitOf(g: NodeGroupSpec, spec: ClusterSpec): PlannedVm['cloudInit'] {
  const ci = g.template.cloudInit;
  const global = spec.globalCloudInit;
  return {
    ...(ci?.user ? { ciuser: ci.user } : {}),
    ...(ci?.sshKeys ? { sshkeys: ci.sshKeys } : {}),
    // PVE takes nameservers space-separated.
    ...(global?.nameservers ? { nameserver: global.nameservers.split(/[,\s]+/).filter(Boolean).join(' ') } : {}),
    ...(global?.searchDomain ? { searchdomain: global.searchDomain } : {}),
    password: ci?.password !== undefined,
  };
}

function netsOf(g: NodeGroupSpec, spec: ClusterSpec, where: string, problems: PlanProblem[]): string[] {
  const nets = g.template.networks.length
    ? g.template.networks
    : spec.networkTopology?.primaryBridge
      ? [{ model: 'virtio' as const, bridge: spec.networkTopology.primaryBridge, vlanTag: spec.networkTopology.clusterVlan, firewall: undefined }]
      : [];
  if (!nets.length) problems.push({ where: `${where}.networks`, message: 'no network interface: give template.networks or networkTopology.primaryBridge' });
  return nets.map((n) => [n.model, `bridge=${n.bridge}`, ...(n.vlanTag ? [`tag=${n.vlanTag}`] : []), ...(n.firewall ? ['firewall=1'] : [])].join(','));
}

function ipconfigOf(g: NodeGroupSpec, index: number, where: string, name: string, problems: PlanProblem[]): { ipconfig: string[]; addresses: string[] } {
  const ipconfig: string[] = [];
  const addresses: string[] = [];
  for (const [i, pattern] of (g.template.cloudInit?.ipConfigPatterns ?? []).entries()) {
    try {
      const text = expandPattern(pattern, index);
      const parsed = parseIpConfig(text);
      const problem = subnetProblem(parsed);
      if (problem) problems.push({ where: `${where}[${i}]`, message: `${name}: ${problem}` });
      ipconfig.push(text);
      addresses.push(...claimedAddresses(parsed));
    } catch (err) {
      problems.push({ where: `${where}[${i}]`, message: `${name} (index ${index}): ${(err as Error).message}` });
    }
  }
  return { ipconfig, addresses };
}

function checkAddressConflicts(vms: PlannedVm[], problems: PlanProblem[]): void {
  const owner = new Map<string, string>();
  for (const vm of vms) {
    for (const a of vm.addresses) {
      const other = owner.get(a);
      if (other && other !== vm.name) problems.push({ where: vm.name, message: `address ${a} would be given to both ${other} and ${vm.name}` });
      else if (other === vm.name) problems.push({ where: vm.name, message: `address ${a} is given to two interfaces of ${vm.name}` });
      else owner.set(a, vm.name);
    }
  }
}
