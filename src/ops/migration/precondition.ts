// PVE's migration precondition (GET …/migrate) read for a guest and a target, summed up for the plan, the
// TUI's target picker, `moxxie migrate check` and MCP's check_migration: allowed or not and why, local
// disks (which decide withLocalDisks when the request leaves it out), local devices, online or offline.
import { guestBridgeProblem } from '../node-bridges.js';
import type { Inventory, Vm } from '../../inventory/model.js';
import { getClusterResources } from '../../pve/endpoints/cluster.js';
import type { MigratePrecondition } from '../../pve/endpoints/migrate.js';
import { guestPrecondition } from './container-move.js';
import type { PveRequester } from '../../pve/types.js';
import { RequestError } from '../errors.js';

export interface MigrationCheck {
  vmid: number;
  name: string;
  node: string;
  target: string;
  status: string;
  /** Whether moxxie would start the move (PVE allows the node, it is online, nothing pins the VM). */
  allowed: boolean;
  /** Why not, in words (empty when allowed). */
  reasons: string[];
  /** `restart` for a running container: it cannot move live, so it is shut down, moved and started. */
  mode: 'online' | 'offline' | 'restart';
  /** Volumes on storage the target cannot see (disks and unused volumes; CD images are listed too). */
  localDisks: Array<{ volid: string; size: number; drivename?: string; cdrom?: boolean }>;
  /** Bytes of the local disks that move with it (CD images excluded). */
  localDiskBytes: number;
  /** With local disks: what the request said, else detected (any local disk). */
  withLocalDisks: boolean;
  localResources: string[];
  memoryBytes: number;
  targetOnline: boolean;
  /** PVE HA's state for the guest ("started", "stopped", …) when HA manages it. */
  haState?: string;
}

const GiB = 1024 ** 3;
export const gib = (bytes: number): string => `${(bytes / GiB).toFixed(bytes >= 10 * GiB || bytes === 0 ? 0 : 1)} GiB`;

/** Devices that pin a guest to its node unless forced (PVE lists them in local_resources). */
const PINNING = /^(hostpci|usb)\d+$|^ivshmem$/;

/** HA states by guest, from /cluster/resources' `hastate` (absent on a cluster without HA). */
export async function haStates(client: PveRequester): Promise<Map<number, string>> {
  const rows = await getClusterResources(client, { type: 'vm' });
  const out = new Map<number, string>();
  for (const r of rows) {
    const state = (r as { hastate?: unknown }).hastate;
    // PVE runs an ignored resource's migrate directly, as if it were not HA-managed (vm_is_ha_managed).
    if (typeof state === 'string' && state && state !== 'ignored' && r.vmid !== undefined) out.set(Number(r.vmid), state);
  }
  return out;
}

/** A target node the request names must exist; its state is the plan's business. */
export function checkNode(inv: Inventory, node: string, field: string): void {
  if (!inv.nodes.some((n) => n.node === node)) throw new RequestError(field, `no node '${node}' in this cluster (nodes: ${inv.nodes.map((n) => n.node).join(', ')})`);
}

/** The storage content a selection's volumes need on the target: `images` for VMs, `rootdir` for containers. */
export function volumeContentFor(vms: readonly Pick<Vm, 'type'>[]): Array<'images' | 'rootdir'> {
  const kinds = new Set(vms.map((v) => (v.type === 'lxc' ? 'rootdir' : 'images') as 'images' | 'rootdir'));
  return kinds.size ? [...kinds].sort() : ['images'];
}

// PVE's own words for a storage without the content ("storage 'x' does not support vm images").
const CONTENT_WORDS: Record<string, string> = { images: 'vm images', rootdir: 'container directories' };

/**
 * `targetStorage` refused before anything runs when a storage it names does not exist or cannot hold the
 * selection's volumes: VM disks need `images`, container volumes `rootdir` (PVE would fail the same way,
 * but only once the move started).
 */
export function checkTargetStorage(inv: Inventory, value: string | undefined, field = 'targetStorage', needs: ReadonlyArray<'images' | 'rootdir'> = ['images']): void {
  if (!value) return;
  const ids = value.split(',').map((pair) => pair.split(':').at(-1)!).filter((id) => id !== '1');
  const byId = new Map<string, string[]>();
  for (const s of inv.storages) byId.set(s.storage, [...new Set([...(byId.get(s.storage) ?? []), ...s.content])]);
  const fitting = [...byId].filter(([, c]) => needs.every((n) => c.includes(n))).map(([id]) => id);
  const what = needs.map((n) => CONTENT_WORDS[n]).join(' and ');
  for (const id of ids) {
    const content = byId.get(id);
    if (!content) throw new RequestError(field, `no storage '${id}' in this cluster (storages for ${what}: ${fitting.join(', ') || 'none'})`);
    const missing = needs.filter((n) => !content.includes(n));
    if (missing.length) throw new RequestError(field, `storage '${id}' does not support ${missing.map((n) => CONTENT_WORDS[n]).join(' or ')} (its content: ${content.join(', ') || 'none'}); use one of ${fitting.join(', ') || 'none'}`);
  }
}

/** Sums up PVE's answer for one target. */
export function summarise(vm: Vm, target: string, pre: MigratePrecondition, opts: { targetOnline: boolean; withLocalDisks?: boolean; force?: boolean; haState?: string; /** A bridge of its NICs the target lacks (node-bridges.ts). */ bridgeProblem?: string }): MigrationCheck {
  const localDisks = (pre.local_disks ?? []).map((d) => ({ volid: d.volid, size: Number(d.size) || 0, ...(d.drivename ? { drivename: d.drivename } : {}), ...(d.cdrom ? { cdrom: true } : {}) }));
  const moving = localDisks.filter((d) => !d.cdrom);
  const localResources = (pre.local_resources ?? []).map(String);
  const running = Number(pre.running) === 1;
  const reasons: string[] = [];
  if (vm.node === target) reasons.push(`already on ${target}`);
  else if (!(pre.allowed_nodes ?? []).includes(target)) {
    const why = pre.not_allowed_nodes?.[target];
    reasons.push(`PVE does not allow ${target}${why ? `: ${Object.entries(why).map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(', ') : JSON.stringify(v)}`).join('; ')}` : ''}`);
  }
  if (!opts.targetOnline) reasons.push(`node ${target} is offline`);
  if (opts.bridgeProblem) reasons.push(opts.bridgeProblem);
  const pinning = localResources.filter((r) => PINNING.test(r.split('=')[0]));
  if (pinning.length && !opts.force) reasons.push(`uses local devices (${pinning.join(', ')}): needs force`);
  const cdroms = localDisks.filter((d) => d.cdrom);
  if (cdroms.length) reasons.push(`has a local CD image (${cdroms.map((d) => d.volid).join(', ')}): eject it first`);
  const withLocalDisks = opts.withLocalDisks ?? moving.length > 0;
  if (running && vm.type !== 'lxc' && moving.length && opts.withLocalDisks === false) reasons.push(`running with local disks (${moving.map((d) => d.volid).join(', ')}): a live move needs withLocalDisks`);
  return {
    vmid: vm.vmid,
    name: vm.name,
    node: vm.node,
    target,
    status: vm.status,
    allowed: reasons.length === 0,
    reasons,
    mode: !running ? 'offline' : vm.type === 'lxc' ? 'restart' : 'online',
    localDisks,
    localDiskBytes: moving.reduce((n, d) => n + d.size, 0),
    withLocalDisks,
    localResources,
    memoryBytes: vm.maxmem,
    targetOnline: opts.targetOnline,
    ...(opts.haState ? { haState: opts.haState } : {}),
  };
}

/** One guest against one target: PVE's precondition read, summed up. */
export async function checkMigration(client: PveRequester, inv: Inventory, vmid: number, target: string, opts: { force?: boolean; withLocalDisks?: boolean } = {}): Promise<MigrationCheck> {
  const vm = inv.vms.find((v) => v.vmid === vmid);
  if (!vm) throw new RequestError('vmid', `VM ${vmid} does not exist in this cluster`);
  checkNode(inv, target, 'target');
  const targetOnline = inv.nodes.find((n) => n.node === target)?.status === 'online';
  const [pre, ha, bridgeProblem] = await Promise.all([guestPrecondition(client, inv, vm), haStates(client), vm.node !== target && targetOnline ? guestBridgeProblem(client, vm, target) : undefined]);
  return summarise(vm, target, pre, { targetOnline, force: opts.force, withLocalDisks: opts.withLocalDisks, haState: ha.get(vmid), bridgeProblem });
}

/** "online, local disks 64 GiB (moved live), 8 GiB RAM": what the plan shows per guest. */
export function describeCheck(c: MigrationCheck): string {
  const parts: string[] = [c.mode === 'restart' ? 'restart mode (shut down, moved, started; a container cannot move live)' : c.mode];
  const moving = c.localDisks.filter((d) => !d.cdrom);
  if (moving.length) parts.push(`local disks ${gib(c.localDiskBytes)}${c.mode === 'online' ? (c.withLocalDisks ? ' moved live' : '') : ' copied'}`);
  if (c.mode === 'online') parts.push(`${gib(c.memoryBytes)} RAM`);
  if (c.haState) parts.push(`HA-managed (${c.haState}): PVE's HA manager moves it`);
  return parts.join(', ');
}
