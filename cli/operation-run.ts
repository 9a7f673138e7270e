// Running an operation from the command line: a line per target as it ends (on stderr, so stdout holds only
// the result), Ctrl+C or SIGTERM cancels (nothing new starts, running steps finish and report), and a second
// one stops waiting for them (their targets are reported cancelled with the UPID of the task left running).
import { OperationStore } from '../src/ops/registry.js';
import type { Operation, RunOptions, TargetState } from '../src/ops/types.js';
import type { MoxxieSession } from '../src/open.js';
import { progressLine } from './operation-text.js';
import { watchRunSignals } from './run-signals.js';

const ENDED: TargetState[] = ['succeeded', 'failed', 'cancelled', 'interrupted', 'rolled-back', 'skipped'];

/** `started` says what began (default: the label and how many VMs it works on). */
export async function runFollowed(session: MoxxieSession, command: string, start: (run: RunOptions) => Promise<Operation>, started?: (op: Operation) => string): Promise<Operation> {
  const controller = new AbortController();
  const say = (text: string) => void process.stderr.write(`${text}\n`);
  let current: Operation | undefined;
  const signals = watchRunSignals(
    (name) => {
      say(`${command}: ${name}: cancelling${current ? ` ${current.id}` : ''}; nothing new starts, steps already running finish (${name === 'SIGINT' ? 'Ctrl+C' : name} again to stop waiting)`);
      controller.abort(`cancelled by ${name}`);
    },
    (name) => {
      say(`${command}: ${name}: no longer waiting; tasks already running on PVE go on${current ? ` (moxxie ops show ${current.id})` : ''}`);
      const operations = session.core.operations;
      if (operations instanceof OperationStore) void operations.shutdown(0);
    },
  );
  const reported = new Map<string, TargetState>();
  try {
    return await start({
      signal: controller.signal,
      frontEnd: 'cli',
      onStarted: (op) => {
        current = op;
        if (op.dryRun) return;
        const work = op.targets.filter((t) => t.state === 'planned').length;
        say(`${started ? started(op) : `${op.id} ${op.label ?? op.kind}: started on ${work} VM(s)${op.targets.length > work ? ` (${op.targets.length - work} not to do)` : ''}`}; Ctrl+C cancels`);
        for (const t of op.targets) reported.set(t.id, t.state);
      },
      onEvent: (event) => {
        if (event.type !== 'target-updated' || current?.dryRun) return;
        const t = event.target;
        // A target that runs again (a resume of a failed one) is reported again when it ends.
        if (!ENDED.includes(t.state)) reported.delete(t.id);
        if (!ENDED.includes(t.state) || reported.get(t.id) === t.state) return;
        reported.set(t.id, t.state);
        say(progressLine(t));
      },
    });
  } finally {
    signals.dispose();
  }
}
