// Clones of one template, one at a time per cluster in this process. PVE takes a stopped template's config
// lock shared, so clones of it coexist there; what makes parallel clones fail is the storage lock each one
// takes per volume (vdisk_alloc for a full clone, vdisk_clone for a linked one): a node's flock for local
// storage, pmxcfs's cluster-wide lock for shared storage, with a timeout — a clone queued behind the others
// fails ("clone failed: can't lock file '/var/lock/pve-manager/pve-storage-local-zfs' - got timeout", or
// "cfs-lock 'storage-…' error: got lock request timeout"). The slot stays per template because a cluster's
// clones of one template all write the same target storage (and read the same source disk, so running them
// side by side gains little): waiting here has no timeout, where waiting on PVE's lock fails the late ones.
// It is held from the clone request until its task ends — not for the VM's whole provisioning, so the
// migrate, configure and start of one VM overlap the next VM's clone.
import type { PveClient } from '../../pve/client.js';
import { DEFAULT_MAX_PER_TEMPLATE } from '../runner.js';

const inUse = new Map<string, number>();
const waiting = new Map<string, Array<() => void>>();

async function acquire(key: string, cap: number): Promise<() => void> {
  while ((inUse.get(key) ?? 0) >= cap) await new Promise<void>((r) => waiting.set(key, [...(waiting.get(key) ?? []), r]));
  inUse.set(key, (inUse.get(key) ?? 0) + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    inUse.set(key, (inUse.get(key) ?? 1) - 1);
    const next = waiting.get(key)?.shift();
    next?.();
  };
}

/** Sends a clone of `template` once a slot is free; the slot is given back when the clone's task ends (or the request fails). */
export async function cloneInSlot(client: PveClient, template: number, post: () => Promise<string>, cap = DEFAULT_MAX_PER_TEMPLATE, taskTimeoutMs = 30 * 60_000): Promise<string> {
  const release = await acquire(`${client.url}#${template}`, cap);
  let upid: string;
  try {
    upid = await post();
  } catch (err) {
    release();
    throw err;
  }
  void client
    .waitForTask(upid, { timeoutMs: taskTimeoutMs })
    .catch(() => undefined)
    .finally(release);
  return upid;
}
