// Typed calls for /version and /cluster/*, named after their PVE paths.
import type { PveRequester, RequestOptions, TaskListItem } from '../types.js';

export interface ClusterResource {
  id: string;
  type: 'qemu' | 'lxc' | 'node' | 'storage' | 'pool' | 'sdn' | string;
  node?: string;
  vmid?: number;
  name?: string;
  status?: string;
  template?: number;
  tags?: string;
  lock?: string;
  pool?: string;
  /** HA resources only: the HA manager's state (started, stopped, ignored, disabled, ...). */
  hastate?: string;
  cpu?: number;
  maxcpu?: number;
  mem?: number;
  maxmem?: number;
  disk?: number;
  maxdisk?: number;
  uptime?: number;
  storage?: string;
  plugintype?: string;
  content?: string;
  shared?: number;
}

export type ClusterTaskItem = TaskListItem;

export const getVersion = (c: PveRequester) => c.get<{ version: string; release: string; repoid: string }>('/version');

export const getClusterResources = (c: PveRequester, params: { type?: 'vm' | 'storage' | 'node' | 'sdn' } = {}, opts?: RequestOptions) =>
  c.get<ClusterResource[]>('/cluster/resources', params, opts);

/** PVE answers a string ("101"); accept numbers too. */
export const getClusterNextid = async (c: PveRequester, vmid?: number): Promise<number> => Number(await c.get<string | number>('/cluster/nextid', vmid ? { vmid } : undefined));

/** One `cluster` entry (name, quorate, nodes) plus one `node` entry per member (online, local, ip). */
export interface ClusterStatusItem {
  type: 'cluster' | 'node';
  id: string;
  name: string;
  nodes?: number;
  quorate?: number;
  version?: number;
  online?: number;
  local?: number;
  ip?: string;
  nodeid?: number;
}

export const getClusterStatus = (c: PveRequester) => c.get<ClusterStatusItem[]>('/cluster/status');

export const getClusterTasks = (c: PveRequester) => c.get<ClusterTaskItem[]>('/cluster/tasks');

export const getAccessPermissions = (c: PveRequester, params: { path?: string } = {}) => c.get<Record<string, Record<string, number>>>('/access/permissions', params);
