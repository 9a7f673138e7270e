// openMoxxie: one call for a front end — the context's client, the core, history and jobs, wired up.
import type { MoxxieCore } from './core.js';
import { loadConfig } from './config/contexts.js';
import { openContext, type OpenContextOptions, type OpenedContext } from './config/open-context.js';
import { configFile } from './config/paths.js';
import { openHistory, type HistoryStore } from './history/store.js';
import { createCore } from './ops/core.js';
import { contextVmids } from './ops/vmid-allocator.js';
import { placementSettingsOf } from './config/placement-settings.js';
import type { FrontEnd } from './ops/types.js';
import { JobManager } from './schedule/jobs.js';

export interface MoxxieSession {
  core: MoxxieCore;
  history: HistoryStore;
  jobs: JobManager;
  context: OpenedContext;
  close(): Promise<void>;
}

export type SessionOptions = Pick<OpenContextOptions, 'configPath' | 'env' | 'logger'> & { frontEnd: FrontEnd };

export async function openMoxxie(opts: OpenContextOptions & { frontEnd: FrontEnd }): Promise<MoxxieSession> {
  const context = await openContext(opts);
  try {
    return await openSession(context, opts);
  } catch (err) {
    await context.close();
    throw err;
  }
}

/**
 * The session over a context already open (the TUI opens it first, to draw its first frame before the core
 * has loaded). The session's close closes the context too; if this fails, closing the context is the caller's.
 */
export async function openSession(context: OpenedContext, opts: SessionOptions): Promise<MoxxieSession> {
  // Retention comes from the config file's `history` section (default 90 days, 5,000 records per kind).
  const retention = loadConfig(opts.configPath ?? configFile(opts.env ?? process.env)).history;
  const history = await openHistory({
    dir: context.stateDir,
    // A failed history write must not break the operation, but it must not pass silently either.
    onError: (err) => (opts.logger ? opts.logger(`history write failed: ${err.message}`) : void process.stderr.write(`moxxie: history write failed: ${err.message}\n`)),
    retention: {
      ...(retention?.retentionDays !== undefined ? { maxAgeDays: retention.retentionDays } : {}),
      ...(retention?.maxOperations !== undefined ? { maxRecords: retention.maxOperations } : {}),
    },
  });
  const core = createCore({ context: context.info, client: context.client, defaults: context.defaults, recorder: history, frontEnd: opts.frontEnd, vmids: contextVmids(context.stateDir, context.defaults.vmidRange), placement: context.info.demo ? {} : placementSettingsOf(context.info.name, opts) });
  const jobs = new JobManager(history, core, { frontEnd: opts.frontEnd });
  return {
    core,
    history,
    jobs,
    context,
    close: async () => {
      await core.close();
      await history.flush();
      await context.close();
    },
  };
}

