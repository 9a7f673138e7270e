// One step per VM at a time across every operation of a core: two operations in one process (a TUI
// action while a scheduled job runs) queue behind each other per VM instead of colliding on PVE's lock.
export class VmGate {
  private readonly busy = new Set<number>();
  private readonly listeners = new Set<() => void>();

  /** Takes the VM if it is free; false when another step holds it. */
  tryAcquire(vmid: number): boolean {
    if (this.busy.has(vmid)) return false;
    this.busy.add(vmid);
    return true;
  }

  release(vmid: number): void {
    if (!this.busy.delete(vmid)) return;
    for (const listener of [...this.listeners]) listener();
  }

  isBusy(vmid: number): boolean {
    return this.busy.has(vmid);
  }

  /** Called whenever a VM is released, so a waiting runner can try again. */
  onRelease(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
