// The demo cluster's simulator on a thread of its own (started by demo-sim-thread.ts): parsing PVE's
// schema, building the cluster and answering requests then use the second core instead of delaying the
// TUI's first frame and its key presses. It loads the simulator at once, then waits for `start` (sent once
// the demo's lock is held, so the saved state is read under it); it parses the part of PVE's schema the first request needs once it answers.
import { parentPort } from 'node:worker_threads';
import { routeTable } from '../sim/schema/routes.js';
import { startSimulator, type Simulator } from '../sim/index.js';
import type { DemoSimMessage, DemoSimRequest } from './demo-sim-thread.js';

const port = parentPort!;
const send = (message: DemoSimMessage) => port.postMessage(message);
let sim: Simulator | undefined;

port.on('message', (message: DemoSimRequest) => {
  if (message.kind === 'start' && !sim) {
    startSimulator(message.options).then(
      (started) => {
        sim = started;
        send({ kind: 'ready', url: started.url, fingerprint: started.fingerprint, credentials: started.credentials });
        // The schema's /cluster branch, parsed now, in the moment before the first request comes there (the
        // inventory's); the other branches when a request first asks for them.
        setImmediate(() => routeTable(started.pve).match(['cluster', 'resources']));
      },
      (err: Error) => send({ kind: 'failed', message: err.message }),
    );
  } else if (message.kind === 'close') {
    // Saves the state file; then nothing keeps this thread alive.
    (sim ? sim.close() : Promise.resolve()).then(
      () => send({ kind: 'closed' }),
      (err: Error) => send({ kind: 'failed', message: err.message }),
    );
  }
});


