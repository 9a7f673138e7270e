// The first frame: the VM list of the first inventory, drawn before the core and the rest of the TUI have
// loaded (loading them takes longer than drawing the list). Keys pressed meanwhile are kept and handed to
// the app when it takes over (run-app.ts); a signal meanwhile quits once it has.
import { render, type Instance, type Key } from 'ink';
import { createElement } from 'react';
import type { ContextInfo } from '../src/core.js';
import type { Inventory } from '../src/inventory/model.js';
import { ScreenFrame } from './components/ScreenFrame.js';
import { VmTable } from './components/VmTable.js';
import { applyInventory } from './inventory-apply.js';
import { keyByKeyStdin } from './key-chunks.js';
import { createTuiStore, type TuiStore } from './store.js';
import { enterAlternateScreen, type ScreenGuard } from './terminal.js';

export interface PressedKey {
  input: string;
  key: Key;
}

export interface FirstFrame {
  store: TuiStore;
  ink: Instance;
  screen: ScreenGuard;
  /** Gives the keys pressed so far to the app's handler, oldest first, and every later one too. */
  handKeysTo(handler: (input: string, key: Key) => void): void;
  /** Whom a signal asks to quit; one that came before (the frame already unmounted) is passed on at once. */
  onSignal(quit: () => void): void;
  /** Resolves when a signal came before the app took over: the caller need not load the rest at all. */
  readonly stopped: Promise<void>;
  /** Unmounts and restores the terminal when the app cannot take over (its session failed to open). */
  abandon(): void;
}

/** The first inventory, or why it could not be read (shown as the app shows a failed refresh). */
export type FirstInventory = { inventory: Inventory } | { error: string };

/** Where the TUI draws and reads keys: the process's terminal, or a test's streams. */
export interface FrameTerminal {
  stdout: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  stderr: NodeJS.WriteStream;
  /** Each frame written whole, as a test's fake terminal reads it (Ink's debug mode). */
  wholeFrames?: boolean;
}

const processTerminal = (): FrameTerminal => ({ stdout: process.stdout, stdin: process.stdin, stderr: process.stderr });

export function showFirstFrame(context: ContextInfo, first: FirstInventory, terminal: FrameTerminal = processTerminal()): FirstFrame {
  const { stdout, stdin, stderr } = terminal;
  const store = createTuiStore(context, { columns: stdout.columns || 120, rows: stdout.rows || 30 });
  if ('inventory' in first) applyInventory(store, first.inventory);
  else store.setState({ refreshError: first.error });
  let quit: (() => void) | undefined;
  let quitAsked = false;
  let stop = () => {};
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  // A signal quits like q does, so the caller still closes the session (history, demo state). Before the
  // app has taken over, the frame stops drawing at once (the screen is already given back) and the app,
  // when it comes, quits without drawing.
  let ink: Instance | undefined;
  const onSignal = () => {
    if (quit) return quit();
    quitAsked = true;
    ink?.unmount();
    stop();
  };
  const screen = enterAlternateScreen({ out: stdout, err: stderr, onSignal });
  const pressed: PressedKey[] = [];
  let handler: ((input: string, key: Key) => void) | undefined;
  // Until the app's own handler is in place (a re-render later), keys still arrive here.
  const onInput = (input: string, key: Key) => (handler ? handler(input, key) : pressed.push({ input, key }));
  const frame = { store, body: createElement(VmTable, { store }), onInput };
  // Ink 6's incremental renderer leaves stale lines behind in a full-screen app (seen in tmux); the
  // standard one rewrites the frame, which the one spare row at the bottom keeps from clearing the
  // screen (see drawnRows).
  ink = render(createElement(ScreenFrame, frame), { stdout, stderr, stdin: keyByKeyStdin(stdin), exitOnCtrlC: false, patchConsole: stdout === process.stdout, maxFps: 60, debug: !!terminal.wholeFrames });
  const mounted = ink;
  return {
    store,
    ink: mounted,
    screen,
    handKeysTo: (h) => {
      handler = h;
      for (const { input, key } of pressed.splice(0)) h(input, key);
    },
    stopped,
    onSignal: (q) => {
      quit = q;
      if (quitAsked) q();
    },
    abandon: () => {
      mounted.unmount();
      screen.restore();
    },
  };
}
