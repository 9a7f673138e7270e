// Backup cleanup (the seed's POST /backups/cleanup): the retention preview carried out. The plan IS the
// preview (src/ops/retention/candidates.ts): one volume target per backup marked 'remove', with the rule
// that decided it; a dry run shows exactly those. Each delete is PVE's content DELETE, awaited, then read
// back; a backup already gone or protected since the preview is not counted as deleted.
import { z } from 'zod';
import { deleteStorageContent, getStorageContentVolume } from '../../pve/endpoints/storage.js';
import { PveError } from '../../pve/errors.js';
import { lazySchema } from '../lazy-schema.js';
import type { Capability, Phase, Plan, PhaseTools } from '../capability.js';
import { retentionQueryFields, previewRetention } from '../retention/candidates.js';
import { boolField, intField, enumField } from '../request-schema.js';
import { StepFailure } from '../runner.js';
import { safeModeSkip, SAFE_MODE_TAG } from '../safety.js';
import type { OperationTarget } from '../types.js';
import { forceField } from './bulk-fields.js';

const schema = lazySchema(() =>
  z.strictObject({
    ...retentionQueryFields,
    dryRun: boolField().optional().describe('only return the plan: the backups that would be deleted'),
    maxParallel: intField(1, 20).optional().describe("1-20, default the context's"),
    onFailure: enumField(['continue', 'stop']).optional().describe("after a failed delete: 'continue' (default) or 'stop'"),
    force: forceField,
  }));
export type BackupPruneRequest = z.infer<ReturnType<typeof schema>>;

const DELETE_TIMEOUT_MS = 10 * 60_000;
const GONE = /does not exist|no such volume/i;

/** The volume's state now: absent, or its protection. */
async function volumeNow(t: PhaseTools, node: string, storage: string, volid: string): Promise<{ exists: boolean; protected: boolean }> {
  try {
    const v = await getStorageContentVolume(t.client, node, storage, volid);
    return { exists: true, protected: Number(v.protected ?? 0) === 1 };
  } catch (err) {
    if (err instanceof PveError && GONE.test(err.message)) return { exists: false, protected: false };
    throw err;
  }
}

export const backupPrune: Capability<BackupPruneRequest> = {
  kind: 'backup.prune',
  title: 'Prune backups',
  description:
    "Delete the backups a retention policy marks for removal, exactly as backup_retention_candidates shows; protected ones never. Each delete is read back.",
  get schema() {
    return schema();
  },
  guestTypes: ['qemu', 'lxc'],
  label: (r) => `prune backups ${r.retentionPolicy}${r.tags?.length ? ` tags ${r.tags.join(',')}` : ''}${r.vmIds?.length ? ` vms ${r.vmIds.join(',')}` : ''}${r.storage ? ` on ${r.storage}` : ''}`,
  destructive: () => true,
  taskTimeoutMs: () => DELETE_TIMEOUT_MS,
  names: { tool: 'prune_backups', verb: ['backups', 'prune'], cli: { aliases: { policy: 'retentionPolicy' } } },
  hints: { destructive: true, idempotent: true },

  async plan(input, req): Promise<Plan> {
    const { retentionPolicy, tags, vmIds, storage } = req;
    const preview = await previewRetention(input.client, input.inventory, { retentionPolicy, tags, vmIds, storage });
    const vms = new Map(input.inventory.vms.map((vm) => [vm.vmid, vm]));
    const disagree = new Map<string, string>();
    for (const c of preview.crossChecks) for (const d of c.differences) disagree.set(d.volid, d.pve);
    const targets: OperationTarget[] = [];
    for (const b of preview.backups) {
      if (b.mark !== 'remove') continue;
      const vm = vms.get(b.vmid);
      const pve = disagree.get(b.volid);
      const target: OperationTarget = {
        id: `backup:${b.volid}`,
        kind: 'volume',
        vmid: b.vmid,
        guestType: b.guestType,
        name: b.name ?? vm?.name ?? `guest ${b.vmid}`,
        node: b.node,
        state: 'planned',
        action: `delete ${b.volid} (${b.reason}${pve ? `; PVE's own prune marks it ${pve}` : ''})`,
        phases: [],
        spec: { volid: b.volid, storage: b.storage },
      };
      // Safe mode guards guests not tagged for moxxie; a backup whose guest is gone cannot show the tag.
      const held = vm ? safeModeSkip(vm, { safeMode: input.safeMode, force: input.force }) : input.safeMode && !input.force ? `safe mode: its guest no longer exists, so it cannot carry the '${SAFE_MODE_TAG}' tag (use force)` : undefined;
      targets.push(held ? { ...target, state: 'skipped', message: held } : target);
    }
    return { targets, blocked: new Set() };
  },

  phases(target): Phase[] {
    const volid = String(target.spec?.volid);
    const storage = String(target.spec?.storage);
    const { node } = target;
    return [
      {
        name: `delete ${volid}`,
        taskType: 'imgdel',
        check: async (t) => ((await volumeNow(t, node, storage, volid)).exists ? undefined : t.data.deleted ? 'deleted' : 'already gone: not deleted by this run'),
        run: async (t) => {
          const now = await volumeNow(t, node, storage, volid);
          if (!now.exists) return 'already gone: not deleted by this run';
          if (now.protected) throw new StepFailure('protected since the preview: not deleted (PVE refuses to remove a protected backup)');
          const upid = await deleteStorageContent(t.client, node, storage, volid);
          if (typeof upid === 'string' && upid.startsWith('UPID:')) await t.awaitTask(upid);
          if ((await volumeNow(t, node, storage, volid)).exists) throw new StepFailure(`the delete ended but ${volid} is still in ${storage}'s content`);
          t.data.deleted = true;
          return 'deleted';
        },
      },
    ];
  },

  resources: (target) => ({ guests: [], nodes: [target.node], storages: [String(target.spec?.storage)] }),
};

/** What cleanup really did: deleted (read back gone), already gone, failed, held back (safe mode). */
export function pruneCounts(op: { targets: OperationTarget[] }): { deleted: number; alreadyGone: number; failed: number; skipped: number; planned: number } {
  const out = { deleted: 0, alreadyGone: 0, failed: 0, skipped: 0, planned: 0 };
  for (const t of op.targets) {
    if (t.state === 'succeeded') {
      if (t.phases.some((p) => p.data?.deleted === true)) out.deleted++;
      else out.alreadyGone++;
    } else if (t.state === 'failed' || t.state === 'cancelled' || t.state === 'interrupted') out.failed++;
    else if (t.state === 'skipped') out.skipped++;
    else if (t.state === 'planned') out.planned++;
  }
  return out;
}
