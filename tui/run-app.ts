// The app takes over the first frame (first-frame.ts) in place and resolves when the user quits, with the
// session that is current then (`:ctx` may have replaced the first one).
import { createElement } from 'react';
import type { Inventory } from '../src/inventory/model.js';
import { appFrame } from './App.js';
import { ScreenFrame } from './components/ScreenFrame.js';
import { TuiController, type ContextSwitcher, type TuiSession } from './controller.js';
import type { FirstFrame } from './first-frame.js';

export interface RunAppOptions {
  /** The inventory the first frame shows (null: it could not be read, the app reads it again). */
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

export async function runApp(session: TuiSession, frame: FirstFrame, opts: RunAppOptions = {}): Promise<AppExit> {
  const { store, ink, screen } = frame;
  const controller = new TuiController(store, session, { refreshMs: opts.refreshMs ?? (session.core.context.demo ? 2000 : 5000), switcher: opts.switcher });
  let quitting = false;
  controller.onQuit = () => {
    quitting = true;
    ink.unmount();
  };
  try {
    const started = controller.start(opts.initial);
    // A signal that came while the first frame was up quits here, before anything is drawn.
    frame.onSignal(() => controller.quit());
    // The same root (ScreenFrame) with the app's body, pane and keys: React updates it in place.
    if (!quitting) ink.rerender(createElement(ScreenFrame, appFrame(store, controller)));
    frame.handKeysTo((input, key) => controller.handleInput(input, key));
    await started;
    await frame.exited;
  } finally {
    controller.stop();
    screen.restore();
  }
  return { session: controller.current, exitCode: screen.exitCode() };
}
