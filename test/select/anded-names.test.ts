// Two bare-word name globs AND like every other term: `web-* db-*` matches nothing, and the resolver says
// so, with each glob's own count and the union spelled as `name:{web-*,db-*}` (which does match both).
import { describe, expect, it } from 'vitest';
import { resolveSelectorLine } from '../../src/select/selector-line.js';
import { ids, inv } from './inventory-fixture.js';

describe('name globs that match nothing together', () => {
  it('says the terms are ANDed, how many each matches alone, and spells the union', () => {
    const r = resolveSelectorLine(inv, 'web-* db-*');
    expect(r.vms).toEqual([]);
    const hint = r.warnings.find((w) => w.kind === 'names-anded');
    expect(hint?.message).toContain("no guest matches 'web-*' and 'db-*' together: the terms of a selector are ANDed ('web-*' matches 2, 'db-*' matches 1 alone)");
    expect(hint?.message).toContain('name:{web-*,db-*}');
  });

  it('the union it spells selects the guests of either glob', () => {
    expect(ids(resolveSelectorLine(inv, 'name:{web-*,db-*}'))).toEqual([100, 101, 102]);
  });

  it('says nothing when the globs do match together, or when there is only one', () => {
    expect(resolveSelectorLine(inv, 'web-* *-02').warnings.filter((w) => w.kind === 'names-anded')).toEqual([]);
    expect(resolveSelectorLine(inv, 'nothing-*').warnings.filter((w) => w.kind === 'names-anded')).toEqual([]);
    expect(resolveSelectorLine(inv, 'name:web-* name:db-*').warnings.map((w) => w.kind)).toContain('names-anded');
  });
});
