// The command line of a read command about one guest (`moxxie vm show VMID`, `moxxie migrate check VMID --to
// NODE`): its own flags beside --context/--demo, --json and --help, exactly one numeric id, and moxxie's usage
// error (the message, then the command's help; exit 2) for anything else.
import type { parseArgs, ParseArgsConfig } from 'node:util';
import { parseFlags } from '../src/config/command-flags.js';
import { CONTEXT_FLAGS, contextChoiceProblem } from '../src/config/context-flags.js';

type Options = NonNullable<ParseArgsConfig['options']>;
const COMMON = { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;
type Values<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof CONTEXT_FLAGS & O & typeof COMMON }>>['values'];

export interface VmidCommand<O extends Options> {
  /** The command's words ("vm show"), for its messages. */
  words: string;
  help: string;
  /** What the one positional is, for its message: "VM id", "VM or container id". */
  noun: string;
  /** The command's own flags. */
  options: O;
  /** Throws the message of a usage error the flags alone make (a required flag missing). */
  check?(values: Values<O>): void;
}

/** The parsed flags and id, or the exit status when there is nothing more to do (0 help shown, 2 bad arguments). */
export function vmidCommandArgs<O extends Options>(argv: string[], c: VmidCommand<O>): { values: Values<O>; vmid: number } | number {
  try {
    const parsed = parseFlags({ args: argv, allowPositionals: true, options: { ...CONTEXT_FLAGS, ...c.options, ...COMMON } });
    const values = parsed.values as Values<O>;
    const common = parsed.values as { help?: boolean; context?: string; demo?: boolean };
    if (common.help) {
      process.stdout.write(c.help);
      return 0;
    }
    if (parsed.positionals.length !== 1 || !/^\d+$/.test(parsed.positionals[0])) throw new Error(`give one ${c.noun} (got '${parsed.positionals.join(' ')}')`);
    c.check?.(values);
    const problem = contextChoiceProblem(common);
    if (problem) throw new Error(problem);
    return { values, vmid: Number(parsed.positionals[0]) };
  } catch (err) {
    process.stderr.write(`moxxie ${c.words}: ${(err as Error).message}\n\n${c.help}`);
    return 2;
  }
}
