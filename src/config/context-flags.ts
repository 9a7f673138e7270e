// The command-line flags that pick a context, shared by every command that opens one.

/** parseArgs options: `--context NAME` or `--demo`. */
export const CONTEXT_FLAGS = {
  context: { type: 'string' },
  demo: { type: 'boolean' },
} as const;

/** What is wrong with the choice, for the command's usage error; undefined when it is fine. */
export function contextChoiceProblem(values: { context?: string; demo?: boolean }): string | undefined {
  return values.context && values.demo ? 'give either --context NAME or --demo, not both' : undefined;
}
