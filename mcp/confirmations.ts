// Confirmation tokens for destructive tools. The first call answers with the plan and a token bound to
// that exact request and that plan; only a second call carrying the token acts. Tokens are random,
// single-use and expire; they live in this process only, so a restarted server asks again.
import { randomBytes } from 'node:crypto';

export const CONFIRM_TTL_MS = 5 * 60_000;
/** Outstanding tokens are capped so a looping client cannot grow memory without bound. */
const MAX_OUTSTANDING = 1000;

interface Issued {
  tool: string;
  request: string;
  plan: string;
  expiresAt: number;
}

export type Redemption = { ok: true; plan: string } | { ok: false; reason: string };

/** Key order and undefined fields do not change what a request means. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export interface ConfirmationsOptions {
  ttlMs?: number;
  now?: () => number;
}

export class Confirmations {
  private readonly issued = new Map<string, Issued>();
  /** Redeemed tokens, kept until they would have expired, to say "already used" rather than "unknown". */
  private readonly used = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(opts: ConfirmationsOptions = {}) {
    this.ttlMs = opts.ttlMs ?? CONFIRM_TTL_MS;
    this.now = opts.now ?? Date.now;
  }

  /** `plan` is a fingerprint of what the request would do now (which VMs, which steps). */
  issue(tool: string, request: unknown, plan: string): { token: string; expiresAt: number } {
    this.prune();
    if (this.issued.size >= MAX_OUTSTANDING) {
      const oldest = this.issued.keys().next().value;
      if (oldest !== undefined) this.issued.delete(oldest);
    }
    const token = `mxc_${randomBytes(12).toString('base64url')}`;
    const expiresAt = this.now() + this.ttlMs;
    this.issued.set(token, { tool, request: canonicalJson(request), plan, expiresAt });
    return { token, expiresAt };
  }

  /** Consumes the token when it fits this tool and request; returns the plan fingerprint it was issued for. */
  redeem(tool: string, request: unknown, token: string): Redemption {
    this.prune();
    const entry = this.issued.get(token);
    if (!entry) {
      if (this.used.has(token)) return { ok: false, reason: 'this confirm token was already used; call the tool again without confirm to get a fresh plan and token' };
      return { ok: false, reason: 'this confirm token is unknown or has expired (tokens last 5 minutes and do not survive a server restart); call the tool again without confirm to get a fresh plan and token' };
    }
    if (entry.tool !== tool) return { ok: false, reason: `this confirm token was issued by ${entry.tool}, not ${tool}; confirm exactly the request whose plan you were shown` };
    if (entry.request !== canonicalJson(request)) {
      return { ok: false, reason: 'this confirm token belongs to a different request; repeat exactly the arguments whose plan you were shown (plus confirm), or call without confirm for a plan of the new request' };
    }
    this.issued.delete(token);
    this.used.set(token, entry.expiresAt);
    return { ok: true, plan: entry.plan };
  }

  private prune(): void {
    const now = this.now();
    for (const [token, e] of this.issued) if (e.expiresAt <= now) this.issued.delete(token);
    for (const [token, exp] of this.used) if (exp <= now) this.used.delete(token);
  }
}
