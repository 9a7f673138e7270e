// `moxxie [--demo] [--context NAME] [--read-only]`: the full-screen TUI.
import { parseArgs } from 'node:util';
import { openMoxxie } from '../src/open.js';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { demo: { type: 'boolean' }, context: { type: 'string' }, 'read-only': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write('moxxie [--demo] [--context NAME] [--read-only]   full-screen TUI; press ? inside for keys\n');
    return 0;
  }
  // Ink and React take about half a second to load: load them while the context connects.
  const opening = openMoxxie({ name: values.context, demo: values.demo, readOnly: values['read-only'], frontEnd: 'tui' });
  // The first frame already shows the cluster: its inventory is fetched while Ink loads.
  const firstInventory = opening.then((s) => s.core.inventory()).catch(() => null);
  const [session, inventory, { runApp }] = await Promise.all([opening, firstInventory, import('./run-app.js')]);
  try {
    await runApp(session, inventory);
  } finally {
    await session.close();
  }
  return 0;
}
