// Starts the demo cluster's simulator on a worker thread (demo-sim-worker.ts), or in this thread when no
// compiled worker exists beside this module (tests run the TypeScript sources).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SimCredentials, SimOptions, Simulator } from '../sim/index.js';

/** What the worker tells the thread that started it. */
export type DemoSimMessage =
  | { kind: 'ready'; url: string; fingerprint: string; credentials: SimCredentials }
  | { kind: 'closed' }
  | { kind: 'failed'; message: string };

export interface DemoSim {
  url: string;
  fingerprint: string;
  credentials: SimCredentials;
  /** Saves the cluster's state and stops answering. */
  close(): Promise<void>;
  /** The simulator itself when it runs on this thread (no compiled worker: the tests' TypeScript sources). */
  local?: Simulator;
}

/** The compiled worker: beside this module (dist/src/config), or the bundle's chunk of that name. */
function workerFile(): string | undefined {
  const path = fileURLToPath(new URL('./demo-sim-worker.js', import.meta.url));
  return existsSync(path) ? path : undefined;
}

export async function startDemoSimulator(opts: SimOptions): Promise<DemoSim> {
  const file = workerFile();
  // Loaded only here: with a worker, the simulator's code never loads on this thread.
  if (!file) {
    const local = await (await import('../sim/index.js')).startSimulator(opts);
    return { url: local.url, fingerprint: local.fingerprint, credentials: local.credentials, close: () => local.close(), local };
  }
  const worker = new Worker(file, { workerData: opts });
  const next = () =>
    new Promise<DemoSimMessage>((resolve, reject) => {
      const onMessage = (m: DemoSimMessage) => {
        worker.off('error', onError);
        resolve(m);
      };
      const onError = (err: Error) => {
        worker.off('message', onMessage);
        reject(err);
      };
      worker.once('message', onMessage);
      worker.once('error', onError);
    });
  const first = await next();
  if (first.kind !== 'ready') {
    await worker.terminate();
    throw new Error(first.kind === 'failed' ? first.message : 'the demo simulator closed before it started');
  }
  // From here a dead simulator shows as refused connections in whatever front end asked; an 'error'
  // without a listener would instead end this process.
  worker.on('error', () => undefined);
  let closing: Promise<void> | undefined;
  return {
    url: first.url,
    fingerprint: first.fingerprint,
    credentials: first.credentials,
    close: () =>
      (closing ??= (async () => {
        const answer = next();
        worker.postMessage({ kind: 'close' });
        const done = await answer.finally(() => worker.terminate());
        if (done.kind === 'failed') throw new Error(`the demo simulator did not close cleanly: ${done.message}`);
      })()),
  };
}
