// Joining a demo cluster whose server is slow to answer: while the announcing process lives, the joiner keeps
// asking and never starts a second simulator on the same state directory; a live server that never answers ends
// the wait with an error naming its process. The server is a real simulator whose answers are delayed
// (latencyMs); the test waits for its probes to arrive, never for a fixed time.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { announceDemo } from '../../src/config/demo-server.js';
import { openContext } from '../../src/config/open-context.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { tempDir } from '../fixtures/temp-dirs.js';
import { until } from '../fixtures/wait.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ nodes: 2, vms: 4, taskDurationMs: 20 });
});
afterAll(() => sim.close());

/** A state root whose demo is announced as served by this (live) process at the simulator's address. */
function servedHere() {
  const root = tempDir('demo-join');
  const stateDir = join(root, 'demo');
  const { withdraw } = announceDemo(stateDir, { url: sim.url, fingerprint: sim.fingerprint, tokenId: sim.credentials.tokenId, tokenSecret: sim.credentials.tokenSecret });
  const env = { MOXXIE_STATE_DIR: root, MOXXIE_DEMO_TASK_MS: '20', MOXXIE_CONFIG: join(root, 'none.json') };
  return { env, stateDir, withdraw };
}

describe('joining a slow demo server', () => {
  it('keeps asking while its process lives, and joins it once it answers: no second simulator on its state', async () => {
    const { env, stateDir, withdraw } = servedHere();
    sim.stats.reset();
    sim.faults.set({ latencyMs: 3000 }); // longer than the old fixed 2 s probe
    try {
      const opening = openContext({ demo: true, env, demoJoin: { probeTimeoutMs: 100 } });
      await until('three unanswered probes', () => sim.stats.requests >= 3);
      sim.faults.set({ latencyMs: 0 });
      const ctx = await opening;
      try {
        expect(ctx.sim).toBeUndefined();
        expect(ctx.info.url).toBe(sim.url);
        expect((await ctx.client.get<Array<{ node: string }>>('/nodes')).map((n) => n.node).sort()).toEqual(['pve1', 'pve2']);
        // Nothing else serves or saves this state directory: the announcement is still the simulator's.
        expect(existsSync(join(stateDir, 'sim-state.json'))).toBe(false);
        expect(JSON.parse(readFileSync(join(stateDir, 'demo-server.json'), 'utf8'))).toMatchObject({ url: sim.url, owner: { pid: process.pid } });
      } finally {
        await ctx.close();
      }
    } finally {
      sim.faults.set({ latencyMs: 0 });
      withdraw();
    }
  });

  it('a live server that never answers: the join gives up naming its process, and starts nothing', async () => {
    const { env, stateDir, withdraw } = servedHere();
    sim.faults.set({ latencyMs: 5000 });
    try {
      const err = await openContext({ demo: true, env, demoJoin: { probeTimeoutMs: 50, patienceMs: 300 } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(new RegExp(`served by pid ${process.pid} \\(${sim.url.replace(/[.]/g, '\\.')}\\), which is running but has not answered`));
      expect(existsSync(join(stateDir, 'sim-state.json'))).toBe(false);
      expect(JSON.parse(readFileSync(join(stateDir, 'demo-server.json'), 'utf8')).url).toBe(sim.url);
    } finally {
      sim.faults.set({ latencyMs: 0 });
      withdraw();
    }
  });

  it('a server marked closing is never joined, even while it still answers; a close that never ends is named as such', async () => {
    const root = tempDir('demo-join-marked');
    const stateDir = join(root, 'demo');
    const announcement = announceDemo(stateDir, { url: sim.url, fingerprint: sim.fingerprint, tokenId: sim.credentials.tokenId, tokenSecret: sim.credentials.tokenSecret });
    const env = { MOXXIE_STATE_DIR: root, MOXXIE_DEMO_TASK_MS: '20', MOXXIE_CONFIG: join(root, 'none.json') };
    announcement.markClosing();
    sim.stats.reset();
    try {
      const err = await openContext({ demo: true, env, demoJoin: { probeTimeoutMs: 50, patienceMs: 200 } }).catch((e: unknown) => e);
      expect((err as Error).message).toMatch(new RegExp(`served by pid ${process.pid} \\(.*\\), which is closing but has not finished`));
      expect(sim.stats.requests).toBe(0); // not even probed
      expect(existsSync(join(stateDir, 'sim-state.json'))).toBe(false);
    } finally {
      announcement.withdraw();
    }
    expect(existsSync(join(stateDir, 'demo-server.json'))).toBe(false);
  });

  it('a demo being shut down is waited for and started again, never joined a moment before it goes away', async () => {
    const root = tempDir('demo-join-close');
    const env = { MOXXIE_STATE_DIR: root, MOXXIE_DEMO_TASK_MS: '20', MOXXIE_CONFIG: join(root, 'none.json') };
    const first = await openContext({ demo: true, env });
    // Its close holds the demo lock while it saves and stops; the second opener starts meanwhile.
    const closing = first.close();
    const second = await openContext({ demo: true, env });
    try {
      await closing;
      // The second one serves the demo itself, from the state the first saved, and answers after the first is gone.
      expect(second.sim).toBeDefined();
      expect(second.info.url).not.toBe(first.info.url);
      expect((await second.client.get<Array<{ node: string }>>('/nodes')).map((n) => n.node).sort()).toEqual(['pve1', 'pve2', 'pve3', 'pve4']);
      expect(JSON.parse(readFileSync(join(root, 'demo', 'demo-server.json'), 'utf8')).url).toBe(second.info.url);
    } finally {
      await second.close();
    }
  });
});
