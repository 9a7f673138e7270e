// `moxxie vms 'web-*' 'db-*'` reads as "web or db" to most people, but every term of a selector line ANDs,
// so two name globs that each match guests match nothing together. When a line with two or more name
// globs selects nothing, this says so and spells the union (`name:{web-*,db-*}`, or two selectors).
import type { Inventory } from '../inventory/model.js';
import { nameMatcher } from './name-glob.js';
import type { ResolveWarning } from './types.js';

export function andedNamesWarning(inv: Inventory, terms: ReadonlyArray<{ key: string; value: string; text: string }>): ResolveWarning | undefined {
  const names = terms.filter((t) => t.key === 'name');
  if (names.length < 2) return undefined;
  const counts = names.map((t) => {
    const match = nameMatcher(t.value);
    return inv.vms.filter((vm) => !vm.template && match(vm.name)).length;
  });
  const each = names.map((t, i) => `'${t.text}' matches ${counts[i]}`).join(', ');
  const union = `name:{${names.map((t) => t.value).join(',')}}`;
  return {
    kind: 'names-anded',
    count: names.length,
    message: `no guest matches ${names.map((t) => `'${t.text}'`).join(' and ')} together: the terms of a selector are ANDed (${each} alone); for guests matching any of them write ${union} (or give them as two NAME_PATTERN vmSelectors through MCP or the API)`,
  };
}
