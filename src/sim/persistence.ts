// Keeps a simulated cluster across runs (the demo): loaded at start when the file exists, saved shortly
// after changes and on close. Locks and tasks are not kept: workers die with the process, as in PVE. The HA
// stack is kept (ha-state.ts): PVE holds it in pmxcfs, so a pending HA migration is carried out after a restart.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SimCluster } from './cluster.js';
import { seedHa } from './ha.js';
import { restoreHa, saveHa, type SavedHa } from './ha-state.js';
import type { SimPoolRecord, SimVmRecord, SimVolumeRecord } from './model.js';

const FORMAT = 1;
const SAVE_DELAY_MS = 500;

interface SavedState {
  format: number;
  vms: SimVmRecord[];
  volumes: SimVolumeRecord[];
  pools: SimPoolRecord[];
  /** Absent in files saved before it was kept: the demo's HA is seeded then. */
  ha?: SavedHa;
}

export class StatePersistence {
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly sim: SimCluster,
    private readonly path: string,
  ) {}

  /**
   * Replaces the generated VMs, volumes, pools and HA stack with the saved ones (the demo's HA seeded for them
   * when the file has none); false when there is no usable file.
   */
  load(): boolean {
    let data: SavedState;
    try {
      data = JSON.parse(readFileSync(this.path, 'utf8')) as SavedState;
    } catch {
      return false;
    }
    if (!data || !Array.isArray(data.vms) || !Array.isArray(data.volumes) || !Array.isArray(data.pools)) return false;
    const vms = data.vms.filter((v) => this.sim.nodes.has(v.node));
    for (const v of vms) {
      // A VM suspended to disk keeps its lock; task locks died with the process that held them.
      if (v.config.lock !== 'suspended') delete v.config.lock;
      v.snapshots ??= [];
    }
    this.sim.replace({ nodes: [...this.sim.nodes.values()], storages: [...this.sim.storages.values()], vms, volumes: data.volumes, pools: data.pools });
    if (!restoreHa(this.sim, data.ha)) seedHa(this.sim, this.sim.profile);
    return true;
  }

  /** Starts saving after changes (debounced). */
  watch(): void {
    this.sim.onChange(() => this.schedule());
  }

  private schedule(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.save();
    }, SAVE_DELAY_MS);
    this.timer.unref();
  }

  save(): void {
    const data: SavedState = {
      format: FORMAT,
      vms: [...this.sim.vms.values()].map((v) => {
        const { lock, ...config } = v.config;
        return { ...v, config: lock === 'suspended' ? v.config : config };
      }),
      volumes: [...this.sim.volumes.values()],
      pools: [...this.sim.pools.values()],
      ha: saveHa(this.sim),
    };
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(data));
    renameSync(tmp, this.path);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.save();
  }
}
