// Why a selection matched nothing, and what was probably meant: a bare word is a name glob (perhaps it is a
// tag), a tag that nobody carries is compared with the tags in use (edit distance), and so are names.
import { distance } from 'fastest-levenshtein';
import type { VmSelector } from '../src/select/types.js';

interface GuestFacts {
  name: string;
  tags: readonly string[];
}

const KEYWORDS = new Set(['and', 'or', 'not', 'all']);

/** The nearest of `known` to `word` within two edits (one for short words), or undefined. */
function nearest(word: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(word.toLowerCase(), k.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best !== undefined && bestD > 0 && bestD <= (word.length <= 4 ? 1 : 2) ? best : undefined;
}

/** Tag words and bare words of a one-line selector or structured selectors. */
function termsOf(selection: string | readonly VmSelector[]): { tags: string[]; bare: string[]; names: string[] } {
  const out = { tags: [] as string[], bare: [] as string[], names: [] as string[] };
  const words = (text: string) => text.match(/[A-Za-z0-9_.+*?-]+/g)?.filter((w) => !KEYWORDS.has(w.toLowerCase())) ?? [];
  if (typeof selection === 'string') {
    for (const m of selection.matchAll(/(\w+):(\([^)]*\)|\S+)|(\S+)/g)) {
      const [, key, value, bare] = m;
      if (bare !== undefined) out.bare.push(...words(bare));
      else if (key === 'tag') out.tags.push(...words(value));
      else if (key === 'name') out.names.push(value);
    }
  } else {
    for (const s of selection) {
      if (s.type === 'TAG_EXPRESSION' && s.value) out.tags.push(...words(s.value));
      if (s.type === 'NAME_PATTERN' && s.value) out.names.push(s.value);
    }
  }
  return out;
}

export function zeroMatchHints(selection: string | readonly VmSelector[], guests: readonly GuestFacts[]): string[] {
  const tagCount = new Map<string, number>();
  for (const g of guests) for (const t of g.tags) tagCount.set(t, (tagCount.get(t) ?? 0) + 1);
  const carriers = (t: string) => `${tagCount.get(t)} VM${tagCount.get(t) === 1 ? '' : 's'}`;
  const hints: string[] = [];
  const { tags, bare, names } = termsOf(selection);
  for (const word of bare) {
    if (tagCount.has(word.toLowerCase())) hints.push(`"${word}" alone is a name glob and no VM is named so; the tag ${word.toLowerCase()} is carried by ${carriers(word.toLowerCase())}: did you mean tag:${word.toLowerCase()}?`);
    else hints.push(`"${word}" alone is a name glob (like name:${word}) and matches no VM name; use tag:, id:, node: or status: for other fields.`);
  }
  for (const tag of tags) {
    if (tagCount.has(tag.toLowerCase())) continue;
    const near = nearest(tag, tagCount.keys());
    hints.push(near ? `no VM carries the tag ${tag}; ${near} (${distance(tag, near)} letter${distance(tag, near) === 1 ? '' : 's'} away) is carried by ${carriers(near)}: did you mean tag:${near}?` : `no VM carries the tag ${tag}; list_tags shows the tags in use.`);
  }
  for (const pattern of names) {
    if (/[*?]/.test(pattern)) continue;
    const near = nearest(pattern, guests.map((g) => g.name));
    if (near) hints.push(`no VM is named ${pattern}; did you mean ${near}? (name: takes globs such as ${pattern}*)`);
  }
  return hints;
}
