import { describe, expect, it } from 'vitest';
import { compileTagExpression, TagExpressionError } from '../../src/select/tag-expression.js';

const cases: Array<[string, string[], boolean]> = [
  ['env-prod', ['env-prod'], true],
  ['env-prod', ['env-dev'], false],
  ['ENV-PROD', ['env-prod'], true],
  ['env-prod AND client-acme', ['env-prod', 'client-acme'], true],
  ['env-prod AND client-acme', ['env-prod'], false],
  ['env-prod and client-acme', ['env-prod', 'client-acme'], true],
  ['a OR b AND c', ['a'], true], // AND binds tighter: a OR (b AND c)
  ['a OR b AND c', ['b'], false],
  ['(a OR b) AND c', ['a'], false],
  ['(a OR b) AND c', ['b', 'c'], true],
  ['NOT a AND b', ['b'], true], // NOT binds tighter: (NOT a) AND b
  ['NOT a AND b', ['a', 'b'], false],
  ['NOT (a AND b)', ['a'], true],
  ['NOT NOT a', ['a'], true],
  ['env-dev AND NOT always-on', ['env-dev'], true],
  ['env-dev AND NOT always-on', ['env-dev', 'always-on'], false],
  ['client-*', ['client-acme'], true],
  ['client-*', ['clients'], false],
  ['*', ['anything'], true],
  ['*', [], false],
  ['k8s-*-worker OR db', ['k8s-blue-worker'], true],
  ['team.ops', ['team.ops'], true],
  ['net+edge', ['net+edge'], true],
  ['"and"', ['and'], true],
  ['"team.ops" && !"net+edge"', ['team.ops'], true],
  ['a || b', ['b'], true],
  ['a && b || c', ['c'], true],
  ['!a', [], true],
];

describe('tag expressions', () => {
  it.each(cases)('%s on %j is %s', (expr, tags, expected) => {
    expect(compileTagExpression(expr)(tags)).toBe(expected);
  });

  const errors: Array<[string, number, string]> = [
    ['', 0, 'a tag, "(" or NOT'],
    ['env-prod AND', 12, 'a tag, "(" or NOT'],
    ['(a OR b', 7, '")"'],
    ['a b', 2, 'AND, OR or end of input'],
    ['a AND OR b', 6, 'a tag, "(" or NOT'],
    ['a)', 1, 'AND, OR or end of input'],
    ['a AND "b', 6, 'a closing \'"\''],
    ['a AND $', 6, 'a tag, "(", ")", AND, OR or NOT'],
    ['NOT', 3, 'a tag, "(" or NOT'],
  ];
  it.each(errors)('%j fails at position %i expecting %s', (expr, position, expected) => {
    let caught: unknown;
    try {
      compileTagExpression(expr);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TagExpressionError);
    expect((caught as TagExpressionError).position).toBe(position);
    expect((caught as TagExpressionError).expected).toBe(expected);
    expect((caught as Error).message).toContain(`at position ${position}`);
  });
});
