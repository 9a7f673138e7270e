// The plan at a glance: how many targets change and, for the skipped ones, each reason with its count.
// Drawn with @alcalzone/ink-table (the ESM build of ink-table that loads with modern Ink); the per-VM
// rows below it stay hand-laid because they scroll and the table gives each row two lines.
import { Table } from '@alcalzone/ink-table';
import type { PlanRow } from '../store.js';

export interface BreakdownRow extends Record<string, string | number> {
  outcome: string;
  VMs: number;
}

/** Why targets are skipped, with how many each: the most common reason first. */
export function skipReasonCounts(rows: PlanRow[]): Array<[reason: string, count: number]> {
  const reasons = new Map<string, number>();
  for (const r of rows) if (r.skipped) reasons.set(r.what, (reasons.get(r.what) ?? 0) + 1);
  return [...reasons].sort((a, b) => b[1] - a[1]);
}

/** Rows of the breakdown: what changes first, then skip reasons by count (largest first). */
export function planBreakdown(rows: PlanRow[], reasonWidth: number): BreakdownRow[] {
  const changing = rows.filter((r) => !r.skipped).length;
  const clip = (s: string) => (s.length > reasonWidth ? `${s.slice(0, Math.max(1, reasonWidth - 1))}…` : s);
  return [{ outcome: 'will change', VMs: changing }, ...skipReasonCounts(rows).map(([why, n]) => ({ outcome: clip(`skip: ${why}`), VMs: n }))];
}

/** Screen lines the table takes: top and bottom borders, the heading, and two lines per row. */
export function breakdownHeight(rowCount: number): number {
  return 3 + rowCount * 2;
}

export function PlanBreakdown({ rows }: { rows: BreakdownRow[] }) {
  return <Table data={rows} columns={['outcome', { key: 'VMs', align: 'right' }]} />;
}
