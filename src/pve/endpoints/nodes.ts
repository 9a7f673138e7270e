// Typed calls for /nodes and node tasks.
import type { Params, PveRequester, TaskListItem, TaskStatus } from '../types.js';

export interface NodeListItem {
  node: string;
  status: 'online' | 'offline' | 'unknown';
  cpu?: number;
  maxcpu?: number;
  mem?: number;
  maxmem?: number;
  uptime?: number;
  ssl_fingerprint?: string;
}

export type NodeTaskItem = TaskListItem;

const n = (node: string) => `/nodes/${encodeURIComponent(node)}`;

export const getNodes = (c: PveRequester) => c.get<NodeListItem[]>('/nodes');
export const getNodeStatus = (c: PveRequester, node: string) => c.get<Record<string, unknown>>(`${n(node)}/status`);

export const getNodeTasks = (
  c: PveRequester,
  node: string,
  params: { source?: 'archive' | 'active' | 'all'; limit?: number; start?: number; since?: number; until?: number; vmid?: number; typefilter?: string; userfilter?: string; statusfilter?: string; errors?: boolean } = {},
) => c.get<NodeTaskItem[]>(`${n(node)}/tasks`, params as Params);

export const getTaskStatus = (c: PveRequester, node: string, upid: string) => c.get<TaskStatus>(`${n(node)}/tasks/${encodeURIComponent(upid)}/status`);

export const getTaskLog = (c: PveRequester, node: string, upid: string, params: { start?: number; limit?: number } = {}) =>
  c.get<Array<{ n: number; t: string }>>(`${n(node)}/tasks/${encodeURIComponent(upid)}/log`, params);

export const deleteTask = (c: PveRequester, node: string, upid: string) => c.delete<null>(`${n(node)}/tasks/${encodeURIComponent(upid)}`);

/** A node's network interfaces (`type` any_bridge: its bridges, the names a guest's netN `bridge=` may use). */
export const getNodeNetwork = (c: PveRequester, node: string, params: { type?: 'bridge' | 'any_bridge' | 'any_local_bridge' | 'eth' } = {}) =>
  c.get<Array<{ iface: string; type: string; active?: number | boolean }>>(`${n(node)}/network`, params);
