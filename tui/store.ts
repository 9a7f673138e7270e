// The TUI's state: a zustand store fed by core events and polling. Components read it and send
// intents to the controller; nothing here calls PVE.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ClusterTask, ContextInfo, SnapshotInfo } from '../src/core.js';
import type { Inventory, Vm } from '../src/inventory/model.js';
import type { Operation } from '../src/ops/types.js';
import type { JobRecord, JobRunRecord } from '../src/schedule/job-types.js';
import { filterVms, sortVms, type SortKey } from './vm-order.js';

export type ViewName = 'vms' | 'nodes' | 'tasks' | 'ops' | 'history' | 'jobs' | 'detail' | 'help';
export type Mode = 'normal' | 'filter' | 'command' | 'prompt' | 'confirm' | 'menu';
export type ActionId = 'snapshot' | 'snapshot-delete' | 'rollback' | 'tags-add' | 'tags-remove' | 'power';

export interface PromptField {
  label: string;
  value: string;
  hint?: string;
}

export interface PromptState {
  action: ActionId;
  fields: PromptField[];
  index: number;
}

export interface ConfirmState {
  action: ActionId;
  title: string;
  plan: Operation;
  destructive: boolean;
  /** What the user has typed (destructive actions need the target count). */
  typed: string;
  run: () => void;
}

export interface MenuState {
  title: string;
  choices: Array<{ key: string; label: string; pick: () => void }>;
}

export interface TuiState {
  context: ContextInfo;
  view: ViewName;
  previousView: ViewName;
  mode: Mode;
  inventory: Inventory | null;
  /** The VM list after the `:vms` selector, the `/` filter and sorting. */
  visible: Vm[];
  selectorLine: string;
  selectorMatches: Set<number> | null;
  filter: string;
  sort: SortKey;
  descending: boolean;
  cursor: number;
  scroll: number;
  marks: Set<number>;
  input: string;
  prompt: PromptState | null;
  confirm: ConfirmState | null;
  menu: MenuState | null;
  status: { text: string; error: boolean } | null;
  operations: Operation[];
  history: Operation[];
  tasks: ClusterTask[];
  jobs: Array<JobRecord & { nextRun?: number; lastRun?: JobRunRecord }>;
  jobRuns: JobRunRecord[];
  detail: { vmid: number; snapshots: SnapshotInfo[]; config: Record<string, unknown> } | null;
  refreshedAt: number;
  size: { columns: number; rows: number };
}

export type TuiStore = StoreApi<TuiState>;

function derive(s: Pick<TuiState, 'inventory' | 'selectorMatches' | 'filter' | 'sort' | 'descending'>): Vm[] {
  const all = s.inventory?.vms ?? [];
  const selected = s.selectorMatches ? all.filter((v) => s.selectorMatches!.has(v.vmid)) : all;
  return sortVms(filterVms(selected, s.filter), s.sort, s.descending);
}

export function createTuiStore(context: ContextInfo, size = { columns: 120, rows: 30 }): TuiStore {
  return createStore<TuiState>(() => ({
    context,
    view: 'vms',
    previousView: 'vms',
    mode: 'normal',
    inventory: null,
    visible: [],
    selectorLine: '',
    selectorMatches: null,
    filter: '',
    sort: 'vmid',
    descending: false,
    cursor: 0,
    scroll: 0,
    marks: new Set(),
    input: '',
    prompt: null,
    confirm: null,
    menu: null,
    status: null,
    operations: [],
    history: [],
    tasks: [],
    jobs: [],
    jobRuns: [],
    detail: null,
    refreshedAt: 0,
    size,
  }));
}

/** Replaces the inventory and re-derives the list, keeping the cursor on the same VM. */
export function setInventory(store: TuiStore, inventory: Inventory): void {
  const s = store.getState();
  const current = s.visible[s.cursor]?.vmid;
  const visible = derive({ ...s, inventory });
  const idx = current === undefined ? -1 : visible.findIndex((v) => v.vmid === current);
  store.setState({ inventory, visible, cursor: idx >= 0 ? idx : Math.min(s.cursor, Math.max(0, visible.length - 1)), refreshedAt: Date.now() });
}

/** Re-derives after a change of selector, filter or sort. */
export function rederive(store: TuiStore, patch: Partial<Pick<TuiState, 'selectorMatches' | 'selectorLine' | 'filter' | 'sort' | 'descending'>>): void {
  const s = { ...store.getState(), ...patch };
  const current = store.getState().visible[store.getState().cursor]?.vmid;
  const visible = derive(s);
  const idx = current === undefined ? -1 : visible.findIndex((v) => v.vmid === current);
  store.setState({ ...patch, visible, cursor: idx >= 0 ? idx : 0, scroll: idx >= 0 ? store.getState().scroll : 0 });
}

export function say(store: TuiStore, text: string, error = false): void {
  store.setState({ status: { text, error } });
}
