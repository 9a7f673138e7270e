// Opens a context: a connected PVE client, or for the built-in demo an in-process simulated cluster.
import { join } from 'node:path';
import type { ContextInfo } from '../core.js';
import { PveClient, type PveClientOptions } from '../pve/client.js';
import type { TlsOptions } from '../pve/tls.js';
import { pveProfile } from '../sim/profile.js';
import type { Simulator } from '../sim/index.js';
import { discardWarmDemoSimulator, startDemoSimulator } from './demo-sim-thread.js';
import { announceDemo, runningDemo, withDemoLock, type DemoEndpoint } from './demo-server.js';
import { DEMO_PROBE_TIMEOUT_MS, untilDemoAnswers, type DemoJoinOptions, type JoinAttempt } from './demo-join.js';
import type { ContextDefaults } from './contexts.js';
import { DEMO_CONTEXT, envFlag } from './env-flags.js';
import { configFile, contextStateDir, type Env } from './paths.js';

export interface OpenContextOptions {
  name?: string;
  demo?: boolean;
  /** The demo cluster's PVE release ('9' or '8.4'); MOXXIE_DEMO_PVE otherwise, default 9. */
  pve?: string;
  readOnly?: boolean;
  env?: Env;
  configPath?: string;
  logger?: (line: string) => void;
  /** Joining a demo another process serves: probe timeout and patience (demo-join.ts). */
  demoJoin?: DemoJoinOptions;
}

export interface OpenedContext {
  info: ContextInfo;
  client: PveClient;
  defaults: ContextDefaults;
  /** How the connection is verified (no secrets in here). */
  tls: TlsOptions;
  stateDir: string;
  /** The simulator, when this process serves the demo cluster on its own thread (the tests' TypeScript
   *  sources, which have no compiled worker); absent on a worker thread or in another process. */
  sim?: Simulator;
  close(): Promise<void>;
}

/** Demo task duration: a few seconds so live progress is visible; MOXXIE_DEMO_TASK_MS shortens it for tests. */
function demoTaskMs(env: Env): number {
  const v = Number(env.MOXXIE_DEMO_TASK_MS);
  return Number.isInteger(v) && v > 0 ? v : 3000;
}

/**
 * --demo, the name demo, MOXXIE_CONTEXT=demo, or `moxxie config use demo` (the file's current). The config
 * file and its schema are loaded only when they decide: the demo's first frame does without them.
 */
async function isDemo(opts: OpenContextOptions, env: Env): Promise<boolean> {
  if (opts.demo || opts.name === DEMO_CONTEXT) return true;
  if (opts.name) return false;
  if (env.MOXXIE_CONTEXT) return env.MOXXIE_CONTEXT === DEMO_CONTEXT;
  const { loadConfig, selectContextName } = await import('./contexts.js');
  return selectContextName(undefined, loadConfig(opts.configPath ?? configFile(env)), env) === DEMO_CONTEXT;
}

function demoInfo(url: string, opts: OpenContextOptions, env: Env): ContextInfo {
  return { name: DEMO_CONTEXT, url, readOnly: !!opts.readOnly || !!envFlag(env, 'MOXXIE_READ_ONLY'), safeMode: true, demo: true };
}

/**
 * The demo cluster of this state directory: the one another process already serves (so the TUI and
 * `moxxie mcp --demo` side by side see the same VMs), or a new in-process simulator that this process
 * serves, saves on close and announces to later ones.
 */
async function openDemo(opts: OpenContextOptions, env: Env): Promise<OpenedContext> {
  const stateDir = contextStateDir(DEMO_CONTEXT, env);
  const clientFor = (e: DemoEndpoint, extra: Partial<PveClientOptions> = {}) =>
    new PveClient({ url: e.url, auth: { tokenId: e.tokenId, tokenSecret: e.tokenSecret }, tls: { fingerprint: e.fingerprint }, taskPollIntervalMs: 250, logger: opts.logger, ...extra });
  const answers = async (served: DemoEndpoint): Promise<boolean> => {
    const probe = clientFor(served, { timeoutMs: opts.demoJoin?.probeTimeoutMs ?? DEMO_PROBE_TIMEOUT_MS, retryBaseDelayMs: 10, retryMaxDelayMs: 50 });
    const ok = await probe.get('/version').then(() => true, () => false);
    await probe.close();
    return ok;
  };
  // Under the demo lock, as the serving process closes under it: a demo being shut down is waited for, then
  // started again from its saved state, never joined a moment before it goes away. A live server that is
  // slow to answer is asked again after a pause outside the lock (demo-join.ts).
  return untilDemoAnswers<OpenedContext>(
    stateDir,
    () =>
      withDemoLock(stateDir, async (): Promise<JoinAttempt<OpenedContext>> => {
        const running = runningDemo(stateDir);
        if (!running) return { done: await startDemo() };
        if (running.closing || !(await answers(running))) return { silent: running };
        discardWarmDemoSimulator();
        const client = clientFor(running);
        opts.logger?.(`demo: using the demo cluster served by pid ${running.owner.pid} (${running.url})`);
        return { done: { info: demoInfo(running.url, opts, env), client, defaults: { maxParallel: 5 }, tls: { fingerprint: running.fingerprint }, stateDir, close: () => client.close() } };
      }),
    opts.demoJoin,
  );

  async function startDemo(): Promise<OpenedContext> {
    const sim = await startDemoSimulator({ pve: pveProfile(opts.pve ?? env.MOXXIE_DEMO_PVE).name, nodes: 4, vms: 40, containers: true, seed: 7, taskDurationMs: demoTaskMs(env), statePath: join(stateDir, 'sim-state.json') });
    const endpoint: DemoEndpoint = { url: sim.url, fingerprint: sim.fingerprint, tokenId: sim.credentials.tokenId, tokenSecret: sim.credentials.tokenSecret };
    const announcement = announceDemo(stateDir, endpoint);
    const client = clientFor(endpoint);
    return {
      info: demoInfo(sim.url, opts, env),
      client,
      defaults: { maxParallel: 5 },
      tls: { fingerprint: sim.fingerprint },
      stateDir,
      ...(sim.local ? { sim: sim.local } : {}),
      // Marked closing at once (an opener holding the lock now must not join a server about to go), then
      // under the lock: a process opening the demo meanwhile waits until the state is saved and the
      // announcement withdrawn, then starts its own simulator from that state.
      close: () => {
        announcement.markClosing();
        return withDemoLock(stateDir, async () => {
          await client.close();
          await sim.close();
          announcement.withdraw();
        });
      },
    };
  }
}

export async function openContext(opts: OpenContextOptions = {}): Promise<OpenedContext> {
  const env = opts.env ?? process.env;
  if (await isDemo(opts, env)) return openDemo(opts, env);
  const { resolveContext } = await import('./contexts.js');
  const ctx = resolveContext({ name: opts.name, env, configPath: opts.configPath, readOnly: opts.readOnly });
  const client = new PveClient({ url: ctx.url, auth: ctx.auth, tls: ctx.tls, logger: opts.logger });
  return {
    info: { name: ctx.name, url: ctx.url, readOnly: ctx.readOnly, safeMode: ctx.safeMode, demo: false },
    client,
    defaults: ctx.defaults,
    tls: ctx.tls,
    stateDir: contextStateDir(ctx.name, env),
    close: () => client.close(),
  };
}
