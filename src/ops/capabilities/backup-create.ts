// Bulk backup (the seed's /backups/bulk body): one vzdump per guest, sent to the guest's node. PVE runs one
// vzdump per node at a time (its global lock), so each node's steps run one after another while the nodes run
// in parallel (`exclusive: vzdump:<node>`), instead of queueing several jobs behind one lock. Success means the
// task ended OK and the archive is in the storage's content with the notes and protection asked for; then,
// with removeOlder, this guest's older unprotected backups on that storage are deleted, each delete awaited.
import { z } from 'zod';
import type { Vm } from '../../inventory/model.js';
import { deleteStorageContent, getStorageContent, postVzdump, putStorageContent, type StorageContentItem } from '../../pve/endpoints/storage.js';
import { PveLockedError } from '../../pve/errors.js';
import type { Params } from '../../pve/types.js';
import { ttlMarker } from '../backup-list.js';
import { lazySchema } from '../lazy-schema.js';
import type { Capability, Phase, PhaseTools, PlanInput } from '../capability.js';
import { RequestError } from '../errors.js';
import { offlineNodesOf, PlanBuilder } from '../plan.js';
import { boolField, enumField, intField, textField } from '../request-schema.js';
import { StepFailure } from '../runner.js';
import { offlineReason, safeModeSkip } from '../safety.js';
import { bulkFields, forceField } from './bulk-fields.js';

export const BACKUP_MODES = ['snapshot', 'suspend', 'stop'] as const;
export type BackupMode = (typeof BACKUP_MODES)[number];
export const BACKUP_COMPRESSIONS = ['zstd', 'gzip', 'lzo', '0'] as const;
export type BackupCompression = (typeof BACKUP_COMPRESSIONS)[number];
/** The variables PVE's notes-template knows. */
export const NOTES_VARIABLES = ['guestname', 'vmid', 'node', 'cluster'] as const;
/** PVE's limit for notes-template. */
export const MAX_NOTES = 1024;
/** A backup of a big guest can run for hours. */
export const BACKUP_TASK_TIMEOUT_MS = 12 * 3600_000;
const DAY_S = 86_400;

/** What is wrong with a notes template as PVE would judge it (unknown variable or escape, newline, length), or undefined. */
export function notesProblem(notes: string, ttlDays?: number): string | undefined {
  if (/[\r\n]/.test(notes)) return 'must be one line (write \\n for a line break, as PVE\'s notes-template wants)';
  for (let i = 0; i < notes.length; i++) {
    if (notes[i] === '\\') {
      if (notes[i + 1] !== 'n' && notes[i + 1] !== '\\') return `unknown escape '\\${notes[i + 1] ?? ''}' at character ${i + 1}: only \\n and \\\\ are allowed`;
      i++;
    } else if (notes.startsWith('{{', i)) {
      const end = notes.indexOf('}}', i);
      const name = end < 0 ? notes.slice(i + 2) : notes.slice(i + 2, end);
      if (end < 0 || !(NOTES_VARIABLES as readonly string[]).includes(name)) return `unknown variable '{{${name}}}' at character ${i + 1}: use ${NOTES_VARIABLES.map((v) => `{{${v}}}`).join(', ')}`;
      i = end + 1;
    }
  }
  const full = notesTemplateOf(notes, ttlDays) ?? '';
  if (full.length > MAX_NOTES) return `at most ${MAX_NOTES} characters with moxxie's TTL marker added (PVE's limit); this would be ${full.length}`;
  return undefined;
}

/** The notes-template sent to PVE: the operator's notes plus moxxie's TTL marker. */
export function notesTemplateOf(notes: string | undefined, ttlDays: number | undefined): string | undefined {
  const base = (notes ?? '').trim();
  if (ttlDays !== undefined) return `${base}${ttlMarker(ttlDays)}`.trim();
  return base || undefined;
}

const schema = lazySchema(() =>
  z
    .strictObject({
      ...bulkFields,
      maxParallel: intField(1, 20).default(3).describe('backups at once across nodes (1-20, default 3); a node never runs two at once (PVE\'s vzdump lock)'),
      storage: textField("required: the storage to back up to, e.g. 'local' or 'backup-nfs' (it needs 'backup' content)").describe('target storage (needs backup content)'),
      mode: enumField(BACKUP_MODES).optional().describe('snapshot (default; guest keeps running), suspend or stop'),
      compress: enumField(BACKUP_COMPRESSIONS).optional().describe("zstd (default), gzip, lzo, or '0' for none"),
      notes: z.string({ error: 'must be a string' }).optional().describe('PVE variables {{guestname}} {{vmid}} {{node}} {{cluster}}'),
      ttlDays: intField(1, 3653).optional().describe('days until retention may delete it (1-3653)'),
      removeOlder: intField(0, 365).optional().describe("then delete its unprotected backups here older than N days"),
      protectBackup: boolField().optional().describe('mark each backup protected'),
      mailNotification: enumField(['always', 'failure']).optional().describe("PVE's mail notification: always or failure"),
      force: forceField,
    })
    .superRefine((r, ctx) => {
      const problem = r.notes !== undefined ? notesProblem(r.notes, r.ttlDays) : undefined;
      if (problem) ctx.addIssue({ code: 'custom', path: ['notes'], message: problem });
    }));
export type BackupCreateRequest = z.infer<ReturnType<typeof schema>>;

interface Spec {
  storage: string;
  mode: BackupMode;
  compress: BackupCompression;
  notesTemplate?: string;
  protect: boolean;
  mail?: 'always' | 'failure';
  removeOlder?: number;
  /** The guest's archives on the storage when the plan was made: the one a step makes is not among them. */
  before?: string[];
}

/** What each mode does to the guest, for the plan. */
function modeEffect(vm: Vm, mode: BackupMode): string {
  if (vm.status !== 'running') return `${vm.status}: backed up as it is`;
  if (mode === 'snapshot') return 'running: stays running (live snapshot backup)';
  if (mode === 'suspend') return 'running: suspended for the backup, then resumed';
  return 'running: shut down for the backup, then started again';
}

export function backupLabel(r: { storage: string; mode?: BackupMode; compress?: BackupCompression }): string {
  return `backup to ${r.storage} (${r.mode ?? 'snapshot'}, ${r.compress === '0' ? 'uncompressed' : (r.compress ?? 'zstd')})`;
}

const ERROR_LINE = /^ERROR: Backup of VM \d+ failed - (.*)$/;
const LOCKED = /^VM is locked \(([^)]+)\)/;

/** The guest's backups on `storage` as `node` sees them. */
async function backupsOf(t: PhaseTools, node: string, storage: string, vmid: number): Promise<StorageContentItem[]> {
  return (await getStorageContent(t.client, node, storage, { content: 'backup', vmid })).filter((i) => i.vmid === vmid);
}

/** The archive this step made: one that was not there before it began (two backups may share a second). */
function madeNow(items: StorageContentItem[], before: string[], since: number): StorageContentItem | undefined {
  const old = new Set(before);
  return items.filter((i) => !old.has(i.volid) && (i.ctime ?? 0) >= since).sort((a, b) => (b.ctime ?? 0) - (a.ctime ?? 0))[0];
}

/** The archive as PVE lists it, checked against the request: protection and the notes' first line. */
function verified(found: StorageContentItem, spec: Spec): string {
  if (spec.protect && Number(found.protected ?? 0) !== 1) throw new StepFailure(`backup ${found.volid} is not protected`);
  const wanted = spec.notesTemplate?.split('\\n')[0];
  // PVE lists the first line of the notes; past a template's last variable the text must match exactly.
  if (wanted !== undefined) {
    const got = found.notes ?? '';
    const ok = wanted.includes('{{') ? got.endsWith(wanted.slice(wanted.lastIndexOf('}}') + 2)) : got === wanted;
    if (!ok) throw new StepFailure(`backup ${found.volid} has notes '${got}', not '${wanted}'`);
  }
  return `backed up to ${found.volid}${spec.protect ? ' (protected)' : ''}`;
}

/** The selected guests' archives on `storage` now, per guest: one read per online node (one in all for a shared storage). */
async function existingBackups(input: PlanInput, storage: string, shared: boolean, offline: Set<string>): Promise<Map<number, string[]>> {
  const wanted = new Set(input.vms.map((v) => v.vmid));
  const nodes = [...new Set(input.vms.map((v) => v.node))].filter((n) => !offline.has(n));
  const out = new Map<number, string[]>();
  // A node whose list cannot be read leaves its guests without an entry: their steps read it themselves.
  const lists = await Promise.all((shared ? nodes.slice(0, 1) : nodes).map(async (n) => ({ n, items: await getStorageContent(input.client, n, storage, { content: 'backup' }).catch(() => undefined) })));
  for (const { n, items } of lists) {
    if (!items) continue;
    for (const vm of input.vms) if (shared || vm.node === n) out.set(vm.vmid, []);
    for (const item of items) if (item.vmid !== undefined && wanted.has(item.vmid)) out.get(item.vmid)?.push(item.volid);
  }
  return out;
}

/** Runs one vzdump and awaits it; a guest's failure is reported with vzdump's own line (a lock is retried by the runner). */
async function vzdump(t: PhaseTools, node: string, vmid: number, spec: Spec): Promise<void> {
  const params: Params = { vmid: String(vmid), storage: spec.storage, mode: spec.mode, compress: spec.compress };
  if (spec.notesTemplate !== undefined) params['notes-template'] = spec.notesTemplate;
  if (spec.protect) params.protected = true;
  if (spec.mail) params.mailnotification = spec.mail;
  const upid = await postVzdump(t.client, node, params);
  // PVE's quirk: a guest not on this node answers "OK" and starts nothing.
  if (!upid || upid === 'OK' || !upid.startsWith('UPID:')) throw new StepFailure(`vzdump on ${node} started nothing: VM ${vmid} is not on that node (moved?); plan again`);
  try {
    await t.awaitTask(upid);
  } catch (err) {
    if (!(err instanceof StepFailure) || err.message !== 'job errors') throw err;
    const log = await t.client.taskLog(upid, { start: 0, limit: 1000 }).catch(() => undefined);
    const line = log?.lines.map((l) => ERROR_LINE.exec(l.t)?.[1]).find((m) => m !== undefined);
    const locked = line ? LOCKED.exec(line) : null;
    if (locked) throw new PveLockedError(locked[1], line!);
    throw new StepFailure(line ? `vzdump: ${line}` : 'vzdump ended with job errors');
  }
}

export const backupCreate: Capability<BackupCreateRequest> = {
  kind: 'backup.create',
  title: 'Back up VMs',
  description:
    'Back up the selected guests with vzdump to a storage; one backup per node at a time, nodes in parallel. Success means the task ended OK and the archive is in the storage with the notes and protection asked for.',
  get schema() {
    return schema();
  },
  guestTypes: ['qemu', 'lxc'],
  label: (r) => backupLabel(r),
  // Only removeOlder deletes anything; the stop and suspend modes interrupt a guest only for the backup and start it again.
  destructive: (r) => r.removeOlder !== undefined,
  taskTimeoutMs: () => BACKUP_TASK_TIMEOUT_MS,
  names: { tool: 'create_backups', verb: ['backups', 'create'], cli: { aliases: { ttl: 'ttlDays', protect: 'protectBackup' } } },
  hints: { destructive: true, idempotent: false },

  async plan(input, req) {
    const offline = offlineNodesOf(input.inventory);
    const holder = input.inventory.storages.filter((s) => s.storage === req.storage);
    if (!holder.length) throw new RequestError('storage', `no storage '${req.storage}' in this cluster (backup storages: ${[...new Set(input.inventory.storages.filter((s) => s.content.includes('backup')).map((s) => s.storage))].join(', ') || 'none'})`);
    if (!holder.some((s) => s.content.includes('backup'))) throw new RequestError('storage', `storage '${req.storage}' does not hold backups (its content: ${holder[0].content.join(', ')}); choose one with 'backup' content`);
    const mode = req.mode ?? 'snapshot';
    const spec: Spec = {
      storage: req.storage,
      mode,
      compress: req.compress ?? 'zstd',
      notesTemplate: notesTemplateOf(req.notes, req.ttlDays),
      protect: req.protectBackup === true,
      mail: req.mailNotification,
      removeOlder: req.removeOlder,
    };
    // One read per node (or one for a shared storage) of what is there now, instead of one per step.
    const existing = req.dryRun ? new Map<number, string[]>() : await existingBackups(input, req.storage, holder.some((s) => s.shared), offline);
    const plan = new PlanBuilder();
    const extras = [spec.protect ? 'protected' : '', req.ttlDays ? `TTL ${req.ttlDays}d` : '', req.removeOlder !== undefined ? `then delete its unprotected backups older than ${req.removeOlder}d` : '']
      .filter(Boolean)
      .join(', ');
    for (const vm of input.vms) {
      const action = backupLabel(req);
      const blocked = offlineReason(vm, offline);
      const onNode = holder.find((s) => s.node === vm.node);
      if (blocked) plan.block(vm, action, blocked);
      else if (!onNode || !onNode.content.includes('backup')) plan.block(vm, action, `storage '${req.storage}' is not available on node ${vm.node}`);
      else {
        // removeOlder deletes: safe mode limits it to guests tagged 'moxxie' (the backup itself still runs).
        const guarded = spec.removeOlder !== undefined ? safeModeSkip(vm, { safeMode: input.safeMode, force: input.force }) : undefined;
        const mine = guarded ? { ...spec, removeOlder: undefined } : spec;
        plan.add(vm, `${action}; ${modeEffect(vm, mode)}${extras ? `; ${extras}` : ''}${guarded ? ` (older backups kept: ${guarded})` : ''}`, { ...mine, before: existing.get(vm.vmid) });
      }
    }
    return plan.build();
  },

  resources: (t) => ({ guests: [t.vmid], nodes: [t.node], exclusive: [`vzdump:${t.node}`] }),

  phases(target) {
    const spec = target.spec as unknown as Spec;
    const { node, vmid } = target;
    const phases: Phase[] = [
      {
        name: 'backup',
        taskType: 'vzdump',
        check: async (t) => {
          const since = t.data.since as number | undefined;
          if (since === undefined) return undefined;
          const made = madeNow(await backupsOf(t, node, spec.storage, vmid), spec.before ?? (t.data.before as string[] | undefined) ?? [], since);
          if (!made) return undefined;
          t.data.volid = made.volid;
          return verified(made, spec);
        },
        run: async (t) => {
          const before = spec.before ?? (await backupsOf(t, node, spec.storage, vmid)).map((i) => i.volid);
          if (!spec.before) t.data.before = before;
          t.data.since = Math.floor(Date.now() / 1000) - 1;
          await vzdump(t, node, vmid, spec);
          // Success is the archive in the storage's content with the notes and protection asked for, not the task alone.
          const made = madeNow(await backupsOf(t, node, spec.storage, vmid), before, t.data.since as number);
          if (!made) throw new StepFailure(`the vzdump task ended OK but no new backup of VM ${vmid} is in ${spec.storage}'s content`);
          t.data.volid = made.volid;
          return verified(made, spec);
        },
        // A rollback removes the archive it made (unprotecting it first: PVE refuses to delete a protected one).
        undo: async (t) => {
          const volid = t.data.volid as string | undefined;
          if (!volid) return 'no archive to remove';
          if (spec.protect) await putStorageContent(t.client, node, spec.storage, volid, { protected: false });
          const upid = await deleteStorageContent(t.client, node, spec.storage, volid);
          if (upid) await t.awaitTask(upid);
          return `removed ${volid}`;
        },
      },
    ];
    if (spec.removeOlder !== undefined) {
      phases.push({
        name: 'remove-older',
        run: async (t) => {
          const keep = (target.phases.find((p) => p.name === 'backup')?.data?.volid as string | undefined) ?? '';
          const all = await backupsOf(t, node, spec.storage, vmid);
          // Measured from the new backup, so removeOlder 0 means every earlier one.
          const cutoff = (all.find((i) => i.volid === keep)?.ctime ?? Math.floor(Date.now() / 1000)) - spec.removeOlder! * DAY_S;
          const old = all.filter((i) => i.volid !== keep && Number(i.protected ?? 0) !== 1 && (i.ctime ?? 0) <= cutoff);
          const done = (t.data.deleted as string[] | undefined) ?? [];
          t.data.deleted = done;
          for (const item of old) {
            if (t.cancelled()) break;
            const upid = await deleteStorageContent(t.client, node, spec.storage, item.volid);
            if (upid) await t.awaitTask(upid);
            done.push(item.volid);
            t.progress(`deleted ${done.length} of ${old.length} older backups`);
          }
          return `deleted ${done.length} older backup${done.length === 1 ? '' : 's'}${done.length ? `: ${done.join(', ')}` : ''}`;
        },
      });
    }
    return phases;
  },
};
