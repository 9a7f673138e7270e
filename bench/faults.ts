// Fault matrix: a bulk snapshot through the real core (createSnapshots, maxParallel 20) against a simulated
// cluster that fails the way real ones do — 10% HTTP 5xx (500, 502, 503) and 3% dropped connections before
// anything runs, 10% of write answers lost after the write was applied (dropped or a proxy's 502), 5% of
// tasks failing, 3 s tickets — then the outcome is judged on the simulator's true state, not on what moxxie
// says: every target accounted for (succeeded, or failed with a reason), no guest with two snapshots from
// the one request, every target reported succeeded has its snapshot, no target reported failed whose
// snapshot PVE made. `npm run bench` prints the three counts that should be 0; test/faults runs the same
// matrix at a smaller scale.
import { createCore } from '../src/ops/core.js';
import type { Operation } from '../src/ops/types.js';
import { PveClient } from '../src/pve/client.js';
import { startSimulator, type FaultSettings, type Simulator } from '../src/sim/index.js';

export const MATRIX_FAULTS: Partial<FaultSettings> = {
  errorRate: 0.1,
  errorStatus: [500, 502, 503],
  dropRate: 0.03,
  lostAnswerRate: 0.1,
  lostAnswerMode: 'mixed',
  lostAnswerMethods: ['POST', 'PUT', 'DELETE'],
  taskFailureRate: 0.05,
  ticketLifetimeSeconds: 3,
};

export interface FaultMatrixOptions {
  /** Guests in the request (qemu VMs, no templates). */
  vms: number;
  nodes: number;
  maxParallel?: number;
  taskDurationMs?: number;
  seed?: number;
  faults?: Partial<FaultSettings>;
  /** Task-watch interval of the client. */
  pollMs?: number;
}

export interface FaultMatrixResult {
  targets: number;
  succeeded: number;
  failed: number;
  /** Guests with more than one snapshot from this one request. */
  duplicates: number;
  /** Targets reported failed whose snapshot PVE made. */
  falseFailures: number;
  /** Targets reported succeeded without their snapshot. */
  falseSuccesses: number;
  /** Guests asked for that ended neither succeeded nor failed with a reason (or have no target at all). */
  unaccounted: number;
  /** Reported failures by cause (numbers and paths folded), most frequent first. */
  failureReasons: Array<[string, number]>;
  /** Up to five guests per finding, with what moxxie said and what PVE has. */
  examples: { duplicates: string[]; falseFailures: string[]; falseSuccesses: string[]; unaccounted: string[] };
  injected: { errors: number; drops: number; lostAnswers: number; taskFailures: number };
  operationStatus: Operation['status'];
  durationMs: number;
  requests: number;
  /** Ticket logins during the operation: more than one means tickets expired under it. */
  logins: number;
}

const PREFIX = 'fault-matrix';

/** A failure message with its numbers, UPIDs and paths folded, so like causes count together. */
function cause(message: string | undefined): string {
  return (message ?? '(no message)')
    .replace(/UPID:[^\s)]+/g, 'UPID')
    .replace(/\/nodes\/[^\s:]+/g, '/nodes/…')
    .replace(/\d+/g, 'N')
    .slice(0, 120);
}

/** Until every task the simulator runs has stopped: a task whose POST answer was lost may still be going. */
async function tasksSettled(sim: Simulator, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (sim.state.tasks().some((t) => t.status === 'running')) {
    if (Date.now() > end) throw new Error(`fault matrix: simulator tasks still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function runFaultMatrix(opts: FaultMatrixOptions): Promise<FaultMatrixResult> {
  const maxParallel = opts.maxParallel ?? 20;
  const sim = await startSimulator({ vms: opts.vms + 20, nodes: opts.nodes, seed: opts.seed ?? 1, taskDurationMs: opts.taskDurationMs ?? 50 });
  // Ticket auth, so the 3 s tickets expire under the run; reads get a few more attempts than the default.
  const client = new PveClient({
    url: sim.url,
    auth: { username: sim.credentials.username, password: sim.credentials.password },
    tls: { fingerprint: sim.fingerprint },
    taskPollIntervalMs: opts.pollMs ?? 20,
    retryBaseDelayMs: 10,
    readAttempts: 5,
    maxConnections: maxParallel + 4,
  });
  const core = createCore({ context: { name: 'fault-matrix', url: sim.url, readOnly: false, safeMode: false, demo: false }, client, lockRetryDelayMs: 20 });
  try {
    const ids = sim.state
      .vms()
      .filter((v) => v.type === 'qemu' && !v.template)
      .slice(0, opts.vms)
      .map((v) => v.vmid);
    if (ids.length !== opts.vms) throw new Error(`fault matrix: the simulator generated ${ids.length} qemu VMs, need ${opts.vms}`);
    const before = new Set(sim.state.tasks().map((t) => t.upid));
    sim.faults.set({ ...MATRIX_FAULTS, ...opts.faults });
    sim.stats.reset();
    const started = Date.now();
    let op: Operation;
    try {
      op = await core.createSnapshots({ vmSelectors: [{ type: 'VM_IDS', value: ids.join(',') }], snapshotName: `${PREFIX}-{vmid}-{time}`, maxParallel });
    } finally {
      // The judging below reads the true state only; no more faults once the operation has ended.
      sim.faults.set({ taskFailureRate: 0, errorRate: 0, dropRate: 0, lostAnswerRate: 0 });
    }
    const durationMs = Date.now() - started;
    const requests = sim.stats.requests;
    const logins = sim.stats.byRoute['POST /access/ticket'] ?? 0;
    const injected = { ...sim.stats.injected, taskFailures: 0 };
    await tasksSettled(sim, 30_000);
    injected.taskFailures = sim.state.tasks().filter((t) => !before.has(t.upid) && t.exitstatus === 'simulated task failure (fault injection)').length;

    const byVmid = new Map(op.targets.filter((t) => t.vmid !== undefined).map((t) => [t.vmid!, t]));
    const result: FaultMatrixResult = {
      targets: op.targets.length,
      succeeded: 0,
      failed: 0,
      duplicates: 0,
      falseFailures: 0,
      falseSuccesses: 0,
      unaccounted: 0,
      failureReasons: [],
      examples: { duplicates: [], falseFailures: [], falseSuccesses: [], unaccounted: [] },
      injected,
      operationStatus: op.status,
      durationMs,
      requests,
      logins,
    };
    const reasons = new Map<string, number>();
    const note = (list: string[], line: string) => list.length < 5 && list.push(line);
    for (const vmid of ids) {
      const target = byVmid.get(vmid);
      const made = sim.state.vm(vmid)!.snapshots.filter((s) => s.name.startsWith(`${PREFIX}-${vmid}-`)).map((s) => s.name);
      const said = target ? `${target.state}: ${target.message ?? '(no message)'}` : 'no target';
      if (made.length > 1) {
        result.duplicates++;
        note(result.examples.duplicates, `${vmid}: ${made.join(', ')} (${said})`);
      }
      if (target?.state === 'succeeded') {
        result.succeeded++;
        if (made.length === 0) {
          result.falseSuccesses++;
          note(result.examples.falseSuccesses, `${vmid}: ${said}; PVE has no snapshot`);
        }
      } else if (target?.state === 'failed' && target.message) {
        result.failed++;
        reasons.set(cause(target.message), (reasons.get(cause(target.message)) ?? 0) + 1);
        if (made.length > 0) {
          result.falseFailures++;
          note(result.examples.falseFailures, `${vmid}: ${said}; PVE has ${made.join(', ')}`);
        }
      } else {
        result.unaccounted++;
        note(result.examples.unaccounted, `${vmid}: ${said}`);
      }
    }
    result.failureReasons = [...reasons].sort((a, b) => b[1] - a[1]);
    return result;
  } finally {
    await core.close();
    await client.close();
    await sim.close();
  }
}

export async function run(): Promise<void> {
  const r = await runFaultMatrix({ vms: 500, nodes: 8, maxParallel: 20, taskDurationMs: 200, pollMs: 25 });
  console.log(`fault-matrix duplicates: ${r.duplicates}`);
  console.log(`fault-matrix false-failures: ${r.falseFailures}`);
  console.log(`fault-matrix unaccounted: ${r.unaccounted}`);
  console.error(
    `  (fault matrix: ${r.targets} targets, ${r.succeeded} succeeded, ${r.failed} failed, ${r.falseSuccesses} false successes; operation ${r.operationStatus} in ${r.durationMs} ms, ${r.requests} PVE calls, ${r.logins} logins; injected ${r.injected.errors} 5xx, ${r.injected.drops} drops, ${r.injected.lostAnswers} lost answers, ${r.injected.taskFailures} task failures)`,
  );
  for (const [reason, n] of r.failureReasons.slice(0, 8)) console.error(`  failed ×${n}: ${reason}`);
  for (const [kind, lines] of Object.entries(r.examples)) for (const line of lines) console.error(`  ${kind}: ${line}`);
}
