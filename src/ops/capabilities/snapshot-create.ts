// Bulk snapshot create: name templates ({vm} {vmid} {date} {time} {datetime}), TTL marker, optional RAM.
// One phase per guest; its check finds a snapshot already made (a resume, a lost answer), its undo deletes it.
import { z } from 'zod';
import { deleteGuestSnapshot, postGuestSnapshot, refOf } from '../../pve/endpoints/guest.js';
import { lazySchema } from '../lazy-schema.js';
import type { Capability } from '../capability.js';
import { offlineNodesOf, PlanBuilder } from '../plan.js';
import { boolField, intField, textField } from '../request-schema.js';
import { offlineReason, unsupportedReason } from '../safety.js';
import { listSnapshots } from '../snapshot-list.js';
import { describeSnapshot, descriptionProblem, MAX_DESCRIPTION_BYTES } from '../snapshot-marker.js';
import { nameClock, renderAll, templateProblem, validateTemplate } from '../snapshot-names.js';
import { bulkFields } from './bulk-fields.js';
import type { GuestType } from '../types.js';

const GUEST_TYPES: readonly GuestType[] = ['qemu', 'lxc'];
/** A pct snapshot holds no RAM (the API has no `vmstate`): with includeMemory the container is skipped, not half done. */
const NO_RAM_FOR_CT = 'a container snapshot cannot include memory (pct has no vmstate): leave includeMemory off to snapshot containers';

/** A snapshot task (RAM state included) can take long on a real cluster. */
export const SNAPSHOT_TASK_TIMEOUT_MS = 60 * 60_000;

const schema = lazySchema(() =>
  z
    .strictObject({
      ...bulkFields,
      snapshotName: textField('required: a name template such as "pre-update-{vm}-{date}"')
        .superRefine((template, ctx) => {
          // A template no VM could get a valid name from is refused here, by every front end and at job save.
          const problem = templateProblem(template);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        })
        .describe("template: {vm} {vmid} {date} {time} {datetime} ({vm} shortened to fit 40 chars)"),
      description: z.string({ error: 'must be a string' }).optional().describe(`kept on the snapshot (moxxie appends its marker); at most ${MAX_DESCRIPTION_BYTES} bytes`),
      ttlHours: intField(1, 8760).optional().describe('hours until cleanup may delete it (1-8760)'),
      includeMemory: boolField().optional().describe("also save running VMs' RAM (containers are skipped)"),
    })
    .superRefine((r, ctx) => {
      const problem = typeof r.description === 'string' ? descriptionProblem(r.description, r.ttlHours) : undefined;
      if (problem) ctx.addIssue({ code: 'custom', path: ['description'], message: problem });
    }));
export type SnapshotCreateRequest = z.infer<ReturnType<typeof schema>>;

interface Spec {
  snapname: string;
  description: string;
  vmstate: boolean;
}

export const snapshotCreate: Capability<SnapshotCreateRequest> = {
  kind: 'snapshot.create',
  title: 'Create snapshots',
  description: 'Snapshot the selected VMs and containers with a name template and an optional TTL. Success means the snapshot task ended OK.',
  get schema() {
    return schema();
  },
  guestTypes: GUEST_TYPES,
  label: (r) => `snapshot ${r.snapshotName}`,
  destructive: () => false,
  taskTimeoutMs: () => SNAPSHOT_TASK_TIMEOUT_MS,
  names: { tool: 'create_snapshots', verb: ['snapshot', 'create'], cli: { aliases: { name: 'snapshotName', ttl: 'ttlHours' } } },
  hints: { destructive: false, idempotent: false },

  plan(input, req) {
    const template = validateTemplate(req.snapshotName);
    const withRam = req.includeMemory === true;
    const offline = offlineNodesOf(input.inventory);
    // Names are rendered (and refused) before anything runs, for exactly the VMs that will get a step.
    const skipWhy = (vm: (typeof input.vms)[number]): string | undefined =>
      unsupportedReason(vm, { guestTypes: GUEST_TYPES }) ?? (withRam && vm.type === 'lxc' ? NO_RAM_FOR_CT : undefined);
    const names = renderAll(template, input.vms.filter((vm) => !skipWhy(vm) && !offlineReason(vm, offline)), nameClock());
    const description = describeSnapshot(req.description, req.ttlHours);
    const plan = new PlanBuilder();
    for (const vm of input.vms) {
      const skip = skipWhy(vm);
      const blocked = offlineReason(vm, offline);
      if (skip) plan.skip(vm, 'snapshot', skip);
      else if (blocked) plan.block(vm, 'snapshot', blocked);
      else {
        // The final name per VM, and how it differs from what the template asked for.
        const { name: snapname, note } = names.get(vm.vmid)!;
        // PVE ignores vmstate on a stopped VM; the plan says so rather than promising RAM it will not save.
        const ram = withRam && vm.status === 'running';
        const spec: Spec = { snapname, description, vmstate: withRam };
        plan.add(vm, `snapshot ${snapname}${note ? ` (${note})` : ''}${ram ? ' (with RAM)' : ''}${req.ttlHours ? `, expires in ${req.ttlHours}h` : ''}`, { ...spec });
      }
    }
    return plan.build();
  },

  phases(target) {
    const spec = target.spec as unknown as Spec;
    const vm = refOf(target);
    return [
      {
        name: 'snapshot',
        taskType: vm.type === 'lxc' ? 'vzsnapshot' : 'qmsnapshot',
        check: async (t) => {
          const found = (await listSnapshots(t.client, vm)).find((s) => s.name === spec.snapname);
          return found && found.description === spec.description ? `snapshot ${spec.snapname} created` : undefined;
        },
        run: async (t) => {
          await t.awaitTask(await postGuestSnapshot(t.client, vm, { snapname: spec.snapname, description: spec.description, vmstate: spec.vmstate && vm.type === 'qemu' ? true : undefined }));
          return `snapshot ${spec.snapname} created`;
        },
        undo: async (t) => {
          await t.awaitTask(await deleteGuestSnapshot(t.client, vm, spec.snapname));
          return `deleted snapshot ${spec.snapname}`;
        },
      },
    ];
  },
};
