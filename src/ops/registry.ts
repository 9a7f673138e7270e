// In-memory registry of this process's operations: list, get, subscribe to events, cancel by id, and a
// shutdown that cancels everything and reports every target before the client goes away.
import type { OperationRegistry } from '../core.js';
import type { Operation, OperationEvent, OperationListener } from './types.js';

const KEEP_FINISHED = 200;

interface RunningEntry {
  /** Soft cancel: nothing new starts. */
  cancel: AbortController;
  /** Stop following tasks: running targets are reported cancelled at once. */
  abandon: AbortController;
  done: Promise<unknown>;
}

export class OperationStore implements OperationRegistry {
  private readonly ops = new Map<string, Operation>();
  private readonly running = new Map<string, RunningEntry>();
  private readonly listeners = new Set<OperationListener>();

  /** Newest first. */
  list(): Operation[] {
    return [...this.ops.values()].sort((a, b) => b.startedAt - a.startedAt);
  }

  get(id: string): Operation | undefined {
    return this.ops.get(id);
  }

  subscribe(listener: OperationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  cancel(id: string): boolean {
    const entry = this.running.get(id);
    if (!entry || entry.cancel.signal.aborted) return false;
    entry.cancel.abort();
    return true;
  }

  add(op: Operation, entry: RunningEntry): void {
    this.ops.set(op.id, op);
    this.running.set(op.id, entry);
    const finished = this.list().filter((o) => o.finishedAt !== undefined);
    for (const old of finished.slice(KEEP_FINISHED)) this.ops.delete(old.id);
  }

  isRunning(id: string): boolean {
    return this.running.has(id);
  }

  finish(id: string): void {
    this.running.delete(id);
  }

  emit(event: OperationEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A listener's failure must not break the operation.
      }
    }
  }

  /**
   * Cancels every running operation and waits for its running steps, at most `graceMs`; then stops
   * following their tasks, so each target still ends in a reported state (cancelled, with its UPID).
   */
  async shutdown(graceMs: number): Promise<void> {
    const entries = [...this.running.values()];
    if (!entries.length) return;
    for (const e of entries) e.cancel.abort();
    const all = Promise.allSettled(entries.map((e) => e.done));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([all.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs)))]);
    clearTimeout(timer);
    if (timedOut) for (const e of entries) e.abandon.abort();
    await all;
  }
}
