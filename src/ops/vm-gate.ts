// One step per guest at a time across every operation of a core: two operations in one process (a TUI
// action while a scheduled job runs) queue behind each other per guest instead of colliding on PVE's lock.
export class VmGate {
  private readonly busy = new Set<number>();
  private readonly listeners = new Set<() => void>();

  /** Takes the guest if it is free; false when another step holds it. */
  tryAcquire(vmid: number): boolean {
    return this.tryAcquireAll([vmid]);
  }

  /** Takes every guest, or none of them when one is held (a clone holds its source and its new guest). */
  tryAcquireAll(vmids: readonly number[]): boolean {
    if (vmids.some((id) => this.busy.has(id))) return false;
    for (const id of vmids) this.busy.add(id);
    return true;
  }

  release(vmid: number): void {
    this.releaseAll([vmid]);
  }

  releaseAll(vmids: readonly number[]): void {
    let freed = false;
    for (const id of vmids) freed = this.busy.delete(id) || freed;
    if (!freed) return;
    for (const listener of [...this.listeners]) listener();
  }

  isBusy(vmid: number): boolean {
    return this.busy.has(vmid);
  }

  /** Called whenever a guest is released, so a waiting runner can try again. */
  onRelease(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
