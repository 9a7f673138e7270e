// "Did you mean …?": the valid name nearest to a mistyped one. Apart from the request schemas (zod), so
// argument parsing, which runs before every command, loads no schema library.
import { distance } from 'fastest-levenshtein';

const squash = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');

/** The valid name nearest to `given`, if it is near enough to be a likely typo. */
export function nearestName(given: string, valid: readonly string[]): string | undefined {
  const exact = valid.find((v) => squash(v) === squash(given));
  if (exact) return exact;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const v of valid) {
    const d = distance(squash(given), squash(v));
    if (d < bestDistance) [best, bestDistance] = [v, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(given.length / 3)) ? best : undefined;
}
