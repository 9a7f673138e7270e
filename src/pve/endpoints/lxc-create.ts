// Typed calls a container create needs (pct create and what follows it): POST /nodes/{node}/lxc from an OS
// template (task `vzcreate`), the new CT's config and status, its start (`vzstart`), stop and destroy (undo).
import type { Params, PveRequester } from '../types.js';

const ct = (node: string, vmid: number) => `/nodes/${encodeURIComponent(node)}/lxc/${vmid}`;

export type LxcConfig = Record<string, string | number | undefined> & { digest?: string };

export interface LxcCreateParams extends Params {
  vmid: number;
  ostemplate: string;
}

/** pct create: returns the `vzcreate` task's UPID. */
export const postLxcCreate = (c: PveRequester, node: string, params: LxcCreateParams) => c.post<string>(`/nodes/${encodeURIComponent(node)}/lxc`, params);
export const getLxcConfig = (c: PveRequester, node: string, vmid: number) => c.get<LxcConfig>(`${ct(node, vmid)}/config`);
export const getLxcStatus = (c: PveRequester, node: string, vmid: number) =>
  c.get<{ vmid: number; status: 'running' | 'stopped'; name?: string; lock?: string; ha?: { managed: number; state?: string } }>(`${ct(node, vmid)}/status/current`);
export const postLxcStatus = (c: PveRequester, node: string, vmid: number, action: 'start' | 'stop') => c.post<string>(`${ct(node, vmid)}/status/${action}`, {});
/** pct destroy: `purge` drops it from jobs, HA and ACLs; returns the `vzdestroy` task's UPID. */
export const deleteLxc = (c: PveRequester, node: string, vmid: number, params: { purge?: boolean; 'destroy-unreferenced-disks'?: boolean } = {}) => c.delete<string>(ct(node, vmid), params);
