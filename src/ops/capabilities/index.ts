// The registry: every capability, keyed by its kind. The compiler checks it is complete; the core, MCP,
// the TUI, the CLI and the scheduler read it rather than keeping their own lists.
import type { AnyCapability, DangerPolicy } from '../capability.js';
import type { OperationKind } from '../types.js';
import { backupCreate } from './backup-create.js';
import { backupDelete } from './backup-delete.js';
import { backupNotes } from './backup-notes.js';
import { backupProtect, backupUnprotect } from './backup-protect.js';
import { backupRestore } from './backup-restore.js';
import { backupVerify } from './backup-verify.js';
import { backupPrune } from './backup-prune.js';
import { migrate } from './migrate.js';
import { nodeDrain } from './node-drain.js';
import { nodeUndrain } from './node-undrain.js';
import { power } from './power.js';
import { snapshotCreate } from './snapshot-create.js';
import { snapshotDelete } from './snapshot-delete.js';
import { snapshotRollback } from './snapshot-rollback.js';
import { tags } from './tags.js';
import { diskResize } from './disk-resize.js';
import { sshKeys } from './ssh-keys.js';
import { storageDownload } from './storage-download.js';
import { vmDelete } from './vm-delete.js';
import { vmSet } from './vm-set.js';
import { vmTemplate } from './vm-template.js';
import { vmCloudInit } from './vm-cloud-init.js';
import { vmClone } from './vm-clone.js';
import { vmCreate } from './vm-create.js';
import { clusterProvision } from './cluster-provision.js';
import { ctCreate } from './ct-create.js';

export const CAPABILITIES: { readonly [K in OperationKind]: AnyCapability } = {
  'snapshot.create': snapshotCreate,
  'snapshot.delete': snapshotDelete,
  'snapshot.rollback': snapshotRollback,
  power,
  tags,
  'backup.create': backupCreate,
  'backup.protect': backupProtect,
  'backup.unprotect': backupUnprotect,
  'backup.notes': backupNotes,
  'backup.delete': backupDelete,
  'backup.restore': backupRestore,
  'backup.verify': backupVerify,
  'backup.prune': backupPrune,
  'vm.delete': vmDelete,
  'vm.resize': diskResize,
  'vm.set': vmSet,
  'vm.ssh-keys': sshKeys,
  'vm.template': vmTemplate,
  'storage.download': storageDownload,
  migrate,
  'node.drain': nodeDrain,
  'node.undrain': nodeUndrain,
  'vm.create': vmCreate,
  'vm.cloud-init': vmCloudInit,
  'vm.clone': vmClone,
  'cluster.provision': clusterProvision,
  'ct.create': ctCreate,
};

export function capabilityOf(kind: OperationKind): AnyCapability {
  return CAPABILITIES[kind];
}

/**
 * Destructive as safe mode and every front end's confirmation understand it. `policy` is the context's (its
 * safe mode); without it safe mode counts as on, so an unknown context never asks for less.
 */
export function isDestructive(kind: OperationKind, request: object, policy?: DangerPolicy): boolean {
  return CAPABILITIES[kind].destructive(request, policy);
}

/**
 * What every front end makes the operator confirm: a destructive request, and anything forced past safe
 * mode, always-on or PVE protection.
 */
export function needsConfirmation(kind: OperationKind, request: object, policy?: DangerPolicy): boolean {
  return (request as { force?: unknown }).force === true || isDestructive(kind, request, policy);
}

/** The operation's label ("shutdown", "stop (forced)", "snapshot nightly-{vm}"). */
export function labelOf(kind: OperationKind, request: object): string {
  return CAPABILITIES[kind].label(request);
}
