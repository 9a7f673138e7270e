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
  // Provisioning (many phases per VM, minutes each) also reports each VM's phase changes. How many phases a
  // VM has is not known up front, so each change moves the VM half of its way still to go (progress only grows
  // and stays below one VM until the VM finishes).
  const phaseShare = new Map<string, { name: string; credit: number; seen: Set<string> }>();
  let phaseCredit = 0;
  const send = (message: string) => {
    // MCP requires progress to increase with every notification: a later operation that has finished
    // nothing yet is not announced on its own.
    const progress = finished + phaseCredit;
    if (progress <= lastSent) return;
    lastSent = progress;
    const params = { progressToken, progress, total, message };
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
        if (event.operation.kind === 'cluster.provision') {
          for (const t of targets) if (!FINISHED.includes(t.state)) phaseShare.set(t.id, { name: t.name, credit: 0, seen: new Set() });
        }
        send(`${event.operation.kind}: ${targets.length} VM(s) to do`);
      } else if (event.type === 'phase-changed' && phaseShare.has(event.targetId)) {
        const share = phaseShare.get(event.targetId)!;
        const step = `${event.phase.name} ${event.phase.state}`;
        if (share.seen.has(step)) return;
        share.seen.add(step);
        const more = (1 - share.credit) / 2;
        share.credit += more;
        phaseCredit += more;
        send(`${share.name}: ${event.phase.name} ${event.phase.state}`);
      } else if (event.type === 'target-updated' && FINISHED.includes(event.target.state)) {
        // Its phases' credit becomes the whole VM.
        const share = phaseShare.get(event.target.id);
        if (share) {
          phaseCredit -= share.credit;
          phaseShare.delete(event.target.id);
          if (!phaseShare.size) phaseCredit = 0;
        }
        finished = Math.min(total, finished + 1);
        send(`${event.target.vmid} ${event.target.name}: ${event.target.state}`);
      }
    },
    flush: () => sent,
  };
}
