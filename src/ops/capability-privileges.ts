// The PVE privileges each capability's calls need (the `permissions` of their endpoints in the schemas), in the
// names of the cluster's release: reading a guest agent is VM.GuestAgent.Audit on PVE 9 and VM.Monitor on 8
// (detected, src/pve/features.ts). `moxxie config test` checks them against GET /access/permissions, so an
// operator learns before a run which capabilities these credentials cannot carry out, and why.
import type { ClusterFeatures } from '../pve/features.js';
import type { OperationKind } from './types.js';

export interface PrivilegeNeed {
  /** The ACL path the check is made on (the guest's /vms/{vmid}, the storage's /storage/{id}, the node's). */
  on: '/vms' | '/storage' | '/nodes' | '/';
  privilege: string;
}

const vms = (...privileges: string[]): PrivilegeNeed[] => privileges.map((privilege) => ({ on: '/vms', privilege }));
const storage = (...privileges: string[]): PrivilegeNeed[] => privileges.map((privilege) => ({ on: '/storage', privilege }));

/**
 * Per capability kind. Partial: a kind not listed (added later) is reported as unchecked rather than as fine.
 * `agent` is the release's name for reading the guest agent (a restore drill pings it).
 */
function table(agent: string): Partial<Record<OperationKind, PrivilegeNeed[]>> {
  return {
    'snapshot.create': vms('VM.Snapshot'),
    'snapshot.delete': vms('VM.Snapshot'),
    'snapshot.rollback': vms('VM.Snapshot.Rollback'),
    power: vms('VM.PowerMgmt'),
    tags: vms('VM.Config.Options'),
    'backup.create': [...vms('VM.Backup'), ...storage('Datastore.AllocateSpace')],
    'backup.protect': [...vms('VM.Backup'), ...storage('Datastore.AllocateSpace')],
    'backup.unprotect': [...vms('VM.Backup'), ...storage('Datastore.AllocateSpace')],
    'backup.notes': [...vms('VM.Backup'), ...storage('Datastore.AllocateSpace')],
    'backup.delete': [...vms('VM.Backup'), ...storage('Datastore.AllocateSpace')],
    'backup.prune': [...vms('VM.Backup'), ...storage('Datastore.AllocateSpace')],
    'backup.restore': [...vms('VM.Allocate', 'VM.Backup'), ...storage('Datastore.AllocateSpace')],
    'backup.verify': [...vms('VM.Allocate', 'VM.Backup', 'VM.PowerMgmt', agent), ...storage('Datastore.AllocateSpace')],
    'vm.delete': vms('VM.Allocate'),
    'vm.resize': vms('VM.Config.Disk'),
    'vm.set': vms('VM.Config.CPU', 'VM.Config.Memory'),
    'vm.ssh-keys': vms('VM.Config.Cloudinit'),
    'vm.template': vms('VM.Allocate'),
    'storage.download': [...storage('Datastore.AllocateTemplate'), { on: '/nodes', privilege: 'Sys.AccessNetwork' }],
    migrate: vms('VM.Migrate'),
    'node.drain': vms('VM.Migrate'),
    'node.undrain': vms('VM.Migrate'),
    'vm.create': [...vms('VM.Allocate', 'VM.Config.Disk', 'VM.Config.CPU', 'VM.Config.Memory', 'VM.Config.Network', 'VM.Config.Options'), ...storage('Datastore.AllocateSpace')],
    'vm.cloud-init': [...vms('VM.Allocate', 'VM.Config.Disk', 'VM.Config.Cloudinit', 'VM.PowerMgmt'), ...storage('Datastore.AllocateSpace')],
    'vm.clone': [...vms('VM.Clone', 'VM.Allocate', 'VM.Config.Cloudinit'), ...storage('Datastore.AllocateSpace')],
    'ct.create': [...vms('VM.Allocate', 'VM.PowerMgmt'), ...storage('Datastore.AllocateSpace')],
  };
}

export function privilegesNeeded(features: Pick<ClusterFeatures, 'agentPrivilege'>): Partial<Record<OperationKind, PrivilegeNeed[]>> {
  return table(features.agentPrivilege);
}

export interface PrivilegeCheck {
  /** Capabilities whose every privilege is held. */
  ready: OperationKind[];
  /** Capabilities lacking something: what, on which path. */
  missing: Array<{ kind: OperationKind; needs: PrivilegeNeed[] }>;
}

/**
 * Checks the table against `perms` (GET /access/permissions: path → privilege → 1). A privilege held on `/`
 * counts on every path below it, as PVE's ACLs propagate.
 */
export function checkPrivileges(features: Pick<ClusterFeatures, 'agentPrivilege'>, perms: Record<string, Record<string, number>>, kinds: readonly OperationKind[]): PrivilegeCheck {
  const needed = privilegesNeeded(features);
  const held = (n: PrivilegeNeed) => Boolean(perms['/']?.[n.privilege] || perms[n.on]?.[n.privilege]);
  const out: PrivilegeCheck = { ready: [], missing: [] };
  for (const kind of kinds) {
    const needs = needed[kind];
    if (!needs) continue;
    const lacking = needs.filter((n) => !held(n));
    if (lacking.length) out.missing.push({ kind, needs: lacking });
    else out.ready.push(kind);
  }
  return out;
}
