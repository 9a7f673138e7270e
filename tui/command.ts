// `moxxie [--demo] [--context NAME] [--read-only]`: the full-screen TUI.
import { render } from 'ink';
import { createElement } from 'react';
import { parseArgs } from 'node:util';
import { openMoxxie } from '../src/open.js';
import { App } from './App.js';
import { TuiController } from './controller.js';
import { createTuiStore } from './store.js';
import { enterAlternateScreen } from './terminal.js';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { demo: { type: 'boolean' }, context: { type: 'string' }, 'read-only': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write('moxxie [--demo] [--context NAME] [--read-only]   full-screen TUI; press ? inside for keys\n');
    return 0;
  }
  const session = await openMoxxie({ name: values.context, demo: values.demo, readOnly: values['read-only'], frontEnd: 'tui' });
  const store = createTuiStore(session.context.info, { columns: process.stdout.columns || 120, rows: process.stdout.rows || 30 });
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
    await session.close();
  }
  return 0;
}
