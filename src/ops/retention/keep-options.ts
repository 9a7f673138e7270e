// PVE's retention vocabulary (`prune-backups`): keep-last, keep-hourly … keep-yearly, and keep-all. The
// property string is the form PVE takes (`keep-last=3,keep-daily=7`); the object is what the engine reads.

export const KEEP_RULES = ['keep-last', 'keep-hourly', 'keep-daily', 'keep-weekly', 'keep-monthly', 'keep-yearly'] as const;
export type KeepRule = (typeof KEEP_RULES)[number];

export type KeepOptions = Partial<Record<KeepRule, number>> & { 'keep-all'?: boolean };

const KEEP_RE = /^(keep-(?:all|last|hourly|daily|weekly|monthly|yearly))=(\d+)$/;

/** Parses `keep-last=3,keep-daily=7` (PVE's prune-backups); throws naming the bad part and what is valid. */
export function parseKeepOptions(text: string): KeepOptions {
  const out: KeepOptions = {};
  const parts = text.split(/[,;]/).map((p) => p.trim()).filter(Boolean);
  if (!parts.length) throw new Error(`empty retention; use e.g. 'keep-last=3,keep-daily=7' or 'keep-all=1'`);
  for (const part of parts) {
    const m = KEEP_RE.exec(part);
    if (!m) throw new Error(`'${part}' is not a retention option; use keep-all=1 or ${KEEP_RULES.map((r) => `${r}=N`).join(', ')}`);
    const [, key, raw] = m;
    if (key in out) throw new Error(`'${key}' is given twice`);
    if (key === 'keep-all') {
      if (raw !== '0' && raw !== '1') throw new Error(`keep-all must be 0 or 1 (got ${raw})`);
      out['keep-all'] = raw === '1';
    } else out[key as KeepRule] = Number(raw);
  }
  // PVE's schema: keep-all=1 conflicts with every other option.
  if (out['keep-all'] && KEEP_RULES.some((r) => out[r] !== undefined)) throw new Error(`keep-all=1 cannot be combined with other keep options`);
  return out;
}

/** Whether the options keep everything: keep-all, or no positive count (PVE's rule). */
export function keepsAll(keep: KeepOptions): boolean {
  return keep['keep-all'] === true || !KEEP_RULES.some((r) => (keep[r] ?? 0) > 0);
}

/** The property string PVE takes, positive counts only (keep-all=1 when nothing is counted). */
export function formatKeepOptions(keep: KeepOptions): string {
  if (keepsAll(keep)) return 'keep-all=1';
  return KEEP_RULES.filter((r) => (keep[r] ?? 0) > 0)
    .map((r) => `${r}=${keep[r]}`)
    .join(',');
}
