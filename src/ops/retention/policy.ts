// The two retention vocabularies, one engine. A policy is either the seed's (`days:N`, `count:N`,
// `monthly:N`) or PVE's prune-backups string (`keep-last=3,keep-daily=7`, `keep-all=1`):
// - count:N   = keep-last=N (the newest N backups of each guest)
// - monthly:N = keep-monthly=N (the newest backup of each of the newest N months; the rest, even within a
//               month, removed)
// - days:N    = keep what is newer than N days, remove the rest (moxxie's own rule; PVE has no equivalent)
import { formatKeepOptions, parseKeepOptions, type KeepOptions } from './keep-options.js';
import type { RetentionRules } from './prune-marks.js';

export interface RetentionPolicy {
  /** As given. */
  text: string;
  vocabulary: 'seed' | 'pve';
  rules: RetentionRules;
  /** The same policy as PVE's prune-backups string, when PVE can express it (then PVE's own preview is comparable). */
  pveEquivalent?: string;
}

const SEED_RE = /^(days|count|monthly):(\d+)$/;
const SEED_LIMITS = { days: 36500, count: 10000, monthly: 1200 } as const;

/** Parses a policy; throws a message naming what would be valid. */
export function parseRetentionPolicy(text: string): RetentionPolicy {
  const given = text.trim();
  const seed = SEED_RE.exec(given);
  if (seed) {
    const kind = seed[1] as keyof typeof SEED_LIMITS;
    const n = Number(seed[2]);
    if (n < 1 || n > SEED_LIMITS[kind]) throw new Error(`${kind}:N needs N from 1 to ${SEED_LIMITS[kind]} (got ${seed[2]})`);
    if (kind === 'days') return { text: given, vocabulary: 'seed', rules: { keep: {}, withinDays: n } };
    const keep: KeepOptions = kind === 'count' ? { 'keep-last': n } : { 'keep-monthly': n };
    return { text: given, vocabulary: 'seed', rules: { keep }, pveEquivalent: formatKeepOptions(keep) };
  }
  if (/^keep-/.test(given)) {
    const keep = parseKeepOptions(given);
    return { text: given, vocabulary: 'pve', rules: { keep }, pveEquivalent: formatKeepOptions(keep) };
  }
  throw new Error(`'${text}' is not a retention policy; use days:N, count:N, monthly:N or PVE's keep options (e.g. keep-last=3,keep-daily=7,keep-weekly=4)`);
}
