// The shell every read command shares: open the chosen context (the demo or a configured cluster), run the
// read, close it, and map failures to the CLI's exit codes (0 done; 1 the cluster or the read failed;
// 2 bad input: a config problem, a selector or a request the core refused as invalid: exitStatusOf).
import type { OpenedContext } from '../src/config/open-context.js';
import { openContext } from '../src/config/open-context.js';
import { exitStatusOf } from '../src/config/exit-status.js';

export async function withContext(words: string, choice: { context?: string; demo?: boolean }, read: (context: OpenedContext) => Promise<number>): Promise<number> {
  let context: OpenedContext;
  try {
    context = await openContext({ name: choice.context, demo: choice.demo });
  } catch (err) {
    process.stderr.write(`moxxie ${words}: ${(err as Error).message}\n`);
    return exitStatusOf(err);
  }
  try {
    return await read(context);
  } catch (err) {
    process.stderr.write(`moxxie ${words}: ${(err as Error).message}\n`);
    return exitStatusOf(err);
  } finally {
    await context.close();
  }
}
