// The rows each view lists, after its `/` filter. The controller counts them to move the cursor and the
// components draw them, from the same functions.
import type { ClusterTask } from '../src/core.js';
import type { ClusterNode } from '../src/inventory/model.js';
import type { Operation, OperationTarget } from '../src/ops/types.js';
import type { BackupEntry } from '../src/ops/backup-list.js';
import type { JobRunRecord } from '../src/history/job-records.js';
import { COMMANDS } from './command-line.js';
import { helpSections, keysLabel, type Binding } from './keymap.js';
import { byOutcome, compactPhases } from './operation-text.js';
import { opName } from './operation-name.js';
import { snapshotTree, type SnapshotRow } from './snapshot-tree.js';
import type { JobRow, TuiState, ViewName } from './store.js';
import { matchesWords } from './vm-order.js';
import type { RetentionCandidate } from '../src/ops/retention/candidates.js';
import { storageItemRows } from './storage-rows.js';
import { provisionRowCount } from './provision-plan.js';

export type HelpRow = { kind: 'title'; text: string } | { kind: 'binding'; binding: Binding } | { kind: 'command'; usage: string; description: string };

export function nodeRows(s: Pick<TuiState, 'inventory' | 'filters'>): ClusterNode[] {
  const nodes = s.inventory?.nodes ?? [];
  return nodes.filter((n) => matchesWords(`${n.node} ${n.status}`, s.filters.nodes));
}

export function taskRows(s: Pick<TuiState, 'tasks' | 'filters'>): ClusterTask[] {
  return s.tasks.filter((t) => matchesWords(`${t.node} ${t.type} ${t.id ?? ''} ${t.user} ${t.status ?? 'running'}`, s.filters.tasks));
}

function opText(o: Operation): string {
  return `${o.id} ${opName(o)} ${o.kind} ${o.status} ${o.frontEnd} ${o.targets.map((t) => `${t.vmid} ${t.name}`).join(' ')}`;
}

export function liveOpRows(s: Pick<TuiState, 'liveOps' | 'filters'>): Operation[] {
  return s.liveOps.filter((o) => matchesWords(opText(o), s.filters.ops));
}

/** History as stored, with this session's operations in their live state (the store may lag a write). */
export function pastOpRows(s: Pick<TuiState, 'pastOps' | 'liveOps' | 'filters'>): Operation[] {
  const live = new Map(s.liveOps.map((o) => [o.id, o]));
  const stored = new Set(s.pastOps.map((o) => o.id));
  const merged = [...s.liveOps.filter((o) => !stored.has(o.id)), ...s.pastOps.map((o) => live.get(o.id) ?? o)].sort((a, b) => b.startedAt - a.startedAt);
  return merged.filter((o) => matchesWords(opText(o), s.filters.history));
}

export function jobRows(s: Pick<TuiState, 'jobs' | 'filters'>): JobRow[] {
  return s.jobs.filter((j) => matchesWords(`${j.name} ${j.taskType} ${j.cronExpression} ${j.enabled ? 'enabled' : 'disabled'}`, s.filters.jobs));
}

/** The open operation (live state first, then history). */
export function opDetailOf(s: Pick<TuiState, 'opDetail' | 'liveOps' | 'pastOps'>): Operation | undefined {
  if (!s.opDetail) return undefined;
  return s.liveOps.find((o) => o.id === s.opDetail) ?? s.pastOps.find((o) => o.id === s.opDetail);
}

export { byOutcome } from './operation-text.js';

/** The open operation's targets, failures first, after the view's filter. */
export function opTargetRows(s: Pick<TuiState, 'opDetail' | 'liveOps' | 'pastOps' | 'filters'>): OperationTarget[] {
  const op = opDetailOf(s);
  if (!op) return [];
  return [...op.targets]
    .sort(byOutcome)
    .filter((t) => matchesWords(`${t.vmid} ${t.name} ${t.node} ${t.state} ${t.action} ${t.message ?? ''} ${compactPhases(t)}`, s.filters.operation));
}

/** The open task's log lines, numbered from PVE's line numbers, after the view's filter. */
export function taskLogRows(s: Pick<TuiState, 'taskLog' | 'filters'>): Array<{ n: number; text: string }> {
  const log = s.taskLog?.log;
  if (!log) return [];
  return log.lines.map((text, i) => ({ n: log.start + i + 1, text })).filter((l) => matchesWords(l.text, s.filters.tasklog));
}

export function runRows(s: Pick<TuiState, 'runs' | 'filters'>): JobRunRecord[] {
  return s.runs.filter((r) => matchesWords(`${r.jobName} ${r.status} ${r.trigger} ${r.dryRun ? 'dry' : ''}`, s.filters.runs));
}

export function snapshotRows(s: Pick<TuiState, 'detail' | 'filters'>): SnapshotRow[] {
  // Until the config is read, where the VM is (its parent snapshot) is not known: no NOW row yet. The
  // config's `parent` says it: PVE sets it on a snapshot, a rollback and when the parent is deleted; without
  // one the VM derives from no snapshot (none taken yet, or its root parent was deleted), and NOW is a root.
  const parent = s.detail?.config.parent;
  const current = s.detail?.loaded ? (typeof parent === 'string' ? parent : '') : null;
  return snapshotTree(s.detail?.snapshots ?? [], current).filter((x) => x.now || matchesWords(`${x.name} ${x.description}`, s.filters.detail));
}

export function helpRows(readOnly: boolean, filter?: string): HelpRow[] {
  const rows: HelpRow[] = [];
  for (const section of helpSections(readOnly)) {
    const hits = section.bindings.filter((b) => matchesWords(`${keysLabel(b)} ${b.description}`, filter));
    if (!hits.length) continue;
    rows.push({ kind: 'title', text: section.title });
    for (const b of hits) rows.push({ kind: 'binding', binding: b });
  }
  const commands = COMMANDS.filter((c) => matchesWords(`${c.usage} ${c.description}`, filter));
  if (commands.length) rows.push({ kind: 'title', text: 'Commands (type : first)' });
  for (const c of commands) rows.push({ kind: 'command', usage: c.usage, description: c.description });
  return rows;
}

const MARK_ORDER: Record<string, number> = { remove: 0, protected: 1, renamed: 2, keep: 3 };

/** The retention preview's backups, what would be removed first. */
export function retentionRows(s: Pick<TuiState, 'retention' | 'filters'>): RetentionCandidate[] {
  const backups = s.retention?.preview?.backups ?? [];
  return backups
    .filter((b) => matchesWords(`${b.mark} ${b.vmid} ${b.name ?? ''} ${b.storage} ${b.volid} ${b.reason}`, s.filters.retention))
    .sort((a, b) => MARK_ORDER[a.mark] - MARK_ORDER[b.mark] || a.vmid - b.vmid || b.ctime - a.ctime);
}

/** The backups view's rows after its `/` filter (VM id, name, volid, notes, node, storage). */
export function backupRows(s: Pick<TuiState, 'backups' | 'filters'>): BackupEntry[] {
  const f = s.filters.backups;
  return f ? s.backups.rows.filter((b) => matchesWords(`${b.vmid} ${b.name ?? ''} ${b.volid} ${b.notes ?? ''} ${b.node} ${b.storage}`, f)) : s.backups.rows;
}

export function rowCount(s: TuiState, view: ViewName = s.view): number {
  switch (view) {
    case 'vms':
      return s.vmRows.length;
    case 'nodes':
      return nodeRows(s).length;
    case 'tasks':
      return taskRows(s).length;
    case 'ops':
      return liveOpRows(s).length;
    case 'history':
      return pastOpRows(s).length;
    case 'jobs':
      return jobRows(s).length;
    case 'runs':
      return runRows(s).length;
    case 'detail':
      return snapshotRows(s).length;
    case 'operation':
      return opTargetRows(s).length;
    case 'tasklog':
      return taskLogRows(s).length;
    case 'help':
      return helpRows(s.context.readOnly, s.filters.help).length;
    case 'retention':
      return retentionRows(s).length;
    case 'provision':
      return provisionRowCount(s);
    case 'storage':
      return storageItemRows(s).length;
    case 'backups':
      return backupRows(s).length;
  }
}
