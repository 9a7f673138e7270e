// Starts the demo cluster's simulator on a worker thread (demo-sim-worker.ts), or in this thread when no
// compiled worker exists beside this module (tests run the TypeScript sources). `warmDemoSimulator` starts
// the thread early, before the rest of moxxie has loaded; `startDemoSimulator` then uses it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SimCredentials, SimOptions, Simulator } from '../sim/index.js';
import { pveProfile } from '../sim/profile.js';

/** What the worker tells the thread that started it. */
export type DemoSimMessage =
  | { kind: 'ready'; url: string; fingerprint: string; credentials: SimCredentials }
  | { kind: 'closed' }
  | { kind: 'failed'; message: string };

/** What the thread that started it asks of the worker. */
export type DemoSimRequest = { kind: 'start'; options: SimOptions } | { kind: 'close' };

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

/** A thread started by warmDemoSimulator and not used yet, with the release it loaded. */
let warm: { worker: Worker; pve: SimOptions['pve'] } | undefined;

function newWorker(): Worker | undefined {
  const file = workerFile();
  return file ? new Worker(file) : undefined;
}

/** Starts loading the demo's simulator on its thread now (the release MOXXIE_DEMO_PVE names, as the demo
 *  context will ask for); it does not keep the process alive until used. */
export function warmDemoSimulator(env: NodeJS.ProcessEnv = process.env): void {
  if (warm) return;
  let pve: SimOptions['pve'];
  try {
    pve = pveProfile(env.MOXXIE_DEMO_PVE).name;
  } catch {
    return; // An unknown release is refused, with its message, when the demo context opens.
  }
  const worker = newWorker();
  if (!worker) return;
  worker.unref();
  // A failure shows when the simulator is started; until then it must not end the process.
  worker.on('error', () => undefined);
  warm = { worker, pve };
}

/** Ends a warm thread nobody will use (the demo turned out to be served by another process). */
export function discardWarmDemoSimulator(): void {
  void warm?.worker.terminate();
  warm = undefined;
}

function nextMessage(worker: Worker): Promise<DemoSimMessage> {
  return new Promise<DemoSimMessage>((resolve, reject) => {
    const onMessage = (m: DemoSimMessage) => {
      worker.off('error', onError);
      worker.off('exit', onExit);
      resolve(m);
    };
    const onError = (err: Error) => {
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      reject(err);
    };
    const onExit = (code: number) => onError(new Error(`the demo simulator's thread ended (exit ${code})`));
    worker.once('message', onMessage);
    worker.once('error', onError);
    worker.once('exit', onExit);
  });
}

export async function startDemoSimulator(options: SimOptions): Promise<DemoSim> {
  let worker: Worker | undefined;
  if (warm && warm.pve === options.pve) worker = warm.worker;
  else discardWarmDemoSimulator();
  warm = undefined;
  worker ??= newWorker();
  if (!worker) {
    // Loaded only here: with a worker, the simulator's code never loads on this thread.
    const local = await (await import('../sim/index.js')).startSimulator(options);
    return { url: local.url, fingerprint: local.fingerprint, credentials: local.credentials, close: () => local.close(), local };
  }
  // Serving now: the thread keeps the process alive until closed.
  worker.ref();
  worker.on('error', () => undefined);
  const started = nextMessage(worker);
  worker.postMessage({ kind: 'start', options } satisfies DemoSimRequest);
  const first = await started.catch((err: Error) => ({ kind: 'failed' as const, message: err.message }));
  if (first.kind !== 'ready') {
    await worker.terminate();
    throw new Error(first.kind === 'failed' ? first.message : 'the demo simulator closed before it started');
  }
  const running = worker;
  let closing: Promise<void> | undefined;
  return {
    url: first.url,
    fingerprint: first.fingerprint,
    credentials: first.credentials,
    close: () =>
      (closing ??= (async () => {
        const answer = nextMessage(running);
        running.postMessage({ kind: 'close' } satisfies DemoSimRequest);
        const done = await answer.finally(() => running.terminate());
        if (done.kind === 'failed') throw new Error(`the demo simulator did not close cleanly: ${done.message}`);
      })()),
  };
}
