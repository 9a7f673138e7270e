// Bulk snapshot delete by exact name, glob, age and/or expired TTL — only moxxie's own unless
// moxxieOnly: false. One phase per snapshot, oldest first (PVE locks the VM for each); a phase whose
// snapshot is already gone is done, so a resume never deletes twice. Deletion cannot be undone.
import picomatch from 'picomatch';
import { z } from 'zod';
import type { SnapshotInfo } from '../../core.js';
import type { Vm } from '../../inventory/model.js';
import { PveError } from '../../pve/errors.js';
import { deleteGuestSnapshot, refOf } from '../../pve/endpoints/guest.js';
import { boundedMap } from '../bounded-map.js';
import { lazySchema } from '../lazy-schema.js';
import type { Capability, Phase } from '../capability.js';
import { RequestError } from '../errors.js';
import { offlineNodesOf, PlanBuilder } from '../plan.js';
import { boolField, intField } from '../request-schema.js';
import { StepFailure } from '../runner.js';
import { checkProtection, offlineReason, PROTECTION_SKIP, safeModeSkip, unsupportedReason } from '../safety.js';
import { listSnapshots } from '../snapshot-list.js';
import { existingSnapshotNameField, MAX_NAME_TEMPLATE, MAX_SNAPSHOT_NAME } from '../snapshot-names.js';
import { bulkFields, forceField } from './bulk-fields.js';
import { SNAPSHOT_TASK_TIMEOUT_MS } from './snapshot-create.js';
import type { GuestType } from '../types.js';

const GUEST_TYPES: readonly GuestType[] = ['qemu', 'lxc'];

const HOUR_MS = 3600_000;
const LIST_READS = 8;
const GONE = /snapshot '[^']*' does not exist/;

const schema = lazySchema(() =>
  z.strictObject({
    ...bulkFields,
    snapshotName: existingSnapshotNameField('must be a snapshot name').optional().describe('exact snapshot name'),
    namePattern: z
      .string({ error: 'must be a glob such as "auto-*"' })
      .min(1, { error: 'must be a glob such as "auto-*"' })
      .max(MAX_NAME_TEMPLATE, { error: (iss) => `at most ${MAX_NAME_TEMPLATE} characters (got ${String(iss.input).length}); PVE's snapshot names are at most ${MAX_SNAPSHOT_NAME}` })
      .optional()
      .describe('glob over snapshot names, e.g. "maint-*"'),
    olderThanHours: intField(1, 87600).optional().describe('only snapshots at least this many hours old'),
    expiredOnly: boolField().optional().describe('only snapshots whose TTL has run out'),
    moxxieOnly: boolField().optional().describe('default true: only snapshots moxxie made'),
    force: forceField,
  }));
export type SnapshotDeleteRequest = z.infer<ReturnType<typeof schema>>;

export const snapshotDelete: Capability<SnapshotDeleteRequest> = {
  kind: 'snapshot.delete',
  title: 'Delete snapshots',
  description: 'Delete snapshots on the selected guests by name, glob, age or expired TTL; only moxxie\'s unless moxxieOnly is false.',
  get schema() {
    return schema();
  },
  guestTypes: GUEST_TYPES,
  label: (r) => `delete snapshots ${r.snapshotName ?? r.namePattern ?? (r.expiredOnly ? 'past their TTL' : `older than ${r.olderThanHours}h`)}`,
  destructive: () => true,
  taskTimeoutMs: () => SNAPSHOT_TASK_TIMEOUT_MS,
  names: { tool: 'delete_snapshots', verb: ['snapshot', 'delete'], cli: { aliases: { name: 'snapshotName', pattern: 'namePattern' } } },
  hints: { destructive: true, idempotent: true },

  async plan(input, req) {
    const olderThanHours = req.olderThanHours;
    const expiredOnly = req.expiredOnly === true;
    const moxxieOnly = req.moxxieOnly !== false;
    if (!req.snapshotName && !req.namePattern && olderThanHours === undefined && !expiredOnly) {
      throw new RequestError('snapshotName', 'say which snapshots to delete: snapshotName (exact), namePattern (glob), olderThanHours or expiredOnly');
    }
    const pattern = req.namePattern ? picomatch(req.namePattern, { nocase: true, dot: true }) : undefined;
    const now = Date.now();
    const chosen = (s: SnapshotInfo) =>
      (!req.snapshotName || s.name === req.snapshotName) &&
      (!pattern || pattern(s.name)) &&
      (olderThanHours === undefined || (s.snaptime !== undefined && now - s.snaptime * 1000 >= olderThanHours * HOUR_MS)) &&
      (!expiredOnly || (s.expiresAt !== undefined && s.expiresAt * 1000 <= now));

    const offline = offlineNodesOf(input.inventory);
    const policy = { safeMode: input.safeMode, force: input.force };
    const label = 'delete snapshots';
    // Safe mode guards what moxxie did not make: a snapshot carrying moxxie's marker may be deleted on any
    // VM, so every VM's list is read and safe mode is applied per snapshot below.
    const skipWhy = (vm: Vm) => unsupportedReason(vm, { guestTypes: GUEST_TYPES });
    const candidates = input.vms.filter((vm) => !skipWhy(vm) && !offlineReason(vm, offline));
    const protection = input.force ? undefined : await checkProtection(input.client, candidates);
    const readable = candidates.filter((vm) => !protection?.protected.has(vm.vmid) && !protection?.unreadable.has(vm.vmid));
    const lists = new Map<number, SnapshotInfo[] | Error>();
    await boundedMap(readable, LIST_READS, async (vm) => {
      lists.set(vm.vmid, await listSnapshots(input.client, vm).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))));
    });

    const plan = new PlanBuilder();
    for (const vm of input.vms) {
      const skip = skipWhy(vm) ?? (protection?.protected.has(vm.vmid) ? PROTECTION_SKIP : undefined);
      const blocked = offlineReason(vm, offline) ?? protection?.unreadable.get(vm.vmid);
      const list = lists.get(vm.vmid);
      if (skip) plan.skip(vm, label, skip);
      else if (blocked) plan.block(vm, label, blocked);
      else if (list instanceof Error || list === undefined) plan.block(vm, label, `could not list its snapshots: ${list?.message ?? 'no answer'}`);
      else {
        const matching = list.filter(chosen);
        const notMoxxie = matching.filter((s) => !s.moxxieMade);
        const safeMode = safeModeSkip(vm, policy);
        // Snapshots moxxie did not make: only with moxxieOnly: false, and then safe mode guards them.
        const others = moxxieOnly || safeMode ? [] : notMoxxie;
        const allowed = [...matching.filter((s) => s.moxxieMade), ...others].sort((a, b) => (a.snaptime ?? 0) - (b.snaptime ?? 0));
        const held = notMoxxie.length && !others.length ? (moxxieOnly ? `${notMoxxie.length} matching snapshot(s) not made by moxxie (set moxxieOnly: false to include them)` : `${notMoxxie.length} matching snapshot(s) not made by moxxie kept by ${safeMode}`) : undefined;
        if (!allowed.length) {
          plan.skip(vm, label, held ?? 'no matching snapshots');
          continue;
        }
        const names = allowed.map((s) => s.name);
        plan.add(vm, `delete ${names.join(', ')}${held ? `; ${held}` : ''}`, { names });
      }
    }
    return plan.build();
  },

  phases(target) {
    const names = (target.spec?.names ?? []) as string[];
    const guest = refOf(target);
    const gone = async (t: { client: Parameters<typeof listSnapshots>[0] }, name: string) => !(await listSnapshots(t.client, guest)).some((s) => s.name === name);
    return names.map(
      (name, i): Phase => ({
        name: `delete ${name}`,
        taskType: guest.type === 'lxc' ? 'vzdelsnapshot' : 'qmdelsnapshot',
        check: async (t) => ((await gone(t, name)) ? doneText(names, i) : undefined),
        run: async (t) => {
          try {
            await t.awaitTask(await deleteGuestSnapshot(t.client, guest, name));
          } catch (err) {
            // Someone else deleted it meanwhile: the goal is reached.
            if (!((err instanceof StepFailure || (err instanceof PveError && err.kind === 'not-found')) && GONE.test(err.message))) throw err;
          }
          const text = doneText(names, i);
          if (i < names.length - 1) t.progress(text);
          return text;
        },
      }),
    );
  },
};

function doneText(names: string[], i: number): string {
  return `deleted ${names.slice(0, i + 1).join(', ')}`;
}
