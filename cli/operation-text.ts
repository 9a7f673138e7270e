// An Operation as command-line text: one row per guest (failures first), each target's phases with their
// UPIDs under its row, and a one-line summary with the label and the counts. Shared by the capability verbs,
// `moxxie ops` and `moxxie history show`, so an operation reads the same wherever it is printed.
import type { Operation, OperationTarget, PhaseRecord, TargetState } from '../src/ops/types.js';
import { stateCountsText } from '../src/text/state-counts.js';
import { textTable } from '../src/text/table.js';
import { formatTime } from '../src/text/time.js';

/** The rows an operator most needs to see come first. */
const ROW_ORDER: TargetState[] = ['failed', 'interrupted', 'cancelled', 'running', 'planned', 'succeeded', 'rolled-back', 'skipped'];

export function orderedTargets(targets: readonly OperationTarget[]): OperationTarget[] {
  return ROW_ORDER.flatMap((s) => targets.filter((t) => t.state === s));
}

/** What a target does, or why it did not: the reason for a skip or a failure, else its action. */
export function whatOrWhy(t: OperationTarget): string {
  if (t.state === 'planned' || t.state === 'running') return t.message ? `${t.action} (${t.message})` : t.action;
  if (t.state === 'succeeded' || t.state === 'rolled-back') return t.message ?? t.action;
  return t.message ? `${t.action}: ${t.message}` : t.action;
}

/** `snapshot  succeeded  UPID:…  snapshot a created` — one compact line per phase (and its undo). */
export function phaseLine(p: PhaseRecord): string {
  const parts = [p.name, p.state];
  if (p.upids.length) parts.push(p.upids.join(', '));
  if (p.message) parts.push(p.message);
  if (p.undo) parts.push(`undo ${p.undo.state}${p.undo.upids.length ? ` ${p.undo.upids.join(', ')}` : ''}${p.undo.message ? `: ${p.undo.message}` : ''}`);
  return parts.join('  ');
}

/**
 * A table of targets; with `phases`, each target's phases are printed under its row, indented. `upid` adds
 * the latest UPID column (history show).
 */
export function targetsTable(targets: readonly OperationTarget[], opts: { phases?: boolean; upid?: boolean; order?: boolean } = {}): string {
  if (!targets.length) return 'no VMs';
  const list = opts.order === false ? [...targets] : orderedTargets(targets);
  // TYPE (last, so the columns scripts read keep their places): qemu or lxc per guest — a bulk action acts on
  // both unless the selection says otherwise.
  const header = opts.upid ? ['VMID', 'NAME', 'NODE', 'STATE', 'ACTION', 'UPID', 'MESSAGE', 'TYPE'] : ['VMID', 'NAME', 'NODE', 'STATE', 'WHAT / WHY', 'TYPE'];
  const rows = list.map((t) => (opts.upid ? [String(t.vmid), t.name, t.node, t.state, t.action, t.upid ?? '', t.message ?? '', t.guestType ?? ''] : [String(t.vmid), t.name, t.node, t.state, whatOrWhy(t), t.guestType ?? '']));
  const lines = textTable(header, rows).split('\n');
  if (!opts.phases) return lines.join('\n');
  const out = [lines[0]];
  list.forEach((t, i) => {
    out.push(lines[i + 1]);
    for (const p of t.phases ?? []) out.push(`    · ${phaseLine(p)}`);
  });
  return out.join('\n');
}

const took = (op: Operation) => (op.finishedAt ? `${((op.finishedAt - op.startedAt) / 1000).toFixed(1)} s` : undefined);

/** `op-… snapshot pre-{vm}: succeeded (3 succeeded, 2 skipped) in 1.2 s` — or, for a plan (not recorded, so no id), what it would do. */
export function summaryLine(op: Operation): string {
  const label = op.label ?? op.kind;
  const counts = stateCountsText(op.targets);
  if (op.dryRun || op.status === 'planned') return `plan of ${label}: nothing was changed (${counts})`;
  const time = took(op);
  return `${op.id} ${label}: ${op.status} (${counts})${time ? ` in ${time}` : ''}`;
}

/** The operation after a run: warnings, the rows, the summary. */
export function operationReport(op: Operation, opts: { phases?: boolean } = {}): string {
  const warnings = op.warnings.map((w) => `warning: ${w}`);
  return [...warnings, ...(warnings.length ? [''] : []), targetsTable(op.targets, { phases: opts.phases }), '', summaryLine(op)].join('\n');
}

/** One operation in full (history show, ops show): its request, warnings, rows with phases and UPIDs. */
export function operationDetail(op: Operation): string {
  const time = took(op);
  const continued = (op.continuations ?? []).map((c) => `${c.action} at ${formatTime(c.at)} by ${c.frontEnd}`);
  const head = [
    `${op.id}  ${op.kind}  ${op.label ?? ''}  ${op.status}${op.dryRun ? ' (dry run)' : ''}`.replace(/  +/g, '  '),
    `started ${formatTime(op.startedAt)} by ${op.frontEnd}${op.job ? ` for job ${op.job.name} (${op.job.id}${op.job.runId ? `, run ${op.job.runId}` : ''})` : ''} in context ${op.context}${time ? `, took ${time}` : ''}`,
    ...(continued.length ? [`continued: ${continued.join('; ')}`] : []),
    `request ${JSON.stringify(op.request)}`,
    ...op.warnings.map((w) => `warning: ${w}`),
    '',
  ];
  return [...head, targetsTable(op.targets, { phases: true, upid: true, order: false }), '', stateCountsText(op.targets)].join('\n');
}

/** The live line for a target that has just ended (progress while an operation runs). */
export function progressLine(t: OperationTarget): string {
  return `  ${t.vmid} ${t.name} (${t.node}): ${t.state}${t.message ? ` — ${t.message}` : ''}`;
}
