// Snapshot descriptions carry moxxie's bookkeeping, compatible with Moxxie: ` (TTL: Nh)` marks a
// snapshot that expires N hours after it was taken; `[moxxie]` marks one made without a TTL.

const TTL_RE = / ?\(TTL: (\d+)h\)/;
const MADE_BY = '[moxxie]';

export function describeSnapshot(description: string | undefined, ttlHours: number | undefined): string {
  const base = (description ?? '').trim();
  if (ttlHours !== undefined) return `${base} (TTL: ${ttlHours}h)`.trim();
  return base ? `${base} ${MADE_BY}` : MADE_BY;
}

export function parseTtlHours(description: string | undefined): number | undefined {
  const m = TTL_RE.exec(description ?? '');
  return m ? Number(m[1]) : undefined;
}

export function isMoxxieMade(description: string | undefined): boolean {
  return parseTtlHours(description) !== undefined || (description ?? '').includes(MADE_BY);
}

/** Epoch seconds when the TTL runs out, if the snapshot has one and a time. */
export function expiresAt(snaptime: number | undefined, description: string | undefined): number | undefined {
  const ttl = parseTtlHours(description);
  return ttl !== undefined && snaptime !== undefined ? snaptime + ttl * 3600 : undefined;
}
