// Protect / unprotect backups: PVE's `protected` attribute on the volume (a protected backup is never deleted
// or pruned). The phase reads the attribute first, so a retry or resume never writes twice; success is the
// attribute read back as asked.
import { z } from 'zod';
import { getStorageContentVolume, putStorageContent } from '../../pve/endpoints/storage.js';
import { planVolumes, volidListField } from '../backup-targets.js';
import { lazySchema } from '../lazy-schema.js';
import type { Capability, Phase } from '../capability.js';
import { boolField } from '../request-schema.js';
import { StepFailure } from '../runner.js';
import type { OperationKind, OperationTarget } from '../types.js';

const schema = lazySchema(() =>
  z.strictObject({
    volids: volidListField().describe("the backups (from list_backups)"),
    dryRun: boolField().optional().describe('only return the plan; nothing is changed'),
  }));
export type BackupProtectRequest = z.infer<ReturnType<typeof schema>>;

function protectionPhase(target: OperationTarget, on: boolean): Phase {
  const { volid, storage } = target.spec as { volid: string; storage: string };
  const read = async (t: { client: Parameters<typeof getStorageContentVolume>[0] }) => Number((await getStorageContentVolume(t.client, target.node, storage, volid)).protected ?? 0) === 1;
  return {
    name: on ? 'protect' : 'unprotect',
    check: async (t) => ((await read(t)) === on ? `already ${on ? 'protected' : 'unprotected'}` : undefined),
    run: async (t) => {
      await putStorageContent(t.client, target.node, storage, volid, { protected: on });
      if ((await read(t)) !== on) throw new StepFailure(`PVE accepted the change but ${volid} is still ${on ? 'unprotected' : 'protected'}`);
      return on ? 'protected' : 'unprotected';
    },
    undo: async (t) => {
      await putStorageContent(t.client, target.node, storage, volid, { protected: !on });
      return on ? 'unprotected again' : 'protected again';
    },
  };
}

function protection(on: boolean): Capability<BackupProtectRequest> {
  const word = on ? 'protect' : 'unprotect';
  return {
    kind: `backup.${word}` as OperationKind,
    title: on ? 'Protect backups' : 'Unprotect backups',
    description: on
      ? 'Mark backups protected: PVE then refuses to delete or prune them. Success means PVE reports them protected.'
      : 'Clear the protected mark of backups so they can be deleted or pruned again. Success means PVE reports them unprotected.',
    get schema() {
      return schema();
    },
    guestTypes: ['qemu', 'lxc'],
    label: () => word,
    // Unprotecting only allows a later delete; it loses nothing by itself.
    destructive: () => false,
    taskTimeoutMs: () => 60_000,
    names: { tool: `${word}_backups`, verb: ['backups', word], cli: { restField: 'volids' } },
    hints: { destructive: false, idempotent: true },
    plan: (input, req) => planVolumes(input.client, input.inventory, req.volids, (b) => ({ action: word, skip: b.protected === on ? `already ${on ? 'protected' : 'unprotected'}` : undefined })),
    resources: (t) => ({ guests: [], nodes: [t.node] }),
    phases: (target) => [protectionPhase(target, on)],
  };
}

export const backupProtect = protection(true);
export const backupUnprotect = protection(false);
