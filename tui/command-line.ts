// The `:` command line: parsing and Tab completion, as pure functions over the command table.
import { COMMAND_TABLE, commandNamed, type Command, type CompletionSources } from './command-table.js';

export type { Command, CompletionSources } from './command-table.js';

export interface CommandDoc {
  usage: string;
  description: string;
}

/** Every command, for the help screen, completion and the README. */
export const COMMANDS: CommandDoc[] = COMMAND_TABLE.map((c) => ({ usage: c.usage, description: c.description }));

const NAMES = COMMAND_TABLE.map((c) => c.name);

export function parseCommand(text: string): Command | { error: string } {
  const trimmed = text.trim();
  const space = trimmed.search(/\s/);
  const word = (space < 0 ? trimmed : trimmed.slice(0, space)).toLowerCase();
  const rest = space < 0 ? '' : trimmed.slice(space + 1).trim();
  const spec = commandNamed(word);
  if (!spec) return { error: `unknown command ':${word}'; valid: ${NAMES.map((n) => `:${n}`).join(' ')}` };
  return spec.parse(rest);
}

function commonPrefix(words: string[]): string {
  if (!words.length) return '';
  let p = words[0];
  for (const w of words) while (!w.toLowerCase().startsWith(p.toLowerCase())) p = p.slice(0, -1);
  return p;
}

/** A completed line, and the choices when several still fit (shown under the line). */
export interface Completion {
  text: string;
  choices: string[];
}

/**
 * Completes the last word of `text` from `candidates`: the one that fits (with a space after it unless it
 * ends in ':'), or the longest common prefix and the choices.
 */
export function completeWord(text: string, candidates: readonly string[], wordPattern = /([^\s():,]*)$/): Completion {
  const partial = wordPattern.exec(text)![1];
  const before = text.slice(0, text.length - partial.length);
  const hits = candidates.filter((c) => c.toLowerCase().startsWith(partial.toLowerCase()));
  if (hits.length === 1) return { text: before + hits[0] + (hits[0].endsWith(':') ? '' : ' '), choices: [] };
  const p = commonPrefix(hits);
  return { text: p.length > partial.length ? before + p : text, choices: hits.length > 1 ? hits : [] };
}

/** Tab on a command line: the command name, then its words from the command's own candidates. */
export function completeLine(text: string, src: CompletionSources): Completion {
  const firstSpace = text.indexOf(' ');
  if (firstSpace < 0) return completeWord(text.toLowerCase(), NAMES);
  const spec = commandNamed(text.slice(0, firstSpace));
  return completeWord(text, spec?.complete?.(text, src) ?? [], /([^\s():]*)$/);
}

/** Completes the last word of a command line; returns the line unchanged when nothing fits. */
export function completeCommand(text: string, src: CompletionSources): string {
  return completeLine(text, src).text;
}
