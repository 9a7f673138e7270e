// Typed calls for /nodes/{node}/qemu/*. Functions that start a worker return its UPID.
import type { Params, PveRequester } from '../types.js';
import type { GuestPowerAction, GuestStatus } from './guest.js';

export type QemuConfig = Record<string, string | number | undefined> & { digest?: string };

export interface QemuSnapshotItem {
  name: string;
  snaptime?: number;
  vmstate?: number;
  description?: string;
  parent?: string;
  running?: number;
}

/** A VM's status/current: what every guest's says, and its resource figures. */
export interface QemuStatus extends GuestStatus {
  /** The resource figures, as /cluster/resources has them for the VM (vCPUs, CPU fraction, bytes). */
  cpus?: number;
  cpu?: number;
  maxmem?: number;
  mem?: number;
  maxdisk?: number;
}

export type PowerAction = GuestPowerAction;

const q = (node: string, vmid: number) => `/nodes/${encodeURIComponent(node)}/qemu/${vmid}`;

/** PVE's `urlencoded` format: what an already-encoded value may contain. */
const URLENCODED_RE = /^[-%a-zA-Z0-9_.!~*'()]*$/;

/**
 * Config writes: PVE stores `sshkeys` URL-encoded and wants it URL-encoded inside the (already
 * form-encoded) body (DESIGN.md, known traps). Raw keys (they always contain a space) are encoded here;
 * a value read back from PVE is already encoded and passes through unchanged, so round trips are safe.
 */
export function encodeConfigParams<P extends Params>(params: P): P {
  const keys = params.sshkeys;
  if (typeof keys !== 'string' || URLENCODED_RE.test(keys)) return params;
  return { ...params, sshkeys: encodeURIComponent(keys) };
}

export const getQemuList = (c: PveRequester, node: string) => c.get<Array<{ vmid: number; name?: string; status: string }>>(`/nodes/${encodeURIComponent(node)}/qemu`);
export const getQemuConfig = (c: PveRequester, node: string, vmid: number, params: { snapshot?: string; current?: boolean } = {}) => c.get<QemuConfig>(`${q(node, vmid)}/config`, params);
export const postQemuConfig = (c: PveRequester, node: string, vmid: number, params: Params) => c.post<string | null>(`${q(node, vmid)}/config`, encodeConfigParams(params));
export const putQemuConfig = (c: PveRequester, node: string, vmid: number, params: Params) => c.put<null>(`${q(node, vmid)}/config`, encodeConfigParams(params));
export const getQemuStatusCurrent = (c: PveRequester, node: string, vmid: number) => c.get<QemuStatus>(`${q(node, vmid)}/status/current`);
export const postQemuStatus = (c: PveRequester, node: string, vmid: number, action: PowerAction, params: Params = {}) => c.post<string>(`${q(node, vmid)}/status/${action}`, params);

export const getQemuSnapshots = (c: PveRequester, node: string, vmid: number) => c.get<QemuSnapshotItem[]>(`${q(node, vmid)}/snapshot`);
export const postQemuSnapshot = (c: PveRequester, node: string, vmid: number, params: { snapname: string; description?: string; vmstate?: boolean }) =>
  c.post<string>(`${q(node, vmid)}/snapshot`, params);
export const deleteQemuSnapshot = (c: PveRequester, node: string, vmid: number, snapname: string, params: { force?: boolean } = {}) =>
  c.delete<string>(`${q(node, vmid)}/snapshot/${encodeURIComponent(snapname)}`, params);
export const postQemuSnapshotRollback = (c: PveRequester, node: string, vmid: number, snapname: string, params: { start?: boolean } = {}) =>
  c.post<string>(`${q(node, vmid)}/snapshot/${encodeURIComponent(snapname)}/rollback`, params);
export const getQemuSnapshotConfig = (c: PveRequester, node: string, vmid: number, snapname: string) => c.get<QemuConfig>(`${q(node, vmid)}/snapshot/${encodeURIComponent(snapname)}/config`);
export const putQemuSnapshotConfig = (c: PveRequester, node: string, vmid: number, snapname: string, params: { description?: string }) =>
  c.put<null>(`${q(node, vmid)}/snapshot/${encodeURIComponent(snapname)}/config`, params);

export const postQemu = (c: PveRequester, node: string, params: Params & { vmid: number }) => c.post<string>(`/nodes/${encodeURIComponent(node)}/qemu`, encodeConfigParams(params));
export const deleteQemu = (c: PveRequester, node: string, vmid: number, params: { purge?: boolean; 'destroy-unreferenced-disks'?: boolean } = {}) => c.delete<string>(q(node, vmid), params);
export const postQemuTemplate = (c: PveRequester, node: string, vmid: number, params: { disk?: string } = {}) => c.post<string>(`${q(node, vmid)}/template`, params);
export const postQemuClone = (
  c: PveRequester,
  node: string,
  vmid: number,
  params: { newid: number; name?: string; target?: string; full?: boolean; storage?: string; pool?: string; description?: string; snapname?: string },
) => c.post<string>(`${q(node, vmid)}/clone`, params);
export const getQemuMigrate = (c: PveRequester, node: string, vmid: number, params: { target?: string } = {}) =>
  c.get<{ running: number; allowed_nodes?: string[]; not_allowed_nodes?: Record<string, unknown>; local_disks: unknown[]; local_resources: unknown[] }>(`${q(node, vmid)}/migrate`, params);
export const postQemuMigrate = (
  c: PveRequester,
  node: string,
  vmid: number,
  params: { target: string; online?: boolean; 'with-local-disks'?: boolean; targetstorage?: string; bwlimit?: number },
) => c.post<string>(`${q(node, vmid)}/migrate`, params);
export const putQemuResize = (c: PveRequester, node: string, vmid: number, params: { disk: string; size: string; digest?: string }) => c.put<string | null>(`${q(node, vmid)}/resize`, params);
