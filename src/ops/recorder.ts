// What the core tells whoever keeps records (the history store); the core never knows who listens.
import type { FrontEnd, Operation } from './types.js';

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
}

export interface CoreRecorder {
  operationStarted(op: Operation): void | Promise<void>;
  targetUpdated(op: Operation): void | Promise<void>;
  operationFinished(op: Operation): void | Promise<void>;
  audit(entry: AuditEntry): void | Promise<void>;
}
