// Typed calls for either kind of guest: /nodes/{node}/qemu/{vmid}/… or /nodes/{node}/lxc/{vmid}/… (pct).
// The paths match; the parameters differ, so each call takes only what both accept, or what its type accepts
// (PVE refuses an unknown parameter with a 400, and so does the simulator).
import type { Params, PveRequester } from '../types.js';
import { encodeConfigParams, type QemuConfig, type QemuSnapshotItem } from './qemu.js';

export type PveGuestType = 'qemu' | 'lxc';

/** Where a guest lives: what every call below needs. */
export interface GuestRef {
  type: PveGuestType;
  node: string;
  vmid: number;
}

export type GuestConfig = QemuConfig;

export interface GuestStatus {
  vmid: number;
  status: 'running' | 'stopped';
  /** qemu only: `paused` for a suspended VM. A frozen (suspended) container still reports `running`. */
  qmpstatus?: string;
  name?: string;
  lock?: string;
  tags?: string;
  template?: number;
  uptime?: number;
  /** Present for an HA resource (PVE 9.1's `ha-managed` create makes one). */
  ha?: { managed: number; state?: string };
}

/** The power actions; `reset` is qemu's only (a container has no hard reset). */
export type GuestPowerAction = 'start' | 'stop' | 'shutdown' | 'reboot' | 'reset' | 'suspend' | 'resume';

export const guestPath = (g: GuestRef): string => `/nodes/${encodeURIComponent(g.node)}/${g.type}/${g.vmid}`;
/** "VM 100" / "CT 300", as PVE names them in its messages. */
export const guestNoun = (type: PveGuestType | undefined): string => (type === 'lxc' ? 'CT' : 'VM');

export const getGuestConfig = (c: PveRequester, g: GuestRef, params: { snapshot?: string; current?: boolean } = {}) => c.get<GuestConfig>(`${guestPath(g)}/config`, params);
/** qemu's `sshkeys` is URL-encoded inside the body; a container has no such key. */
export const putGuestConfig = (c: PveRequester, g: GuestRef, params: Params) => c.put<null>(`${guestPath(g)}/config`, g.type === 'qemu' ? encodeConfigParams(params) : params);
export const getGuestStatusCurrent = (c: PveRequester, g: GuestRef) => c.get<GuestStatus>(`${guestPath(g)}/status/current`);
export const postGuestStatus = (c: PveRequester, g: GuestRef, action: GuestPowerAction, params: Params = {}) => c.post<string>(`${guestPath(g)}/status/${action}`, params);

export const getGuestSnapshots = (c: PveRequester, g: GuestRef) => c.get<QemuSnapshotItem[]>(`${guestPath(g)}/snapshot`);
/** pct snapshot takes no `vmstate`: a container snapshot never holds RAM. */
export const postGuestSnapshot = (c: PveRequester, g: GuestRef, params: { snapname: string; description?: string; vmstate?: boolean }) =>
  c.post<string>(`${guestPath(g)}/snapshot`, g.type === 'lxc' ? { snapname: params.snapname, description: params.description } : params);
export const deleteGuestSnapshot = (c: PveRequester, g: GuestRef, snapname: string, params: { force?: boolean } = {}) =>
  c.delete<string>(`${guestPath(g)}/snapshot/${encodeURIComponent(snapname)}`, params);
export const postGuestSnapshotRollback = (c: PveRequester, g: GuestRef, snapname: string, params: { start?: boolean } = {}) =>
  c.post<string>(`${guestPath(g)}/snapshot/${encodeURIComponent(snapname)}/rollback`, params);

/** qm destroy / pct destroy; `force` (destroy even if running) exists for containers only. */
export const deleteGuest = (c: PveRequester, g: GuestRef, params: { purge?: boolean; 'destroy-unreferenced-disks'?: boolean } = {}) => c.delete<string>(guestPath(g), params);
export const putGuestResize = (c: PveRequester, g: GuestRef, params: { disk: string; size: string; digest?: string }) => c.put<string | null>(`${guestPath(g)}/resize`, params);

export interface LxcCloneParams {
  newid: number;
  hostname?: string;
  target?: string;
  full?: boolean;
  storage?: string;
  pool?: string;
  description?: string;
  snapname?: string;
}
/** pct create from an OS template (`vztmpl`): the only call here without a guest yet; returns the `vzcreate` task's UPID. */
export interface LxcCreateParams extends Params {
  vmid: number;
  ostemplate: string;
}
export const postLxcCreate = (c: PveRequester, node: string, params: LxcCreateParams) => c.post<string>(`/nodes/${encodeURIComponent(node)}/lxc`, params);

export const postLxcClone = (c: PveRequester, node: string, vmid: number, params: LxcCloneParams) => c.post<string>(`${guestPath({ type: 'lxc', node, vmid })}/clone`, { ...params });

/** pct migrate: offline, or `restart` (shut down, move, start again); PVE refuses `online` for a running CT. */
export interface LxcMigrateParams {
  target: string;
  restart?: boolean;
  online?: boolean;
  'target-storage'?: string;
  /** Seconds for the shutdown of a restart migration (PVE's default 180). */
  timeout?: number;
  /** KiB/s. */
  bwlimit?: number;
}
export const postLxcMigrate = (c: PveRequester, node: string, vmid: number, params: LxcMigrateParams) => c.post<string>(`${guestPath({ type: 'lxc', node, vmid })}/migrate`, { ...params });

/** The ref of a planned target or an inventory guest (targets of existing guests always carry their type). */
export const refOf = (t: { guestType?: PveGuestType; type?: string; node: string; vmid: number }): GuestRef => ({
  type: t.guestType ?? (t.type === 'lxc' ? 'lxc' : 'qemu'),
  node: t.node,
  vmid: t.vmid,
});
