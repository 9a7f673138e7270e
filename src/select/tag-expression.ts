// Moxxie's tag-expression language, e.g. `(env-prod OR env-test) AND client-* AND NOT always-on`.
//   expression := or
//   or         := and  (("OR" | "||") and)*
//   and        := not  (("AND" | "&&") not)*
//   not        := ("NOT" | "!") not | primary
//   primary    := tag | "(" or ")"
// NOT binds tighter than AND, AND tighter than OR; operators are case-insensitive. A tag is PVE's tag
// characters (letters, digits, _ - + .) plus the `*` wildcard, bare or double-quoted (quotes let a tag be
// named `and`, `or` or `not`). Tags match case-insensitively. Malformed input throws TagExpressionError
// with the 0-based position and what was expected there — never a silent fallback.
import { SelectorError } from './selector-error.js';
import { wildcardMatcher } from './tag-wildcard.js';

export class TagExpressionError extends SelectorError {
  declare readonly position: number;

  constructor(
    readonly expression: string,
    position: number,
    readonly expected: string,
    readonly found: string,
    readonly hint?: string,
  ) {
    super(`tag expression: expected ${expected} at position ${position}, found ${found}${hint ? ` (${hint})` : ''}`, { position });
    this.name = 'TagExpressionError';
  }
}

export type TagExpr =
  | { op: 'tag'; /** lower-case; may hold `*` */ tag: string; wildcard: boolean; position: number }
  | { op: 'not'; arg: TagExpr }
  | { op: 'and' | 'or'; args: TagExpr[] };

/** A predicate over a VM's tags; case-insensitive. */
export type TagPredicate = (tags: readonly string[]) => boolean;

type Token =
  | { kind: 'tag'; value: string; quoted: boolean; pos: number; text: string }
  | { kind: 'and' | 'or' | 'not' | 'lparen' | 'rparen' | 'invalid'; pos: number; text: string }
  | { kind: 'end'; pos: number; text: '' };

const OPERAND = 'a tag, "(" or NOT';
const AFTER_OPERAND = 'AND, OR or end of input';
const AFTER_NESTED_OPERAND = 'AND, OR or ")"';
const TAG_CHARS_HINT = 'tags hold only letters, digits, _ - + . and the * wildcard';
/** Deep enough for any real expression; shallow enough that recursion can never overflow the stack. */
const MAX_DEPTH = 64;

const isTagChar = (c: string) => /[A-Za-z0-9_\-+.*]/.test(c);
const isTagStart = (c: string) => /[A-Za-z0-9_*]/.test(c);
const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    if (isSpace(ch)) {
      i++;
    } else if (ch === '(' || ch === ')') {
      tokens.push({ kind: ch === '(' ? 'lparen' : 'rparen', pos: i, text: ch });
      i++;
    } else if (ch === '!') {
      tokens.push({ kind: 'not', pos: i, text: ch });
      i++;
    } else if (src.startsWith('&&', i) || src.startsWith('||', i)) {
      tokens.push({ kind: ch === '&' ? 'and' : 'or', pos: i, text: src.slice(i, i + 2) });
      i += 2;
    } else if (ch === '"') {
      const end = src.indexOf('"', i + 1);
      if (end < 0) throw new TagExpressionError(src, src.length, 'a closing \'"\'', 'end of input', `the quote at position ${i} is not closed`);
      const value = src.slice(i + 1, end);
      if (!value) throw new TagExpressionError(src, i + 1, 'a tag inside the quotes', '\'"\'');
      for (let k = 0; k < value.length; k++) {
        const c = value[k];
        if (!isTagChar(c) || (k === 0 && !isTagStart(c))) {
          throw new TagExpressionError(src, i + 1 + k, k === 0 ? 'a letter, digit, _ or *' : 'a tag character', `'${c}'`, k === 0 && isTagChar(c) ? 'a tag starts with a letter, digit or _' : TAG_CHARS_HINT);
        }
      }
      tokens.push({ kind: 'tag', value, quoted: true, pos: i, text: src.slice(i, end + 1) });
      i = end + 1;
    } else if (isTagChar(ch)) {
      const start = i;
      while (i < src.length && isTagChar(src[i])) i++;
      const word = src.slice(start, i);
      const upper = word.toUpperCase();
      if (upper === 'AND' || upper === 'OR' || upper === 'NOT') tokens.push({ kind: upper === 'AND' ? 'and' : upper === 'OR' ? 'or' : 'not', pos: start, text: word });
      else tokens.push({ kind: 'tag', value: word, quoted: false, pos: start, text: word });
    } else {
      tokens.push({ kind: 'invalid', pos: i, text: ch });
      i++;
    }
  }
  tokens.push({ kind: 'end', pos: src.length, text: '' });
  return tokens;
}

function describe(t: Token): string {
  if (t.kind === 'end') return 'end of input';
  if (t.kind === 'tag') return t.quoted ? `tag ${t.text}` : `tag '${t.text}'`;
  return `'${t.text}'`;
}

function hintFor(t: Token): string | undefined {
  if (t.kind !== 'invalid') return undefined;
  if (t.text === '&') return 'write && or AND';
  if (t.text === '|') return 'write || or OR';
  return TAG_CHARS_HINT;
}

/** Parses an expression into a tree; throws TagExpressionError naming the position and what was expected. */
export function parseTagExpression(src: string): TagExpr {
  if (typeof src !== 'string') throw new TagExpressionError(String(src), 0, 'a tag expression string', typeof src);
  const tokens = tokenize(src);
  let p = 0;
  let depth = 0;
  const peek = () => tokens[p];
  const fail = (expected: string, t: Token = peek(), hint = hintFor(t)): never => {
    throw new TagExpressionError(src, t.pos, expected, describe(t), hint);
  };
  const enter = () => {
    if (++depth > MAX_DEPTH) fail(`at most ${MAX_DEPTH} nested levels`, peek(), 'simplify the expression');
  };

  const parseOr = (): TagExpr => {
    const args = [parseAnd()];
    while (peek().kind === 'or') {
      p++;
      args.push(parseAnd());
    }
    return args.length === 1 ? args[0] : { op: 'or', args };
  };
  const parseAnd = (): TagExpr => {
    const args = [parseNot()];
    while (peek().kind === 'and') {
      p++;
      args.push(parseNot());
    }
    return args.length === 1 ? args[0] : { op: 'and', args };
  };
  const parseNot = (): TagExpr => {
    if (peek().kind !== 'not') return parsePrimary();
    enter();
    p++;
    const arg = parseNot();
    depth--;
    return { op: 'not', arg };
  };
  const parsePrimary = (): TagExpr => {
    const t = peek();
    if (t.kind === 'lparen') {
      enter();
      p++;
      const inner = parseOr();
      if (peek().kind !== 'rparen') fail(AFTER_NESTED_OPERAND);
      p++;
      depth--;
      return inner;
    }
    if (t.kind === 'tag') {
      if (!isTagStart(t.value[0])) fail(OPERAND, t, 'a tag starts with a letter, digit or _; to negate write NOT or !');
      p++;
      const tag = t.value.toLowerCase();
      return { op: 'tag', tag, wildcard: tag.includes('*'), position: t.pos };
    }
    return fail(OPERAND);
  };

  const tree = parseOr();
  if (peek().kind !== 'end') fail(AFTER_OPERAND);
  return tree;
}

/**
 * Compiles once into a predicate. Case-insensitive without lower-casing every tag of every VM: exact
 * terms compare strings and fold ASCII case only where they differ; wildcard terms build their matcher
 * here and remember the answer per distinct tag (a cluster has few distinct tags, and many VMs).
 */
export function compileTagExpression(src: string | TagExpr): TagPredicate {
  return compileTree(typeof src === 'string' ? parseTagExpression(src) : src);
}

function compileTree(e: TagExpr): TagPredicate {
  switch (e.op) {
    case 'tag':
      return e.wildcard ? wildcardTerm(e.tag) : exactTerm(e.tag);
    case 'not': {
      const arg = compileTree(e.arg);
      return (tags) => !arg(tags);
    }
    case 'and': {
      const args = e.args.map(compileTree);
      if (args.length === 2) {
        const [a, b] = args;
        return (tags) => a(tags) && b(tags);
      }
      return (tags) => {
        for (let i = 0; i < args.length; i++) if (!args[i](tags)) return false;
        return true;
      };
    }
    case 'or': {
      const args = e.args.map(compileTree);
      if (args.length === 2) {
        const [a, b] = args;
        return (tags) => a(tags) || b(tags);
      }
      return (tags) => {
        for (let i = 0; i < args.length; i++) if (args[i](tags)) return true;
        return false;
      };
    }
  }
}

function exactTerm(tag: string): TagPredicate {
  return (tags) => {
    for (let i = 0; i < tags.length; i++) if (tags[i] === tag || equalsLowerCase(tags[i], tag)) return true;
    return false;
  };
}

/** Whether `s` lower-cased equals `lower` (already lower-case); no allocation for ASCII. */
function equalsLowerCase(s: string, lower: string): boolean {
  if (s.length !== lower.length) return false;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    const want = lower.charCodeAt(i);
    if (c === want) continue;
    if (c > 127) return s.toLowerCase() === lower;
    if (c >= 65 && c <= 90) c |= 32;
    if (c !== want) return false;
  }
  return true;
}

const WILDCARD_MEMO_LIMIT = 4096;

function wildcardTerm(pattern: string): TagPredicate {
  const match = wildcardMatcher(pattern);
  const memo = new Map<string, boolean>();
  return (tags) => {
    for (let i = 0; i < tags.length; i++) {
      const t = tags[i];
      let hit = memo.get(t);
      if (hit === undefined) {
        hit = match(t.toLowerCase());
        if (memo.size < WILDCARD_MEMO_LIMIT) memo.set(t, hit);
      }
      if (hit) return true;
    }
    return false;
  };
}

/** The expression in canonical form (upper-case operators, minimal parentheses), for descriptions. */
export function formatTagExpression(e: TagExpr, parent: 'or' | 'and' | 'not' | 'top' = 'top'): string {
  switch (e.op) {
    case 'tag':
      return /^(and|or|not)$/.test(e.tag) ? `"${e.tag}"` : e.tag;
    case 'not':
      return `NOT ${formatTagExpression(e.arg, 'not')}`;
    case 'and': {
      const s = e.args.map((a) => formatTagExpression(a, 'and')).join(' AND ');
      return parent === 'not' ? `(${s})` : s;
    }
    case 'or': {
      const s = e.args.map((a) => formatTagExpression(a, 'or')).join(' OR ');
      return parent === 'and' || parent === 'not' ? `(${s})` : s;
    }
  }
}
