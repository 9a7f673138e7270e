// Snapshots of a guest (PVE::AbstractConfig's snapshot_create/delete/rollback, which qemu-server and
// pve-container share): list with `current` last, create, delete, rollback, snapshot config. What differs per
// type is in the rules each hands in: task types, reserved names, RAM (vmstate, qemu only), refusals, log lines.
import { SimApiError, SimTaskError } from '../api-error.js';
import type { SimVmRecord } from '../model.js';
import { assertZfsRollbackPossible } from '../zfs-rollback.js';
import { bool, nowSec, requirePriv, str, type HandlerContext, type HandlerTable } from './context.js';
import { findSnapshot, guestTask, type GuestKind } from './guest.js';

export interface GuestSnapshotRules {
  guest: GuestKind;
  tasks: { create: string; delete: string; rollback: string };
  /** Names the type keeps for itself ("unable to use snapshot name 'x' (reserved name)"). */
  reservedNames: readonly string[];
  /** A snapshot that may hold the running guest's RAM (qemu's vmstate); without it no snapshot does. */
  vmstate?: { savingLog(vm: SimVmRecord): string };
  /** The create task's line about the volume it snapshots. */
  snapshottedLog(vm: SimVmRecord): string;
  /** A refusal before the rollback's worker (qemu refuses a template's). */
  refuseRollback?(vm: SimVmRecord): void;
  /** The rollback also drops pending changes (qemu's [PENDING] section). */
  rollbackDropsPending: boolean;
  stoppingLog(vm: SimVmRecord): string;
  startingLog(vm: SimVmRecord): string;
}

export function guestSnapshotHandlers(rules: GuestSnapshotRules): HandlerTable {
  const { guest } = rules;
  const path = `/nodes/{node}/${guest.type}/{vmid}/snapshot`;
  const target = (ctx: HandlerContext, priv?: string): SimVmRecord => {
    const vm = guest.of(ctx);
    if (priv) requirePriv(ctx, `/vms/${vm.vmid}`, priv);
    return vm;
  };
  return {
    [`GET ${path}`]: (ctx) => {
      const vm = target(ctx);
      return [
        ...vm.snapshots.map((s) => ({
          name: s.name,
          snaptime: s.snaptime,
          ...(rules.vmstate ? { vmstate: s.vmstate ? 1 : 0 } : {}),
          description: s.description,
          ...(s.parent ? { parent: s.parent } : {}),
        })),
        { name: 'current', digest: ctx.sim.vmDigest(vm), running: vm.state === 'stopped' ? 0 : 1, description: 'You are here!', ...(vm.parent ? { parent: vm.parent } : {}) },
      ];
    },

    [`POST ${path}`]: (ctx) => {
      const vm = target(ctx, 'VM.Snapshot');
      const name = String(ctx.params.snapname);
      if (rules.reservedNames.includes(name)) throw new SimApiError(500, `unable to use snapshot name '${name}' (reserved name)`);
      const vmstate = !!rules.vmstate && bool(ctx.params, 'vmstate') && vm.state !== 'stopped';
      const description = str(ctx.params, 'description') ?? '';
      return guestTask(ctx, vm, rules.tasks.create, {
        vm,
        lock: 'snapshot',
        begin: () => {
          guest.lockCheck(ctx, vm);
          if (vm.config.template) throw new SimTaskError("you can't take a snapshot if it's a template");
          if (vm.snapshots.some((s) => s.name === name)) throw new SimTaskError(`snapshot name '${name}' already used`);
        },
        work: async (w) => {
          if (vmstate && rules.vmstate) w.log(rules.vmstate.savingLog(vm));
          await w.sleep();
          const { lock: _lock, ...config } = vm.config;
          vm.snapshots.push({ name, description, snaptime: nowSec(), vmstate, parent: vm.parent, config });
          vm.parent = name;
          ctx.sim.touch();
          w.log(rules.snapshottedLog(vm));
        },
      });
    },

    [`DELETE ${path}/{snapname}`]: (ctx) => {
      const vm = target(ctx, 'VM.Snapshot');
      const name = String(ctx.params.snapname);
      findSnapshot(vm, name);
      return guestTask(ctx, vm, rules.tasks.delete, {
        vm,
        lock: 'snapshot-delete',
        begin: () => guest.lockCheck(ctx, vm),
        finish: () => {
          const snap = findSnapshot(vm, name);
          // Children are re-parented onto the deleted snapshot's parent, as PVE does.
          for (const s of vm.snapshots) if (s.parent === name) s.parent = snap.parent;
          if (vm.parent === name) vm.parent = snap.parent;
          vm.snapshots = vm.snapshots.filter((s) => s.name !== name);
          ctx.sim.touch();
        },
      });
    },

    [`POST ${path}/{snapname}/rollback`]: (ctx) => {
      const vm = target(ctx, 'VM.Snapshot.Rollback');
      const name = String(ctx.params.snapname);
      findSnapshot(vm, name);
      rules.refuseRollback?.(vm);
      const start = bool(ctx.params, 'start');
      return guestTask(ctx, vm, rules.tasks.rollback, {
        vm,
        lock: 'rollback',
        begin: () => {
          guest.lockCheck(ctx, vm);
          assertZfsRollbackPossible(ctx.sim, vm, name);
        },
        work: async (w) => {
          if (vm.state !== 'stopped') w.log(rules.stoppingLog(vm));
          await w.sleep();
          const snap = findSnapshot(vm, name);
          // The rollback replaces the config; the task still holds its lock.
          vm.config = { ...snap.config, lock: 'rollback' };
          if (rules.rollbackDropsPending) {
            delete vm.pending;
            delete vm.pendingDelete;
          }
          vm.parent = name;
          // A snapshot with RAM resumes the guest as it was.
          const resumes = !!rules.vmstate && snap.vmstate;
          const run = resumes || start;
          vm.startedAt = run ? nowSec() : undefined;
          vm.state = run ? 'running' : 'stopped';
          ctx.sim.touch();
          if (start && !resumes) w.log(rules.startingLog(vm));
        },
      });
    },

    [`GET ${path}/{snapname}`]: (ctx) => {
      findSnapshot(target(ctx), String(ctx.params.snapname));
      return [{ subdir: 'config' }, { subdir: 'rollback' }];
    },

    [`GET ${path}/{snapname}/config`]: (ctx) => {
      const snap = findSnapshot(target(ctx), String(ctx.params.snapname));
      return { ...snap.config, description: snap.description, snaptime: snap.snaptime, ...(snap.parent ? { parent: snap.parent } : {}) };
    },

    [`PUT ${path}/{snapname}/config`]: (ctx) => {
      const vm = target(ctx, 'VM.Snapshot');
      const snap = findSnapshot(vm, String(ctx.params.snapname));
      snap.description = str(ctx.params, 'description') ?? '';
      ctx.sim.touch();
      return null;
    },
  };
}
