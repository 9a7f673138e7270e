// The simulated cluster's data. The VM config is the source of truth (name, tags, protection, lock live
// in it, as in PVE's qemu-server config files); everything else is derived from it.

export type SimConfigValue = string | number;
export type SimConfig = Record<string, SimConfigValue>;
export type SimGuestType = 'qemu' | 'lxc';
export type SimRunState = 'running' | 'stopped' | 'paused';

export interface SimSnapshotRecord {
  name: string;
  description: string;
  snaptime: number;
  vmstate: boolean;
  parent?: string;
  config: SimConfig;
}

export interface SimVmRecord {
  vmid: number;
  node: string;
  type: SimGuestType;
  state: SimRunState;
  config: SimConfig;
  /** PVE's [PENDING] section: changes to a running VM that wait for its next start. */
  pending?: SimConfig;
  /** Keys whose deletion is pending. */
  pendingDelete?: string[];
  snapshots: SimSnapshotRecord[];
  /** The snapshot the current state derives from. */
  parent?: string;
  /** Epoch seconds when it was last started (uptime). */
  startedAt?: number;
  pool?: string;
  /** Deterministic load figures for the resource views. */
  cpuLoad: number;
  memLoad: number;
}

export interface SimNodeRecord {
  node: string;
  online: boolean;
  maxcpu: number;
  maxmem: number;
  maxdisk: number;
  bootedAt: number;
  /** Linux bridges the node has (a NIC on another fails at start); absent = every bridge (states saved before bridges were modelled). */
  bridges?: string[];
}

export interface SimStorageRecord {
  storage: string;
  type: string;
  content: string[];
  shared: boolean;
  total: number;
  /** Where files of a directory-like storage live (for task logs and volume paths). */
  path?: string;
  /** Protected backups allowed per guest (PVE's max-protected-backups; -1 unlimited). */
  maxProtectedBackups?: number;
}

export interface SimPoolRecord {
  poolid: string;
  comment?: string;
  /** Storage members; VM members are recorded on the VM (SimVmRecord.pool). */
  storage?: string[];
}

export interface SimVolumeRecord {
  volid: string;
  storage: string;
  /** Owning node for local storages; undefined for shared storage. */
  node?: string;
  content: string;
  format: string;
  size: number;
  ctime: number;
  vmid?: number;
  notes?: string;
  protected?: boolean;
  /** Backups: the guest config they hold, for restores. */
  config?: SimConfig;
  /** Backups: the guest type (vzdump-qemu / vzdump-lxc). */
  subtype?: SimGuestType;
  /** download-url: the URL its bytes came from (the simulated body, see download-body.ts). */
  source?: string;
}

export interface SimTaskRecord {
  upid: string;
  node: string;
  pid: number;
  pstart: number;
  starttime: number;
  type: string;
  id: string;
  user: string;
  tokenid?: string;
  status: 'running' | 'stopped';
  exitstatus?: string;
  endtime?: number;
  log: string[];
}

/** Public, read-only views handed to tests (copies; mutating them changes nothing). */
export interface SimVm {
  vmid: number;
  name: string;
  node: string;
  type: SimGuestType;
  status: 'running' | 'stopped' | 'paused';
  template: boolean;
  tags: string[];
  lock?: string;
  protection: boolean;
  pool?: string;
  config: SimConfig;
  /** Pending changes (running VM), when there are any. */
  pending?: SimConfig;
  pendingDelete?: string[];
  snapshots: Array<{ name: string; description: string; snaptime: number; vmstate: boolean; parent?: string }>;
  /** The snapshot the guest's current state derives from (the config file's `parent`). */
  parent?: string;
}

export interface SimNode {
  node: string;
  online: boolean;
}

export interface SimTask {
  upid: string;
  node: string;
  type: string;
  id: string;
  user: string;
  tokenid?: string;
  starttime: number;
  endtime?: number;
  status: 'running' | 'stopped';
  exitstatus?: string;
  log: string[];
}

export interface SimVolume {
  volid: string;
  storage: string;
  node?: string;
  content: string;
  vmid?: number;
  notes?: string;
  protected: boolean;
  size: number;
  ctime: number;
}
