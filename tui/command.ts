// `moxxie [--demo] [--context NAME] [--read-only]` (also `moxxie tui ...`): the full-screen TUI.
// `--keys` prints the key and command tables (markdown) generated from the keymap.
import { parseFlags } from '../src/config/command-flags.js';
import { CONTEXT_FLAGS, contextChoiceProblem } from '../src/config/context-flags.js';
import type { ContextSwitcher } from './controller.js';
import type { FirstFrame, FirstInventory } from './first-frame.js';

const USAGE = `moxxie [--demo | --context NAME] [--read-only]
  Opens the full-screen TUI on the current context (--demo: a built-in simulated cluster).
  Inside, ? lists every key and : opens the command line.
  --keys    print the key and command tables (markdown) and exit
`;

async function contextNames(): Promise<string[]> {
  const [{ loadConfig }, { configFile }] = await Promise.all([import('../src/config/contexts.js'), import('../src/config/paths.js')]);
  try {
    return [...Object.keys(loadConfig(configFile(process.env)).contexts), 'demo'];
  } catch {
    return ['demo'];
  }
}

/** How long the first inventory may take before the frame is drawn without it: about what still feels immediate. */
const LOADING_FRAME_AFTER_MS = 100;

/** The first inventory if it comes within `ms`, else null. */
function inventoryWithin(reading: Promise<FirstInventory>, ms: number): Promise<FirstInventory | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
  return Promise.race([reading, late]).finally(() => clearTimeout(timer));
}

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseFlags({
      args: argv,
      options: { ...CONTEXT_FLAGS, 'read-only': { type: 'boolean' }, keys: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (err) {
    process.stderr.write(`moxxie: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  // The rule every command follows: one context, named or the demo, never both silently.
  const contextProblem = contextChoiceProblem(values);
  if (contextProblem) {
    process.stderr.write(`moxxie: ${contextProblem}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.keys) {
    const { keyTableMarkdown } = await import('./key-table.js');
    process.stdout.write(keyTableMarkdown());
    return 0;
  }
  if (!process.stdout.isTTY || !process.stdin.isTTY) {
    process.stderr.write('moxxie: the TUI needs a terminal (stdin and stdout must be a TTY); for scripts use `moxxie mcp` or `moxxie scheduler`\n');
    return 2;
  }
  // React's production build renders several times faster; a user's explicit NODE_ENV wins. (The bundle
  // has it built in; through a local name so the bundler's define does not rewrite this assignment.)
  const env = process.env;
  env.NODE_ENV ??= 'production';
  // Ink reads CI / CONTINUOUS_INTEGRATION once, on import, and then draws only the last frame (meant
  // for build logs). We only get here with a real terminal, so a CI variable left in the shell (or a
  // terminal opened by a CI job) must not leave the full-screen app blank.
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  const readOnly = values['read-only'];
  // The first frame comes before the core: the context and one inventory (the demo's simulator has been
  // loading on its own thread since src/cli.ts saw --demo) while Ink and the list view load, then the list
  // is drawn. The core and the rest of the TUI load after it and take over the same screen; keys pressed
  // meanwhile are kept for them.
  const [{ openContext }, { fetchInventory }] = await Promise.all([import('../src/config/open-context.js'), import('../src/inventory/inventory.js')]);
  // The context opens and the inventory is asked for first (the demo's simulator starts on its thread), so
  // their network round trips overlap Ink's loading here.
  const opening = openContext({ name: values.context, demo: values.demo, readOnly });
  const firstRead = new AbortController();
  const reading = opening.then((ctx) =>
    fetchInventory(ctx.client, { signal: firstRead.signal }).then(
      (inventory): FirstInventory => ({ inventory }),
      (err: Error): FirstInventory => ({ error: err.message }),
    ),
  );
  const shell = import('./first-frame.js');
  // Awaited below; these only keep a failure from counting as unhandled if the context fails first.
  shell.catch(() => undefined);
  reading.catch(() => undefined);
  const context = await opening;
  let frame: FirstFrame;
  let first: FirstInventory;
  try {
    const { showFirstFrame } = await shell;
    // The list is drawn once, when the inventory comes. When it is slow to come (a distant cluster, or one
    // that does not answer), the frame is drawn first, saying it is loading, and the list (or why it could
    // not be read) when it comes.
    const early = await inventoryWithin(reading, LOADING_FRAME_AFTER_MS);
    frame = showFirstFrame(context.info, early);
    if (early) first = early;
    else {
      // Quitting while it loads does not wait for an answer that may never come (the client's timeout).
      const late = await Promise.race([reading, frame.stopped.then(() => null)]);
      if (!late) {
        firstRead.abort();
        frame.abandon();
        await context.close();
        return frame.screen.exitCode();
      }
      first = late;
      frame.showInventory(first);
    }
  } catch (err) {
    await context.close();
    throw err;
  }
  let current: { close?: () => Promise<void> } = context;
  let exitCode = 0;
  try {
    const rest = Promise.all([import('../src/open.js'), import('./run-app.js'), contextNames()]);
    rest.catch(() => undefined); // awaited just below unless a signal came first
    // A signal while the rest loads (the first frame is all there is) ends the TUI without waiting for it.
    const loaded = await Promise.race([rest, frame.stopped.then(() => undefined)]);
    if (!loaded) return frame.screen.exitCode();
    const [{ openSession, openMoxxie }, { runApp }, names] = loaded;
    const session = await openSession(context, { frontEnd: 'tui' });
    current = session;
    const switcher: ContextSwitcher = {
      names: () => names,
      open: (name) => openMoxxie({ name, readOnly, frontEnd: 'tui' }),
    };
    const exit = await runApp(session, frame, { initial: 'inventory' in first ? first.inventory : null, switcher });
    current = exit.session;
    exitCode = exit.exitCode;
  } finally {
    // Restores the terminal if the app never took over (its own restore makes this a no-op otherwise).
    frame.abandon();
    await current.close?.();
  }
  return exitCode;
}
