// The one Operation shape every front end shares (see DESIGN.md), its events and the seed's request shapes.
import type { VmSelector } from '../select/types.js';

export type TargetState = 'planned' | 'skipped' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted' | 'rolled-back';
export const TARGET_STATES: readonly TargetState[] = ['planned', 'skipped', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted', 'rolled-back'];

/** What a target is: a guest that exists, one still to be made (created, cloned, restored), a volume (a backup), a node. */
export type TargetKind = 'guest' | 'new-guest' | 'volume' | 'node';

export type GuestType = 'qemu' | 'lxc';

/**
 * One named phase of a target's step (e.g. clone → configure → start → verify). Every transition is
 * journaled before and after its PVE call, so a crash leaves a record of what ran, with its UPIDs.
 * `undone` means its undo ran in a rollback.
 */
export type PhaseState = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted' | 'undone';

export interface PhaseRecord {
  name: string;
  state: PhaseState;
  /** Every PVE task this phase caused, in order. */
  upids: string[];
  message?: string;
  startedAt?: number;
  finishedAt?: number;
  /** Plain data a phase keeps for its undo or a resume (e.g. the tags it replaced). */
  data?: Record<string, unknown>;
  /** Its undo, once a rollback ran it. */
  undo?: { state: 'running' | 'succeeded' | 'failed'; upids: string[]; message?: string; at: number };
}
export type OperationStatus =
  | 'planned' // dry run: the plan only
  | 'running'
  | 'succeeded' // every non-skipped target succeeded
  | 'partial' // some succeeded, some failed
  | 'failed' // nothing succeeded and something failed
  | 'cancelled'
  | 'interrupted' // the process died while it ran (set by history on the next open)
  | 'rolled-back'; // a rollback undid what it had done

export const OPERATION_STATUSES: readonly OperationStatus[] = ['planned', 'running', 'succeeded', 'partial', 'failed', 'cancelled', 'interrupted', 'rolled-back'];

export type OperationKind =
  | 'snapshot.create'
  | 'snapshot.delete'
  | 'snapshot.rollback'
  | 'power'
  | 'tags'
  | 'backup.create'
  | 'backup.protect'
  | 'backup.unprotect'
  | 'backup.notes'
  | 'backup.delete'
  | 'backup.restore'
  | 'backup.verify'
  | 'backup.prune'
  | 'vm.delete'
  | 'vm.resize'
  | 'vm.set'
  | 'vm.ssh-keys'
  | 'vm.template'
  | 'storage.download'
  | 'migrate'
  | 'node.drain'
  | 'node.undrain'
  | 'vm.create'
  | 'vm.cloud-init'
  | 'vm.clone'
  | 'cluster.provision'
  | 'ct.create';
export const OPERATION_KINDS: readonly OperationKind[] = [
  'snapshot.create',
  'snapshot.delete',
  'snapshot.rollback',
  'power',
  'tags',
  'backup.create',
  'backup.protect',
  'backup.unprotect',
  'backup.notes',
  'backup.delete',
  'backup.restore',
  'backup.verify',
  'backup.prune',
  'vm.delete',
  'vm.resize',
  'vm.set',
  'vm.ssh-keys',
  'vm.template',
  'storage.download',
  'migrate',
  'node.drain',
  'node.undrain',
  'vm.create',
  'vm.cloud-init',
  'vm.clone',
  'cluster.provision',
  'ct.create',
];

export type FrontEnd = 'tui' | 'mcp' | 'scheduler' | 'cli' | 'api';

export interface OperationTarget {
  /** Unique within the operation; two targets may come from one source (ten clones of one template). */
  id: string;
  kind: TargetKind;
  /** The guest's id (for a guest still to be made, the id it will get; for a volume, its guest). */
  vmid: number;
  guestType?: GuestType;
  name: string;
  node: string;
  state: TargetState;
  /** What this target's step does, e.g. "snapshot maint-web01-20261128" or "shutdown". */
  action: string;
  /** Why skipped / failed, or PVE's message. */
  message?: string;
  /** The latest PVE task of this target (every one is in its phases). */
  upid?: string;
  startedAt?: number;
  finishedAt?: number;
  /** The phases of its step, in order; empty for a skipped target. */
  phases: PhaseRecord[];
  /** Set on a failed target whose error no retry can fix (authentication, permission, a refused parameter). */
  retryable?: boolean;
  /** Plain data the capability rebuilds this target's phases from (resume, rollback): e.g. the snapshot name. */
  spec?: Record<string, unknown>;
}

export interface OperationSummary {
  counts: Record<TargetState, number>;
  durationMs: number;
}

/** After a failure: go on with the other targets, or start nothing new. */
export type FailurePolicy = 'continue' | 'stop';

export interface Operation {
  id: string;
  kind: OperationKind;
  /** What it does, from the capability: "shutdown", "stop (forced)", "snapshot nightly-{vm}-{date}". */
  label: string;
  /** The request as given (secrets never included). */
  request: unknown;
  dryRun: boolean;
  status: OperationStatus;
  targets: OperationTarget[];
  /** Warnings from selector resolution (unknown ids, offline nodes). */
  warnings: string[];
  frontEnd: FrontEnd;
  context: string;
  startedAt: number;
  finishedAt?: number;
  summary?: OperationSummary;
  failurePolicy?: FailurePolicy;
  /** Each time it was resumed or rolled back after it first ended (by `moxxie ops resume|rollback`, the TUI or MCP). */
  continuations?: Array<{ action: 'resume' | 'rollback'; at: number; frontEnd: FrontEnd }>;
  /** The job whose run made it (a scheduled fire or a trigger); absent for a direct request. */
  job?: JobOrigin;
}

/** Which job (and which of its runs) made an operation: named in the operation and its audit entries. */
export interface JobOrigin {
  id: string;
  name: string;
  runId?: string;
}

export type OperationEvent =
  | { type: 'operation-started'; operation: Operation }
  | { type: 'target-updated'; operationId: string; target: OperationTarget }
  | { type: 'phase-changed'; operationId: string; targetId: string; phase: PhaseRecord }
  | { type: 'operation-finished'; operation: Operation };

export type OperationListener = (event: OperationEvent) => void;

/** Options every bulk request carries (seed names). */
export interface BulkOptions {
  /** Structured selectors (a union), or the one-line selector syntax. */
  vmSelectors?: VmSelector[] | string;
  maxParallel?: number; // 1..20, default 5
  maxPerNode?: number;
  dryRun?: boolean;
  /** Override safe mode, PVE protection and always-on; for SHUTDOWN also PVE's forceStop after the timeout. */
  force?: boolean;
  /** After a failed target: 'continue' (default) or 'stop' (start nothing new). */
  onFailure?: FailurePolicy;
}

export type { PowerAction } from './capabilities/power.js';
export type { TagAction } from './capabilities/tags.js';

export interface RunOptions {
  signal?: AbortSignal;
  frontEnd?: FrontEnd;
  /** The job run making this request, recorded in the operation and its audit. */
  job?: JobOrigin;
  onEvent?: OperationListener;
  /** Called once the plan is made and execution starts: lets a caller return an operation id at once. */
  onStarted?: (op: Operation) => void;
  /**
   * Resolve as soon as the operation has started (status 'running') instead of when it ends; it goes on in
   * the background — follow it through the registry (get/subscribe) or onEvent. Plan-time errors still reject.
   */
  detach?: boolean;
}
