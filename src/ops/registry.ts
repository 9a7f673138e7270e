// In-memory registry of this process's operations: list, get, subscribe to events, cancel.
import type { OperationRegistry } from '../core.js';
import type { Operation, OperationEvent, OperationListener } from './types.js';

const KEEP_FINISHED = 200;

export class OperationStore implements OperationRegistry {
  private readonly ops = new Map<string, Operation>();
  private readonly controllers = new Map<string, AbortController>();
  private readonly listeners = new Set<OperationListener>();

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
    const c = this.controllers.get(id);
    if (!c || c.signal.aborted) return false;
    c.abort();
    return true;
  }

  add(op: Operation, controller?: AbortController): void {
    this.ops.set(op.id, op);
    if (controller) this.controllers.set(op.id, controller);
    const finished = this.list().filter((o) => o.finishedAt !== undefined);
    for (const old of finished.slice(KEEP_FINISHED)) this.ops.delete(old.id);
  }

  finish(id: string): void {
    this.controllers.delete(id);
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
}
