// Restoring a backup archive: qmrestore is POST /nodes/{node}/qemu with `archive`; a container archive is
// pct restore, POST /nodes/{node}/lxc with `restore=1` and the archive as `ostemplate`. Both return a UPID.
import type { PveRequester } from '../types.js';

export interface RestoreParams {
  vmid: number;
  storage?: string;
  force?: boolean;
  unique?: boolean;
  start?: boolean;
  pool?: string;
  bwlimit?: number;
}

export const postQemuRestore = (c: PveRequester, node: string, archive: string, params: RestoreParams & { name?: string; description?: string }) =>
  c.post<string>(`/nodes/${encodeURIComponent(node)}/qemu`, { ...params, archive });

export const postLxcRestore = (c: PveRequester, node: string, archive: string, params: RestoreParams & { hostname?: string; description?: string }) =>
  c.post<string>(`/nodes/${encodeURIComponent(node)}/lxc`, { ...params, ostemplate: archive, restore: true });

export const getLxcStatusCurrent = (c: PveRequester, node: string, vmid: number) =>
  c.get<{ vmid: number; status: 'running' | 'stopped'; name?: string; lock?: string }>(`/nodes/${encodeURIComponent(node)}/lxc/${vmid}/status/current`);

/** The guest agent answers (PVE: 500 "QEMU guest agent is not running" until it does). */
export const postQemuAgentPing = (c: PveRequester, node: string, vmid: number) => c.post<unknown>(`/nodes/${encodeURIComponent(node)}/qemu/${vmid}/agent/ping`, {});
