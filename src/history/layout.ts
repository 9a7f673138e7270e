// Where a context's history lives on disk. One directory per context:
//
//   history.json               the index (lowdb): jobs, job runs, migrations, one summary per operation
//   audit.jsonl                the audit trail, one JSON line per change attempt (appended)
//   operations/<id>.json       one operation, whole (written at its start, its end, and now and then)
//   operations/<id>.journal    its journal while it runs: one JSON line per phase or target change
//   runs/<id>.json             a job run's per-VM rows
//   history.v1.json            the single-file store of an older moxxie, kept after its migration
import { join } from 'node:path';

export interface HistoryLayout {
  dir: string;
  index: string;
  audit: string;
  operationsDir: string;
  runsDir: string;
  legacyBackup: string;
  operation(id: string): string;
  journal(id: string): string;
  runRows(id: string): string;
}

/** A record id as a file name: ids come from moxxie, but an old or hand-edited store may hold anything. */
const fileName = (id: string) => encodeURIComponent(id).replace(/^\./, '%2E');

export function historyLayout(dir: string): HistoryLayout {
  const operationsDir = join(dir, 'operations');
  const runsDir = join(dir, 'runs');
  return {
    dir,
    index: join(dir, 'history.json'),
    audit: join(dir, 'audit.jsonl'),
    operationsDir,
    runsDir,
    legacyBackup: join(dir, 'history.v1.json'),
    operation: (id) => join(operationsDir, `${fileName(id)}.json`),
    journal: (id) => join(operationsDir, `${fileName(id)}.journal`),
    runRows: (id) => join(runsDir, `${fileName(id)}.json`),
  };
}
