// Clones of one template, one at a time per cluster in this process: PVE holds the template's config lock
// while a full clone copies its disk, and a second clone waits on it and fails after PVE's lock timeout (the
// most reported failure of Terraform's Proxmox providers). The slot is held from the clone request until its
// task ends — not for the VM's whole provisioning, so the migrate, configure and start of one VM overlap the
// next VM's clone.
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
