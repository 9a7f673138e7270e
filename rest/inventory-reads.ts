// Inventory reads for the REST routes. One /cluster/resources read of a 10,000-VM cluster costs hundreds of
// milliseconds, so requests that arrive while one is in flight, or within REUSE_MS after it answered, share
// it instead of each starting their own (PVE's own resource list lags its nodes by seconds anyway), and a VM's
// location may come from a read at most LOCATION_TTL_MS old. Any event of an operation of this server ends the
// sharing at once, so a caller that changed something reads its own change.
import type { MoxxieCore } from '../src/core.js';
import type { Inventory, Vm } from '../src/inventory/model.js';

const REUSE_MS = 1000;
const LOCATION_TTL_MS = 2000;

export class InventoryReads {
  private generation = 0;
  private inflight?: { generation: number; read: Promise<Inventory> };
  private last?: { generation: number; inventory: Inventory; at: number };
  private readonly unsubscribe: () => void;
  /** Answers built from one inventory (a serialized list per query), dropped with it. */
  readonly answers = new WeakMap<Inventory, Map<string, { raw: Buffer; headers: Record<string, string> }>>();

  constructor(private readonly core: MoxxieCore) {
    this.unsubscribe = core.operations.subscribe(() => {
      this.generation++;
    });
  }

  /** A read that began no earlier than the last change this server made: one in flight, or one a moment old. */
  fresh(): Promise<Inventory> {
    if (this.inflight && this.inflight.generation === this.generation) return this.inflight.read;
    const last = this.last;
    if (last && last.generation === this.generation && Date.now() - last.at < REUSE_MS) return Promise.resolve(last.inventory);
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

  /** Where a VM is: from a recent read when nothing changed since (`cached` says so, for a retry), else a fresh one. */
  async locate(vmid: number): Promise<{ vm: Vm | undefined; cached: boolean }> {
    const last = this.last;
    if (last && last.generation === this.generation && Date.now() - last.at < LOCATION_TTL_MS) {
      const vm = last.inventory.vms.find((v) => v.vmid === vmid);
      if (vm) return { vm, cached: true };
    }
    return { vm: (await this.fresh()).vms.find((v) => v.vmid === vmid), cached: false };
  }

  close(): void {
    this.unsubscribe();
  }
}
