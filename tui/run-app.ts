// Mounts the Ink app on the alternate screen and resolves when the user quits.
import { render } from 'ink';
import { createElement } from 'react';
import type { MoxxieSession } from '../src/open.js';
import { App } from './App.js';
import { TuiController } from './controller.js';
import type { Inventory } from '../src/inventory/model.js';
import { createTuiStore, setInventory } from './store.js';
import { enterAlternateScreen } from './terminal.js';

export async function runApp(session: MoxxieSession, inventory: Inventory | null): Promise<void> {
  const store = createTuiStore(session.context.info, { columns: process.stdout.columns || 120, rows: process.stdout.rows || 30 });
  if (inventory) setInventory(store, inventory);
  const controller = new TuiController(store, session, session.context.info.demo ? 2000 : 5000);
  const restore = enterAlternateScreen();
  const app = render(createElement(App, { store, controller }), { exitOnCtrlC: false, patchConsole: true });
  controller.onQuit = () => app.unmount();
  try {
    await controller.start();
    await app.waitUntilExit();
  } finally {
    controller.stop();
    restore();
  }
}
