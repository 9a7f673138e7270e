// VM ids of one provisioning run when its process dies (kill -9) mid-run, reproduced without a second process:
// the run's journal is what a crash leaves (the lines written up to the kill, none after), its client is closed at
// the kill (nothing more reaches PVE; what was sent goes on there), and a second core rolls the run back from
// that journal. Another moxxie operation holds the first planned id, so the first VM gets a fresh id (one no
// other VM planned; the others keep theirs). Every check is on the simulator's true state.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ContextInfo } from '../../../src/core.js';
import { markInterrupted } from '../../../src/history/interrupted.js';
import { withPhase } from '../../../src/history/journal.js';
import type { OperationRecord } from '../../../src/history/records.js';
import { createCore } from '../../../src/ops/core.js';
import type { CoreRecorder } from '../../../src/ops/recorder.js';
import type { Operation, OperationTarget, PhaseRecord } from '../../../src/ops/types.js';
import { inProcessVmids, type VmidReservation } from '../../../src/ops/vmid-allocator.js';
import { startCluster, tokenClient, type TestCluster } from '../../fixtures/cluster.js';
import { SMALL_VM_TEMPLATE } from './seed-specs.js';

let c: TestCluster;
let held: VmidReservation | undefined;
beforeAll(async () => {
  c = await startCluster({ nodes: 4, vms: 40, seed: 7 });
});
afterEach(async () => {
  await held?.release();
  held = undefined;
});
afterAll(() => c.close());

const context = (url: string): ContextInfo => ({ name: 'test', url, readOnly: false, safeMode: false, demo: false });

function spec(name: string, rollbackStrategy = 'FULL') {
  return {
    name,
    nodeGroups: [{ name: 'n', count: 3, template: SMALL_VM_TEMPLATE, tags: ['t'] }],
    options: { startAfterCreation: false, parallelProvisioning: false, rollbackStrategy },
  };
}

const vmsNamed = (prefix: string) => c.sim.state.vms().filter((v) => String(v.config.name ?? '').startsWith(`${prefix}-`));

/**
 * A journal that a kill -9 cuts: `killAt` sees each phase line before it is written; once it answers, every later
 * line is lost ('after': this line was written; 'before': this one is lost too), and the process's client is
 * closed (the "process" sends nothing more).
 */
type KillAt = (t: OperationTarget, phase: PhaseRecord) => 'before' | 'after' | undefined;
function crashingJournal(killAt: KillAt, kill: () => void) {
  let journaled: Operation | undefined;
  let dead = false;
  const put = (t: OperationTarget) => {
    const i = journaled!.targets.findIndex((x) => x.id === t.id);
    journaled!.targets[i] = structuredClone(t);
  };
  const recorder: CoreRecorder = {
    operationStarted: (op) => void (journaled = structuredClone(op)),
    targetUpdated: (_op, t) => {
      if (!dead && t) put(t);
    },
    phaseChanged: (_op, t, phase) => {
      if (dead) return;
      const when = killAt(t, phase);
      if (when !== 'before') put(withPhase(t, phase));
      if (when) {
        dead = true;
        kill();
      }
    },
    operationFinished: () => undefined,
    audit: () => undefined,
    // What a later process reads: the journal, the dead process's running targets marked interrupted.
    getOperation: async (id) => {
      if (journaled?.id !== id) return undefined;
      const op = { ...structuredClone(journaled), owner: { pid: 1, host: 'gone', start: '0' } } as OperationRecord;
      markInterrupted(op);
      return op;
    },
  };
  return { recorder, killed: () => dead, journal: () => journaled };
}

/** Runs `name` in a core of its own that "dies" where killAt says; then rolls it back from its journal in another core. */
async function killThenRollBack(name: string, killAt: KillAt) {
  const plan = await c.core.run('cluster.provision', { ...spec(name), dryRun: true });
  const planned = plan.targets.map((t) => t.vmid);
  // Another moxxie operation holds the first planned id while this run reserves: the first VM gets a fresh one.
  held = await inProcessVmids().reserve(c.client, { preferred: planned[0] });
  const dying = tokenClient(c.sim);
  const journal = crashingJournal(killAt, () => void dying.close());
  const first = createCore({ context: context(c.sim.url), client: dying, lockRetryDelayMs: 20, recorder: journal.recorder });
  // Its own end (failures, a rollback that cannot reach PVE) happens after the kill and is never journaled.
  await first.run('cluster.provision', spec(name)).catch(() => undefined);
  await first.close();
  expect(journal.killed()).toBe(true);
  const id = journal.journal()!.id;
  await held.release();
  // The second process: the same history, a live client.
  const second = createCore({ context: context(c.sim.url), client: c.client, lockRetryDelayMs: 20, recorder: journal.recorder });
  const rolled = await second.rollback(id);
  await second.close();
  return { planned, journaled: journal.journal()!, rolled };
}

describe('kill -9 of a provisioning run whose first planned id was taken, then rollback from its journal', () => {
  it('killed as the second VM\'s clone phase starts (no id tried yet): the first VM, made under a fresh id, is removed', async () => {
    const name = 'shift-a';
    const { planned, journaled, rolled } = await killThenRollBack(name, (t, p) => t.id === `${name}-n-02` && p.name === 'clone' && p.state === 'running' && !p.upids.length && p.data?.vmid === undefined ? 'after' : undefined);
    // The first VM took an id no VM planned (the first's was held), not the second's.
    const made = journaled.targets[0].vmid;
    expect(planned).not.toContain(made);
    expect(journaled.targets[1].vmid).toBe(planned[1]);
    expect(c.sim.state.vm(made)).toBeUndefined();
    expect(vmsNamed(name)).toEqual([]);
    expect(rolled.status).toBe('rolled-back');
  });

  it('killed between the second VM\'s clone request and its UPID in the journal: both VMs are removed', async () => {
    const name = 'shift-b';
    // The line that would carry the clone's UPID is the first one lost: the clone was sent, the journal never heard of it.
    const { journaled, rolled } = await killThenRollBack(name, (t, p) => t.id === `${name}-n-02` && p.name === 'clone' && p.upids.length > 0 ? 'before' : undefined);
    expect(vmsNamed(name)).toEqual([]);
    // The journal names the ids the clones were sent for: the first VM's fresh one, the second's planned one.
    const ids = journaled.targets.slice(0, 2).map((t) => t.vmid);
    expect(new Set(ids).size).toBe(2);
    expect(rolled.status).toBe('rolled-back');
  });
});

describe('a clone that fails gives its id up', () => {
  it('the failed VM claims no id and shows its planned one again; the next VMs get their own planned ids and PARTIAL keeps them', async () => {
    const name = 'given-up';
    const plan = await c.core.run('cluster.provision', { ...spec(name, 'PARTIAL'), dryRun: true });
    const planned = plan.targets.map((t) => t.vmid);
    held = await inProcessVmids().reserve(c.client, { preferred: planned[0] });
    // The first VM's clone (under a fresh id, its planned one being held) fails at PVE.
    let tried: unknown;
    const op = await c.core.run('cluster.provision', spec(name, 'PARTIAL'), {
      onEvent: (e) => {
        if (e.type !== 'phase-changed' || e.targetId !== `${name}-n-01` || e.phase.name !== 'clone') return;
        tried ??= e.phase.data?.vmid;
        if (e.phase.state === 'running') c.sim.faults.set({ taskFailureRate: 1 });
        if (e.phase.state === 'failed') c.sim.faults.set({ taskFailureRate: 0 });
      },
    });
    c.sim.faults.set({ taskFailureRate: 0 });
    const [first, second, third] = op.targets;
    expect([second.state, third.state]).toEqual(['succeeded', 'succeeded']);
    expect([second.vmid, third.vmid]).toEqual([planned[1], planned[2]]);
    // PVE has the two READY VMs, each under the id its target names; nothing was removed for the failed one.
    expect(vmsNamed(name).map((v) => [v.config.name, v.vmid]).sort()).toEqual([[`${name}-n-02`, second.vmid], [`${name}-n-03`, third.vmid]]);
    expect(planned).not.toContain(tried);
    expect(c.sim.state.vm(tried as number)).toBeUndefined();
    // PARTIAL rolls the failed one back: there is nothing of it to remove. It shows its planned id again.
    expect(first.state).toBe('rolled-back');
    expect(first.message).toMatch(/simulated task failure.*rolled back: nothing to remove/);
    expect(first.vmid).toBe(planned[0]);
    expect(first.phases.find((p) => p.name === 'clone')!.upids.length).toBe(1);
    expect(first.phases.find((p) => p.name === 'clone')!.data?.vmid).toBeUndefined();
    expect(op.status).toBe('partial');
  });
});
