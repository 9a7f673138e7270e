// One restore of a backup archive as a guest, shared by the restore capability and restore drills: the
// archive's guest type decides the endpoint (qmrestore or pct restore), a new id comes from the race-safe
// allocator (retrying the next id on PVE's "already exists"), and the task is awaited.
import { postLxcRestore, postQemuRestore } from '../pve/endpoints/guest-restore.js';
import type { PhaseTools } from './capability.js';
import { createWithVmid } from './vmid-allocator.js';

export interface RestoreSpec {
  volid: string;
  guestType: 'qemu' | 'lxc';
  node: string;
  storage?: string;
  name?: string;
  start?: boolean;
  /** Overwrite this existing guest (force): the id is used as is, without the allocator. */
  overwrite?: number;
  /** An id the operator chose for a new guest. */
  vmid?: number;
  /** Fresh MAC addresses (a copy beside its original). */
  unique: boolean;
  description?: string;
}

/** Restores and awaits the task; returns the guest's id. `onTry` records each id before its request goes out. */
export async function restoreArchive(t: PhaseTools, spec: RestoreSpec, onTry: (vmid: number) => void): Promise<number> {
  const send = async (vmid: number) => {
    const common = { vmid, storage: spec.storage, start: spec.start ? true : undefined, unique: spec.unique ? true : undefined, force: spec.overwrite !== undefined ? true : undefined, description: spec.description };
    const upid =
      spec.guestType === 'lxc'
        ? await postLxcRestore(t.client, spec.node, spec.volid, { ...common, hostname: spec.name })
        : await postQemuRestore(t.client, spec.node, spec.volid, { ...common, name: spec.name });
    await t.awaitTask(upid);
  };
  if (spec.overwrite !== undefined) {
    onTry(spec.overwrite);
    await send(spec.overwrite);
    return spec.overwrite;
  }
  return createWithVmid({ client: t.client, vmids: t.vmids, preferred: spec.vmid, create: send, onTry });
}
