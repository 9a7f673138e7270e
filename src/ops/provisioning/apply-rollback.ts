// Carries out a provisioning run's rollback strategy after a failure or a cancel (and a full rollback on
// `core.rollback`): what to do is decided by rollback-decision.ts from the journal and from what PVE shows now
// (observe-created.ts: does the id exist, does it carry this target's marker); deletes are awaited one by one
// in reverse creation order, each recorded as the undo of the target's make phase (so status shows
// ROLLING_BACK while it runs and the destroy task's UPID after). MARK_FAILED tags the failed VMs it keeps.
import type { PveClient } from '../../pve/client.js';
import { getClusterTasks } from '../../pve/endpoints/cluster.js';
import { deleteGuest, getGuestConfig, getGuestStatusCurrent, guestNoun, postGuestStatus, putGuestConfig, type GuestRef, type PveGuestType } from '../../pve/endpoints/guest.js';
import { deleteQemu, getQemuConfig, getQemuStatusCurrent, postQemuStatus, putQemuConfig } from '../../pve/endpoints/qemu.js';
import { locateContainer } from '../new-container-phases.js';
import { locateVm } from '../new-guest-phases.js';
import type { StepEnvironment } from '../runner.js';
import type { Operation, OperationStatus, OperationTarget, PhaseRecord } from '../types.js';
import { ownershipMarker } from '../vmid-allocator.js';
import type { RollbackStrategy } from './cluster-spec.js';
import { removeHaResource } from './ha-rule-phase.js';
import { observeCreated } from './observe-created.js';
import { phaseStatus } from './progress.js';
import { decideRollback, FAILED_TAG, mayHaveCreated, rollbackCandidates, type RollbackDecision } from './rollback-decision.js';

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** The target's make phase (clone or import): its data holds the id, its undo records the delete. */
const makeRecord = (t: OperationTarget): PhaseRecord | undefined => t.phases.find((p) => p.name !== 'allocate' && phaseStatus(p.name) === 'CREATING_VM' && p.name !== 'migrate');

/**
 * Waits for PVE's tasks still running on these ids to end. A process killed right after sending a clone leaves
 * the clone going at PVE, its UPID never journaled: until it ends the new VM is locked (a delete fails with
 * "VM is locked (clone)") and may not show the marker yet, so the rollback would leave it behind.
 */
// A running task has no endtime; its status is absent or 'RUNNING' depending on where PVE read it from.
async function settleTasks(client: PveClient, env: StepEnvironment, vmids: readonly number[]): Promise<void> {
  const ids = new Set(vmids.map(String));
  const running = (await getClusterTasks(client)).filter((t) => t.id !== undefined && ids.has(t.id) && t.endtime === undefined);
  for (const t of running) await env.waitTask(t.upid, { timeoutMs: env.taskTimeoutMs }).catch(() => undefined);
}

/** Where the target's guest is, of the type the plan made (a container for a container group: pct destroy). */
async function locate(client: PveClient, vmid: number, type: PveGuestType): Promise<GuestRef | undefined> {
  const node = type === 'lxc' ? await locateContainer(client, vmid) : await locateVm(client, vmid);
  return node ? { type, node, vmid } : undefined;
}

async function destroy(client: PveClient, env: StepEnvironment, vmid: number, awaitTask: (upid: string) => Promise<void>, type: PveGuestType = 'qemu'): Promise<string> {
  const noun = guestNoun(type);
  const ref = await locate(client, vmid, type);
  if (!ref) return `${noun} ${vmid} is already gone`;
  if (type === 'lxc') {
    if ((await getGuestConfig(client, ref)).lock) await settleTasks(client, env, [vmid]);
    const ctWasHa = await removeHaResource(client, vmid, 'lxc');
    if ((await getGuestStatusCurrent(client, ref)).status !== 'stopped') await awaitTask(await postGuestStatus(client, ref, 'stop'));
    await awaitTask(await deleteGuest(client, ref, { purge: true, 'destroy-unreferenced-disks': true }));
    return `removed CT ${vmid}${ctWasHa ? ' (and its HA resource)' : ''}`;
  }
  const node = ref.node;
  // A task still holding it (a clone or create the dead process sent) ends before the delete.
  if ((await getQemuConfig(client, node, vmid)).lock) await settleTasks(client, env, [vmid]);
  // options.haResourceAffinity: out of HA first (its stop would be a request to the HA manager); the rule goes with its last resource.
  const wasHa = await removeHaResource(client, vmid);
  const status = await getQemuStatusCurrent(client, node, vmid);
  if (status.status !== 'stopped') await awaitTask(await postQemuStatus(client, node, vmid, 'stop'));
  await awaitTask(await deleteQemu(client, node, vmid, { purge: true, 'destroy-unreferenced-disks': true }));
  return `removed VM ${vmid}${wasHa ? ' (and its HA resource)' : ''}`;
}

async function tagFailed(client: PveClient, vmid: number, type: PveGuestType = 'qemu'): Promise<string> {
  const noun = guestNoun(type);
  const ref = await locate(client, vmid, type);
  if (!ref) return `${noun} ${vmid} is gone`;
  const config = (await getGuestConfig(client, ref)) as Record<string, unknown>;
  const tags = String(config.tags ?? '').split(/[;,\s]+/).filter(Boolean);
  if (tags.includes(FAILED_TAG)) return `${noun} ${vmid} already tagged ${FAILED_TAG}`;
  const params = { tags: [...tags, FAILED_TAG].join(';'), ...(typeof config.digest === 'string' ? { digest: config.digest } : {}) };
  if (type === 'lxc') await putGuestConfig(client, ref, params);
  else await putQemuConfig(client, ref.node, vmid, params);
  return `tagged ${noun} ${vmid} ${FAILED_TAG}`;
}

export interface ApplyInput {
  op: Operation;
  env: StepEnvironment;
  strategy: RollbackStrategy;
  cancelled: boolean;
  /** core.rollback: undo everything this operation made, whatever the strategy and outcome. */
  full?: boolean;
}

/** Applies the strategy; returns the operation's status (undefined: the usual one, nothing to roll back). */
export async function applyRollback(input: ApplyInput): Promise<OperationStatus | undefined> {
  const { op, env } = input;
  const client = env.client;
  const targets = op.targets.filter((t) => t.kind === 'new-guest');
  const candidates = rollbackCandidates(targets);
  const byName = new Map(targets.map((t) => [t.name, t]));
  const markerOf = (t: OperationTarget) => ownershipMarker(String(t.spec?.token ?? ''));
  const failed = candidates.some((c) => c.status === 'FAILED');
  if (!input.full && !failed && !input.cancelled) return undefined;

  await settleTasks(client, env, candidates.filter((c) => c.mayHaveCreated).map((c) => c.vmid));
  const observed = await observeCreated(client, candidates.filter((c) => c.mayHaveCreated).map((c) => ({ name: c.name, vmid: c.vmid, marker: markerOf(byName.get(c.name)!), guestType: byName.get(c.name)!.guestType })));
  const decision: RollbackDecision = decideRollback({ strategy: input.full ? 'FULL' : input.strategy, candidates, observed, cancelled: input.cancelled || input.full === true });
  const strategy = input.full ? 'FULL' : input.strategy;
  const removing = strategy === 'FULL' || strategy === 'PARTIAL';
  op.warnings = [...op.warnings.filter((w) => !w.startsWith('rollback ')), `rollback ${decision.summary}`];

  const emit = (t: OperationTarget) => env.emit({ type: 'target-updated', operationId: op.id, target: structuredClone(t) });
  let leftBehind = false;
  for (const a of decision.actions) {
    const t = byName.get(a.name)!;
    const why = t.message;
    if (a.action === 'delete') {
      const rec = makeRecord(t);
      const upids: string[] = [];
      const journal = async () => {
        if (rec) await env.journal(t, rec);
        if (rec) env.emit({ type: 'phase-changed', operationId: op.id, targetId: t.id, phase: structuredClone(rec) });
      };
      if (rec) rec.undo = { state: 'running', upids, at: Date.now() };
      await journal();
      try {
        const done = await destroy(client, env, a.vmid, async (upid) => {
          upids.push(upid);
          if (rec) rec.undo = { state: 'running', upids: [...upids], at: Date.now() };
          await journal();
          const result = await env.waitTask(upid, { timeoutMs: env.taskTimeoutMs });
          if (!result.ok) throw new Error(result.exitstatus);
        }, t.guestType);
        if (rec) Object.assign(rec, { state: 'undone', undo: { state: 'succeeded', upids, message: done, at: Date.now() } });
        await journal();
        Object.assign(t, { state: 'rolled-back', message: `${why && !/^rolled back/.test(why) ? `${why}; ` : ''}rolled back (${a.reason}): ${done}`, finishedAt: Date.now() });
      } catch (err) {
        leftBehind = true;
        if (rec) rec.undo = { state: 'failed', upids, message: messageOf(err), at: Date.now() };
        await journal().catch(() => {});
        Object.assign(t, { message: `${why ? `${why}; ` : ''}rollback could not remove ${guestNoun(t.guestType)} ${a.vmid}: ${messageOf(err)}` });
      }
      emit(t);
    } else if (a.action === 'tag-failed') {
      try {
        const done = await tagFailed(client, a.vmid, t.guestType);
        const rec = makeRecord(t);
        if (rec) {
          rec.data = { ...(rec.data ?? {}), markedFailed: true };
          await env.journal(t, rec);
        }
        Object.assign(t, { message: `${why ? `${why}; ` : ''}${done} (rollbackStrategy MARK_FAILED)` });
      } catch (err) {
        Object.assign(t, { message: `${why ? `${why}; ` : ''}could not tag VM ${a.vmid} ${FAILED_TAG}: ${messageOf(err)}` });
      }
      emit(t);
    } else if (a.action === 'leave' && candidates.find((c) => c.name === a.name)?.mayHaveCreated) {
      const seen = observed.get(a.name);
      if (seen?.exists) {
        // Not provably ours (another client's VM took the id, or its node cannot be read): it stays.
        if (seen.error) leftBehind = true;
        Object.assign(t, { message: `${why ? `${why}; ` : ''}left VM ${a.vmid} alone: ${a.reason}` });
        emit(t);
      } else if (removing && (t.state !== 'succeeded' || strategy === 'FULL')) {
        // Its make never finished, or the VM is gone: nothing of it is left.
        Object.assign(t, { state: 'rolled-back', message: `${why ? `${why}; ` : ''}rolled back: nothing to remove (${a.reason})`, finishedAt: t.finishedAt ?? Date.now() });
        emit(t);
      }
    }
  }
  if (input.cancelled && !input.full) return 'cancelled';
  const kept = targets.some((t) => t.state === 'succeeded');
  const remaining = targets.filter((t) => t.state !== 'rolled-back' && mayHaveCreated(t));
  if (removing && !leftBehind && !remaining.length) return 'rolled-back';
  return kept ? 'partial' : 'failed';
}
