// The fault matrix at test scale (120 VMs on 8 nodes; `npm run bench` runs 500): a bulk snapshot through
// the real core while the simulator answers 10% of calls with 5xx, drops 3% of connections, loses 10% of
// write answers after applying the write, fails 5% of tasks and issues 3 s tickets; its tasks take 700 ms,
// so the run outlives a ticket (at most 4 s, as PVE counts ticket age in whole seconds). Judged on the
// simulator's true state (bench/faults.ts): every target accounted for, no guest with two snapshots from
// the request, nothing reported succeeded that PVE lacks, nothing reported failed that PVE did.
import { describe, expect, it } from 'vitest';
import { runFaultMatrix } from '../../bench/faults.js';

describe('fault matrix', () => {
  it('bulk snapshot of 120 VMs on 8 nodes under 5xx, drops, lost answers, failing tasks and expiring tickets', async () => {
    const r = await runFaultMatrix({ vms: 120, nodes: 8, maxParallel: 20, taskDurationMs: 700 });
    // The figures go to the log either way, so a failing run says what it saw.
    console.log(
      `fault matrix (120 VMs): ${r.succeeded} succeeded, ${r.failed} failed; duplicates ${r.duplicates}, false failures ${r.falseFailures}, false successes ${r.falseSuccesses}, unaccounted ${r.unaccounted}; injected ${JSON.stringify(r.injected)}; ${r.logins} logins in ${r.durationMs} ms`,
    );
    for (const [reason, n] of r.failureReasons) console.log(`  failed ×${n}: ${reason}`);
    for (const [kind, lines] of Object.entries(r.examples)) for (const line of lines) console.log(`  ${kind}: ${line}`);
    // The faults really happened: a matrix that injected nothing would prove nothing.
    expect(r.injected.lostAnswers).toBeGreaterThan(0);
    expect(r.injected.errors).toBeGreaterThan(0);
    expect(r.injected.drops).toBeGreaterThan(0);
    expect(r.injected.taskFailures).toBeGreaterThan(0);
    // The run outlived its first ticket, so the client had to log in again.
    expect(r.durationMs).toBeGreaterThan(4000);
    expect(r.logins).toBeGreaterThan(1);
    expect(r.targets).toBe(120);
    expect({ unaccounted: r.unaccounted, duplicates: r.duplicates, falseSuccesses: r.falseSuccesses, falseFailures: r.falseFailures }).toEqual({
      unaccounted: 0,
      duplicates: 0,
      falseSuccesses: 0,
      falseFailures: 0,
    });
  }, 120_000);
});
