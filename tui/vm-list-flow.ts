// The VM list's own state: its selector (`:vms`, `:mark`), its `/` filter, marks and sort order. The list
// is re-derived when one of them changes, and the cursor stays on its VM.
import { parseSelectorLine, resolveSelectorLine, type ParsedSelectorLine } from '../src/select/selector-line.js';
import { listRowsFor } from './layout.js';
import { deriveVmRows, say, type TuiState, type TuiStore, type ViewName } from './store.js';
import { keepScreenLine } from './view-window.js';
import { SORT_KEYS, type SortKey } from './vm-order.js';

export interface VmListHooks {
  setView(view: ViewName): void;
  closeLine(): void;
  commandError(text: string): void;
  /** The cursor moved down after a mark. */
  move(delta: number): void;
}

export class VmListFlow {
  constructor(
    private readonly store: TuiStore,
    private readonly hooks: VmListHooks,
  ) {}

  /** Re-derives the VM list after its inputs changed, keeping the cursor on its VM. */
  rederive(patch: Partial<Pick<TuiState, 'selector' | 'sort' | 'descending' | 'filters'>>): void {
    const s = this.store.getState();
    const next = { ...s, ...patch };
    const cursorVm = s.vmRows[s.pos.vms.cursor]?.vmid;
    const vmRows = deriveVmRows(next);
    const found = cursorVm === undefined ? -1 : vmRows.findIndex((v) => v.vmid === cursorVm);
    const height = listRowsFor({ ...s, view: 'vms' });
    // A new selector is another list (`:nodes` → Enter → `:vms`): it is shown from its first row; a filter
    // or sort keeps the cursor on its VM and that row on its screen line.
    const fromTop = 'selector' in patch && patch.selector !== s.selector;
    const pos = found < 0 || fromTop ? { cursor: 0, scroll: 0 } : keepScreenLine(s.pos.vms, found, height, vmRows.length);
    this.store.setState({ ...patch, vmRows, pos: { ...s.pos, vms: pos } });
  }

  /** The `/` filter of the current view. */
  setFilter(text: string): void {
    const s = this.store.getState();
    const filters = { ...s.filters, [s.view]: text };
    if (s.view === 'vms') this.rederive({ filters });
    else this.store.setState({ filters, pos: { ...s.pos, [s.view]: { cursor: 0, scroll: 0 } } });
  }

  toggleMark(): void {
    const s = this.store.getState();
    const vm = s.vmRows[s.pos.vms.cursor];
    if (!vm) return;
    const marks = new Set(s.marks);
    if (!marks.delete(vm.vmid)) marks.add(vm.vmid);
    this.store.setState({ marks });
    this.hooks.move(1);
  }

  markAllVisible(): void {
    const s = this.store.getState();
    this.store.setState({ marks: new Set([...s.marks, ...s.vmRows.map((v) => v.vmid)]) });
    say(this.store, `${this.store.getState().marks.size} VMs marked`);
  }

  clearMarks(): void {
    this.store.setState({ marks: new Set() });
    say(this.store, 'marks cleared');
  }

  sortBy(sort: SortKey, descending = sort === 'cpu' || sort === 'mem' || sort === 'uptime'): void {
    this.rederive({ sort, descending });
    say(this.store, `sorted by ${sort === 'vmid' ? 'id' : sort}${descending ? ', descending' : ''}`);
  }

  cycleSort(): void {
    const s = this.store.getState();
    this.sortBy(SORT_KEYS[(SORT_KEYS.indexOf(s.sort) + 1) % SORT_KEYS.length]);
  }

  reverseSort(): void {
    const s = this.store.getState();
    this.sortBy(s.sort, !s.descending);
  }

  private parse(selector: string): ParsedSelectorLine | undefined {
    try {
      return parseSelectorLine(selector);
    } catch (err) {
      this.hooks.commandError((err as Error).message);
      return undefined;
    }
  }

  /** `:vms [SELECTOR]`: the list of what the selector matches, or every VM. */
  selectVms(selector?: string): void {
    if (!selector) {
      this.hooks.closeLine();
      this.rederive({ selector: null });
      return this.hooks.setView('vms');
    }
    const line = this.parse(selector);
    if (!line) return;
    this.hooks.closeLine();
    const inv = this.store.getState().inventory;
    this.rederive({ selector: line });
    this.hooks.setView('vms');
    const warnings = inv ? resolveSelectorLine(inv, line).warnings : [];
    const n = this.store.getState().vmRows.length;
    say(this.store, `${n} VM${n === 1 ? '' : 's'} match ${selector}${warnings.length ? ` — ${warnings.map((w) => w.message).join('; ')}` : ''}`, warnings.length ? 'error' : 'info');
  }

  /** `:mark SELECTOR`: marks what it matches, in the list as it is. */
  markVms(selector: string): void {
    const line = this.parse(selector);
    if (!line) return;
    this.hooks.closeLine();
    const s = this.store.getState();
    const hits = s.inventory ? resolveSelectorLine(s.inventory, line).vms : [];
    this.store.setState({ marks: new Set([...s.marks, ...hits.map((v) => v.vmid)]) });
    this.hooks.setView('vms');
    say(this.store, `${hits.length} VM${hits.length === 1 ? '' : 's'} marked by ${selector}`);
  }
}
