// pve-storage's src/test/prune_backups_test.pm through our engine (PVE runs it with TZ=UTC; our engine takes
// the zone explicitly and defaults to UTC, so the buckets are the same).
import { describe, expect, it } from 'vitest';
import { markBackups } from '../../src/ops/retention/prune-marks.js';
import { LocalClock } from '../../src/ops/retention/local-periods.js';
import { cases, lists, type Case } from './pve-prune-cases.js';

/** PVE's prune_backups with vmid/type parameters: list_volumes filters by vmid, then by archive type. */
function prune(c: Case): Record<string, string> {
  const all = lists[c.list ?? 'default']();
  const byVmid = c.vmid === undefined ? all : all.filter((b) => b.vmid === c.vmid);
  const decisions = markBackups(byVmid, { keep: c.keep }, { now: Date.now(), clock: new LocalClock('UTC') });
  const out: Record<string, string> = {};
  for (const d of decisions) if (!c.type || d.type === c.type) out[d.volid] = d.mark;
  return out;
}

describe("pve-storage's prune_backups_test.pm", () => {
  for (const c of cases) {
    it(c.description, () => {
      expect(prune(c)).toEqual(c.expected);
    });
  }
});
