import { describe, expect, it } from 'vitest';
import { nameMatcher } from '../../src/select/name-glob.js';
import { SelectorError } from '../../src/select/selector-error.js';

describe('name globs', () => {
  // [glob, name, expected]
  const table: Array<[string, string, boolean]> = [
    ['workshop-wk-*', 'workshop-wk-01', true],
    ['workshop-wk-*', 'workshop-01', false],
    ['web-*', 'WEB-01', true],
    ['WEB-0?', 'web-01', true],
    ['web-0?', 'web-010', false],
    ['*-prod', 'api-prod', true],
    ['app-?-server', 'app-1-server', true],
    ['web-0[2-9]', 'web-02', true],
    ['web-0[2-9]', 'web-01', false],
    ['web-0[!1]', 'web-02', true], // shell-style negated class
    ['web-0[!1]', 'web-01', false],
    ['web-0[^1]', 'web-01', false],
    ['web', 'web-01', false], // full match, not "contains"
    ['web-01', 'web-01', true],
    ['web.01', 'web-01', false], // a dot is a dot, not "any character"
    ['*.example.com', 'mon.example.com', true],
    ['*', '.hidden', true], // dot:true — a leading dot is an ordinary character
    ['.*', '.hidden', true],
    ['!web-01', 'web-02', false], // no negation: a leading ! is literal
    ['{web,db}-01', 'web-01', true], // braces are alternatives: the one "or" of a name term
    ['{web-*,db-*}', 'db-02', true],
    ['{web-*,db-*}', 'app-01', false],
    ['+(web)-01', 'web-01', false], // no extglobs
    ['**', 'anything', true],
  ];
  it.each(table)('%s vs %s is %s', (glob, name, expected) => {
    expect(nameMatcher(glob)(name)).toBe(expected);
  });

  it('refuses unbalanced brackets and empty globs, naming the field', () => {
    expect(() => nameMatcher('web-[0-9')).toThrow(SelectorError);
    expect(() => nameMatcher('web-[0-9', 'vmSelectors[0].value')).toThrow(/^vmSelectors\[0\]\.value: 'web-\[0-9' is not a valid glob/);
    expect(() => nameMatcher('  ')).toThrow(/give a name glob/);
  });
});
