// `moxxie help` lists `cluster provision` once: the generated verb is served by the hand-written command.
import { expect, it } from 'vitest';
import { usageLines } from '../../cli/capability-verbs.js';

it('moxxie help has one cluster provision line, the hand-written command\'s', () => {
  const lines = usageLines().filter((l) => /^\s*moxxie cluster provision\b/.test(l));
  expect(lines).toEqual(['  moxxie cluster provision --file SPEC [--yes] [--json] [--no-wait]']);
  // Every other capability keeps its generated line.
  expect(usageLines().some((l) => /moxxie snapshot create/.test(l))).toBe(true);
});
