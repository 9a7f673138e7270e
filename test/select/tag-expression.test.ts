import { describe, expect, it } from 'vitest';
import { SelectorError } from '../../src/select/selector-error.js';
import { compileTagExpression, formatTagExpression, parseTagExpression, TagExpressionError } from '../../src/select/tag-expression.js';
import { wildcardMatcher } from '../../src/select/tag-wildcard.js';

// [expression, tags, expected]
const cases: Array<[string, string[], boolean]> = [
  // single tags, case-insensitive both ways
  ['env-prod', ['env-prod'], true],
  ['env-prod', ['env-dev'], false],
  ['env-prod', [], false],
  ['ENV-Prod', ['env-prod'], true],
  ['env-prod', ['ENV-PROD'], true],
  // AND / OR / NOT, operators case-insensitive
  ['env-prod AND client-acme', ['env-prod', 'client-acme'], true],
  ['env-prod AND client-acme', ['env-prod'], false],
  ['env-prod and client-acme', ['env-prod', 'client-acme'], true],
  ['env-prod And client-acme', ['client-acme', 'env-prod'], true],
  ['backup-daily OR backup-weekly', ['backup-weekly'], true],
  ['backup-daily or backup-weekly', ['backup-monthly'], false],
  ['not always-on', ['always-on'], false],
  ['Not always-on', ['web'], true],
  // precedence: AND binds tighter than OR
  ['a OR b AND c', ['a'], true],
  ['a OR b AND c', ['b'], false],
  ['a OR b AND c', ['b', 'c'], true],
  ['a AND b OR c', ['c'], true],
  ['a AND b OR c', ['a'], false],
  // precedence: NOT binds tighter than AND
  ['NOT a AND b', ['b'], true],
  ['NOT a AND b', ['a', 'b'], false],
  ['NOT a AND b', [], false],
  ['NOT a OR b', ['a', 'b'], true],
  ['NOT a OR b', ['a'], false],
  // parentheses override
  ['(a OR b) AND c', ['a'], false],
  ['(a OR b) AND c', ['b', 'c'], true],
  ['NOT (a AND b)', ['a'], true],
  ['NOT (a AND b)', ['a', 'b'], false],
  ['NOT (a OR b)', ['b'], false],
  ['((a))', ['a'], true],
  ['(a OR (b AND (c OR d)))', ['b', 'd'], true],
  ['NOT NOT a', ['a'], true],
  // the seed's examples
  ['env-dev AND NOT always-on', ['env-dev'], true],
  ['env-dev AND NOT always-on', ['env-dev', 'always-on'], false],
  ['maint-ok AND NOT always-on', ['maint-ok', 'web'], true],
  // wildcards: true if any tag matches; a wildcard term is still a full match
  ['client-*', ['client-acme'], true],
  ['client-*', ['env-prod', 'client-nixz'], true],
  ['client-*', ['clients'], false],
  ['client-*', ['my-client-acme'], false],
  ['CLIENT-*', ['client-acme'], true],
  ['*-prod', ['env-prod'], true],
  ['*-prod', ['env-prod-eu'], false],
  ['k8s-*-worker', ['k8s-blue-worker'], true],
  ['k8s-*-worker', ['k8s-worker'], false],
  ['*', ['anything'], true],
  ['*', [], false],
  ['NOT client-*', ['env-prod'], true],
  ['NOT client-*', ['client-x'], false],
  ['(env-prod OR env-test) AND client-* AND NOT always-on', ['env-test', 'client-nixz'], true],
  ['(env-prod OR env-test) AND client-* AND NOT always-on', ['env-test', 'client-nixz', 'always-on'], false],
  ['(env-prod OR env-test) AND client-* AND NOT always-on', ['env-dev', 'client-nixz'], false],
  // dots and plus are tag characters, not operators or regex
  ['team.ops', ['team.ops'], true],
  ['team.ops', ['teamxops'], false],
  ['net+edge', ['net+edge'], true],
  ['net+edge', ['nettedge'], false],
  ['team.*', ['team.ops'], true],
  ['v1.2+build', ['v1.2+build'], true],
  // quoted tags
  ['"and"', ['and'], true],
  ['"NOT" OR x', ['not'], true],
  ['"team.ops" && !"net+edge"', ['team.ops'], true],
  ['"team.ops" && !"net+edge"', ['team.ops', 'net+edge'], false],
  ['"client-*"', ['client-acme'], true],
  // aliases
  ['a || b', ['b'], true],
  ['a && b', ['a'], false],
  ['a && b || c', ['c'], true],
  ['!a', [], true],
  ['!a && b', ['b'], true],
  ['!(a || b)', ['c'], true],
  ['a&&b', ['a', 'b'], true],
  ['a AND(b)', ['a', 'b'], true],
  // whitespace of any kind
  ['  a\tAND\nb  ', ['a', 'b'], true],
];

describe('tag expressions: evaluation', () => {
  it.each(cases)('%j on %j is %s', (expr, tags, expected) => {
    expect(compileTagExpression(expr)(tags)).toBe(expected);
  });

  it('compiles a parsed tree as well as text', () => {
    const tree = parseTagExpression('a AND NOT b');
    expect(compileTagExpression(tree)(['a'])).toBe(true);
    expect(compileTagExpression(tree)(['a', 'b'])).toBe(false);
  });

  it('parses into a tree with AND binding tighter than OR and NOT tighter than AND', () => {
    expect(parseTagExpression('a OR NOT b AND c')).toEqual({
      op: 'or',
      args: [
        { op: 'tag', tag: 'a', wildcard: false, position: 0 },
        { op: 'and', args: [{ op: 'not', arg: { op: 'tag', tag: 'b', wildcard: false, position: 9 } }, { op: 'tag', tag: 'c', wildcard: false, position: 15 }] },
      ],
    });
  });

  it('formats a tree canonically', () => {
    expect(formatTagExpression(parseTagExpression('a or b and not c'))).toBe('a OR b AND NOT c');
    expect(formatTagExpression(parseTagExpression('(a || b) && !(c && d)'))).toBe('(a OR b) AND NOT (c AND d)');
    expect(formatTagExpression(parseTagExpression('"and" OR Client-*'))).toBe('"and" OR client-*');
  });

  it('folds case on both sides, also where tags differ only in case or hold non-ASCII letters', () => {
    expect(compileTagExpression('env-test')(['ENV-PROD', 'Env-Test'])).toBe(true);
    expect(compileTagExpression('env-test')(['ENV-TESS'])).toBe(false);
    expect(compileTagExpression('client-*')(['CLIENT-ACME'])).toBe(true);
    expect(compileTagExpression('env')(['énv'])).toBe(false);
    // The same compiled predicate stays right across calls (wildcard answers are remembered per tag).
    const p = compileTagExpression('client-* AND NOT always-on');
    expect([p(['client-a']), p(['client-a', 'Always-On']), p(['Client-A']), p(['clients'])]).toEqual([true, false, true, false]);
  });
});

describe('tag wildcards', () => {
  const table: Array<[string, string, boolean]> = [
    ['a*', 'a', true],
    ['a*', 'abc', true],
    ['a*', 'ba', false],
    ['*a', 'ba', true],
    ['*a*', 'xax', true],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'acb', false],
    ['ab*ba', 'aba', false], // head and tail must not overlap
    ['ab*ba', 'abba', true],
    ['a**b', 'ab', true],
    ['**', '', true],
    ['exact', 'exact', true],
    ['exact', 'exactly', false],
  ];
  it.each(table)('%s vs %s is %s', (pattern, s, expected) => {
    expect(wildcardMatcher(pattern)(s)).toBe(expected);
  });
});

describe('tag expressions: errors name the position and what was expected', () => {
  // [expression, position, expected, found]
  const errors: Array<[string, number, string, string]> = [
    ['', 0, 'a tag, "(" or NOT', 'end of input'],
    ['   ', 3, 'a tag, "(" or NOT', 'end of input'],
    ['env-prod AND', 12, 'a tag, "(" or NOT', 'end of input'],
    ['a AND NOT', 9, 'a tag, "(" or NOT', 'end of input'],
    ['a OR', 4, 'a tag, "(" or NOT', 'end of input'],
    ['NOT', 3, 'a tag, "(" or NOT', 'end of input'],
    ['a AND OR b', 6, 'a tag, "(" or NOT', "'OR'"],
    ['AND a', 0, 'a tag, "(" or NOT', "'AND'"],
    ['a && || b', 5, 'a tag, "(" or NOT', "'||'"],
    ['()', 1, 'a tag, "(" or NOT', "')'"],
    ['(a OR b', 7, 'AND, OR or ")"', 'end of input'],
    ['((a) AND b', 10, 'AND, OR or ")"', 'end of input'],
    ['(a b)', 3, 'AND, OR or ")"', "tag 'b'"],
    ['a b', 2, 'AND, OR or end of input', "tag 'b'"],
    ['env-prod client-acme', 9, 'AND, OR or end of input', "tag 'client-acme'"],
    ['a)', 1, 'AND, OR or end of input', "')'"],
    ['a (b)', 2, 'AND, OR or end of input', "'('"],
    ['a NOT b', 2, 'AND, OR or end of input', "'NOT'"],
    ['a AND $', 6, 'a tag, "(" or NOT', "'$'"],
    ['env/prod', 3, 'AND, OR or end of input', "'/'"],
    ['a & b', 2, 'AND, OR or end of input', "'&'"],
    ['a | b', 2, 'AND, OR or end of input', "'|'"],
    ['a AND -b', 6, 'a tag, "(" or NOT', "tag '-b'"],
    ['.hidden', 0, 'a tag, "(" or NOT', "tag '.hidden'"],
    ['web-0?', 5, 'AND, OR or end of input', "'?'"],
    ['a AND "b', 8, 'a closing \'"\'', 'end of input'],
    ['""', 1, 'a tag inside the quotes', '\'"\''],
    ['"my tag"', 3, 'a tag character', "' '"],
    ['"-x"', 1, 'a letter, digit, _ or *', "'-'"],
    ['a AND "x:y"', 8, 'a tag character', "':'"],
  ];
  it.each(errors)('%j fails at position %i expecting %s', (expr, position, expected, found) => {
    let caught: unknown;
    try {
      compileTagExpression(expr);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TagExpressionError);
    expect(caught).toBeInstanceOf(SelectorError);
    const err = caught as TagExpressionError;
    expect(err.position).toBe(position);
    expect(err.expected).toBe(expected);
    expect(err.found).toBe(found);
    expect(err.expression).toBe(expr);
    expect(err.message).toMatch(new RegExp(`^tag expression: expected .* at position ${position}, found `));
  });

  it('reads like the documented message', () => {
    expect(() => compileTagExpression('a AND NOT')).toThrow('tag expression: expected a tag, "(" or NOT at position 9, found end of input');
  });

  it('gives hints for the usual slips', () => {
    expect(() => compileTagExpression('a & b')).toThrow(/write && or AND/);
    expect(() => compileTagExpression('a | b')).toThrow(/write \|\| or OR/);
    expect(() => compileTagExpression('a AND -b')).toThrow(/to negate write NOT or !/);
    expect(() => compileTagExpression('env/prod')).toThrow(/tags hold only letters, digits/);
    expect(() => compileTagExpression('a AND "b')).toThrow(/the quote at position 6 is not closed/);
  });

  it('refuses nesting deep enough to hurt, at the offending parenthesis', () => {
    const deep = `${'('.repeat(100)}a${')'.repeat(100)}`;
    let caught: unknown;
    try {
      compileTagExpression(deep);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TagExpressionError);
    expect((caught as TagExpressionError).position).toBe(64);
    expect(() => compileTagExpression(`${'NOT '.repeat(100)}a`)).toThrow(/at most 64 nested levels/);
    expect(compileTagExpression(`${'('.repeat(20)}a${')'.repeat(20)}`)(['a'])).toBe(true);
  });
});
