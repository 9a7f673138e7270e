// One scheduler per state directory: a lease held as a lock (proper-lockfile) whose mtime the holder keeps
// fresh. A second scheduler waits for it or gives up with a clear message; a crashed holder's lease goes
// stale after LEASE_STALE_MS and is taken over.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { currentOwner } from '../history/process-owner.js';

export class LeaseTakenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LeaseTakenError';
  }
}

export const LEASE_STALE_MS = 30_000;

export interface LeaseOptions {
  /** Wait for the holder to stop instead of failing at once. */
  wait: boolean;
  /** How often to try again while waiting (default 2 s). */
  retryMs?: number;
  /** Told once while waiting, with who holds the lease. */
  onWaiting?: (holder: string) => void;
  /** The lease was lost while held (the process stalled past the stale limit): stop running jobs. */
  onLost?: (err: Error) => void;
  signal?: AbortSignal;
}

export interface Lease {
  file: string;
  release(): Promise<void>;
}

function describeHolder(file: string): string {
  try {
    const h = JSON.parse(readFileSync(file, 'utf8')) as { pid?: number; host?: string; since?: string };
    return `pid ${h.pid} on ${h.host}${h.since ? ` since ${h.since}` : ''}`;
  } catch {
    return 'another process';
  }
}

/** The lease's file in a state directory (scheduler-presence.ts reads it too). */
export function leaseFile(stateDir: string): string {
  return join(stateDir, 'scheduler.lease');
}

export async function acquireSchedulerLease(stateDir: string, opts: LeaseOptions): Promise<Lease> {
  mkdirSync(stateDir, { recursive: true });
  const file = leaseFile(stateDir);
  let told = false;
  for (;;) {
    try {
      const release = await lockfile.lock(file, {
        realpath: false,
        stale: LEASE_STALE_MS,
        update: LEASE_STALE_MS / 3,
        retries: 0,
        onCompromised: (err) => opts.onLost?.(err),
      });
      const me = currentOwner();
      // Who holds it, for the message a second scheduler prints.
      writeFileSync(file, `${JSON.stringify({ pid: me.pid, host: me.host, since: new Date().toISOString() })}\n`);
      return { file, release: () => release().catch(() => {}) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
      const holder = describeHolder(file);
      if (!opts.wait) {
        throw new LeaseTakenError(`another moxxie scheduler (${holder}) already runs jobs for ${stateDir}; only one may per state directory. Stop it, or start this one with --wait to take over when it stops`);
      }
      if (!told) {
        told = true;
        opts.onWaiting?.(holder);
      }
      if (opts.signal?.aborted) throw new LeaseTakenError(`gave up waiting for the scheduler lease held by ${holder}`);
      await new Promise((r) => setTimeout(r, opts.retryMs ?? 2000));
    }
  }
}
