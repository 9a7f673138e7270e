// Opens a context: a connected PVE client, or for the built-in demo an in-process simulated cluster.
import { join } from 'node:path';
import type { ContextInfo } from '../core.js';
import { PveClient } from '../pve/client.js';
import { startSimulator, type Simulator } from '../sim/index.js';
import { DEMO_CONTEXT, resolveContext, type ContextDefaults } from './contexts.js';
import { contextStateDir, type Env } from './paths.js';

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

export async function openContext(opts: OpenContextOptions = {}): Promise<OpenedContext> {
  const env = opts.env ?? process.env;
  const demo = opts.demo || opts.name === DEMO_CONTEXT || (!opts.name && env.MOXXIE_CONTEXT === DEMO_CONTEXT);
  if (demo) {
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
      info: { name: DEMO_CONTEXT, url: sim.url, readOnly: !!opts.readOnly, safeMode: true, demo: true },
      client,
      defaults: { maxParallel: 5 },
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
    stateDir: contextStateDir(ctx.name, env),
    close: () => client.close(),
  };
}
