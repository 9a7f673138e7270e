// Power of an HA-managed guest goes through the HA manager: PVE answers start/stop/shutdown with a
// `hastart`/`hastop` task that only files the request, and the guest changes state a few seconds later
// (SEMANTICS.md §8). So after such a task the caller waits for the state itself, and after a lost answer the
// task to look for is the HA one as well as the plain one.
import type { PveClient } from '../pve/client.js';
import { getGuestStatusCurrent, type GuestRef } from '../pve/endpoints/guest.js';
import { haSidOf } from '../pve/ha-sid.js';
import { parseUpid } from '../pve/upid.js';

/** The HA request task PVE starts instead of each plain power or migrate task of an HA-managed guest. */
const HA_COUNTERPART: Record<string, string> = {
  qmstart: 'hastart',
  vzstart: 'hastart',
  qmstop: 'hastop',
  vzstop: 'hastop',
  qmshutdown: 'hastop',
  vzshutdown: 'hastop',
  qmigrate: 'hamigrate',
  vzmigrate: 'hamigrate',
};

/** The task types a phase's write may start: its own, and the HA manager's for an HA-managed guest. */
export function taskTypesOf(taskType: string): string[] {
  const ha = HA_COUNTERPART[taskType];
  return ha ? [taskType, ha] : [taskType];
}

/** Is this UPID an HA request (hastart/hastop) whose effect comes later? */
export function isHaRequest(upid: string): boolean {
  try {
    return /^ha(start|stop)$/.test(parseUpid(upid).type);
  } catch {
    return false;
  }
}

/**
 * The state an HA resource is asked to be in (`ha-manager set --state`, which hastart/hastop write): from the
 * resources' configuration, not the guest's status/current, whose `ha.state` is the CRM's own progress
 * (request_stop, migrate, …) and catches up only at its next round. Undefined for a guest with no resource.
 */
export async function haRequestedState(client: PveClient, guest: GuestRef): Promise<string | undefined> {
  const sid = haSidOf(guest.type, guest.vmid);
  const rows = await client.get<Array<{ sid: string; state?: string }>>('/cluster/ha/resources');
  return rows.find((r) => r.sid === sid)?.state;
}

/** How long the HA manager may take to act on a request: its CRM round (10 s) plus the guest's own start or shutdown. */
export const HA_SETTLE_MS = 180_000;
const LOOK_EVERY_MS = 250;

/**
 * Waits until the guest is `running` or `stopped` as the HA manager was asked; undefined when it is, else
 * what it is (after `timeoutMs`, or once `cancelled`).
 */
export async function haSettled(client: PveClient, guest: GuestRef, want: 'running' | 'stopped', o: { timeoutMs?: number; cancelled?: () => boolean } = {}): Promise<string | undefined> {
  const until = Date.now() + (o.timeoutMs ?? HA_SETTLE_MS);
  for (;;) {
    const now = (await getGuestStatusCurrent(client, guest)).status;
    if (now === want) return undefined;
    if (Date.now() > until || o.cancelled?.()) return now;
    await new Promise((r) => setTimeout(r, LOOK_EVERY_MS));
  }
}

/** A power write's task ended OK: for an HA request, wait until the guest is as asked (or say why not). */
export async function afterPowerTask(client: PveClient, guest: GuestRef, upid: string, want: 'running' | 'stopped', cancelled?: () => boolean): Promise<void> {
  if (!isHaRequest(upid)) return;
  const still = await haSettled(client, guest, want, { cancelled });
  if (still !== undefined) throw new Error(`the HA manager was asked to make ${guest.type === 'lxc' ? 'CT' : 'VM'} ${guest.vmid} ${want} (${parseUpid(upid).type} ended OK) but it is still ${still}; see ha-manager status`);
}
