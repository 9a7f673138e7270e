// Runs one job once through the core (so read-only, safe mode, protection and always-on apply), with
// snapshot rotation that only ever touches the job's own snapshots.
import type { MoxxieCore } from '../core.js';
import { isMoxxieMade } from '../ops/snapshot-marker.js';
import { MAX_SNAPSHOT_NAME } from '../ops/snapshot-names.js';
import type { Operation } from '../ops/types.js';
import type { VmSelector } from '../select/types.js';
import type { JobRecord, JobRunStatus, JobRunVm, PowerScheduleParams, SnapshotCreateParams, SnapshotDeleteParams } from './job-types.js';

export interface ExecutionResult {
  status: JobRunStatus;
  vms: JobRunVm[];
  operationIds: string[];
  message?: string;
  /** Targets that failed, for a retry limited to them. */
  failedVmids: number[];
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const sanitise = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, '-');

/**
 * The names a snapshot_create job's pattern can produce for one VM, as an exact-match regex: literal
 * parts and the VM's own name/id are fixed, only the time stamps vary. Anything else is not this job's.
 */
export function ownSnapshotMatcher(pattern: string, vm: { vmid: number; name: string }): (name: string) => boolean {
  let src = '';
  let last = 0;
  for (const m of pattern.matchAll(/\{(vm|vmid|date|time|datetime)\}/g)) {
    src += escapeRe(sanitise(pattern.slice(last, m.index)));
    const key = m[1];
    src += key === 'vm' ? escapeRe(sanitise(vm.name || `vm${vm.vmid}`)) : key === 'vmid' ? String(vm.vmid) : key === 'date' ? '\\d{8}' : key === 'time' ? '\\d{6}' : '\\d{8}-\\d{6}';
    last = (m.index ?? 0) + m[0].length;
  }
  src += escapeRe(sanitise(pattern.slice(last)));
  const re = new RegExp(`^s?${src}$`);
  return (name) => name.length <= MAX_SNAPSHOT_NAME && re.test(name);
}

function fromOperation(op: Operation): ExecutionResult {
  const status: JobRunStatus = op.status === 'planned' ? 'succeeded' : op.status === 'interrupted' ? 'failed' : (op.status as JobRunStatus);
  return {
    status,
    vms: op.targets.map((t) => ({ vmid: t.vmid, name: t.name, state: t.state, message: t.message })),
    operationIds: [op.id],
    failedVmids: op.targets.filter((t) => t.state === 'failed').map((t) => t.vmid),
  };
}

export async function executeJob(core: MoxxieCore, job: JobRecord, opts: { dryRun: boolean; signal?: AbortSignal; onlyVmids?: number[] }): Promise<ExecutionResult> {
  const vmSelectors: VmSelector[] = opts.onlyVmids ? [{ type: 'VM_IDS', value: opts.onlyVmids.join(',') }] : job.vmSelectors;
  const run = { signal: opts.signal, frontEnd: 'scheduler' as const };
  switch (job.taskType) {
    case 'snapshot_create': {
      const p = job.parameters as SnapshotCreateParams;
      const op = await core.createSnapshots(
        { vmSelectors, snapshotName: p.snapshotNamePattern, description: p.description ?? `scheduled by job ${job.name}`, ttlHours: p.snapshotTTL, includeMemory: p.includeVmState, dryRun: opts.dryRun },
        run,
      );
      const result = fromOperation(op);
      if (p.maxSnapshots !== undefined && !opts.signal?.aborted) {
        const rotated = await rotate(core, job, p, op, opts.dryRun);
        result.operationIds.push(...rotated.operationIds);
        result.message = rotated.message;
        if (rotated.failed && result.status === 'succeeded') result.status = 'partial';
      }
      return result;
    }
    case 'snapshot_delete': {
      const p = job.parameters as SnapshotDeleteParams;
      const op = await core.deleteSnapshots(
        { vmSelectors, olderThanHours: p.ageThresholdHours, namePattern: p.namePattern, expiredOnly: p.checkDescription, moxxieOnly: p.safeMode, dryRun: opts.dryRun || p.dryRun },
        run,
      );
      return fromOperation(op);
    }
    case 'power_schedule': {
      const p = job.parameters as PowerScheduleParams;
      const op = await core.power({ vmSelectors, operation: p.action.toUpperCase() as 'START' | 'SHUTDOWN' | 'STOP', force: p.force, timeoutSeconds: p.timeoutSeconds, dryRun: opts.dryRun }, run);
      return fromOperation(op);
    }
  }
}

/** Keeps the newest maxSnapshots of this job's own snapshots per VM (the new one included) and awaits each delete. */
async function rotate(core: MoxxieCore, job: JobRecord, p: SnapshotCreateParams, op: Operation, dryRun: boolean): Promise<{ operationIds: string[]; message: string; failed: boolean }> {
  const keep = p.maxSnapshots as number;
  const operationIds: string[] = [];
  const planned: string[] = [];
  let failed = false;
  const targets = op.targets.filter((t) => (dryRun ? t.state === 'planned' : t.state === 'succeeded'));
  for (const t of targets) {
    const mine = ownSnapshotMatcher(p.snapshotNamePattern, t);
    const own = (await core.listSnapshots(t.vmid)).filter((s) => mine(s.name) && isMoxxieMade(s.description)).sort((a, b) => (b.snaptime ?? 0) - (a.snaptime ?? 0));
    // In a dry run the new snapshot does not exist yet but will count.
    const excess = own.slice(dryRun ? keep - 1 : keep);
    for (const s of excess) {
      planned.push(`${t.vmid}/${s.name}`);
      if (dryRun) continue;
      const del = await core.deleteSnapshots({ vmSelectors: [{ type: 'VM_IDS', value: String(t.vmid) }], snapshotName: s.name, force: true }, { frontEnd: 'scheduler' });
      operationIds.push(del.id);
      if (del.status !== 'succeeded') failed = true;
    }
  }
  const verb = dryRun ? 'would delete' : 'deleted';
  return { operationIds, failed, message: planned.length ? `rotation (keep ${keep}) ${verb}: ${planned.join(', ')}` : `rotation (keep ${keep}): nothing to delete` };
}
