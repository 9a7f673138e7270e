// Typed calls for qemu migration: PVE's precondition read and the migrate POST with every option moxxie sends.
import type { PveRequester } from '../types.js';

export interface MigrateLocalDisk {
  volid: string;
  size: number;
  drivename?: string;
  cdrom?: number;
  is_unused?: number;
}

/** GET /nodes/{node}/qemu/{vmid}/migrate: configuration-based (an offline node may well be allowed). */
export interface MigratePrecondition {
  running: number;
  allowed_nodes?: string[];
  not_allowed_nodes?: Record<string, Record<string, unknown>>;
  local_disks?: MigrateLocalDisk[];
  local_resources?: string[];
}

export interface MigrateParams {
  target: string;
  online?: boolean;
  'with-local-disks'?: boolean;
  targetstorage?: string;
  /** KiB/s. */
  bwlimit?: number;
  force?: boolean;
  migration_type?: 'secure' | 'insecure';
  migration_network?: string;
}

const path = (node: string, vmid: number) => `/nodes/${encodeURIComponent(node)}/qemu/${vmid}/migrate`;

export const getMigratePrecondition = (c: PveRequester, node: string, vmid: number) => c.get<MigratePrecondition>(path(node, vmid));

/** Starts a `qmigrate` task (`hamigrate` for an HA-managed guest); answers its UPID. */
export const postMigrate = (c: PveRequester, node: string, vmid: number, params: MigrateParams) => c.post<string>(path(node, vmid), { ...params });
