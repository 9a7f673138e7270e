// Migration: `POST /vms/{id}/migrate` onto the migrate capability, `GET /vms/{id}/migrate/check?target=` onto
// core.checkMigration (PVE's precondition, summed up), `GET /vms/{id}/migrate/history` from the history store.
import { z } from 'zod';
import { migrateFields } from '../../src/ops/migration/fields.js';
import { boolField } from '../../src/ops/request-schema.js';
import type { CapabilityRoute, HandlerRoute } from '../route-table.js';
import { queryFlag, queryInt, vmIdParam } from '../schemas.js';
import { requireVm } from '../vm-lookup.js';

const migrateBody = z.strictObject({ ...migrateFields, dryRun: boolField().optional() });

const migrateVm: CapabilityRoute<{ id: number }, unknown, z.output<typeof migrateBody>> = {
  method: 'POST',
  url: '/vms/:id/migrate',
  summary: 'Move a VM to another node: online when it runs, offline when stopped; allowOfflineMigration falls back to offline if the live move fails',
  group: 'Migration',
  kind: 'migrate',
  long: true,
  params: vmIdParam,
  body: migrateBody,
  vm: ({ params }) => params.id,
  request: ({ params, body }) => ({ vmSelectors: [{ type: 'VM_IDS', value: String(params.id) }], ...body }),
};

const checkQuery = z.strictObject({
  target: z.string({ error: "required: the node to move to, e.g. ?target=pve2" }).min(1).describe('the node to move to'),
  force: queryFlag().optional().describe('as a forced migration would be judged (local devices allowed)'),
  withLocalDisks: queryFlag().optional().describe('as a move with local disks would be judged'),
});

const checkMigration: HandlerRoute<{ id: number }, z.output<typeof checkQuery>> = {
  method: 'GET',
  url: '/vms/:id/migrate/check',
  summary: "Whether a VM can move to a node and how (PVE's precondition): allowed, reasons, online/offline, local disks and devices",
  group: 'Migration',
  params: vmIdParam,
  query: checkQuery,
  async handle({ core, reads }, { params, query }) {
    await requireVm(reads, params.id);
    return { body: await core.checkMigration(params.id, query.target, { force: query.force, withLocalDisks: query.withLocalDisks }) };
  },
};

const historyQuery = z.strictObject({ limit: queryInt(1, 10_000).optional().describe('at most this many, newest first') });

const migrationHistory: HandlerRoute<{ id: number }, z.output<typeof historyQuery>> = {
  method: 'GET',
  url: '/vms/:id/migrate/history',
  summary: "A VM's recorded migrations, newest first (from any front end: migrate, drain, undrain)",
  group: 'Migration',
  params: vmIdParam,
  query: historyQuery,
  // A VM since deleted still has its history: no inventory check.
  async handle({ history }, { params, query }) {
    return { body: await history.listMigrations({ vmid: params.id, limit: query.limit }) };
  },
};

export const migrationRoutes = [migrateVm, checkMigration, migrationHistory];
