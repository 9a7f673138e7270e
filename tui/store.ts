// The TUI's state: a zustand vanilla store fed by core events and polling. Components read it through
// `useTui` and send intents; nothing here talks to PVE.
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ClusterTask, ContextInfo, SnapshotInfo, TaskLog } from '../src/core.js';
import type { Inventory, Vm } from '../src/inventory/model.js';
import type { ContentItem } from '../src/inventory/storage-content.js';
import type { Operation, OperationKind } from '../src/ops/types.js';
import type { BackupEntry } from '../src/ops/backup-list.js';
import type { JobRecord, JobRunRecord } from '../src/history/job-records.js';
import { resolveSelectorLine, type ParsedSelectorLine } from '../src/select/selector-line.js';
import type { ProvisionPlanView } from './provision-plan.js';
import { filterVms, sortVms, type SortKey } from './vm-order.js';
import type { RetentionViewState } from './retention-command.js';

export type ViewName = 'vms' | 'nodes' | 'tasks' | 'ops' | 'history' | 'jobs' | 'runs' | 'detail' | 'operation' | 'tasklog' | 'help' | 'retention' | 'provision' | 'storage' | 'backups';
/** The views Tab cycles through and `:` names. */
export const MAIN_VIEWS: ViewName[] = ['vms', 'nodes', 'tasks', 'ops', 'history', 'jobs', 'storage'];

export type Mode = 'normal' | 'filter' | 'command' | 'prompt' | 'confirm' | 'power' | 'migrate' | 'form' | 'request';
/** The guided VM form: create a VM or clone a template; or create a container from a template (:ct). */
export type VmFormKind = 'create' | 'clone' | 'container';
/** Actions that ask for values (a request form; a job's deletion: its name typed) before their plan (power has its own menu). */
export type ActionId = 'job-delete' | 'snapshot' | 'snapshot-delete' | 'rollback' | 'tags-add' | 'tags-remove' | 'vm-delete' | 'resize' | 'ssh-keys' | 'vm-set' | 'vm-template' | 'download' | 'backup' | 'restore';

export interface ListPos {
  cursor: number;
  scroll: number;
}

export interface LineState {
  kind: 'filter' | 'command';
  text: string;
  /** Live feedback while typing, e.g. a selector's parse error with its position. */
  hint?: { text: string; error: boolean };
}

/** A one-line prompt on the status line: a confirmation typed by name (a job's deletion). */
export interface PromptState {
  action: 'job-delete';
  title: string;
  label: string;
  value: string;
  hint?: string;
  error?: string;
}

/** One field of a request form (tui/request-form.ts declares them per action). */
export interface FormField {
  key: string;
  label: string;
  hint: string;
  /** A value picked with ←/→ from these ('' shows as "(default)"); free text otherwise. */
  choices?: string[];
  /** Tab completes the last word from the cluster's tags. */
  complete?: 'tags';
  /** A credential (src/ops/request-record.ts isSecretField): typed masked, never shown. */
  secret?: boolean;
  /**
   * Live feedback on the value as it is typed, drawn under the field while it is focused (a schedule's next
   * fire times, or where it is wrong). An error keeps Enter on the field and the form from being submitted.
   */
  liveHint?: (value: string, valueOf: (key: string) => string) => FieldHint | undefined;
}

export interface FieldHint {
  text: string;
  tone: Tone;
  /** The part of the value it is about (a caret line under it). */
  caret?: { column: number; length: number };
}

/** A form over several fields, all on screen at once: an action's request, or a plan's options. */
export interface RequestFormState {
  /** Changes with every form opened, so its inputs start afresh. */
  id: number;
  title: string;
  fields: FormField[];
  values: string[];
  focus: number;
  /** Bumped when a value is set from outside its input (cleared, completed): the input restarts from it. */
  generation: number;
  /** A problem, with the field it is about (focused). */
  error?: { index?: number; text: string };
  /** What Tab could complete to, when several fit. */
  choices?: string[];
  /** The plan made as the values change (a plan's options): its counts and skip reasons, or why not. */
  live?: { text: string; tone: Tone };
  /** What Enter on the last field does, for the form's heading. */
  submitLabel: string;
  /** The keymap scope of this form's own keys, ahead of every form's (its footer says what they do). */
  keyScope?: FormScope;
}

/** Request forms whose keys the keymap labels apart from every form's. */
export type FormScope = 'job-form';

/** One row of a plan table: a target, what will happen to it, or why it is skipped. */
export interface PlanRow {
  /** Unique within the plan (two targets may share a guest). */
  key: string;
  vmid: number;
  name: string;
  node: string;
  /** qemu or lxc (absent or '' for a target that is not a guest, or a job run's row). */
  type?: string;
  skipped: boolean;
  what: string;
}

export interface ConfirmState {
  title: string;
  rows: PlanRow[];
  warnings: string[];
  /** How many targets would change. */
  count: number;
  destructive: boolean;
  /** What has been typed (destructive plans need the count). */
  typed: string;
  scroll: number;
  /** The plan is not about the marked VMs (a resume or rollback): confirming leaves the marks alone. */
  keepMarks?: boolean;
  /**
   * The plan confirms saving a job whose runs are destructive (enabling one never confirmed): the rows are
   * what a run would do now, and confirming saves the job even when no VM would change now.
   */
  savesJob?: boolean;
  /** The request the plan was made from, to change its options (o) and plan again; absent for a resume, rollback or job. */
  options?: PlanOptions;
  run: () => void;
}

/** What a plan dialog's options (o) change: the request's optional fields, offered from the capability's schema. */
export interface PlanOptions {
  kind: OperationKind;
  request: Record<string, unknown>;
  /** The request with its options changed, to plan (the options form plans it live). */
  planned: (request: Record<string, unknown>) => { title: string; kind: OperationKind; request: object; run: (dryRun: boolean) => Promise<Operation> };
}

export interface JobRow extends JobRecord {
  nextRun?: number;
  lastRun?: JobRunRecord;
}

export interface VmDetail {
  vmid: number;
  snapshots: SnapshotInfo[];
  config: Record<string, unknown>;
  loaded: boolean;
  /** Its newest PVE tasks (a VM's qm*, a container's vz*), newest first. */
  tasks?: ClusterTask[];
}

export type Tone = 'info' | 'ok' | 'error';

export interface TuiState {
  context: ContextInfo;
  view: ViewName;
  /** Where Esc goes back to. */
  history: ViewName[];
  mode: Mode;
  size: { columns: number; rows: number };

  inventory: Inventory | null;
  refreshedAt: number;
  refreshError: string | null;

  /** The VM list as shown: `:vms` selector, then `/` filter, then sort. */
  vmRows: Vm[];
  selector: ParsedSelectorLine | null;
  sort: SortKey;
  descending: boolean;
  marks: Set<number>;

  filters: Partial<Record<ViewName, string>>;
  pos: Record<ViewName, ListPos>;

  tasks: ClusterTask[];
  /** Past operations from the history store (every front end). */
  pastOps: Operation[];
  /** Operations of this process, newest first, kept live from core events. */
  liveOps: Operation[];
  jobs: JobRow[];
  runs: JobRunRecord[];
  runsJob: string | null;
  /** What the storages hold (the :storage view): images, ISOs, container templates, import volumes. */
  storageItems: ContentItem[];
  detail: VmDetail | null;
  /** The operation whose VMs are listed (from history). */
  opDetail: string | null;
  /** The backups view: cluster-wide, or one VM's (vmid); what could not be read is in warnings. */
  backups: { rows: BackupEntry[]; warnings: string[]; vmid?: number; loaded: boolean };
  /** The task whose log is open, and the log once loaded. */
  taskLog: { upid: string; log: TaskLog | null } | null;
  /** The cluster plan `:provision FILE` shows. */
  provision: ProvisionPlanView | null;

  /** The operation shown in the pane; null when none or closed. */
  paneOpId: string | null;

  line: LineState | null;
  prompt: PromptState | null;
  /** The request form open (mode 'request'). */
  requestForm: RequestFormState | null;
  confirm: ConfirmState | null;
  /** VMs the power menu acts on. */
  power: number[] | null;
  /** The retention preview (:retention): its query and the preview once loaded. */
  retention: RetentionViewState | null;
  /** The migration target picker (m): the VMs and, per node, its load and PVE's precondition per VM. */
  migrate: MigratePick | null;
  /** The VM form while it is open (its answers live in the form component). */
  form: { kind: VmFormKind; template?: number; /** container: the vztmpl volumes the node picks from */ ostemplates?: string[] } | null;
  status: { text: string; tone: Tone } | null;
}

export type TuiStore = StoreApi<TuiState>;

/** One node in the migration picker. */
export interface MigrateChoice {
  node: string;
  online: boolean;
  freeMem: number;
  maxmem: number;
  /** CPU in use, 0..1. */
  cpu: number;
  /** PVE's precondition per VM: can it move there, and if not why. */
  checks: Array<{ vmid: number; allowed: boolean; why: string }>;
}

export interface MigratePick {
  ids: number[];
  choices: MigrateChoice[];
  loading: boolean;
}

const zeroPos = (): Record<ViewName, ListPos> => ({
  vms: { cursor: 0, scroll: 0 },
  nodes: { cursor: 0, scroll: 0 },
  tasks: { cursor: 0, scroll: 0 },
  ops: { cursor: 0, scroll: 0 },
  history: { cursor: 0, scroll: 0 },
  jobs: { cursor: 0, scroll: 0 },
  runs: { cursor: 0, scroll: 0 },
  detail: { cursor: 0, scroll: 0 },
  operation: { cursor: 0, scroll: 0 },
  tasklog: { cursor: 0, scroll: 0 },
  help: { cursor: 0, scroll: 0 },
  retention: { cursor: 0, scroll: 0 },
  provision: { cursor: 0, scroll: 0 },
  storage: { cursor: 0, scroll: 0 },
  backups: { cursor: 0, scroll: 0 },
});

export function initialState(context: ContextInfo, size = { columns: 120, rows: 30 }): TuiState {
  return {
    context,
    view: 'vms',
    history: [],
    mode: 'normal',
    size,
    inventory: null,
    form: null,
    refreshedAt: 0,
    refreshError: null,
    vmRows: [],
    selector: null,
    sort: 'vmid',
    descending: false,
    marks: new Set(),
    filters: {},
    pos: zeroPos(),
    tasks: [],
    pastOps: [],
    liveOps: [],
    jobs: [],
    runs: [],
    runsJob: null,
    storageItems: [],
    detail: null,
    opDetail: null,
    taskLog: null,
    provision: null,
    backups: { rows: [], warnings: [], loaded: false },
    paneOpId: null,
    line: null,
    prompt: null,
    requestForm: null,
    confirm: null,
    power: null,
    retention: null,
    migrate: null,
    status: null,
  };
}

export function createTuiStore(context: ContextInfo, size?: { columns: number; rows: number }): TuiStore {
  return createStore<TuiState>(() => initialState(context, size));
}

/** React hook over the vanilla store. */
export function useTui<T>(store: TuiStore, pick: (s: TuiState) => T): T {
  return useStore(store, pick);
}

export function deriveVmRows(s: Pick<TuiState, 'inventory' | 'selector' | 'filters' | 'sort' | 'descending'>): Vm[] {
  const inv = s.inventory;
  if (!inv) return [];
  const vms = s.selector ? resolveSelectorLine(inv, s.selector).vms : inv.vms;
  return sortVms(filterVms(vms, s.filters.vms ?? ''), s.sort, s.descending);
}

export function say(store: TuiStore, text: string, tone: Tone = 'info'): void {
  store.setState({ status: { text, tone } });
}
