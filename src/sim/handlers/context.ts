// What every simulated endpoint handler receives, and small accessors over validated parameters.
import { SimApiError } from '../api-error.js';
import type { AuthResult } from '../auth.js';
import type { SimCluster } from '../cluster.js';
import type { WireParams } from '../schema/validate.js';

export interface HandlerContext {
  sim: SimCluster;
  params: WireParams;
  auth: AuthResult;
}

/** Pre-serialized JSON body (the whole envelope), for cached large answers. */
export class RawJson {
  constructor(readonly body: string) {}
}

/** A list answer that carries PVE's `total` beside `data` (task logs, task lists). */
export class WithTotal {
  constructor(
    readonly data: unknown,
    readonly total: number,
  ) {}
}

export type Handler = (ctx: HandlerContext) => unknown;
/** Keyed by "METHOD /schema/path", e.g. "GET /nodes/{node}/qemu/{vmid}/config". */
export type HandlerTable = Record<string, Handler>;

export const str = (p: WireParams, k: string): string | undefined => (p[k] === undefined || p[k] === null ? undefined : String(p[k]));
export const int = (p: WireParams, k: string): number | undefined => (p[k] === undefined || p[k] === null || p[k] === '' ? undefined : Number(p[k]));
export const bool = (p: WireParams, k: string): boolean => p[k] === true || p[k] === '1' || p[k] === 1;
export const vmidOf = (p: WireParams): number => Number(p.vmid);
export const nowSec = (): number => Math.floor(Date.now() / 1000);

/** Privilege check: the auditor account may read but not change anything. */
export function requirePriv(ctx: HandlerContext, path: string, priv: string): void {
  if (!ctx.auth.admin) throw new SimApiError(403, `Permission check failed (${path}, ${priv})`);
}

/** PVE's "root only" options compare the authenticated user with root@pam; an API token is not root@pam. */
export function isRootUser(ctx: HandlerContext): boolean {
  return ctx.auth.user === 'root@pam' && !ctx.auth.tokenid;
}

/** PVE refuses root-only options ("Only root may use this option.") when set to a true value by anyone else. */
export function rootOnly(ctx: HandlerContext, ...names: string[]): void {
  if (isRootUser(ctx)) return;
  for (const p of names) {
    const v = ctx.params[p];
    if (v !== undefined && v !== null && v !== '' && v !== '0' && v !== 0 && v !== false) throw new SimApiError(400, 'Parameter verification failed.', { [p]: 'Only root may use this option.' });
  }
}

export function taskUser(ctx: HandlerContext): { user: string; tokenid?: string } {
  return { user: ctx.auth.user, tokenid: ctx.auth.tokenid };
}

/** Waits up to `seconds` for a task (background_delay / delay): null when it ended OK, its error as a 500, else its UPID. */
export async function awaitBriefly(ctx: HandlerContext, upid: string, seconds: number | undefined, failurePrefix = ''): Promise<string | null> {
  if (!seconds) return upid;
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const t = ctx.sim.tasks.get(upid);
    if (!t) return upid;
    if (t.status === 'stopped') {
      if (t.exitstatus === 'OK' || /^WARNINGS: \d+$/.test(t.exitstatus ?? '')) return null;
      throw new SimApiError(500, `${failurePrefix}${t.exitstatus ?? 'unexpected status'}`);
    }
    if (Date.now() >= deadline) return upid;
    await new Promise((r) => setTimeout(r, 10));
  }
}
