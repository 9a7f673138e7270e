// compareNatural must order host names exactly as Intl.Collator({ numeric: true }) does, which it stands in
// for where loading ICU's collation data would delay the TUI's first frame.
import { describe, expect, it } from 'vitest';
import { compareNatural } from '../../src/text/natural-order.js';

const collator = new Intl.Collator(undefined, { numeric: true });

/** Host-name-like strings from a fixed seed: letters of both cases, digits (with leading zeros), '-' and '.'. */
function hostNames(count: number, seed: number): string[] {
  const alphabet = 'abzABZ0123456789-.';
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2 ** 31);
  return Array.from({ length: count }, () => Array.from({ length: 1 + (next() % 8) }, () => alphabet[next() % alphabet.length]).join(''));
}

describe('compareNatural', () => {
  it('puts pve2 before pve10, and reads leading zeros and case as the collator does', () => {
    const names = ['pve10', 'pve2', 'pve-2', 'PVE3', 'pve03', 'pve1', 'node-b', 'Node-A', 'node-a', 'host-10.lab', 'host-2.lab'];
    expect([...names].sort(compareNatural)).toEqual([...names].sort(collator.compare));
    expect(compareNatural('pve2', 'pve10')).toBeLessThan(0);
    expect(compareNatural('pve03', 'pve3')).toBe(0);
    expect(compareNatural('node-a', 'Node-A')).toBeLessThan(0);
  });

  it('agrees with Intl.Collator { numeric: true } on every pair of 300 generated host names', () => {
    const names = hostNames(300, 7);
    let compared = 0;
    for (const a of names) {
      for (const b of names) {
        expect(Math.sign(compareNatural(a, b)), `${a} vs ${b}`).toBe(Math.sign(collator.compare(a, b)));
        compared++;
      }
    }
    expect(compared).toBe(90_000);
  });
});
