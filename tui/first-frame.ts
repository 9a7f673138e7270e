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
  /** Resolves when a signal (or Ctrl+C) came before the app took over: the caller need not load the rest at all. */
  readonly stopped: Promise<void>;
  /** Resolves when the screen is unmounted, whoever unmounts it and whenever (Ink's waitUntilExit, asked
   *  before anything can unmount: asked after, it would never resolve). */
  readonly exited: Promise<void>;
  /** Unmounts and restores the terminal when the app cannot take over (its session failed to open). */
  abandon(): void;
  /** Puts the first inventory (or why it could not be read) on a frame drawn without it, and draws the
   *  list before returning. */
  showInventory(first: FirstInventory): void;
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

function putInventory(store: TuiStore, first: FirstInventory): void {
  if ('inventory' in first) applyInventory(store, first.inventory);
  else store.setState({ refreshError: first.error });
}

/** Draws the frame: the list of the first inventory, or, when it has not come yet (null), the frame with
 *  "loading the inventory…" until showInventory puts it in. */
export function showFirstFrame(context: ContextInfo, first: FirstInventory | null, terminal: FrameTerminal = processTerminal()): FirstFrame {
  const { stdout, stdin, stderr } = terminal;
  const store = createTuiStore(context, { columns: stdout.columns || 120, rows: stdout.rows || 30 });
  if (first) putInventory(store, first);
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
  // Until the app's own handler is in place (a re-render later), keys still arrive here. Ctrl+C quits at
  // once, as it does from anywhere in the app, without waiting for an inventory that may be slow to come.
  const onInput = (input: string, key: Key) => {
    if (handler) return handler(input, key);
    if (key.ctrl && input === 'c') {
      // As a signal does, but no signal handler gives the screen back: done here, once the frame is unmounted.
      onSignal();
      return screen.restore();
    }
    pressed.push({ input, key });
  };
  const frame = () => createElement(ScreenFrame, { store, body: createElement(VmTable, { store }), onInput });
  // Ink 6's incremental renderer leaves stale lines behind in a full-screen app (seen in tmux); the
  // standard one rewrites the frame, which the one spare row at the bottom keeps from clearing the
  // screen (see drawnRows).
  ink = render(frame(), { stdout, stderr, stdin: keyByKeyStdin(stdin), exitOnCtrlC: false, patchConsole: stdout === process.stdout, maxFps: 60, debug: !!terminal.wholeFrames });
  const mounted = ink;
  const exited = mounted.waitUntilExit().then(() => undefined);
  exited.catch(() => undefined); // awaited by the app; a frame that never gets one must not fail the process
  return {
    exited,
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
    showInventory: (inventory) => {
      putInventory(store, inventory);
      // A store change outside a key press is drawn later, on React's schedule; the list is drawn now,
      // before the rest of the TUI loads and holds the thread (Ink's rerender renders synchronously).
      if (!quitAsked) mounted.rerender(frame());
    },
  };
}
