// Joining the demo cluster another live process serves from this state directory. Its first answer may be
// slow (a loaded machine, a big saved state): as long as the announcing process lives, the joiner keeps asking
// and never starts a second simulator on the same state directory (two would see different VMs and overwrite
// each other's saved state). Only an announcement that is withdrawn, or whose process is gone, lets it start
// its own; a live process that never answers ends the wait with an error naming it.
import { runningDemo, type DemoEndpoint } from './demo-server.js';
import type { ProcessOwner } from '../history/process-owner.js';

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

export type ServedDemo = DemoEndpoint & { owner: ProcessOwner };

/**
 * The demo another live process serves here, once it answers `answers` (a probe of its API); undefined when
 * none is announced or its process is gone (the caller may start its own, under the demo lock).
 */
export async function joinServedDemo(stateDir: string, answers: (served: ServedDemo) => Promise<boolean>, o: DemoJoinOptions = {}): Promise<ServedDemo | undefined> {
  const patienceMs = o.patienceMs ?? DEMO_JOIN_PATIENCE_MS;
  const since = Date.now();
  for (let pause = FIRST_PAUSE_MS; ; pause = Math.min(pause * 2, MAX_PAUSE_MS)) {
    const served = runningDemo(stateDir);
    if (!served) return undefined;
    if (await answers(served)) return served;
    if (Date.now() - since >= patienceMs) {
      throw new Error(
        `the demo cluster of ${stateDir} is served by pid ${served.owner.pid} (${served.url}), which is running but has not answered for ${Math.round(patienceMs / 1000)} s; wait for it or stop that process (a second simulator on the same state would overwrite its saved state)`,
      );
    }
    await new Promise((r) => setTimeout(r, pause));
  }
}
