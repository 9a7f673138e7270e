// The zod schemas the REST routes share: query-string fields (strings on the wire), the VM row, the
// operation and the error. They validate requests and, through @fastify/swagger, are the OpenAPI document.
import { z } from 'zod';
import type { Vm } from '../src/inventory/model.js';
import { intField } from '../src/ops/request-schema.js';
import { OPERATION_STATUSES, TARGET_STATES } from '../src/ops/types.js';

/** `?wait=true`: a query flag (the wire carries text); `1`/`0` as well, as curl scripts often send. */
export const queryFlag = () =>
  z
    .enum(['true', 'false', '1', '0'], { error: (iss) => `must be true or false (got ${JSON.stringify(iss.input)})` })
    .transform((v) => v === 'true' || v === '1');

export const queryInt = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { error: (iss) => `must be a whole number from ${min} to ${max} (got ${JSON.stringify(iss.input)})` })
    .transform(Number)
    .pipe(intField(min, max));

export const vmIdParam = z.strictObject({
  id: z
    .string()
    .regex(/^[1-9]\d{2,8}$/, { error: (iss) => `must be a VM id from 100 to 999999999 (got ${JSON.stringify(iss.input)})` })
    .transform(Number)
    .describe('VM id'),
});

/** Every mutating call: `wait` (answer when it has finished) and `dryRun` (answer the plan, change nothing). */
export const controlQuery = {
  wait: queryFlag().optional().describe('true: answer when the operation has finished (200) instead of once it started (202)'),
  dryRun: queryFlag().optional().describe('true: answer the plan; nothing is changed'),
};

export const vmRowSchema = z.object({
  vmid: z.number(),
  name: z.string(),
  node: z.string(),
  status: z.enum(['running', 'stopped', 'paused', 'suspended', 'unknown']),
  type: z.enum(['qemu', 'lxc']),
  template: z.boolean(),
  tags: z.array(z.string()),
  cpus: z.number().describe('vCPUs (PVE maxcpu)'),
  cpu: z.number().describe('fraction of cpus in use, 0..1'),
  memoryMB: z.number(),
  memoryUsedMB: z.number(),
  diskGB: z.number(),
  uptime: z.number().describe('seconds'),
  lock: z.string().optional(),
  pool: z.string().optional(),
});
export type VmRow = z.infer<typeof vmRowSchema>;

const MB = 2 ** 20;
const GB = 2 ** 30;

export function vmRow(vm: Vm): VmRow {
  return {
    vmid: vm.vmid,
    name: vm.name,
    node: vm.node,
    status: vm.status,
    type: vm.type,
    template: vm.template,
    tags: vm.tags,
    cpus: vm.maxcpu,
    cpu: vm.cpu,
    memoryMB: Math.round(vm.maxmem / MB),
    memoryUsedMB: Math.round(vm.mem / MB),
    diskGB: Math.round((vm.maxdisk / GB) * 10) / 10,
    uptime: vm.uptime,
    ...(vm.lock ? { lock: vm.lock } : {}),
    ...(vm.pool ? { pool: vm.pool } : {}),
  };
}

const phaseSchema = z.looseObject({ name: z.string(), state: z.string(), upids: z.array(z.string()), message: z.string().optional() });
const targetSchema = z.looseObject({
  id: z.string(),
  vmid: z.number(),
  name: z.string(),
  node: z.string(),
  state: z.enum(TARGET_STATES as unknown as [string, ...string[]]),
  action: z.string(),
  message: z.string().optional(),
  phases: z.array(phaseSchema),
});

/** The one Operation shape every front end shares (src/ops/types.ts). */
export const operationSchema = z.looseObject({
  id: z.string().describe('follow it at /api/v1/operations/{id}'),
  kind: z.string(),
  label: z.string(),
  status: z.enum(OPERATION_STATUSES as unknown as [string, ...string[]]),
  dryRun: z.boolean(),
  request: z.unknown().describe('the request as given, secrets left out'),
  targets: z.array(targetSchema),
  warnings: z.array(z.string()),
  frontEnd: z.string(),
  startedAt: z.number().describe('epoch ms'),
  finishedAt: z.number().optional(),
  summary: z.looseObject({ counts: z.record(z.string(), z.number()), durationMs: z.number() }).optional(),
});

export const errorSchema = z.object({
  error: z.string().describe('bad-request, not-found, conflict, locked, read-only, refused, unauthorized, pve-failed, pve-timeout, internal'),
  message: z.string(),
  field: z.string().optional().describe('the request field at fault (400)'),
  operation: operationSchema.optional(),
});
