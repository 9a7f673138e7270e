// Snapshot descriptions carry moxxie's bookkeeping, compatible with Moxxie: ` (TTL: Nh)` marks a
// snapshot that expires N hours after it was taken; `[moxxie]` marks one made without a TTL.

/** PVE's limit for a description (a VM's, and a snapshot's in the same config file): 8 KiB. */
export const MAX_DESCRIPTION_BYTES = 8192;

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

/** A description too long for PVE once moxxie's marker is added, as a message naming the limit; else undefined. */
export function descriptionProblem(description: string | undefined, ttlHours: number | undefined): string | undefined {
  const full = describeSnapshot(description, ttlHours);
  const bytes = Buffer.byteLength(full, 'utf8');
  if (bytes <= MAX_DESCRIPTION_BYTES) return undefined;
  const marker = ttlHours !== undefined ? `(TTL: ${ttlHours}h)` : MADE_BY;
  return `at most ${MAX_DESCRIPTION_BYTES} bytes (8 KiB, PVE's limit) with moxxie's marker "${marker}" added; this one would be ${bytes} bytes`;
}
