// Backups: the list (cluster-wide and per VM), the retention preview, cleanup, bulk create, restore, delete and
// protection, onto core.listBackups / core.retentionCandidates and the backup capabilities. A volid goes in
// the path URL-encoded (`local:backup%2Fvzdump-qemu-8200-….vma.zst`).
import { z } from 'zod';
import type { BackupEntry } from '../../src/ops/backup-list.js';
import { volidField } from '../../src/ops/backup-targets.js';
import { backupCreate } from '../../src/ops/capabilities/backup-create.js';
import { backupPrune } from '../../src/ops/capabilities/backup-prune.js';
import { backupRestore } from '../../src/ops/capabilities/backup-restore.js';
import { retentionQueryFields } from '../../src/ops/retention/candidates.js';
import { parseVmIds } from '../../src/select/vm-ids.js';
import { conflict, notFound } from '../errors.js';
import type { CapabilityRoute, HandlerRoute, RestDeps } from '../route-table.js';
import { queryFlag, vmIdParam } from '../schemas.js';
import { requireVm } from '../vm-lookup.js';

const backupRow = z.looseObject({
  volid: z.string(),
  vmid: z.number(),
  guestType: z.enum(['qemu', 'lxc']),
  name: z.string().optional().describe("the guest's name while it exists"),
  node: z.string(),
  storage: z.string(),
  shared: z.boolean(),
  size: z.number().describe('bytes'),
  ctime: z.number().describe('epoch seconds'),
  createdAt: z.string().describe('ISO time it was made'),
  notes: z.string().optional().describe('first line of the notes'),
  protected: z.boolean(),
  format: z.string(),
  compression: z.string().optional(),
  ttlDays: z.number().optional(),
  expiresAt: z.number().optional().describe('epoch ms its TTL runs out'),
  expired: z.boolean(),
});

function rowOf(b: BackupEntry, now: number): z.infer<typeof backupRow> {
  return { ...b, createdAt: new Date(b.ctime * 1000).toISOString(), expired: b.expiresAt !== undefined && b.expiresAt <= now };
}

/** What could not be read (an offline node's local backups): the list is still answered, with this header. */
const warningHeaders = (warnings: string[]): Record<string, string> | undefined =>
  warnings.length ? { 'x-moxxie-warnings': encodeURIComponent(warnings.join('; ')) } : undefined;

const storageQuery = z.string().min(1).optional().describe('only backups on this storage');

const listQuery = z.strictObject({
  vmIds: z.string().optional().describe('ids and ranges, e.g. 8200,8201 or 8200-8209'),
  storage: storageQuery,
});

const listBackups: HandlerRoute<undefined, z.output<typeof listQuery>> = {
  method: 'GET',
  url: '/backups',
  summary: "Every backup in the cluster's storages, each once (an unreadable node's are named in X-Moxxie-Warnings)",
  group: 'Backups',
  query: listQuery,
  response: z.array(backupRow),
  async handle({ core }, { query }) {
    const vmids = query.vmIds !== undefined ? parseVmIds(query.vmIds, 'query.vmIds') : undefined;
    const report = await core.listBackups({ vmids, storage: query.storage });
    const now = Date.now();
    return { body: report.backups.map((b) => rowOf(b, now)), headers: warningHeaders(report.warnings) };
  },
};

const vmBackups: HandlerRoute<{ id: number }, { storage?: string }> = {
  method: 'GET',
  url: '/vms/:id/backups',
  summary: "One VM's backups",
  group: 'Backups',
  params: vmIdParam,
  query: z.strictObject({ storage: storageQuery }),
  response: z.array(backupRow),
  async handle({ core, reads }, { params, query }) {
    await requireVm(reads, params.id);
    const report = await core.listBackups({ vmids: [params.id], storage: query.storage });
    const now = Date.now();
    return { body: report.backups.map((b) => rowOf(b, now)), headers: warningHeaders(report.warnings) };
  },
};

const retentionQuery = z.strictObject({
  retentionPolicy: retentionQueryFields.retentionPolicy,
  tags: z.string().optional().describe('comma-separated; only guests carrying every one, e.g. env-dev'),
  vmIds: z.string().optional().describe('ids and ranges, e.g. 8200-8209'),
  storage: storageQuery,
});
type RetentionQueryText = z.output<typeof retentionQuery>;

const retentionCandidates: HandlerRoute<undefined, RetentionQueryText> = {
  method: 'GET',
  url: '/backups/retention-candidates',
  summary: 'A retention policy previewed: every backup marked keep, remove or protected with its rule; candidates = what cleanup deletes',
  group: 'Backups',
  query: retentionQuery,
  async handle({ core }, { query }) {
    const tags = query.tags === undefined ? undefined : query.tags.split(',').map((t) => t.trim()).filter(Boolean);
    const vmIds = query.vmIds === undefined ? undefined : parseVmIds(query.vmIds, 'query.vmIds');
    return { body: await core.retentionCandidates({ retentionPolicy: query.retentionPolicy, tags, vmIds, storage: query.storage }) };
  },
};

const cleanup: CapabilityRoute<undefined, unknown, object> = {
  method: 'POST',
  url: '/backups/cleanup',
  summary: 'Delete what a retention policy marks for removal (the preview carried out; protected backups never)',
  group: 'Backups',
  kind: 'backup.prune',
  long: true,
  body: backupPrune.schema,
  request: ({ body }) => body,
};

const bulkBackup: CapabilityRoute<undefined, unknown, object> = {
  method: 'POST',
  url: '/backups/bulk',
  summary: 'Back up the selected VMs (vzdump): storage, mode, compress, notes, ttlDays, removeOlder, protectBackup, mailNotification',
  group: 'Backups',
  kind: 'backup.create',
  long: true,
  body: backupCreate.schema,
  request: ({ body }) => body,
};

const restore: CapabilityRoute<undefined, unknown, object> = {
  method: 'POST',
  url: '/backups/restore',
  summary: 'Restore a backup as a new VM (next free id unless vmid), or over a stopped one with force',
  group: 'Backups',
  kind: 'backup.restore',
  long: true,
  single: true,
  body: backupRestore.schema,
  request: ({ body }) => body,
};

const volidParams = z.strictObject({ volid: volidField().describe("the backup's volid, URL-encoded ('/' as %2F)") });
type VolidParams = z.output<typeof volidParams>;

/** The backup a path names, as the cluster lists it now: unknown → 404. */
async function backupNamed(deps: RestDeps, volid: string): Promise<BackupEntry> {
  const storage = volid.slice(0, volid.indexOf(':'));
  const found = (await deps.core.listBackups({ storage })).backups.find((b) => b.volid === volid);
  if (!found) throw notFound(`no backup '${volid}' on storage ${storage}; GET /api/v1/backups lists them (a volid in a path is URL-encoded, '/' as %2F)`);
  return found;
}

const deleteBackup: CapabilityRoute<VolidParams, { force?: boolean }> = {
  method: 'DELETE',
  url: '/backups/:volid',
  summary: 'Delete one backup (409 while it is protected; safe mode still applies)',
  group: 'Backups',
  kind: 'backup.delete',
  long: true,
  single: true,
  params: volidParams,
  queryFields: { force: queryFlag().optional().describe('override safe mode') },
  request: ({ params, query }) => ({ volids: [params.volid], ...(query.force ? { force: true } : {}) }),
  async precheck(deps, { params }) {
    const b = await backupNamed(deps, params.volid);
    if (b.protected) throw conflict(`backup ${b.volid} is protected: PVE refuses to delete it; unprotect it first (DELETE /api/v1/backups/{volid}/protect)`);
  },
};

function protection(on: boolean): CapabilityRoute<VolidParams> {
  return {
    method: on ? 'POST' : 'DELETE',
    url: '/backups/:volid/protect',
    summary: on ? 'Protect one backup: PVE then refuses to delete or prune it' : 'Lift the protection of one backup',
    group: 'Backups',
    kind: on ? 'backup.protect' : 'backup.unprotect',
    // One attribute write: answers when done unless ?wait=false.
    long: false,
    single: true,
    params: volidParams,
    request: ({ params }) => ({ volids: [params.volid] }),
    precheck: async (deps, { params }) => void (await backupNamed(deps, params.volid)),
  };
}

export const backupRoutes = [listBackups, vmBackups, retentionCandidates, cleanup, bulkBackup, restore, deleteBackup, protection(true), protection(false)];
