// Every command's flags are read through parseFlags: Node's parseArgs, with moxxie's own message when the
// command line is wrong (the flag it did not know, the nearest valid one and all the valid ones) instead of
// Node's text, whose advice about '--' ends in an unbalanced quote. Front ends print FlagError's message
// and exit 2, as for any other bad argument.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { nearestName } from '../text/nearest-name.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** A command line the flags do not fit: an unknown option, a missing or unwanted value, a stray word. */
export class FlagError extends Error {}

/** `--limit VALUE`, `--json`, `--help (-h)`: each option as a user would type it, for the list of valid ones. */
export function flagList(options: Options): string {
  return Object.entries(options)
    .map(([name, o]) => `--${name}${o.type === 'string' ? ` ${name === 'context' ? 'NAME' : 'VALUE'}` : ''}${o.short ? ` (-${o.short})` : ''}`)
    .join(', ');
}

/** The message for an unknown flag: moxxie's, naming the nearest and the valid ones. */
export function unknownFlagMessage(given: string, options: Options): string {
  const bare = given.replace(/^--?/, '').replace(/=.*$/, '');
  const near = nearestName(bare, Object.keys(options));
  return `unknown option '${given}'${near ? `; did you mean '--${near}'?` : ''} (valid: ${flagList(options)})`;
}

/** Node's parse error as moxxie says it (the code tells them apart; the message carries the option). */
function translate(err: Error & { code?: string }, options: Options): FlagError {
  const quoted = /'([^']*)'/.exec(err.message)?.[1] ?? '';
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new FlagError(unknownFlagMessage(quoted, options));
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const flag = quoted.replace(/ <value>$/, '');
      return new FlagError(/argument missing/.test(err.message) ? `${flag} needs a value, e.g. ${flag} VALUE` : `${flag} takes no value`);
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new FlagError(`unexpected argument '${quoted}': this command takes only options (valid: ${flagList(options)})`);
    default:
      return new FlagError(err.message);
  }
}

/** parseArgs (strict), throwing FlagError with moxxie's message on a command line that does not fit. */
export function parseFlags<T extends ParseArgsConfig & { options: Options }>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) throw translate(err as Error & { code?: string }, config.options);
    throw err;
  }
}
