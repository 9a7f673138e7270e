// Snapshots of one VM (list, create, delete, rollback) and the bulk create, onto the snapshot capabilities.
import { z } from 'zod';
import { snapshotCreate } from '../../src/ops/capabilities/snapshot-create.js';
import { boolField, intField } from '../../src/ops/request-schema.js';
import { existingSnapshotNameField } from '../../src/ops/snapshot-names.js';
import type { RestDeps } from '../route-table.js';
import type { CapabilityRoute, HandlerRoute } from '../route-table.js';
import { conflict, notFound } from '../errors.js';
import { queryFlag, vmIdParam } from '../schemas.js';
import { requireVm } from '../vm-lookup.js';

const vmOnly = (vmid: number) => [{ type: 'VM_IDS', value: String(vmid) }];

const snapshotParams = vmIdParam.extend({ name: existingSnapshotNameField('the snapshot name') });
type SnapshotParams = z.output<typeof snapshotParams>;

async function snapshotNames(deps: RestDeps, vmid: number): Promise<Set<string>> {
  const vm = await requireVm(deps.reads, vmid);
  return new Set((await deps.core.listSnapshots({ vmid, node: vm.node, type: vm.type })).map((s) => s.name));
}

async function mustExist(deps: RestDeps, vmid: number, name: string): Promise<void> {
  if (!(await snapshotNames(deps, vmid)).has(name)) throw notFound(`VM ${vmid} has no snapshot '${name}'`);
}

const snapshotRow = z.looseObject({
  name: z.string(),
  description: z.string(),
  snaptime: z.number().optional().describe('epoch seconds'),
  vmstate: z.boolean(),
  parent: z.string().optional(),
  ttlHours: z.number().optional(),
  expiresAt: z.number().optional().describe('epoch seconds'),
  moxxieMade: z.boolean(),
});

const listSnapshots: HandlerRoute<{ id: number }> = {
  method: 'GET',
  url: '/vms/:id/snapshots',
  summary: "A VM's snapshots, with their TTL when moxxie (or Moxxie) set one",
  group: 'Snapshots',
  params: vmIdParam,
  response: z.array(snapshotRow),
  async handle({ core, reads }, { params }) {
    const vm = await requireVm(reads, params.id);
    return { body: await core.listSnapshots({ vmid: vm.vmid, node: vm.node, type: vm.type }) };
  },
};

const createBody = z.strictObject({
  name: existingSnapshotNameField('required: the snapshot name, e.g. "pre-update-20240621"').describe('the snapshot name PVE gets'),
  description: z.string({ error: 'must be a string' }).optional(),
  ttlHours: intField(1, 8760).optional().describe('hours until cleanup may delete it (1-8760)'),
  includeMemory: boolField().optional().describe('also save the RAM of a running VM'),
  dryRun: boolField().optional(),
});
type CreateBody = z.output<typeof createBody>;

const createSnapshot: CapabilityRoute<{ id: number }, unknown, CreateBody> = {
  method: 'POST',
  url: '/vms/:id/snapshots',
  summary: 'Snapshot one VM (409 when the name exists)',
  group: 'Snapshots',
  kind: 'snapshot.create',
  long: true,
  params: vmIdParam,
  body: createBody,
  vm: ({ params }) => params.id,
  request: ({ params, body }) => {
    const { name, ...rest } = body;
    return { vmSelectors: vmOnly(params.id), snapshotName: name, ...rest };
  },
  async check(deps, { body }, vmid) {
    if ((await snapshotNames(deps, vmid)).has(body.name)) throw conflict(`VM ${vmid} already has a snapshot named '${body.name}'`);
  },
};

const deleteSnapshot: CapabilityRoute<SnapshotParams, { force?: boolean }> = {
  method: 'DELETE',
  url: '/vms/:id/snapshots/:name',
  summary: 'Delete one snapshot by its exact name (made by moxxie or not; safe mode and protection still apply)',
  group: 'Snapshots',
  kind: 'snapshot.delete',
  long: true,
  params: snapshotParams,
  queryFields: { force: queryFlag().optional().describe('override safe mode and PVE protection') },
  vm: ({ params }) => params.id,
  // The caller names the snapshot exactly: moxxieOnly (a guard for globs and ages) does not apply.
  request: ({ params, query }) => ({ vmSelectors: vmOnly(params.id), snapshotName: params.name, moxxieOnly: false, ...(query.force ? { force: true } : {}) }),
  check: (deps, { params }, vmid) => mustExist(deps, vmid, params.name),
};

const rollbackBody = z.strictObject({
  start: boolField().optional().describe('start the VM after the rollback'),
  force: boolField().optional().describe('override safe mode, PVE protection and always-on'),
  dryRun: boolField().optional(),
});

const rollbackSnapshot: CapabilityRoute<SnapshotParams, unknown, z.output<typeof rollbackBody> | undefined> = {
  method: 'POST',
  url: '/vms/:id/snapshots/:name/rollback',
  summary: 'Roll one VM back to a snapshot (everything since is lost)',
  group: 'Snapshots',
  kind: 'snapshot.rollback',
  long: true,
  params: snapshotParams,
  body: rollbackBody.optional(),
  vm: ({ params }) => params.id,
  request: ({ params, body }) => ({ vmSelectors: vmOnly(params.id), snapshotName: params.name, ...body }),
  check: (deps, { params }, vmid) => mustExist(deps, vmid, params.name),
};

const bulkCreate: CapabilityRoute<undefined, unknown, object> = {
  method: 'POST',
  url: '/snapshots/bulk',
  summary: 'Snapshot the selected VMs with a name template ({vm} {vmid} {date} {time} {datetime}) and a TTL',
  group: 'Snapshots',
  kind: 'snapshot.create',
  long: true,
  body: snapshotCreate.schema,
  request: ({ body }) => body,
};

export const snapshotRoutes = [listSnapshots, createSnapshot, deleteSnapshot, rollbackSnapshot, bulkCreate];
