// Child process for the concurrency test: appends N audit records to one store, one write each.
import { HistoryStore } from '../../dist/src/history/store.js';

const [dir, tag, count] = process.argv.slice(2);
const store = new HistoryStore({ dir });
for (let i = 0; i < Number(count); i++) {
  await store.audit({ at: Date.now(), context: 'concurrency', frontEnd: 'cli', action: `${tag}-${i}`, request: {}, allowed: true });
  if (process.env.SIGNAL_AFTER && i === Number(process.env.SIGNAL_AFTER)) process.stdout.write('ready\n');
}
process.stdout.write('done\n');
