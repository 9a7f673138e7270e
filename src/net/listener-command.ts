// The start-up both listeners (`moxxie serve`, `moxxie mcp`) share: a command line that does not fit is exit 2
// with the reason and the help, --help prints the help, and the server module (Fastify or the MCP SDK, and the
// core) loads only after the arguments are good, so --help and usage errors answer at once.
import type { ParseArgsConfig, parseArgs } from 'node:util';
import { parseFlags } from '../config/command-flags.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type StrictValues<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: false }>>['values'];

/** A listener's command line that does not hold together: printed with the help, exit 2. */
export class ListenerUsageError extends Error {}

/** The listener's options (strict, no positionals); a misfit is a usage error naming the option. */
export function listenerFlags<O extends Options>(argv: string[], options: O): StrictValues<O> {
  try {
    return parseFlags({ args: argv, options, strict: true, allowPositionals: false }).values as StrictValues<O>;
  } catch (err) {
    throw new ListenerUsageError((err as Error).message);
  }
}

/** Parses the command line, answers --help and usage errors, else hands the arguments to `serve`. */
export async function runListener<A extends { help: boolean }>(command: string, help: string, argv: string[], parse: (argv: string[]) => A, serve: (args: A) => Promise<number>): Promise<number> {
  let args: A;
  try {
    args = parse(argv);
  } catch (err) {
    if (!(err instanceof ListenerUsageError)) throw err;
    process.stderr.write(`moxxie ${command}: ${err.message}\n\n${help}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(help);
    return 0;
  }
  return serve(args);
}
