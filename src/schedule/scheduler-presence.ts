// Whether a scheduler runs jobs for a state directory right now: the lease it holds (lease.ts) is a
// proper-lockfile lock whose mtime the holder refreshes; a lock left by a crashed holder goes stale.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { LEASE_STALE_MS, leaseFile } from './lease.js';

export interface SchedulerPresence {
  running: boolean;
  /** Who holds the lease ("pid 4242 on host since …"), when one does. */
  holder?: string;
  /** What that means for the jobs, in a sentence. */
  note: string;
}

export async function schedulerPresence(stateDir: string): Promise<SchedulerPresence> {
  const file = leaseFile(stateDir);
  const running = await lockfile.check(file, { realpath: false, stale: LEASE_STALE_MS }).catch(() => false);
  if (!running) {
    return {
      running: false,
      note: 'no scheduler is running for this context: jobs fire only while `moxxie scheduler` runs (once started it catches up a fire missed by at most its grace window, default 5 min; older ones are recorded as missed); trigger_job runs one now',
    };
  }
  let holder = 'another process';
  try {
    const h = JSON.parse(readFileSync(file, 'utf8')) as { pid?: number; host?: string; since?: string };
    holder = `pid ${h.pid} on ${h.host}${h.since ? ` since ${h.since}` : ''}`;
  } catch {
    // The lock exists but its holder note is not written yet: still running.
  }
  return { running: true, holder, note: `a scheduler is running for this context (${holder}); enabled jobs fire on their schedule` };
}
