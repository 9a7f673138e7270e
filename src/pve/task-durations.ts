// How long tasks of one type take on one node, learned from the task watcher's own checks, so it can look
// when a task has most likely ended instead of at a fixed interval.
//
// The watcher never sees a task's exact duration (PVE's start and end times are whole seconds); each check
// tells only whether the task had ended by then. So each key keeps one number, the time after the watch
// began by which a task of that key has usually ended, and moves it by stochastic approximation of a
// quantile: a task found still running at that time raises it by a step, one found ended lowers it by a
// step a ninth that size. It settles where about one task in ten is still running at its first check,
// follows drifts, and needs no store of samples. It starts in the middle of the span in which the first
// task was seen to end. Steps are 3%, shrinking to 1% as a key's updates accumulate: larger ones make it
// jump about, and every millisecond above the true value is a wait on every task. A step grows while the
// outcomes keep pointing one way for longer than that quantile makes usual (four tasks in a row still
// running, up to 4% a step; twenty in a row already ended), so tasks becoming slower or faster is
// followed within tens of tasks.

/** Share of tasks that should have ended by the expected time (the quantile the estimate tracks). */
export const TARGET_QUANTILE = 0.9;
/** Relative step size: 1/(n+2) for the n-th update of a key, never above MAX_GAIN nor below MIN_GAIN. */
const MAX_GAIN = 0.03;
const MIN_GAIN = 0.01;
/** Below this an estimate stops shrinking: a check earlier than this after the POST answered is noise. */
const MIN_EXPECTED_MS = 1;
/** A node new to a type starts from the other nodes' figure as if it had had this many updates. */
const BORROWED_UPDATES = 3;
/** Ended tasks in a row that are usual at the target quantile (twice the mean run); beyond, the step grows. */
const USUAL_ENDED_RUN = Math.round(2 / (1 - TARGET_QUANTILE));
/** Tasks in a row still running at the expected time that are usual; beyond, each doubles the step ... */
const USUAL_MISS_RUN = 3;
/** ... up to this: a burst of load (many slow tasks at once) must not throw the estimate far up. */
const MAX_UP_STEP = 0.04;
/** Beyond the usual run of ended tasks, the step doubles every this many further tasks in a row. */
const RUN_DOUBLING = 5;
/** A single step down moves an estimate by at most half. */
const MAX_STEP = 0.5;

interface Estimate {
  /** Milliseconds after the watch began by which most tasks of this key have ended. */
  value: number;
  updates: number;
  /** Outcomes in a row pointing the same way: > 0 ended by the expected time, < 0 still running then. */
  run: number;
}

export class TaskDurations {
  /** Per task type, per node: storage and load differ between nodes. */
  private readonly byType = new Map<string, Map<string, Estimate>>();

  /**
   * When a task of this type on this node has most likely ended, in ms after its watch began: the node's
   * own figure, else the median of the other nodes' figures for the type; undefined when nothing is known.
   */
  expected(node: string, type: string): number | undefined {
    const nodes = this.byType.get(type);
    if (!nodes) return undefined;
    return nodes.get(node)?.value ?? median([...nodes.values()].map((e) => e.value));
  }

  /** A task of this type with nothing known yet ended about `atMs` after its watch began. */
  seed(node: string, type: string, atMs: number): void {
    if (this.expected(node, type) !== undefined) return;
    const nodes = this.byType.get(type) ?? new Map<string, Estimate>();
    nodes.set(node, { value: Math.max(MIN_EXPECTED_MS, atMs), updates: 1, run: 0 });
    this.byType.set(type, nodes);
  }

  /** The outcome of a look at the expected time (as `expected` gives it now): `ended` true when the task had ended by then. */
  update(node: string, type: string, ended: boolean): void {
    const nodes = this.byType.get(type);
    const value = this.expected(node, type);
    if (!nodes || value === undefined) return;
    let own = nodes.get(node);
    if (!own) nodes.set(node, (own = { value, updates: BORROWED_UPDATES, run: 0 }));
    const gain = Math.min(MAX_GAIN, Math.max(MIN_GAIN, 1 / (own.updates + 2)));
    own.updates++;
    if (ended) {
      own.run = own.run > 0 ? own.run + 1 : 1;
      const boost = 2 ** Math.max(0, (own.run - USUAL_ENDED_RUN) / RUN_DOUBLING);
      own.value = Math.max(MIN_EXPECTED_MS, own.value * (1 - Math.min(MAX_STEP, gain * (1 - TARGET_QUANTILE) * boost)));
    } else {
      // Four misses in a row happen about one time in 10,000 at the target quantile: from the fourth on,
      // each doubles the step, to at most 4%.
      own.run = own.run < 0 ? own.run - 1 : -1;
      const boost = 2 ** Math.max(0, -own.run - USUAL_MISS_RUN);
      own.value *= 1 + Math.min(MAX_UP_STEP, gain * TARGET_QUANTILE * boost);
    }
  }

  /** For tests and diagnostics: each type's figure per node, in ms. */
  snapshot(): Record<string, Record<string, number>> {
    return Object.fromEntries([...this.byType].map(([type, nodes]) => [type, Object.fromEntries([...nodes].map(([n, e]) => [n, Math.round(e.value * 10) / 10]))]));
  }
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
