// Folding a fresh inventory into the store: by the sync's polls and by the first frame, which draws the list
// before the rest of the TUI (and the core) has loaded.
import type { Inventory } from '../src/inventory/model.js';
import { listRowsFor } from './layout.js';
import { deriveVmRows, type TuiStore } from './store.js';
import { keepScreenLine } from './view-window.js';

/** Puts a new inventory in, keeping the cursor on its VM, that VM on its screen line, and the marks. */
export function applyInventory(store: TuiStore, inventory: Inventory): void {
  const s = store.getState();
  const old = s.pos.vms;
  const cursorVm = s.vmRows[old.cursor]?.vmid;
  const vmRows = deriveVmRows({ ...s, inventory });
  const found = cursorVm === undefined ? -1 : vmRows.findIndex((v) => v.vmid === cursorVm);
  const height = listRowsFor({ ...s, view: 'vms' });
  const pos = keepScreenLine(old, found >= 0 ? found : old.cursor, height, vmRows.length);
  const present = new Set(inventory.vms.map((v) => v.vmid));
  const marks = [...s.marks].every((id) => present.has(id)) ? s.marks : new Set([...s.marks].filter((id) => present.has(id)));
  store.setState({ inventory, vmRows, marks, pos: { ...s.pos, vms: pos }, refreshedAt: Date.now(), refreshError: null });
}
