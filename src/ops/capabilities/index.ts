// The registry: every capability, keyed by its kind. The compiler checks it is complete; the core, MCP,
// the TUI, the CLI and the scheduler read it rather than keeping their own lists.
import type { AnyCapability, DangerPolicy } from '../capability.js';
import type { OperationKind } from '../types.js';
import { power } from './power.js';
import { snapshotCreate } from './snapshot-create.js';
import { snapshotDelete } from './snapshot-delete.js';
import { snapshotRollback } from './snapshot-rollback.js';
import { tags } from './tags.js';
import { vmCloudInit } from './vm-cloud-init.js';
import { vmClone } from './vm-clone.js';
import { vmCreate } from './vm-create.js';

export const CAPABILITIES: { readonly [K in OperationKind]: AnyCapability } = {
  'snapshot.create': snapshotCreate,
  'snapshot.delete': snapshotDelete,
  'snapshot.rollback': snapshotRollback,
  power,
  tags,
  'vm.create': vmCreate,
  'vm.cloud-init': vmCloudInit,
  'vm.clone': vmClone,
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
