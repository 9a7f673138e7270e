// Plain model types of a cluster, mapped from one GET /cluster/resources call.

export type GuestType = 'qemu' | 'lxc';
/** `unknown` when the guest's node is offline (its real state cannot be known). */
export type VmStatus = 'running' | 'stopped' | 'paused' | 'suspended' | 'unknown';

export interface Vm {
  vmid: number;
  name: string;
  node: string;
  type: GuestType;
  status: VmStatus;
  template: boolean;
  /** Lower-case as PVE stores them, in PVE's order. */
  tags: string[];
  lock?: string;
  pool?: string;
  /** Set when the guest is an HA resource: its HA state (start/stop/migrate then go through the HA manager). */
  hastate?: string;
  /** Fraction of maxcpu in use, 0..1 (as PVE reports it). */
  cpu: number;
  maxcpu: number;
  mem: number;
  maxmem: number;
  disk: number;
  maxdisk: number;
  /** Seconds. */
  uptime: number;
}

export type NodeStatus = 'online' | 'offline' | 'unknown';

export interface ClusterNode {
  node: string;
  status: NodeStatus;
  cpu: number;
  maxcpu: number;
  mem: number;
  maxmem: number;
  uptime: number;
}

export interface StorageInfo {
  storage: string;
  node: string;
  plugintype: string;
  content: string[];
  shared: boolean;
  status: string;
  disk: number;
  maxdisk: number;
}

export interface Inventory {
  vms: Vm[];
  nodes: ClusterNode[];
  storages: StorageInfo[];
  /** Epoch ms when /cluster/resources answered. */
  fetchedAt: number;
}
