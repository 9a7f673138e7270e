// Orders names as people read them: digit runs by their number, so pve2 comes before pve10. For host names
// (letters, digits, '-' and '.'), this is the order of Intl.Collator with { numeric: true } (test/text/
// natural-order.test.ts checks it against the collator), without loading ICU's collation data, which costs
// a process about 8 ms the first time: the first inventory sorts its nodes before the TUI's first frame.

const isDigit = (c: string) => c >= '0' && c <= '9';

/** The end of the digit run that starts at `i`. */
function runEnd(s: string, i: number): number {
  while (i < s.length && isDigit(s[i])) i++;
  return i;
}

/** Negative when `a` comes first, positive when `b` does, 0 when they read the same (pve03 and pve3). */
export function compareNatural(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let i = 0;
  let j = 0;
  // Names that differ only in case: the first such letter decides, lower case first.
  let byCase = 0;
  while (i < x.length && j < y.length) {
    if (isDigit(x[i]) && isDigit(y[j])) {
      // By value, without parsing (leading zeros do not count): fewer digits is smaller, then digit by digit.
      const ei = runEnd(x, i);
      const ej = runEnd(y, j);
      const m = x.slice(i, ei).replace(/^0+/, '');
      const n = y.slice(j, ej).replace(/^0+/, '');
      const order = m.length - n.length || (m < n ? -1 : m > n ? 1 : 0);
      if (order) return order;
      i = ei;
      j = ej;
      continue;
    }
    if (x[i] !== y[j]) return x[i] < y[j] ? -1 : 1;
    if (!byCase && a[i] !== b[j]) byCase = a[i] === x[i] ? -1 : 1;
    i++;
    j++;
  }
  return x.length - i - (y.length - j) || byCase;
}
