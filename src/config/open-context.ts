// Opens a context: a connected PVE client, or for the built-in demo an in-process simulated cluster.
import { join } from 'node:path';
import type { ContextInfo } from '../core.js';
import { PveClient } from '../pve/client.js';
import type { TlsOptions } from '../pve/tls.js';
import { startSimulator, type Simulator } from '../sim/index.js';
import { DEMO_CONTEXT, envFlag, loadConfig, resolveContext, selectContextName, type ContextDefaults } from './contexts.js';
import { configFile, contextStateDir, type Env } from './paths.js';

export interface OpenContextOptions {
  name?: string;
  demo?: boolean;
  readOnly?: boolean;
  env?: Env;
  configPath?: string;
  logger?: (line: string) => void;
}

export interface OpenedContext {
  info: ContextInfo;
  client: PveClient;
  defaults: ContextDefaults;
  /** How the connection is verified (no secrets in here). */
  tls: TlsOptions;
  stateDir: string;
  /** The in-process simulator, for the demo context only. */
  sim?: Simulator;
  close(): Promise<void>;
}

/** Demo task duration: a few seconds so live progress is visible; MOXXIE_DEMO_TASK_MS shortens it for tests. */
function demoTaskMs(env: Env): number {
  const v = Number(env.MOXXIE_DEMO_TASK_MS);
  return Number.isInteger(v) && v > 0 ? v : 3000;
}

/** --demo, the name demo, MOXXIE_CONTEXT=demo, or `moxxie config use demo` (the file's current). */
function isDemo(opts: OpenContextOptions, env: Env): boolean {
  if (opts.demo || opts.name === DEMO_CONTEXT) return true;
  if (opts.name) return false;
  if (env.MOXXIE_CONTEXT) return env.MOXXIE_CONTEXT === DEMO_CONTEXT;
  return selectContextName(undefined, loadConfig(opts.configPath ?? configFile(env)), env) === DEMO_CONTEXT;
}

export async function openContext(opts: OpenContextOptions = {}): Promise<OpenedContext> {
  const env = opts.env ?? process.env;
  if (isDemo(opts, env)) {
    const stateDir = contextStateDir(DEMO_CONTEXT, env);
    const sim = await startSimulator({ nodes: 4, vms: 40, seed: 7, taskDurationMs: demoTaskMs(env), statePath: join(stateDir, 'sim-state.json') });
    const client = new PveClient({
      url: sim.url,
      auth: { tokenId: sim.credentials.tokenId, tokenSecret: sim.credentials.tokenSecret },
      tls: { fingerprint: sim.fingerprint },
      taskPollIntervalMs: 250,
      logger: opts.logger,
    });
    return {
      info: { name: DEMO_CONTEXT, url: sim.url, readOnly: !!opts.readOnly || !!envFlag(env, 'MOXXIE_READ_ONLY'), safeMode: true, demo: true },
      client,
      defaults: { maxParallel: 5 },
      tls: { fingerprint: sim.fingerprint },
      stateDir,
      sim,
      close: async () => {
        await client.close();
        await sim.close();
      },
    };
  }
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
