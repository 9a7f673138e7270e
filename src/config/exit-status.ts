// The command line's one convention, the same for every command (README "Exit status"):
//   0 done; 1 the action failed or the cluster did (a run that did not succeed everywhere, PVE unreachable,
//   a damaged history store); 2 bad arguments or input, refusals (read-only, no --yes) and unknown names
//   (a context, job, operation, node or storage that does not exist).
// Commands decide most cases where they know them; an error that reaches the entry point is classed here.
import { ReadOnlyError, RequestError } from '../ops/errors.js';
import { SelectorError } from '../select/selector-error.js';
import { FlagError } from './command-flags.js';
import { ConfigError } from './secrets.js';

export const EXIT_DONE = 0;
export const EXIT_FAILED = 1;
export const EXIT_REFUSED = 2;

/** The caller's mistake or a refusal: bad flags, a bad request or selector, a configuration problem, read-only. */
export function isRefusal(err: unknown): boolean {
  return err instanceof FlagError || err instanceof RequestError || err instanceof ReadOnlyError || err instanceof SelectorError || err instanceof ConfigError;
}

export function exitStatusOf(err: unknown): typeof EXIT_FAILED | typeof EXIT_REFUSED {
  return isRefusal(err) ? EXIT_REFUSED : EXIT_FAILED;
}
