// What every tool group receives: the core, jobs and history of one context, the process-wide
// confirmations, and a way to ask the user (elicitation) on this connection when the client can.
import type { MoxxieCore } from '../src/core.js';
import type { HistoryStore } from '../src/history/store.js';
import type { JobManager } from '../src/schedule/jobs.js';
import type { Confirmations } from './confirmations.js';
import type { PlanStore } from './plan-store.js';
import type { ToolSelection } from './toolsets.js';
import type { ToolExtra } from './define-tool.js';

/** Shared by every connection of one server process. */
export interface McpDeps {
  core: MoxxieCore;
  jobs: JobManager;
  history: HistoryStore;
  readOnly: boolean;
  confirmations: Confirmations;
  /** Recent plans, for get_operation by a plan's id (shared by every connection, like confirmations). */
  plans: PlanStore;
  /** How long a waiting bulk call waits before answering with the operation id (it keeps running). */
  maxWaitMs?: number;
  /** Which tools are offered (default: the everyday toolsets). */
  selection?: ToolSelection;
}

export type UserAnswer = 'accepted' | 'declined' | 'unavailable';

export interface ToolContext extends McpDeps {
  /** Asks the user a yes/no question through the client; 'unavailable' when the client cannot. */
  askUser(question: string, extra: ToolExtra): Promise<UserAnswer>;
}
