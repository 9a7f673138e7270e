// Input and output shapes shared by several tools: selections, VM rows, operations, confirmation fields.
import { z } from 'zod';
import type { SnapshotInfo } from '../src/core.js';
import { vmSelectorSchema } from '../src/ops/capabilities/bulk-fields.js';
import { OPERATION_STATUSES, TARGET_STATES, type OperationStatus, type TargetState } from '../src/ops/types.js';
import type { VmSelector } from '../src/select/types.js';
import { ToolInputError } from './tool-result.js';

/** The core's selector shape (strict), declared once with the capabilities' request fields. */
export { vmSelectorSchema };

export const targetStateSchema = z.enum(TARGET_STATES as unknown as [TargetState, ...TargetState[]]);
export const operationStatusSchema = z.enum(OPERATION_STATUSES as unknown as [OperationStatus, ...OperationStatus[]]);

const SELECTOR_HELP =
  'one-line selector, terms ANDed: tag:(env-prod AND NOT always-on) name:web-* id:8200-8209 node:pve2 status:running type:qemu, or all';

/** Either the one-line selector syntax or the seed's structured vmSelectors. */
export const selectionShape = {
  selector: z.string().optional().describe(SELECTOR_HELP),
  vmSelectors: z.array(vmSelectorSchema).optional().describe('structured selectors (their union), as in the Moxxie API: [{"type":"VM_IDS","value":"8200,8201"}]'),
};

export interface SelectionArgs {
  selector?: string;
  vmSelectors?: VmSelector[];
}

/** The selection a tool acts on; `fallback` is used when neither field is given (inspection tools). */
export function selectionOf(args: SelectionArgs, fallback?: string): VmSelector[] | string {
  if (args.selector !== undefined && args.vmSelectors !== undefined) throw new ToolInputError('give either selector or vmSelectors, not both');
  if (args.selector !== undefined) {
    if (!args.selector.trim()) throw new ToolInputError('selector is empty; try "all", "name:web-*", "id:8200-8209" or "tag:(env-prod AND NOT always-on)"');
    return args.selector;
  }
  if (args.vmSelectors !== undefined) {
    if (!args.vmSelectors.length) throw new ToolInputError('vmSelectors is empty; give at least one, e.g. [{"type":"VM_IDS","value":"8200"}]');
    return args.vmSelectors;
  }
  if (fallback !== undefined) return fallback;
  throw new ToolInputError('say which VMs: selector (e.g. "name:web-*" or "id:8200-8202") or vmSelectors (e.g. [{"type":"VM_IDS","value":"8200"}]); resolve_selector previews a selection');
}

export const statusCountsSchema = z.object({ running: z.number(), stopped: z.number(), paused: z.number(), suspended: z.number(), unknown: z.number() });

/** The compact VM row; `fields` on list_vms adds columns. */
export const vmRowSchema = z
  .object({ vmid: z.number(), name: z.string(), node: z.string(), status: z.string(), tags: z.array(z.string()) })
  .catchall(z.unknown());

/** A snapshot as get_vm and list_snapshots show it (times as ISO strings). */
export const snapshotFields = {
  name: z.string(),
  description: z.string(),
  snaptime: z.string().optional(),
  vmstate: z.boolean(),
  ttlHours: z.number().optional(),
  expiresAt: z.string().optional(),
  moxxieMade: z.boolean(),
};

/** snapshotFields' values but moxxieMade (each tool places it in its row's key order). */
export function snapshotValues(s: SnapshotInfo): Omit<z.infer<z.ZodObject<typeof snapshotFields>>, 'moxxieMade'> {
  return {
    name: s.name,
    description: s.description,
    ...(s.snaptime !== undefined ? { snaptime: new Date(s.snaptime * 1000).toISOString() } : {}),
    vmstate: s.vmstate,
    ...(s.ttlHours !== undefined ? { ttlHours: s.ttlHours } : {}),
    ...(s.expiresAt !== undefined ? { expiresAt: new Date(s.expiresAt * 1000).toISOString() } : {}),
  };
}

export const targetCountsSchema = z.object(Object.fromEntries(TARGET_STATES.map((s) => [s, z.number()])) as Record<TargetState, z.ZodNumber>);

export const phaseRowSchema = z.object({
  name: z.string(),
  state: z.string(),
  upids: z.array(z.string()),
  message: z.string().optional(),
  undo: z.string().optional().describe('the undo, once a rollback ran it: its state and message'),
});

export const targetRowSchema = z.object({
  id: z.string(),
  vmid: z.number(),
  name: z.string(),
  node: z.string(),
  guestType: z.enum(['qemu', 'lxc']).optional().describe('qemu (a VM) or lxc (a container); absent for a target that is not a guest'),
  state: targetStateSchema,
  action: z.string(),
  message: z.string().optional(),
  upid: z.string().optional(),
  phases: z.array(phaseRowSchema).optional().describe('the steps of this target, in order, with every PVE task (UPID) each caused'),
});

export const operationShape = {
  id: z.string().describe('operation id, for get_operation'),
  kind: z.string(),
  label: z.string().describe('what it does, e.g. "shutdown", "stop (forced)", "snapshot nightly-{vm}"'),
  status: operationStatusSchema,
  dryRun: z.boolean(),
  frontEnd: z.string(),
  job: z.object({ id: z.string(), name: z.string(), runId: z.string().optional() }).optional().describe('the job whose run made it (scheduled or triggered)'),
  startedAt: z.string(),
  durationMs: z.number(),
  counts: targetCountsSchema.describe('targets by state'),
  skipReasons: z.array(z.object({ reason: z.string(), count: z.number() })).describe('why targets were skipped, most common first'),
  warnings: z.array(z.string()),
  targetCount: z.number(),
  targets: z.array(targetRowSchema).describe('per-VM rows, failures first; a page of them (see targetsOmitted)'),
  targetsOmitted: z.number().describe('rows not shown; get_operation pages through them'),
};

/** Fields every confirm-gated tool adds to its answer. */
export const confirmationShape = {
  needsConfirmation: z.boolean().describe('true: nothing was done; show the plan and call again with confirm: confirmToken to act'),
  confirmToken: z.string().optional().describe('single-use, bound to this exact request and plan'),
  confirmExpiresAt: z.string().optional(),
  confirmedVia: z.enum(['token', 'elicitation']).optional().describe('how the destructive request was confirmed'),
  declined: z.boolean().optional().describe('the user declined when asked; nothing was done'),
};

/** The fields of an operation answer that tools/list names: what a client acts on (the rows are paged in targets; a confirmToken means confirmation is needed). */
export const OPERATION_LISTED_OUTPUT = ['id', 'status', 'confirmToken'] as const;

/** Answer of the bulk tools: the operation (or its plan) plus confirmation fields. */
export const bulkOutputShape = { ...operationShape, ...confirmationShape };

/** What every operation tool adds to its capability's request fields. */
export const waitInputShape = {
  wait: z.boolean().optional().describe('false: answer at once with the operation id (default: wait, at most a bounded time)'),
};

export const confirmInputShape = {
  confirm: z.string().optional().describe("the plan answer's confirmToken, with the same request"),
};
