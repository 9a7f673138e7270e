// An operation's status from its targets' states: a target still left as its dead process left it
// (interrupted: PVE may or may not have done it) keeps the operation interrupted; it is never counted as a
// cancel, which means "moxxie stopped it before it started".
import { describe, expect, it } from 'vitest';
import { emptyCounts, finalStatus } from '../../src/ops/runner.js';
import type { Operation, TargetState } from '../../src/ops/types.js';

function opWith(states: TargetState[]): Operation {
  const counts = emptyCounts();
  for (const s of states) counts[s]++;
  return { id: 'op-x', kind: 'snapshot.create', label: 'snapshot x', request: {}, dryRun: false, status: 'running', targets: [], warnings: [], frontEnd: 'cli', context: 'lab', startedAt: 0, summary: { counts, durationMs: 0 } };
}

describe('finalStatus', () => {
  it.each<[TargetState[], Operation['status']]>([
    [['succeeded', 'interrupted'], 'interrupted'],
    [['interrupted', 'failed'], 'interrupted'],
    [['succeeded', 'interrupted', 'cancelled'], 'cancelled'],
    [['succeeded', 'cancelled'], 'cancelled'],
    [['succeeded', 'failed'], 'partial'],
    [['failed'], 'failed'],
    [['succeeded', 'skipped'], 'succeeded'],
  ])('%j → %s', (states, status) => {
    expect(finalStatus(opWith(states))).toBe(status);
  });
});
