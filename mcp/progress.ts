// Progress notifications for a running call, when the client sent a progress token:
// progress = targets finished, total = targets to do, summed over every operation the call runs
// (a bulk tool runs one; a job run may add retries and snapshot rotation).
import type { OperationListener, TargetState } from '../src/ops/types.js';
import type { ToolExtra } from './define-tool.js';

const FINISHED: TargetState[] = ['succeeded', 'failed', 'cancelled'];

export interface ProgressReporter {
  listener?: OperationListener;
  /** Resolves when every notification is sent: the answer must not overtake the last one. */
  flush(): Promise<void>;
}

export function progressReporter(extra: ToolExtra): ProgressReporter {
  const progressToken = extra._meta?.progressToken;
  if (progressToken === undefined) return { flush: async () => undefined };
  let total = 0;
  let finished = 0;
  let lastSent = -1;
  let sent: Promise<void> = Promise.resolve();
  const send = (message: string) => {
    // MCP requires progress to increase with every notification: a later operation that has finished
    // nothing yet is not announced on its own.
    if (finished <= lastSent) return;
    lastSent = finished;
    const params = { progressToken, progress: finished, total, message };
    // Chained, so notifications leave in order; a client that went away must not fail the operation.
    sent = sent.then(() => extra.sendNotification({ method: 'notifications/progress', params })).catch(() => undefined);
  };
  return {
    listener: (event) => {
      if (event.type === 'operation-started') {
        // Everything not skipped counts: steps may already be running when this event is seen, and
        // targets that cannot be attempted (offline node) start out failed, so they count as finished.
        const targets = event.operation.targets.filter((t) => t.state !== 'skipped');
        total += targets.length;
        finished += targets.filter((t) => FINISHED.includes(t.state)).length;
        send(`${event.operation.kind}: ${targets.length} VM(s) to do`);
      } else if (event.type === 'target-updated' && FINISHED.includes(event.target.state)) {
        finished = Math.min(total, finished + 1);
        send(`${event.target.vmid} ${event.target.name}: ${event.target.state}`);
      }
    },
    flush: () => sent,
  };
}
