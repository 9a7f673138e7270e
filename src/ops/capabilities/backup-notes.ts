// Set a backup's notes (PVE's volume notes). Moxxie's TTL marker already in the notes is kept unless the new
// notes carry their own, so changing a description never silently drops a backup's expiry.
import { z } from 'zod';
import { getStorageContentVolume, putStorageContent } from '../../pve/endpoints/storage.js';
import { parseTtl, ttlMarker } from '../backup-list.js';
import { planVolumes, volidListField } from '../backup-targets.js';
import { lazySchema } from '../lazy-schema.js';
import type { Capability } from '../capability.js';
import { boolField } from '../request-schema.js';
import { StepFailure } from '../runner.js';

const schema = lazySchema(() =>
  z.strictObject({
    volids: volidListField().describe("the backups' volids"),
    notes: z.string({ error: 'must be a string (empty clears the notes)' }).max(4096, { error: 'at most 4096 characters' }).describe("moxxie's TTL marker is kept unless given anew"),
    keepTtl: boolField().optional().describe("default true: keep the backup's TTL marker"),
    dryRun: boolField().optional().describe('only return the plan; nothing is changed'),
  }));
export type BackupNotesRequest = z.infer<ReturnType<typeof schema>>;

/** The notes to write: the new text, plus the old TTL marker when the new text has none. */
export function notesWithTtl(notes: string, old: string | undefined, keepTtl: boolean): string {
  const ttl = parseTtl(old);
  if (!keepTtl || ttl === undefined || parseTtl(notes) !== undefined) return notes;
  return `${notes.trimEnd()}${ttlMarker(ttl)}`.trim();
}

export const backupNotes: Capability<BackupNotesRequest> = {
  kind: 'backup.notes',
  title: 'Set backup notes',
  description: "Replace the notes of backups (moxxie's TTL marker is kept). Success means PVE returns the new notes.",
  get schema() {
    return schema();
  },
  guestTypes: ['qemu', 'lxc'],
  label: (r) => `notes '${r.notes}'`,
  destructive: () => false,
  taskTimeoutMs: () => 60_000,
  names: { tool: 'set_backup_notes', verb: ['backups', 'notes'], cli: { restField: 'volids' } },
  hints: { destructive: false, idempotent: true },
  plan: (input, req) =>
    planVolumes(input.client, input.inventory, req.volids, (b) => {
      const notes = notesWithTtl(req.notes, b.notes, req.keepTtl !== false);
      return { action: `notes '${notes}'`, spec: { notes } };
    }),
  resources: (t) => ({ guests: [], nodes: [t.node] }),
  phases(target) {
    const { volid, storage, notes } = target.spec as { volid: string; storage: string; notes: string };
    const read = async (c: Parameters<typeof getStorageContentVolume>[0]) => (await getStorageContentVolume(c, target.node, storage, volid)).notes ?? '';
    return [
      {
        name: 'notes',
        check: async (t) => ((await read(t.client)) === notes ? 'notes already set' : undefined),
        run: async (t) => {
          t.data.before ??= await read(t.client);
          await putStorageContent(t.client, target.node, storage, volid, { notes });
          const now = await read(t.client);
          if (now !== notes) throw new StepFailure(`PVE accepted the notes but returns '${now}'`);
          return `notes set`;
        },
        undo: async (t) => {
          await putStorageContent(t.client, target.node, storage, volid, { notes: String(t.data.before ?? '') });
          return 'notes restored';
        },
      },
    ];
  },
};
