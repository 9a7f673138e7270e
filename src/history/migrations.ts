// Migration history (the seed's GET /vms/{id}/migrate/history): every move of a migrate, drain or undrain,
// one record per guest, kept in the index (history.json). The core makes the record (migrationEntryOf);
// this file decides when one is written and how the list is queried.
import { migrationEntryOf, type MigrationEntry, type MigrationQuery } from '../ops/migration/record.js';
import type { Operation, OperationTarget } from '../ops/types.js';

export type { MigrationEntry, MigrationQuery } from '../ops/migration/record.js';

/** The record a target update finishes, if it finishes a migration. */
export function finishedMigration(op: Operation, changed: OperationTarget | undefined): MigrationEntry | undefined {
  if (!changed || op.dryRun) return undefined;
  const t = op.targets.find((x) => x.id === changed.id) ?? changed;
  return migrationEntryOf(op, t);
}

/** Newest first, filtered. */
export function queryMigrations(all: readonly MigrationEntry[], q: MigrationQuery = {}): MigrationEntry[] {
  const out = all.filter(
    (m) => (q.vmid === undefined || m.vmid === q.vmid) && (q.drainedNode === undefined || m.drainedNode === q.drainedNode) && (q.operationKind === undefined || m.operationKind === q.operationKind),
  );
  return out.sort((a, b) => b.at - a.at).slice(0, q.limit ?? 100);
}
