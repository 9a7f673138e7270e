// What the core tells whoever keeps records (the history store); the core never knows who listens.
import type { MigrationEntry, MigrationQuery } from './migration/record.js';
import type { FrontEnd, JobOrigin, Operation, OperationTarget, PhaseRecord } from './types.js';

export interface AuditEntry {
  at: number;
  context: string;
  frontEnd: FrontEnd;
  /** e.g. "snapshot.create", "power STOP". */
  action: string;
  /** The request as given, without secrets. */
  request: unknown;
  allowed: boolean;
  reason?: string;
  operationId?: string;
  dryRun?: boolean;
  /** The job whose run acted (the front end is still the one that ran it: scheduler, or cli/tui/mcp for a trigger). */
  job?: JobOrigin;
}

export interface CoreRecorder {
  operationStarted(op: Operation): void | Promise<void>;
  /** `target` is the one that changed, so a store writes only that. */
  targetUpdated(op: Operation, target?: OperationTarget): void | Promise<void>;
  /**
   * The journal: one line per phase transition. The runner awaits it before and after each PVE call, so
   * after a crash the record says which phases ran and with which UPIDs. Must be cheap (an append).
   */
  phaseChanged(op: Operation, target: OperationTarget, phase: PhaseRecord): void | Promise<void>;
  operationFinished(op: Operation): void | Promise<void>;
  audit(entry: AuditEntry): void | Promise<void>;
  /** The recorded operation with its journal applied (for resume and rollback in a later process). */
  getOperation?(id: string): Promise<Operation | undefined>;
  /** Recorded operations (id, kind, start), newest first: provisioning's list reads the finished ones from here. */
  listOperationSummaries?(query?: { limit?: number }): Promise<Array<{ id: string; kind: Operation['kind']; startedAt: number }>>;
  /** Recorded migrations, newest first (undrain plans from them). */
  listMigrations?(query?: MigrationQuery): Promise<MigrationEntry[]>;
}
