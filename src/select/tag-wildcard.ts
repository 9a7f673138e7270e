// `*` wildcards in tag terms (`client-*`, `k8s-*-worker`). Tags hold only [a-z0-9_+.-], so the only
// special character is `*`; matching literal segments in order keeps it linear and needs no regex.

export type StringMatcher = (s: string) => boolean;

/** A matcher for a lower-case pattern where `*` stands for any run of characters (also none). */
export function wildcardMatcher(pattern: string): StringMatcher {
  const parts = pattern.split('*');
  if (parts.length === 1) return (s) => s === pattern;
  const head = parts[0];
  const tail = parts[parts.length - 1];
  const middle = parts.slice(1, -1).filter(Boolean);
  const minLength = parts.reduce((n, p) => n + p.length, 0);
  if (minLength === 0) return () => true;
  return (s) => {
    if (s.length < minLength || !s.startsWith(head) || !s.endsWith(tail)) return false;
    let at = head.length;
    const end = s.length - tail.length;
    // Leftmost placement of each literal segment is always safe with `*` as the only wildcard.
    for (const seg of middle) {
      const i = s.indexOf(seg, at);
      if (i < 0 || i + seg.length > end) return false;
      at = i + seg.length;
    }
    return true;
  };
}
