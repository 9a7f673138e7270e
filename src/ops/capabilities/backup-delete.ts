// Delete backups: PVE's storage content DELETE (an imgdel task), awaited; success means the volume is gone
// from the storage's content. A protected backup is attempted like any other and fails with PVE's own
// reason ("cannot remove protected volume …"): moxxie does not second-guess PVE's protection, nor lift it.
import { z } from 'zod';
import { deleteStorageContent, getStorageContent } from '../../pve/endpoints/storage.js';
import { planVolumes, volidListField } from '../backup-targets.js';
import { lazySchema } from '../lazy-schema.js';
import type { Capability } from '../capability.js';
import { boolField, intField } from '../request-schema.js';
import { StepFailure } from '../runner.js';
import { safeModeSkip } from '../safety.js';
import { forceField } from './bulk-fields.js';

const schema = lazySchema(() =>
  z.strictObject({
    volids: volidListField().describe("the backups' volids to delete"),
    dryRun: boolField().optional().describe('only return the plan; nothing is changed'),
    maxParallel: intField(1, 20).optional().describe('deletes at once (1-20)'),
    force: forceField,
  }));
export type BackupDeleteRequest = z.infer<ReturnType<typeof schema>>;

export const backupDelete: Capability<BackupDeleteRequest> = {
  kind: 'backup.delete',
  title: 'Delete backups',
  description: "Delete backup archives from their storage; a protected one is refused by PVE with its reason. Success means the archive is no longer in the storage's content.",
  get schema() {
    return schema();
  },
  guestTypes: ['qemu', 'lxc'],
  label: (r) => `delete ${r.volids.length} backup${r.volids.length === 1 ? '' : 's'}`,
  destructive: () => true,
  taskTimeoutMs: () => 30 * 60_000,
  names: { tool: 'delete_backups', verb: ['backups', 'delete'], cli: { restField: 'volids' } },
  hints: { destructive: true, idempotent: true },
  plan: (input, req) =>
    planVolumes(input.client, input.inventory, req.volids, (b) => {
      // Safe mode guards a backup as it guards its guest: only those of guests tagged 'moxxie', unless forced.
      const vm = input.inventory.vms.find((v) => v.vmid === b.vmid);
      const skip = vm ? safeModeSkip(vm, { safeMode: input.safeMode, force: input.force }) : input.safeMode && !input.force ? "safe mode: its guest no longer exists, so it carries no 'moxxie' tag (use force)" : undefined;
      return { action: b.protected ? 'delete (protected: PVE will refuse it; unprotect it first)' : 'delete', skip };
    }),
  resources: (t) => ({ guests: [], nodes: [t.node] }),
  phases(target) {
    const { volid, storage } = target.spec as { volid: string; storage: string };
    const present = async (c: Parameters<typeof getStorageContent>[0]) => (await getStorageContent(c, target.node, storage, { content: 'backup', vmid: target.vmid || undefined })).some((i) => i.volid === volid);
    return [
      {
        name: 'delete',
        taskType: 'imgdel',
        check: async (t) => ((await present(t.client)) ? undefined : 'already gone'),
        run: async (t) => {
          const upid = await deleteStorageContent(t.client, target.node, storage, volid);
          if (upid) await t.awaitTask(upid);
          if (await present(t.client)) throw new StepFailure(`the delete task ended OK but ${volid} is still in ${storage}'s content`);
          return `deleted ${volid}`;
        },
      },
    ];
  },
};
