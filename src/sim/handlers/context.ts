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

export type Handler = (ctx: HandlerContext) => unknown;
/** Keyed by "METHOD /schema/path", e.g. "GET /nodes/{node}/qemu/{vmid}/config". */
export type HandlerTable = Record<string, Handler>;

export const str = (p: WireParams, k: string): string | undefined => (p[k] === undefined || p[k] === null ? undefined : String(p[k]));
export const reqStr = (p: WireParams, k: string): string => str(p, k) ?? '';
export const int = (p: WireParams, k: string): number | undefined => (p[k] === undefined || p[k] === null ? undefined : Number(p[k]));
export const bool = (p: WireParams, k: string): boolean => p[k] === true || p[k] === '1' || p[k] === 1;
export const vmidOf = (p: WireParams): number => Number(p.vmid);

/** Privilege check: the auditor account may read but not change anything. */
export function requirePriv(ctx: HandlerContext, path: string, priv: string): void {
  if (!ctx.auth.admin) throw new SimApiError(403, `Permission check failed (${path}, ${priv})`);
}

export function taskUser(ctx: HandlerContext): { user: string; tokenid?: string } {
  return { user: ctx.auth.user, tokenid: ctx.auth.tokenid };
}

/** A list answer that carries PVE's `total` beside `data` (task logs). */
export class WithTotal {
  constructor(
    readonly data: unknown,
    readonly total: number,
  ) {}
}
