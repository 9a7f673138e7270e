// The one Operation shape every front end shares (see DESIGN.md), its events and the seed's request shapes.
import type { VmSelector } from '../select/types.js';

export type TargetState = 'planned' | 'skipped' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export type OperationStatus =
  | 'planned' // dry run: the plan only
  | 'running'
  | 'succeeded' // every non-skipped target succeeded
  | 'partial' // some succeeded, some failed
  | 'failed' // nothing succeeded and something failed
  | 'cancelled'
  | 'interrupted'; // the process died while it ran (set by history on the next open)

export type OperationKind =
  | 'snapshot.create'
  | 'snapshot.delete'
  | 'snapshot.rollback'
  | 'power'
  | 'tags';

export type FrontEnd = 'tui' | 'mcp' | 'scheduler' | 'cli' | 'api';

export interface OperationTarget {
  vmid: number;
  name: string;
  node: string;
  state: TargetState;
  /** What this target's step does, e.g. "snapshot maint-web01-20261128" or "shutdown". */
  action: string;
  /** Why skipped / failed, or PVE's message. */
  message?: string;
  upid?: string;
  startedAt?: number;
  finishedAt?: number;
}

export interface OperationSummary {
  counts: Record<TargetState, number>;
  durationMs: number;
}

export interface Operation {
  id: string;
  kind: OperationKind;
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
}

export type OperationEvent =
  | { type: 'operation-started'; operation: Operation }
  | { type: 'target-updated'; operationId: string; target: OperationTarget }
  | { type: 'operation-finished'; operation: Operation };

export type OperationListener = (event: OperationEvent) => void;

/** Options every bulk request carries (seed names). */
export interface BulkOptions {
  /** Structured selectors (a union), or the one-line selector syntax. */
  vmSelectors: VmSelector[] | string;
  maxParallel?: number; // 1..20, default 5
  maxPerNode?: number;
  dryRun?: boolean;
  /** Override safe mode, PVE protection and always-on; for SHUTDOWN also PVE's forceStop after the timeout. */
  force?: boolean;
}

export interface BulkSnapshotCreateRequest extends BulkOptions {
  snapshotName: string; // template: {vm} {vmid} {date} {time} {datetime}
  description?: string;
  ttlHours?: number; // 1..8760
  includeMemory?: boolean;
}

export interface BulkSnapshotDeleteRequest extends BulkOptions {
  /** Exact name, or a glob over snapshot names. */
  snapshotName?: string;
  namePattern?: string;
  olderThanHours?: number;
  /** Only snapshots whose ` (TTL: Nh)` marker has expired. */
  expiredOnly?: boolean;
  /** Default true: only snapshots moxxie made (their description carries ` (TTL: Nh)` or `[moxxie]`). */
  moxxieOnly?: boolean;
}

export interface SnapshotRollbackRequest extends BulkOptions {
  snapshotName: string;
  start?: boolean;
}

export type PowerAction = 'START' | 'STOP' | 'SHUTDOWN' | 'REBOOT' | 'SUSPEND' | 'RESUME';

export interface BulkPowerRequest extends BulkOptions {
  operation: PowerAction;
  skipIfAlreadyInState?: boolean; // default true
  timeoutSeconds?: number; // 30..3600, default 300
}

export type TagAction = 'ADD' | 'REMOVE' | 'REPLACE';

export interface BulkTagRequest extends BulkOptions {
  action: TagAction;
  tags: string[];
}

export interface RunOptions {
  signal?: AbortSignal;
  frontEnd?: FrontEnd;
  onEvent?: OperationListener;
  /** Called once the plan is made and execution starts: lets a caller return an operation id at once. */
  onStarted?: (op: Operation) => void;
  /**
   * Resolve as soon as the operation has started (status 'running') instead of when it ends; it goes on in
   * the background — follow it through the registry (get/subscribe) or onEvent. Plan-time errors still reject.
   */
  detach?: boolean;
}
