// Inventory reads for the REST routes. One /cluster/resources read of a 10,000-VM cluster costs hundreds of
// milliseconds, so requests that arrive while one is in flight, or within REUSE_MS after it answered, share
// it instead of each starting their own (PVE's own resource list lags its nodes by seconds anyway); a VM's row
// may come from a read at most LOCATION_TTL_MS old, and its node from any earlier read (a hint PVE verifies).
// Any event of an operation of this server ends the sharing at once, so a caller that changed something reads
// its own change.
import type { MoxxieCore } from '../src/core.js';
import type { Inventory, Vm } from '../src/inventory/model.js';
import type { SharedAnswer } from './shared-answer.js';

const REUSE_MS = 1000;
const LOCATION_TTL_MS = 2000;

export class InventoryReads {
  private generation = 0;
  private inflight?: { generation: number; read: Promise<Inventory> };
  private last?: { generation: number; inventory: Inventory; at: number };
  private readonly unsubscribe: () => void;
  /** Answers built from one inventory (a serialized list per query), dropped with it. */
  readonly answers = new WeakMap<Inventory, Map<string, SharedAnswer>>();

  constructor(private readonly core: MoxxieCore) {
    this.unsubscribe = core.operations.subscribe(() => {
      this.generation++;
    });
  }

  /** A read that began no earlier than the last change this server made: one in flight, or one a moment old. */
  fresh(opts: { notCached?: boolean } = {}): Promise<Inventory> {
    if (this.inflight && this.inflight.generation === this.generation) return this.inflight.read;
    const last = this.last;
    if (!opts.notCached && last && last.generation === this.generation && Date.now() - last.at < REUSE_MS) return Promise.resolve(last.inventory);
    const generation = this.generation;
    const read = this.core.inventory().then((inventory) => {
      this.last = { generation, inventory, at: Date.now() };
      return inventory;
    });
    const entry = { generation, read };
    this.inflight = entry;
    const done = () => {
      if (this.inflight === entry) this.inflight = undefined;
    };
    read.then(done, done);
    return read;
  }

  /**
   * A VM's row from a read at most LOCATION_TTL_MS old with no change by this server since: current enough to
   * answer with (PVE's own resource list lags by seconds).
   */
  recent(vmid: number): Vm | undefined {
    const last = this.last;
    if (!last || last.generation !== this.generation || Date.now() - last.at >= LOCATION_TTL_MS) return undefined;
    return this.index(last.inventory).get(vmid);
  }

  /**
   * Where the last read saw a VM, however old: only a hint, for a per-VM read at that node, which PVE refuses
   * if the VM is no longer there (the caller then reads afresh).
   */
  lastKnown(vmid: number): Vm | undefined {
    return this.last ? this.index(this.last.inventory).get(vmid) : undefined;
  }

  private readonly byId = new WeakMap<Inventory, Map<number, Vm>>();

  private index(inventory: Inventory): Map<number, Vm> {
    let map = this.byId.get(inventory);
    if (!map) this.byId.set(inventory, (map = new Map(inventory.vms.map((v) => [v.vmid, v]))));
    return map;
  }

  close(): void {
    this.unsubscribe();
  }
}
