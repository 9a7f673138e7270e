// Moxxie's tag-expression language: NOT binds tighter than AND, AND tighter than OR; operators are
// case-insensitive with the aliases !, && and ||; parentheses; `*` wildcards; double-quoted tags.
// Malformed input is an error naming the position and what was expected, never a silent fallback.
import picomatch from 'picomatch';

export class TagExpressionError extends Error {
  constructor(
    readonly expression: string,
    readonly position: number,
    readonly expected: string,
    readonly found: string,
  ) {
    super(`tag expression: expected ${expected} at position ${position}, found ${found}`);
    this.name = 'TagExpressionError';
  }
}

type Token =
  | { kind: 'tag'; value: string; pos: number }
  | { kind: 'and' | 'or' | 'not' | 'lparen' | 'rparen'; pos: number; text: string }
  | { kind: 'end'; pos: number };

export type TagExpr =
  | { op: 'tag'; tag: string; wildcard: boolean }
  | { op: 'not'; arg: TagExpr }
  | { op: 'and' | 'or'; args: TagExpr[] };

const TAG_CHAR = /[A-Za-z0-9_\-+.*?]/;

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i];
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '(' || ch === ')') {
      tokens.push({ kind: ch === '(' ? 'lparen' : 'rparen', pos: i, text: ch });
      i++;
    } else if (ch === '!') {
      tokens.push({ kind: 'not', pos: i, text: '!' });
      i++;
    } else if (src.startsWith('&&', i) || src.startsWith('||', i)) {
      tokens.push({ kind: ch === '&' ? 'and' : 'or', pos: i, text: src.slice(i, i + 2) });
      i += 2;
    } else if (ch === '"') {
      const end = src.indexOf('"', i + 1);
      if (end < 0) throw new TagExpressionError(src, i, 'a closing \'"\'', 'end of input');
      const value = src.slice(i + 1, end);
      if (!value) throw new TagExpressionError(src, i, 'a tag inside the quotes', '""');
      tokens.push({ kind: 'tag', value, pos: i });
      i = end + 1;
    } else if (TAG_CHAR.test(ch)) {
      const start = i;
      while (i < src.length && TAG_CHAR.test(src[i])) i++;
      const word = src.slice(start, i);
      const upper = word.toUpperCase();
      if (upper === 'AND' || upper === 'OR' || upper === 'NOT') tokens.push({ kind: upper.toLowerCase() as 'and' | 'or' | 'not', pos: start, text: word });
      else tokens.push({ kind: 'tag', value: word, pos: start });
    } else {
      throw new TagExpressionError(src, i, 'a tag, "(", ")", AND, OR or NOT', `'${ch}'`);
    }
  }
  tokens.push({ kind: 'end', pos: src.length });
  return tokens;
}

function describe(t: Token): string {
  if (t.kind === 'end') return 'end of input';
  if (t.kind === 'tag') return `tag '${t.value}'`;
  return `'${t.text}'`;
}

/** Parses an expression into a tree; throws TagExpressionError. */
export function parseTagExpression(src: string): TagExpr {
  const tokens = tokenize(src);
  let p = 0;
  const peek = () => tokens[p];
  const fail = (expected: string): never => {
    throw new TagExpressionError(src, peek().pos, expected, describe(peek()));
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
    if (peek().kind === 'not') {
      p++;
      return { op: 'not', arg: parseNot() };
    }
    return parsePrimary();
  };
  const parsePrimary = (): TagExpr => {
    const t = peek();
    if (t.kind === 'lparen') {
      p++;
      const inner = parseOr();
      if (peek().kind !== 'rparen') fail('")"');
      p++;
      return inner;
    }
    if (t.kind === 'tag') {
      p++;
      const tag = t.value.toLowerCase();
      return { op: 'tag', tag, wildcard: /[*?]/.test(tag) };
    }
    return fail('a tag, "(" or NOT');
  };

  if (peek().kind === 'end') fail('a tag, "(" or NOT');
  const tree = parseOr();
  if (peek().kind !== 'end') fail('AND, OR or end of input');
  return tree;
}

export type TagPredicate = (tags: readonly string[]) => boolean;

/** Compiles once into a predicate over a VM's (lower-case) tags. */
export function compileTagExpression(src: string): TagPredicate {
  return compileTree(parseTagExpression(src));
}

function compileTree(e: TagExpr): TagPredicate {
  switch (e.op) {
    case 'tag': {
      if (!e.wildcard) {
        const tag = e.tag;
        return (tags) => tags.includes(tag);
      }
      const match = picomatch(e.tag, { nocase: true, dot: true });
      return (tags) => tags.some((t) => match(t));
    }
    case 'not': {
      const arg = compileTree(e.arg);
      return (tags) => !arg(tags);
    }
    case 'and': {
      const args = e.args.map(compileTree);
      return (tags) => args.every((f) => f(tags));
    }
    case 'or': {
      const args = e.args.map(compileTree);
      return (tags) => args.some((f) => f(tags));
    }
  }
}
