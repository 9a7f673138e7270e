// What a simulator profile answers as: the PVE release (its schema, /version, privilege names, HA model and
// status fields). Differences come from changes-9.x.json and the two schemas, not from guesses.
import type { SchemaVersion } from './schema/routes.js';

export type PveProfileName = SchemaVersion;
export const PVE_PROFILES: readonly PveProfileName[] = ['9', '8.4'];

export interface PveProfile {
  name: PveProfileName;
  /** GET /version and /nodes/{node}/version. */
  version: { version: string; release: string; repoid: string };
  /** pveversion in node status. */
  pveversion: string;
  kernel: string;
  /** 9 replaced HA groups with rules (node-affinity, resource-affinity); 8.4 has groups only. */
  ha: 'rules' | 'groups';
  /** Privileges that exist on this release (pve-access-control's PVE::AccessControl role defs). */
  privileges: readonly string[];
  /** 9 reports memhost and the PSI pressure fields in guest status. */
  pressureFields: boolean;
}

const COMMON_PRIVS = [
  'Datastore.Allocate', 'Datastore.AllocateSpace', 'Datastore.AllocateTemplate', 'Datastore.Audit',
  'Group.Allocate', 'Mapping.Audit', 'Mapping.Modify', 'Mapping.Use', 'Permissions.Modify', 'Pool.Allocate', 'Pool.Audit',
  'Realm.Allocate', 'Realm.AllocateUser', 'SDN.Allocate', 'SDN.Audit', 'SDN.Use',
  'Sys.AccessNetwork', 'Sys.Audit', 'Sys.Console', 'Sys.Incoming', 'Sys.Modify', 'Sys.PowerMgmt', 'Sys.Syslog', 'User.Modify',
  'VM.Allocate', 'VM.Audit', 'VM.Backup', 'VM.Clone', 'VM.Config.CDROM', 'VM.Config.CPU', 'VM.Config.Cloudinit', 'VM.Config.Disk',
  'VM.Config.HWType', 'VM.Config.Memory', 'VM.Config.Network', 'VM.Config.Options', 'VM.Console', 'VM.Migrate', 'VM.PowerMgmt',
  'VM.Snapshot', 'VM.Snapshot.Rollback',
];

export const PROFILES: Record<PveProfileName, PveProfile> = {
  '9': {
    name: '9',
    version: { version: '9.1.2', release: '9.1', repoid: '6b4d3c9a0e1f2d7b' },
    pveversion: 'pve-manager/9.1.2/6b4d3c9a0e1f2d7b',
    kernel: '6.17.2-1-pve',
    ha: 'rules',
    // PVE 9 split VM.Monitor into VM.GuestAgent.* (and dropped it); VM.Replicate is new.
    privileges: [...COMMON_PRIVS, 'VM.GuestAgent.Audit', 'VM.GuestAgent.FileRead', 'VM.GuestAgent.FileWrite', 'VM.GuestAgent.FileSystemMgmt', 'VM.GuestAgent.Unrestricted', 'VM.Replicate'],
    pressureFields: true,
  },
  '8.4': {
    name: '8.4',
    version: { version: '8.4.1', release: '8.4', repoid: '2a5fa54a8503f96d' },
    pveversion: 'pve-manager/8.4.1/2a5fa54a8503f96d',
    kernel: '6.8.12-9-pve',
    ha: 'groups',
    privileges: [...COMMON_PRIVS, 'VM.Monitor'],
    pressureFields: false,
  },
};

/** A profile by the name `--pve` takes; throws naming the valid ones. */
export function pveProfile(name: string | undefined): PveProfile {
  const key = (name ?? '9') === '9.1' ? '9' : (name ?? '9');
  const p = (PROFILES as Record<string, PveProfile>)[key];
  if (!p) throw new Error(`unknown PVE profile '${name}': use one of ${PVE_PROFILES.join(', ')}`);
  return p;
}
