// What every tool group receives: the core, jobs and history of one context, and the confirmations.
import type { MoxxieCore } from '../src/core.js';
import type { HistoryStore } from '../src/history/store.js';
import type { JobManager } from '../src/schedule/jobs.js';
import type { Confirmations } from './confirmations.js';

export interface ToolContext {
  core: MoxxieCore;
  jobs: JobManager;
  history: HistoryStore;
  readOnly: boolean;
  confirmations: Confirmations;
}
