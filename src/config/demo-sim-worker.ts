// The demo cluster's simulator on a thread of its own (started by demo-sim-thread.ts): parsing PVE's
// schema, building the cluster and answering requests then use the second core instead of delaying the
// TUI's first frame and its key presses.
import { parentPort, workerData } from 'node:worker_threads';
import { startSimulator, type SimOptions } from '../sim/index.js';
import type { DemoSimMessage } from './demo-sim-thread.js';

const port = parentPort!;
const send = (message: DemoSimMessage) => port.postMessage(message);

try {
  const sim = await startSimulator(workerData as SimOptions);
  port.on('message', (message: { kind: 'close' }) => {
    if (message.kind !== 'close') return;
    // Saves the state file; then nothing keeps this thread alive.
    sim.close().then(
      () => send({ kind: 'closed' }),
      (err: Error) => send({ kind: 'failed', message: err.message }),
    );
  });
  send({ kind: 'ready', url: sim.url, fingerprint: sim.fingerprint, credentials: sim.credentials });
} catch (err) {
  send({ kind: 'failed', message: (err as Error).message });
}
