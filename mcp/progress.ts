// Progress notifications for a running operation, when the client sent a progress token:
// progress = targets finished, total = targets planned.
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
  let sent: Promise<void> = Promise.resolve();
  const send = (progress: number, message: string) => {
    // Chained, so notifications leave in order; a client that went away must not fail the operation.
    sent = sent.then(() => extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress, total, message } })).catch(() => undefined);
  };
  return {
    listener: (event) => {
      if (event.type === 'operation-started') {
        // Everything not skipped counts: steps may already be running when this event is seen.
        total = event.operation.targets.filter((t) => t.state !== 'skipped').length;
        send(0, `${event.operation.kind}: ${total} VM(s) to do`);
      } else if (event.type === 'target-updated' && FINISHED.includes(event.target.state)) {
        finished = Math.min(total, finished + 1);
        send(finished, `${event.target.vmid} ${event.target.name}: ${event.target.state}`);
      }
    },
    flush: () => sent,
  };
}
