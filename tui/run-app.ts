// Mounts the Ink app on the alternate screen and resolves when the user quits, with the session that
// is current then (`:ctx` may have replaced the first one).
import { render } from 'ink';
import { createElement } from 'react';
import type { Inventory } from '../src/inventory/model.js';
import { App } from './App.js';
import { TuiController, type ContextSwitcher, type TuiSession } from './controller.js';
import { createTuiStore } from './store.js';
import { enterAlternateScreen } from './terminal.js';
import { keyByKeyStdin } from './key-chunks.js';

export interface RunAppOptions {
  initial?: Inventory | null;
  switcher?: ContextSwitcher;
  refreshMs?: number;
}

export interface AppExit {
  /** The session in use at the end (`:ctx` may have replaced the first one); the caller closes it. */
  session: TuiSession;
  /** 0, or 128 + a signal's number when a signal ended the TUI. */
  exitCode: number;
}

export async function runApp(session: TuiSession, opts: RunAppOptions = {}): Promise<AppExit> {
  const store = createTuiStore(session.core.context, { columns: process.stdout.columns || 120, rows: process.stdout.rows || 30 });
  const controller = new TuiController(store, session, { refreshMs: opts.refreshMs ?? (session.core.context.demo ? 2000 : 5000), switcher: opts.switcher });
  // A signal quits like q does, so the caller still closes the session (history, demo state).
  const screen = enterAlternateScreen({ onSignal: () => controller.quit() });
  try {
    // The first frame already lists the cluster when an inventory was fetched while Ink loaded.
    const started = controller.start(opts.initial);
    // Ink 6's incremental renderer leaves stale lines behind in a full-screen app (seen in tmux); the
    // standard one rewrites the frame, which the one spare row at the bottom keeps from clearing the
    // screen (see drawnRows).
    const app = render(createElement(App, { store, controller }), { exitOnCtrlC: false, patchConsole: true, maxFps: 60, stdin: keyByKeyStdin(process.stdin) });
    controller.onQuit = () => app.unmount();
    await started;
    await app.waitUntilExit();
  } finally {
    controller.stop();
    screen.restore();
  }
  return { session: controller.current, exitCode: screen.exitCode() };
}
