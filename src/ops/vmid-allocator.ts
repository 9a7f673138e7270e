// VM ids that never collide. PVE's /cluster/nextid is a hint, not a reservation: two clients asking at once
// get the same id (ionos-cloud/cluster-api-provider-proxmox#842, bpg/terraform-provider-proxmox#1709). So an id
// is reserved here — in this process, and across moxxie processes on this machine through a lock directory per
// id (proper-lockfile: an atomic mkdir whose mtime the holder keeps fresh; a crashed holder's reservation goes
// stale and is taken over, at once when its process is gone: vmid-lock-holder.ts) — before the create is sent.
// What no local lock can stop (another client of the cluster) is caught by the create itself: retry with the
// next id on "already exists" (createWithVmid), then check that the VM behind the id is ours (name and moxxie's
// marker in its description).
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import lockfile from 'proper-lockfile';
import { getClusterNextid } from '../pve/endpoints/cluster.js';
import { getQemuConfig } from '../pve/endpoints/qemu.js';
import type { PveClient } from '../pve/client.js';
import { isAmbiguousWrite, PveError } from '../pve/errors.js';
import { RequestError } from './errors.js';
import { clearHolder, markHolder, releaseIfHolderDead } from './vmid-lock-holder.js';

export interface VmidReservation {
  vmid: number;
  release(): Promise<void>;
}

export interface VmidAllocator {
  /**
   * An id PVE's /cluster/nextid offers (or `preferred` if free) that no other moxxie process on this machine
   * holds; `after` asks for one above it (a retry after "already exists"). Release once the create finished.
   * A `preferred` id that PVE already uses, or another moxxie process holds, is refused (RequestError on
   * `vmid`): an id the operator chose is never swapped for another one silently. `avoid`: ids the search
   * passes over (the ids a provisioning plan showed for its other VMs, so a target whose own id was taken
   * does not take theirs).
   */
  reserve(client: PveClient, opts?: { preferred?: number; after?: number; avoid?: readonly number[] }): Promise<VmidReservation>;
}

/** PVE's id space (datacenter.cfg may narrow it; a context's range narrows it further). */
export const PVE_MIN_VMID = 100;
export const PVE_MAX_VMID = 999_999_999;

export interface VmidRange {
  min: number;
  max: number;
}

export interface VmidAllocatorOptions {
  /** Where reservations of all moxxie processes on this machine meet; without it, reservations are in-process only. */
  dir?: string;
  /** Ids this context may hand out (e.g. 5000-5999 for a lab); default PVE's whole range. */
  range?: VmidRange;
  /** A reservation whose holder stopped refreshing it (crashed) is taken over after this long (default 30 s, at least 2 s). */
  staleMs?: number;
  /** Candidates tried before giving up (default 1000). */
  maxCandidates?: number;
}

/** Ids held by this process, per cluster (its API URL): shared by every allocator in the process. */
const heldInProcess = new Map<string, Set<number>>();

const heldFor = (url: string): Set<number> => {
  let set = heldInProcess.get(url);
  if (!set) heldInProcess.set(url, (set = new Set()));
  return set;
};

/** The PVE answer for an id already taken: nextid's 400 `VM N already exists`. */
function takenByPve(err: unknown): boolean {
  return err instanceof PveError && (err.kind === 'parameter' || err.status === 400) && /already exists/i.test(`${err.message} ${JSON.stringify(err.errors ?? {})}`);
}

/** Is `vmid` unused in PVE? (nextid with `vmid` answers it or 400 "VM N already exists".) */
async function freeInPve(client: PveClient, vmid: number): Promise<boolean> {
  try {
    return (await getClusterNextid(client, vmid)) === vmid;
  } catch (err) {
    if (takenByPve(err)) return false;
    throw err;
  }
}

export function createVmidAllocator(opts: VmidAllocatorOptions = {}): VmidAllocator {
  const range = opts.range ?? { min: PVE_MIN_VMID, max: PVE_MAX_VMID };
  if (!Number.isInteger(range.min) || !Number.isInteger(range.max) || range.min < PVE_MIN_VMID || range.max > PVE_MAX_VMID || range.min > range.max) {
    throw new RequestError('vmidRange', `must be whole numbers with ${PVE_MIN_VMID} <= min <= max <= ${PVE_MAX_VMID} (got ${range.min}-${range.max})`);
  }
  const staleMs = Math.max(opts.staleMs ?? 30_000, 2000);
  const maxCandidates = opts.maxCandidates ?? 1000;
  let dirMade = false;

  /** Holds `vmid` for this process and, with a dir, against every other moxxie process; undefined if someone holds it. */
  const hold = async (client: PveClient, vmid: number): Promise<(() => Promise<void>) | undefined> => {
    const held = heldFor(client.url);
    if (held.has(vmid)) return undefined;
    held.add(vmid);
    const dropLocal = () => void held.delete(vmid);
    if (!opts.dir) return async () => dropLocal();
    if (!dirMade) {
      mkdirSync(opts.dir, { recursive: true });
      dirMade = true;
    }
    // One lock directory per cluster and id; the cluster's URL is hashed so contexts on one cluster meet.
    const cluster = createHash('sha256').update(client.url).digest('hex').slice(0, 12);
    const path = join(opts.dir, `${cluster}-${vmid}`);
    const lock = () =>
      lockfile.lock(path, {
        realpath: false,
        stale: staleMs,
        retries: 0,
        // A lost reservation (the event loop stalled past staleMs) only weakens this one create's guarantee;
        // the create's own "already exists" check and the ownership check still hold.
        onCompromised: () => {},
      });
    const lockDir = `${path}.lock`;
    try {
      let unlock: () => Promise<void>;
      try {
        unlock = await lock();
      } catch (err) {
        // A holder that was killed (its pid is gone) releases the id now, not after staleMs.
        if ((err as NodeJS.ErrnoException).code !== 'ELOCKED' || !releaseIfHolderDead(lockDir)) throw err;
        unlock = await lock();
      }
      markHolder(lockDir);
      return async () => {
        dropLocal();
        clearHolder(lockDir);
        await unlock().catch(() => {});
      };
    } catch (err) {
      dropLocal();
      if ((err as NodeJS.ErrnoException).code === 'ELOCKED') return undefined;
      throw err;
    }
  };

  return {
    async reserve(client, o = {}) {
      if (o.preferred !== undefined) {
        const id = o.preferred;
        if (!Number.isInteger(id) || id < range.min || id > range.max) throw new RequestError('vmid', `must be a whole number from ${range.min} to ${range.max} (got ${JSON.stringify(id)})`);
        const release = await hold(client, id);
        if (!release) throw new RequestError('vmid', `VM id ${id} is being used by another moxxie operation right now; choose another id or leave vmid out for the next free one`);
        try {
          if (!(await freeInPve(client, id))) throw new RequestError('vmid', `VM ${id} already exists; choose another id or leave vmid out for the next free one`);
        } catch (err) {
          await release();
          throw err;
        }
        return { vmid: id, release: once(release) };
      }
      // PVE's offer is where the search starts. Every candidate is asked about again once it is held: between
      // nextid and the hold, another moxxie may have reserved, created and released that very id.
      const offered = await getClusterNextid(client);
      let candidate = Math.max(offered, range.min, (o.after ?? 0) + 1);
      const avoid = new Set(o.avoid);
      for (let tried = 0; tried < maxCandidates; tried++, candidate++) {
        if (candidate > range.max) break;
        if (avoid.has(candidate)) continue;
        const release = await hold(client, candidate);
        if (!release) continue;
        try {
          if (!(await freeInPve(client, candidate))) {
            await release();
            continue;
          }
        } catch (err) {
          await release();
          throw err;
        }
        return { vmid: candidate, release: once(release) };
      }
      throw new RequestError('vmid', `no free VM id in ${range.min}-${range.max} (tried ${maxCandidates} from ${Math.max(offered, range.min)}); free some ids or widen the context's vmid range`);
    },
  };
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}

/** The allocator for callers that name no directory (tests, a core built without one): in-process only. */
let processAllocator: VmidAllocator | undefined;
export function inProcessVmids(): VmidAllocator {
  return (processAllocator ??= createVmidAllocator());
}

// ---- For the create / clone / restore phases ------------------------------------------------------------

/** PVE's answers when a create or clone names an id that exists (qm create, qm clone, restore). */
const ID_TAKEN_RE = /unable to create (?:VM|CT) \d+[:-] .*(already exists|config file already exists)|(?:VM|CT) \d+ already exists/i;

export function isVmidTaken(err: unknown): boolean {
  return err instanceof Error && ID_TAKEN_RE.test(err.message);
}

/** A fresh token for one create: its marker in the new VM's description tells our VM from anyone else's. */
export function newOwnershipToken(): string {
  return randomBytes(6).toString('hex');
}

/** The marker moxxie writes into the description of a VM it creates: `[moxxie-create 1a2b3c4d5e6f]`. */
export function ownershipMarker(token: string): string {
  return `[moxxie-create ${token}]`;
}

/** The description to send: the operator's text, then the marker on a line of its own. */
export function describeCreated(description: string | undefined, token: string): string {
  const base = (description ?? '').trimEnd();
  return base ? `${base}\n${ownershipMarker(token)}` : ownershipMarker(token);
}

/** Undefined when the VM behind `vmid` is the one this create made (its name and marker); else why not. */
export async function ownershipProblem(client: PveClient, node: string, vmid: number, expect: { name: string; token: string }): Promise<string | undefined> {
  let config: Record<string, unknown>;
  try {
    config = await getQemuConfig(client, node, vmid);
  } catch (err) {
    return `VM ${vmid} cannot be read on node ${node}: ${err instanceof Error ? err.message : String(err)}`;
  }
  const description = typeof config.description === 'string' ? config.description : '';
  if (!description.includes(ownershipMarker(expect.token))) return `VM ${vmid} on ${node} is not the one this operation created (moxxie's marker is missing from its description): another client took the id`;
  if (config.name !== expect.name) return `VM ${vmid} on ${node} carries this operation's marker but is named '${String(config.name)}', not '${expect.name}'`;
  return undefined;
}

export interface CreateWithVmidOptions {
  client: PveClient;
  vmids: VmidAllocator;
  /** The operator's id: used as is, never swapped (a taken one fails the create). */
  preferred?: number;
  /** Start the search above this id (provisioning reserves the id its plan showed, or the next free one): planned id - 1. */
  after?: number;
  /** Ids never tried (a provisioning plan's ids for its other VMs). */
  avoid?: readonly number[];
  /** Ids tried after "already exists" before giving up (default 5). */
  attempts?: number;
  /** Sends the create (or clone, or restore) for `vmid` and awaits its task. */
  create(vmid: number): Promise<void>;
  /** Told each id before its create is sent (a phase records it so undo and resume know which VM). */
  onTry?(vmid: number): void | Promise<void>;
  /**
   * Told, while the id is still reserved, that the create failed and certainly made nothing under it (PVE
   * refused the id, or the create failed and PVE has no guest with the id): the phase forgets the id, so it never
   * claims one that the next create — of this run or another — may be given once the reservation ends.
   */
  onNothingMade?(vmid: number): void | Promise<void>;
}

/**
 * Reserve, create, and on PVE's "already exists" (another client took the id between nextid and create) try
 * the next id; the reservation is held until the create's task has ended. Returns the id the VM got.
 * The caller then checks ownership (ownershipProblem) before it trusts the id.
 */
export async function createWithVmid(o: CreateWithVmidOptions): Promise<number> {
  const attempts = o.attempts ?? 5;
  let after: number | undefined = o.after;
  for (let attempt = 1; ; attempt++) {
    const r = await o.vmids.reserve(o.client, o.preferred !== undefined ? { preferred: o.preferred } : { ...(after !== undefined ? { after } : {}), ...(o.avoid?.length ? { avoid: o.avoid } : {}) });
    try {
      await o.onTry?.(r.vmid);
      await o.create(r.vmid);
      return r.vmid;
    } catch (err) {
      const retry = isVmidTaken(err) && o.preferred === undefined && attempt < attempts;
      // A lost answer is left to the runner's look at PVE: the create may still land.
      if (!retry && o.onNothingMade && !isAmbiguousWrite(err) && (isVmidTaken(err) || (await freeInPve(o.client, r.vmid).catch(() => false)))) await o.onNothingMade(r.vmid);
      if (!retry) throw err;
      after = r.vmid;
    } finally {
      await r.release();
    }
  }
}

/**
 * The allocator of a context opened from the config: reservations in the state root (beside the contexts' own
 * directories), so every moxxie process on this machine — TUI, MCP, CLI, scheduler, any context on the same
 * cluster — meets there; the context's `defaults.vmidRange` if it has one.
 */
export function contextVmids(contextStateDir: string, range?: VmidRange): VmidAllocator {
  return createVmidAllocator({ dir: join(dirname(contextStateDir), 'vmid-reservations'), range });
}
