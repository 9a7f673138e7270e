// Shared input and output shapes of the tools.
import { z } from 'zod';
import type { Operation } from '../src/ops/types.js';
import type { VmSelector } from '../src/select/types.js';

export const vmSelectorSchema = z.object({
  type: z.enum(['ALL', 'VM_IDS', 'NAME_PATTERN', 'TAG_EXPRESSION']),
  value: z.string().optional().describe('ids/ranges for VM_IDS ("8200,8201" or "8200-8209"), a glob for NAME_PATTERN, an expression for TAG_EXPRESSION'),
  exclude: z.string().optional().describe('tag expression; matching VMs are removed from this selector'),
  includeTemplates: z.boolean().optional(),
});

/** Either a one-line selector or structured selectors. */
export const selectionShape = {
  selector: z
    .string()
    .optional()
    .describe('one-line selector, terms ANDed: tag:(env-prod AND NOT always-on) node:pve2 status:running name:web-* id:8200-8209 type:qemu all'),
  vmSelectors: z.array(vmSelectorSchema).optional().describe('structured selectors (a union), as in the Moxxie API'),
};

export function selectionOf(args: { selector?: string; vmSelectors?: VmSelector[] }): VmSelector[] | string {
  if (args.selector && args.vmSelectors) throw new Error('give either selector or vmSelectors, not both');
  if (args.selector) return args.selector;
  if (args.vmSelectors?.length) return args.vmSelectors;
  throw new Error('say which VMs: selector (e.g. "name:web-*") or vmSelectors (e.g. [{"type":"VM_IDS","value":"8200"}])');
}

export const countsSchema = z.object({
  planned: z.number(),
  skipped: z.number(),
  running: z.number(),
  succeeded: z.number(),
  failed: z.number(),
  cancelled: z.number(),
});

const targetSchema = z.object({
  vmid: z.number(),
  name: z.string(),
  node: z.string(),
  state: z.string(),
  action: z.string(),
  message: z.string().optional(),
  upid: z.string().optional(),
});

export const MAX_TARGET_ROWS = 200;

export const operationShape = {
  id: z.string(),
  kind: z.string(),
  status: z.string(),
  dryRun: z.boolean(),
  counts: countsSchema,
  durationMs: z.number(),
  warnings: z.array(z.string()),
  targets: z.array(targetSchema).describe(`per-VM rows (at most ${MAX_TARGET_ROWS}; see targetsOmitted)`),
  targetsOmitted: z.number(),
};

/** Outputs of mutating tools: the operation, or the plan waiting for confirmation. */
export const mutationShape = {
  ...Object.fromEntries(Object.entries(operationShape).map(([k, v]) => [k, v.optional()])),
  needsConfirmation: z.boolean(),
  confirmToken: z.string().optional(),
};

export function operationView(op: Operation): Record<string, unknown> {
  const counts = op.summary?.counts ?? { planned: 0, skipped: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
  for (const t of op.targets) if (!op.summary) counts[t.state]++;
  return {
    id: op.id,
    kind: op.kind,
    status: op.status,
    dryRun: op.dryRun,
    counts,
    durationMs: op.summary?.durationMs ?? Date.now() - op.startedAt,
    warnings: op.warnings,
    targets: op.targets.slice(0, MAX_TARGET_ROWS).map((t) => ({ vmid: t.vmid, name: t.name, node: t.node, state: t.state, action: t.action, ...(t.message ? { message: t.message } : {}), ...(t.upid ? { upid: t.upid } : {}) })),
    targetsOmitted: Math.max(0, op.targets.length - MAX_TARGET_ROWS),
  };
}

export function operationText(op: Operation): string {
  const c = op.summary?.counts;
  const counts = c ? Object.entries(c).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(', ') : `${op.targets.length} targets`;
  const head = op.dryRun ? `Plan for ${op.kind} (dry run, nothing changed)` : `${op.kind} ${op.status}`;
  const failed = op.targets.filter((t) => t.state === 'failed').slice(0, 5).map((t) => `  ${t.vmid} ${t.name}: ${t.message}`);
  return [`${head}: ${counts}. Operation ${op.id}.`, ...op.warnings.map((w) => `warning: ${w}`), ...(failed.length ? ['failures:', ...failed] : [])].join('\n');
}
