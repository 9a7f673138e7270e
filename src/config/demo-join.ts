// Joining the demo cluster another live process serves from this state directory. Its first answer may be
// slow (a loaded machine, a big saved state): as long as the announcing process lives, the joiner keeps asking
// and never starts a second simulator on the same state directory (two would see different VMs and overwrite
// each other's saved state). Only an announcement that is withdrawn, or whose process is gone, lets it start
// its own; a live process that never answers ends the wait with an error naming it.
import type { ServedDemo } from './demo-server.js';

export interface DemoJoinOptions {
  /** One probe's timeout (GET /version). Default 2000 ms. */
  probeTimeoutMs?: number;
  /** How long a live server may go without answering before the join gives up. Default 60 s. */
  patienceMs?: number;
}

export const DEMO_PROBE_TIMEOUT_MS = 2000;
export const DEMO_JOIN_PATIENCE_MS = 60_000;
const FIRST_PAUSE_MS = 50;
const MAX_PAUSE_MS = 1000;
const CLOSING_PAUSE_MS = 20;

/** One try at the demo, made by the caller under the demo lock: done, or a live server that did not answer or is closing. */
export type JoinAttempt<T> = { done: T } | { silent: ServedDemo };

/**
 * Repeats `attempt` while it finds a live server that does not answer, pausing between tries (outside the
 * lock, so the serving process can still close and other openers are not held up). The caller probes under
 * the lock because a serving process closes under it: a server that is shutting down is waited for, never
 * joined a moment before it goes away.
 */
export async function untilDemoAnswers<T>(stateDir: string, attempt: () => Promise<JoinAttempt<T>>, o: DemoJoinOptions = {}): Promise<T> {
  const patienceMs = o.patienceMs ?? DEMO_JOIN_PATIENCE_MS;
  const since = Date.now();
  let pause = FIRST_PAUSE_MS;
  for (;;) {
    const outcome = await attempt();
    if ('done' in outcome) return outcome.done;
    const served = outcome.silent;
    if (Date.now() - since >= patienceMs) {
      const state = served.closing ? 'is closing but has not finished' : 'is running but has not answered';
      throw new Error(
        `the demo cluster of ${stateDir} is served by pid ${served.owner.pid} (${served.url}), which ${state} for ${Math.round(patienceMs / 1000)} s; wait for it or stop that process (a second simulator on the same state would overwrite its saved state)`,
      );
    }
    // A demo that is closing is done in moments (state saved, announcement withdrawn): look again soon. A
    // live server that does not answer is asked less and less often.
    const wait = served.closing ? CLOSING_PAUSE_MS : pause;
    if (!served.closing) pause = Math.min(pause * 2, MAX_PAUSE_MS);
    await new Promise((r) => setTimeout(r, wait));
  }
}
