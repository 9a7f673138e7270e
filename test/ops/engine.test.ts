// The engine's phases, resource caps, failure policy, resume and rollback, against the simulator's true
// state. Synthetic capabilities (declared here, run through the real engine and a real PVE API) make a
// phase fail on purpose or declare the resources a move or a clone would hold.
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { deleteQemuSnapshot, postQemuSnapshot } from '../../src/pve/endpoints/qemu.js';
import type { Capability, Phase } from '../../src/ops/capability.js';
import { bulkFields } from '../../src/ops/capabilities/bulk-fields.js';
import { continueOperation, executeOperation, type ExecutionDeps } from '../../src/ops/execute-operation.js';
import { PlanBuilder } from '../../src/ops/plan.js';
import { OperationStore } from '../../src/ops/registry.js';
import type { Operation, OperationEvent, PhaseRecord } from '../../src/ops/types.js';
import { VmGate } from '../../src/ops/vm-gate.js';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';

let c: TestCluster | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

const ids = (value: string) => [{ type: 'VM_IDS' as const, value }];
const snapshotNames = (vmid: number) => c!.sim.state.vm(vmid)!.snapshots.map((s) => s.name);
/** Snapshot tasks PVE ran for this VM: a doubled side effect shows up here. */
const snapshotTasks = (vmid: number) => c!.sim.state.tasks().filter((t) => t.type === 'qmsnapshot' && t.id === String(vmid));

type Req = { vmSelectors: unknown; prefix: string; resources?: 'move' | 'clone' | 'storage' };

/** Three phases per VM, each a snapshot `<prefix>-1..3`; the check finds one already made. */
function threeSnapshots(extra: Partial<Capability<Req>> = {}): Capability<Req> {
  return {
    kind: 'snapshot.create',
    title: 'test: three snapshots',
    description: 'three snapshots per VM, one per phase',
    schema: z.strictObject({ ...bulkFields, prefix: z.string(), resources: z.enum(['move', 'clone', 'storage']).optional() }) as never,
    guestTypes: ['qemu'],
    label: (r) => `three snapshots ${r.prefix}`,
    destructive: () => false,
    taskTimeoutMs: () => 30_000,
    hints: { destructive: false, idempotent: false },
    names: { tool: 'test_three', verb: ['test'] },
    plan(input, req) {
      const plan = new PlanBuilder();
      for (const vm of input.vms) plan.add(vm, `three snapshots ${req.prefix}`, { prefix: req.prefix });
      return plan.build();
    },
    phases(target): Phase[] {
      const prefix = String(target.spec!.prefix);
      return [1, 2, 3].map((n) => {
        const name = `${prefix}-${n}`;
        return {
          name: `snap ${n}`,
          check: async (t) => ((await t.client.get<Array<{ name: string }>>(`/nodes/${target.node}/qemu/${target.vmid}/snapshot`)).some((s) => s.name === name) ? `${name} exists` : undefined),
          run: async (t) => {
            await t.awaitTask(await postQemuSnapshot(t.client, target.node, target.vmid, { snapname: name }));
            return `${name} made`;
          },
          undo: async (t) => {
            await t.awaitTask(await deleteQemuSnapshot(t.client, target.node, target.vmid, name));
            return `${name} deleted`;
          },
        };
      });
    },
    ...extra,
  };
}

function depsOf(cluster: TestCluster, journal?: PhaseRecord[][]): ExecutionDeps {
  return {
    client: cluster.client,
    context: { name: 'test', url: cluster.sim.url, readOnly: false, safeMode: false, demo: false },
    frontEnd: 'cli',
    defaults: {},
    store: new OperationStore(),
    gate: new VmGate(),
    lockRetryDelayMs: 20,
    recorder: journal
      ? {
          operationStarted: () => {},
          targetUpdated: () => {},
          operationFinished: () => {},
          audit: () => {},
          phaseChanged: (_op, _t, phase) => void journal.push([structuredClone(phase)]),
        }
      : undefined,
  };
}

describe('phases', () => {
  it('journals every phase transition with its UPID, and a retry resumes from the failed phase without redoing the ones before', async () => {
    c = await startCluster({ vms: 20 });
    // Phase 2 will fail: PVE refuses a snapshot name the VM already has.
    await c.client.waitForTask(await postQemuSnapshot(c.client, c.sim.state.vm(8200)!.node, 8200, { snapname: 'ph-2' }));
    const journal: PhaseRecord[][] = [];
    const deps = depsOf(c, journal);
    const cap = threeSnapshots();
    const op = await executeOperation(deps, cap, { vmSelectors: ids('8200,8201'), prefix: 'ph' });

    const t8200 = op.targets.find((t) => t.vmid === 8200)!;
    expect(t8200.state).toBe('failed');
    expect(t8200.phases.map((p) => p.state)).toEqual(['succeeded', 'failed', 'pending']);
    expect(t8200.phases[0].upids).toHaveLength(1);
    expect(t8200.message).toMatch(/already used/);
    expect(op.targets.find((t) => t.vmid === 8201)!.phases.map((p) => p.state)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    // Written before and after the call: running, then the UPID, then the outcome, for every phase that ran.
    const states = journal.flat().filter((p) => p.name === 'snap 1').map((p) => `${p.state}:${p.upids.length}`);
    expect(states).toEqual(expect.arrayContaining(['running:0', 'running:1', 'succeeded:1']));

    // The cause goes away (someone deletes the stray snapshot); resuming starts at phase 2.
    await c.client.waitForTask(await deleteQemuSnapshot(c.client, t8200.node, 8200, 'ph-2'));
    const resumed = await continueOperation(deps, cap, op, 'resume');
    expect(resumed.status).toBe('succeeded');
    expect(resumed.targets.find((t) => t.vmid === 8200)!.phases.map((p) => p.state)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(snapshotNames(8200)).toEqual(expect.arrayContaining(['ph-1', 'ph-2', 'ph-3']));
    // Phase 1 ran once (8200: the stray ph-2, ph-1, the failed ph-2, then ph-2 and ph-3); 8201 was not touched again.
    expect(snapshotTasks(8200)).toHaveLength(5);
    expect(snapshotTasks(8201)).toHaveLength(3);
  });

  it('a resume whose phase effect is already on PVE records it done without acting again', async () => {
    c = await startCluster({ vms: 20 });
    const deps = depsOf(c);
    const cap = threeSnapshots();
    const op = await executeOperation(deps, cap, { vmSelectors: ids('8202'), prefix: 'again' });
    expect(op.status).toBe('succeeded');
    // Pretend the process died after phase 1's task was sent: the record says running, PVE has the snapshot.
    const t = op.targets[0];
    Object.assign(t, { state: 'interrupted' });
    t.phases[1] = { ...t.phases[1], state: 'interrupted' };
    t.phases[2] = { ...t.phases[2], state: 'pending', upids: [] };
    op.status = 'interrupted';
    const resumed = await continueOperation(deps, cap, op, 'resume');
    expect(resumed.targets[0].state).toBe('succeeded');
    expect(resumed.targets[0].phases[1].message).toMatch(/already done|exists/);
    expect(snapshotTasks(8202)).toHaveLength(3);
  });
});

it('a resume whose phase task PVE still runs, its UPID never journaled, waits for that task and finds its effect: no second task', async () => {
  c = await startCluster({ vms: 20, taskDurationMs: 400 });
  const deps = depsOf(c);
  const base = threeSnapshots();
  // As the real capabilities declare it: the PVE task type each phase starts.
  const cap: Capability<Req> = { ...base, phases: (target, request) => base.phases(target, request).map((p) => ({ ...p, taskType: 'qmsnapshot' })) };
  const op = await executeOperation(deps, cap, { vmSelectors: ids('8203'), prefix: 'late' });
  expect(op.status).toBe('succeeded');
  const t = op.targets[0];
  // The process died after PVE started phase 3's task and before its UPID was journaled: that task runs on.
  await c.client.watcher.watch(await deleteQemuSnapshot(c.client, t.node, t.vmid, 'late-3'));
  await postQemuSnapshot(c.client, t.node, t.vmid, { snapname: 'late-3' });
  Object.assign(t, { state: 'interrupted' });
  t.phases[2] = { ...t.phases[2], state: 'interrupted', upids: [] };
  op.status = 'interrupted';
  const resumed = await continueOperation(deps, cap, op, 'resume');
  expect(resumed.targets[0].state).toBe('succeeded');
  expect(resumed.targets[0].phases[2].message).toMatch(/late-3 exists/);
  // Three by the first run, one by the dead process: the resume started none.
  expect(snapshotTasks(8203)).toHaveLength(4);
  expect(snapshotTasks(8203).every((task) => task.exitstatus === 'OK')).toBe(true);
});

describe('faults', () => {
  it.each(['drop', '502'] as const)('every write answer lost (%s): PVE applied them, so every target succeeds, each snapshot made once', async (mode) => {
    c = await startCluster({ vms: 20, faults: { lostAnswerRate: 1, lostAnswerMode: mode, lostAnswerMethods: ['POST'] } });
    const op = await c.core.createSnapshots({ vmSelectors: ids('8200-8205'), snapshotName: `lost-${mode}-{vmid}` });
    c.sim.faults.set({ lostAnswerRate: 0 });
    expect(op.targets.map((t) => t.state)).toEqual(Array(6).fill('succeeded'));
    for (const t of op.targets) {
      expect(snapshotNames(t.vmid).filter((n) => n === `lost-${mode}-${t.vmid}`)).toHaveLength(1);
      expect(snapshotTasks(t.vmid)).toHaveLength(1);
      // The task found after the lost answer is the phase's own, recorded with it.
      expect(t.phases[0].upids).toEqual([snapshotTasks(t.vmid)[0].upid]);
    }
  });

  it('power under lost answers: each stop and start runs once, and the VMs end where asked', async () => {
    c = await startCluster({ vms: 20, faults: { lostAnswerRate: 1, lostAnswerMode: 'mixed', lostAnswerMethods: ['POST'] } });
    const stop = await c.core.power({ vmSelectors: ids('8200-8203'), operation: 'STOP' });
    const start = await c.core.power({ vmSelectors: ids('8200-8203'), operation: 'START' });
    c.sim.faults.set({ lostAnswerRate: 0 });
    expect([...stop.targets, ...start.targets].map((t) => t.state)).toEqual(Array(8).fill('succeeded'));
    for (let id = 8200; id <= 8203; id++) {
      expect(c.sim.state.vm(id)!.status).toBe('running');
      for (const type of ['qmstop', 'qmstart']) expect(c.sim.state.tasks().filter((t) => t.type === type && t.id === String(id))).toHaveLength(1);
    }
  });

  it('a lost answer of a write PVE did not apply is retried, once', async () => {
    c = await startCluster({ vms: 20 });
    // A proxy that fails before pveproxy: nothing applied, a 502 (the ambiguous answer) every second call.
    c.sim.faults.set({ errorRate: 0.5, errorStatus: 502 });
    const op = await c.core.createSnapshots({ vmSelectors: ids('8200-8203'), snapshotName: 'unapplied-{vmid}' });
    c.sim.faults.set({ errorRate: 0 });
    for (const t of op.targets) {
      if (t.state === 'succeeded') expect(snapshotNames(t.vmid).filter((n) => n === `unapplied-${t.vmid}`)).toHaveLength(1);
      else expect(snapshotNames(t.vmid)).not.toContain(`unapplied-${t.vmid}`);
      expect(snapshotTasks(t.vmid).length).toBeLessThanOrEqual(1);
    }
    expect(op.targets.filter((t) => t.state === 'succeeded').length).toBeGreaterThan(0);
  });

  it('a node that goes offline while its task runs: the target says the task started, with its UPID, and that its outcome is unknown; resume finishes it without a second task', async () => {
    c = await startCluster({ vms: 20, taskDurationMs: 600 });
    const node = c.sim.state.vm(8200)!.node;
    const op = await c.core.createSnapshots(
      { vmSelectors: ids('8200'), snapshotName: 'gone-dark-{vmid}' },
      {
        onEvent: (e) => {
          // As soon as PVE has handed out the task, its node drops off the network.
          if (e.type === 'phase-changed' && e.phase.upids.length === 1 && e.phase.state === 'running') c!.sim.faults.set({ offlineNodes: [node] });
        },
      },
    );
    const t = op.targets[0];
    expect(t.state).toBe('failed');
    expect(t.message).toMatch(new RegExp(`task ${t.phases[0].upids[0].replace(/[$()*+.?[\\\]^{|}]/g, '\\$&')} started, but its outcome could not be read: .*(595|unreachable)`));
    // The task itself went on (the node kept running, only its answers were lost).
    c.sim.faults.set({ offlineNodes: [] });
    const resumed = await c.core.resume(op.id);
    expect(resumed.targets[0].state).toBe('succeeded');
    expect(snapshotNames(8200)).toContain('gone-dark-8200');
    expect(snapshotTasks(8200)).toHaveLength(1);
  });
});

describe('resources and caps', () => {
  /** Peak number of running targets holding each key, from the engine's own events. */
  function peaks(events: OperationEvent[], keysOf: (vmid: number, node: string) => string[]) {
    const now = new Map<string, number>();
    const peak = new Map<string, number>();
    const held = new Map<string, string[]>();
    for (const e of events) {
      if (e.type !== 'target-updated') continue;
      const t = e.target;
      if (t.state === 'running' && !held.has(t.id)) {
        const keys = keysOf(t.vmid, t.node);
        held.set(t.id, keys);
        for (const k of keys) {
          now.set(k, (now.get(k) ?? 0) + 1);
          peak.set(k, Math.max(peak.get(k) ?? 0, now.get(k)!));
        }
      } else if (t.state !== 'running' && held.has(t.id)) {
        for (const k of held.get(t.id)!) now.set(k, now.get(k)! - 1);
        held.delete(t.id);
      }
    }
    return peak;
  }

  it('counts both ends of a move against maxPerNode', async () => {
    c = await startCluster({ vms: 40, taskDurationMs: 40 });
    const nodes = c.sim.state.nodes().map((n) => n.node);
    // Every step "moves" its VM to the next node: it holds its own node and that one.
    const other = (node: string) => nodes[(nodes.indexOf(node) + 1) % nodes.length];
    const cap = threeSnapshots({ resources: (t) => ({ guests: [t.vmid], nodes: [t.node, other(t.node)] }) });
    const events: OperationEvent[] = [];
    const op = await executeOperation(depsOf(c), cap, { vmSelectors: 'type:qemu', prefix: 'mv', maxParallel: 20, maxPerNode: 2 }, { onEvent: (e) => events.push(e) });
    expect(op.status).toBe('succeeded');
    const peak = peaks(events, (_vmid, node) => [node, other(node)]);
    expect(Math.max(...peak.values())).toBe(2);
    // Both ends counted: never three steps touching one node at once, though each node is a source too.
    for (const n of nodes) expect(peak.get(n)).toBeLessThanOrEqual(2);
    expect(c.sim.state.vms().filter((v) => v.snapshots.some((s) => s.name === 'mv-3')).length).toBe(op.targets.filter((t) => t.state === 'succeeded').length);
  });

  it('caps steps per template (one clone source at a time) and per storage', async () => {
    c = await startCluster({ vms: 30, taskDurationMs: 40 });
    const byTemplate = threeSnapshots({ resources: (t) => ({ guests: [t.vmid], nodes: [t.node], template: 9001 }) });
    const events: OperationEvent[] = [];
    const op = await executeOperation(depsOf(c), byTemplate, { vmSelectors: ids('8200-8209'), prefix: 'tp', maxParallel: 10 }, { onEvent: (e) => events.push(e) });
    expect(op.status).toBe('succeeded');
    expect(peaks(events, () => ['template']).get('template')).toBe(1);

    const byStorage = threeSnapshots({ resources: (t) => ({ guests: [t.vmid], nodes: [t.node], storages: ['local-lvm'] }) });
    const events2: OperationEvent[] = [];
    const op2 = await executeOperation(depsOf(c), byStorage, { vmSelectors: ids('8200-8209'), prefix: 'st', maxParallel: 10 }, { onEvent: (e) => events2.push(e) });
    expect(op2.status).toBe('succeeded');
    expect(peaks(events2, () => ['local-lvm']).get('local-lvm')).toBe(4);
    for (let id = 8200; id <= 8209; id++) expect(snapshotNames(id)).toEqual(expect.arrayContaining(['tp-3', 'st-3']));
  });

  it("onFailure: 'stop' starts nothing new after a failed target", async () => {
    c = await startCluster({ vms: 20 });
    await c.client.waitForTask(await postQemuSnapshot(c.client, c.sim.state.vm(8200)!.node, 8200, { snapname: 'fp-1' }));
    const op = await executeOperation(depsOf(c), threeSnapshots(), { vmSelectors: ids('8200-8209'), prefix: 'fp', maxParallel: 1, onFailure: 'stop' });
    expect(op.targets[0]).toMatchObject({ vmid: 8200, state: 'failed' });
    expect(op.targets.slice(1).every((t) => t.state === 'cancelled' && /onFailure: stop/.test(t.message ?? ''))).toBe(true);
    for (let id = 8201; id <= 8209; id++) expect(snapshotNames(id)).not.toContain('fp-1');
  });
});

describe('rollback', () => {
  it('undoes completed phases in reverse order, each an awaited, recorded step', async () => {
    c = await startCluster({ vms: 20 });
    const deps = depsOf(c);
    const cap = threeSnapshots();
    const op = await executeOperation(deps, cap, { vmSelectors: ids('8200,8201'), prefix: 'rb', maxParallel: 1 });
    expect(op.status).toBe('succeeded');
    const rolled = await continueOperation(deps, cap, op, 'rollback');
    expect(rolled.status).toBe('rolled-back');
    expect(rolled.targets.every((t) => t.state === 'rolled-back')).toBe(true);
    for (const t of rolled.targets) for (const p of t.phases) expect(p).toMatchObject({ state: 'undone', undo: { state: 'succeeded', upids: [expect.any(String)] } });
    expect(snapshotNames(8200).filter((n) => n.startsWith('rb-'))).toEqual([]);
    expect(snapshotNames(8201).filter((n) => n.startsWith('rb-'))).toEqual([]);
    // Reverse order: the last VM done is undone first, each VM's phases last to first.
    const deletes = c.sim.state.tasks().filter((t) => t.type === 'qmdelsnapshot').sort((a, b) => a.upid.localeCompare(b.upid) && (a.starttime - b.starttime));
    const order = rolled.targets
      .flatMap((t) => t.phases.map((p) => ({ vmid: t.vmid, name: p.name, upid: p.undo!.upids[0] })))
      .sort((a, b) => deletes.findIndex((d) => d.upid === a.upid) - deletes.findIndex((d) => d.upid === b.upid))
      .map((x) => `${x.vmid} ${x.name}`);
    expect(order).toEqual(['8201 snap 3', '8201 snap 2', '8201 snap 1', '8200 snap 3', '8200 snap 2', '8200 snap 1']);
  });

  it('the real capabilities undo their own work: snapshots made, tags changed, VMs stopped', async () => {
    c = await startCluster({ vms: 20 });
    const snap = await c.core.createSnapshots({ vmSelectors: ids('8200,8201'), snapshotName: 'undo-{vmid}' });
    const tagged = await c.core.applyTags({ vmSelectors: ids('8200'), action: 'REPLACE', tags: ['only-this'] });
    const before8201 = c.sim.state.vm(8201)!.status;
    const stopped = await c.core.power({ vmSelectors: ids('8201'), operation: 'STOP' });
    const tagsBefore = (await c.core.inventory()).vms.find((v) => v.vmid === 8200)!.tags;
    expect(tagsBefore).toEqual(['only-this']);

    await c.core.rollback(stopped.id);
    expect(c.sim.state.vm(8201)!.status).toBe(before8201 === 'stopped' ? 'stopped' : 'running');
    const tagRollback = await c.core.rollback(tagged.id);
    expect(tagRollback.status).toBe('rolled-back');
    expect(c.sim.state.vm(8200)!.tags).not.toContain('only-this');
    expect(c.sim.state.vm(8200)!.tags.length).toBeGreaterThan(0);
    const snapRollback = await c.core.rollback(snap.id);
    expect(snapRollback.status).toBe('rolled-back');
    expect(snapshotNames(8200)).not.toContain('undo-8200');
    expect(snapshotNames(8201)).not.toContain('undo-8201');
    await expect(c.core.rollback(snap.id)).rejects.toThrow(/already rolled back/);
  });

  it('says what cannot be undone, and refuses dry runs, unknown ids and running operations', async () => {
    c = await startCluster({ vms: 20 });
    await c.core.createSnapshots({ vmSelectors: ids('8200'), snapshotName: 'gone-{vmid}' });
    const del = await c.core.deleteSnapshots({ vmSelectors: ids('8200'), snapshotName: 'gone-8200' });
    const plan: Operation = await c.core.planContinuation(del.id, 'rollback');
    expect(plan.targets[0]).toMatchObject({ state: 'skipped', message: expect.stringMatching(/cannot be undone/) });
    const dry = await c.core.createSnapshots({ vmSelectors: ids('8200'), snapshotName: 'dry-{vmid}', dryRun: true });
    // A dry run ran nothing and is kept nowhere: there is nothing to roll back.
    await expect(c.core.rollback(dry.id)).rejects.toThrow(/no operation/);
    await expect(c.core.resume('op-nope')).rejects.toThrow(/no operation 'op-nope'/);
    await expect(c.core.resume(del.id)).rejects.toThrow(/nothing left to resume/);
    const running = await c.core.createSnapshots({ vmSelectors: ids('8201,8202'), snapshotName: 'run-{vmid}' }, { detach: true });
    await expect(c.core.rollback(running.id)).rejects.toThrow(/still running in this process/);
  });
});
