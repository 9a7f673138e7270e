// The one keymap. It dispatches keys, draws the footer and the help screen, and generates the README's
// key table, so what is shown is what works. Bindings live in scopes; the active scopes follow the
// mode (typing, a plan awaiting confirmation, the power menu) and the view, first match wins.
// Actions that change the cluster are `mutating` and vanish in read-only contexts (dispatch, footer and
// help alike). Destructive ones sit on shifted letters or inside a menu, never on navigation keys, and
// ask for the target count to be typed; whether an action on VMs is destructive is the capability
// registry's answer, not this file's. The registry is passed in (keyIsDestructive), not imported: the first
// frame draws the footer before the core has loaded.
import type { OperationKind } from '../src/ops/types.js';
import type { Chord } from './keys.js';
import { chordLabel } from './keys.js';
import type { Intents } from './intents.js';
import type { FormScope, Mode, ViewName } from './store.js';

export type Scope = 'always' | 'global' | 'list' | 'vms' | 'detail' | 'nodes' | 'jobs' | 'operations' | 'help' | 'edit' | 'confirm' | 'power' | 'retention' | 'storage' | 'migrate' | 'backups' | 'provision' | 'form' | 'job-form';

export interface Binding {
  id: string;
  keys: Chord[];
  scopes: Scope[];
  /** Short label for the footer. */
  label: string;
  /** What the key does, for the help screen and the README. */
  description: string;
  run: (c: Intents) => void;
  /** Changes the cluster (or the scheduler's jobs): hidden in read-only contexts. */
  mutating?: boolean;
  /**
   * Loses data or interrupts guests: drawn red, asks for the count to be typed. For an action on guests, the
   * capability request it stands for: the registry answers (keyIsDestructive).
   */
  destructive?: boolean | { kind: OperationKind; request: object };
  /** Shown in the footer when its scope is active. */
  footer?: boolean;
}

/** The capability registry's answer (isDestructive), passed in by whoever has the core loaded. */
export type DangerOf = (kind: OperationKind, request: object) => boolean;

/** Whether the key's action is destructive; one that stands for a capability request asks `dangerOf` (without it: not yet known, false). */
export function keyIsDestructive(b: Pick<Binding, 'destructive'>, dangerOf?: DangerOf): boolean {
  const d = b.destructive;
  if (d === undefined || typeof d === 'boolean') return !!d;
  return dangerOf ? dangerOf(d.kind, d.request) : false;
}

const VM_ACTIONS: Scope[] = ['vms', 'detail'];

export const KEYMAP: readonly Binding[] = [
  { id: 'quit-now', keys: ['ctrl+c'], scopes: ['always'], label: 'quit', description: 'quit at once, from anywhere (the terminal is restored)', run: (c) => c.quit() },

  { id: 'down', keys: ['j', 'down'], scopes: ['list', 'help'], label: 'down', description: 'move down', run: (c) => c.move(1) },
  { id: 'up', keys: ['k', 'up'], scopes: ['list', 'help'], label: 'up', description: 'move up', run: (c) => c.move(-1) },
  { id: 'top', keys: ['g', 'home'], scopes: ['list', 'help'], label: 'top', description: 'first row', run: (c) => c.moveTo('top') },
  { id: 'bottom', keys: ['G', 'end'], scopes: ['list', 'help'], label: 'bottom', description: 'last row', run: (c) => c.moveTo('bottom') },
  { id: 'page-down', keys: ['pagedown', 'ctrl+f'], scopes: ['list', 'help'], label: 'page down', description: 'page down', run: (c) => c.page(1) },
  { id: 'page-up', keys: ['pageup', 'ctrl+b'], scopes: ['list', 'help'], label: 'page up', description: 'page up', run: (c) => c.page(-1) },
  { id: 'open', keys: ['enter'], scopes: ['list'], label: 'open', description: "open: VM detail, a node's VMs, an operation's VMs, a task's log, job runs", footer: true, run: (c) => c.open() },
  { id: 'back', keys: ['esc'], scopes: ['list', 'help'], label: 'back', description: 'back; in the VM list, clear the filter and the selector', run: (c) => c.back() },

  { id: 'mark', keys: ['space'], scopes: ['vms'], label: 'mark', description: 'mark or unmark the VM under the cursor', footer: true, run: (c) => c.toggleMark() },
  { id: 'mark-all', keys: ['a'], scopes: ['vms'], label: 'mark all', description: 'mark every VM in the list as shown (after filter and selector)', run: (c) => c.markAllVisible() },
  { id: 'unmark', keys: ['u'], scopes: ['vms'], label: 'unmark', description: 'clear all marks', run: (c) => c.clearMarks() },
  { id: 'sort', keys: ['o'], scopes: ['vms'], label: 'sort', description: 'sort by the next column: id, name, node, status, cpu, mem, uptime', footer: true, run: (c) => c.cycleSort() },
  { id: 'sort-reverse', keys: ['O'], scopes: ['vms'], label: 'reverse', description: 'reverse the sort order', run: (c) => c.reverseSort() },

  { id: 'vm-create', keys: ['N'], scopes: ['vms'], label: 'new VM', description: 'create VMs: a form (node, name, cores, memory, disk, network, start); plan first', mutating: true, run: (c) => c.beginVmForm('create') },
  { id: 'vm-clone', keys: ['L'], scopes: ['vms'], label: 'clone', description: 'clone a template (the cursor one): a form with cloud-init and size; plan first', mutating: true, run: (c) => c.beginVmForm('clone') },
  { id: 'snapshot', keys: ['s'], scopes: VM_ACTIONS, label: 'snapshot', description: 'snapshot the marked VMs (or the cursor VM): name template and TTL', mutating: true, footer: true, run: (c) => c.beginAction('snapshot') },
  { id: 'power', keys: ['p'], scopes: VM_ACTIONS, label: 'power', description: 'power menu: start, shutdown, stop, reboot, suspend, resume', mutating: true, footer: true, run: (c) => c.beginPower() },
  { id: 'tags-add', keys: ['t'], scopes: VM_ACTIONS, label: 'tag+', description: 'add tags', mutating: true, footer: true, run: (c) => c.beginAction('tags-add') },
  { id: 'tags-remove', keys: ['T'], scopes: VM_ACTIONS, label: 'tag-', description: 'remove tags', mutating: true, destructive: { kind: 'tags', request: { action: 'REMOVE' } }, run: (c) => c.beginAction('tags-remove') },
  { id: 'snapshot-delete', keys: ['D'], scopes: VM_ACTIONS, label: 'del snap', description: 'delete snapshots by name or glob (in a detail: the cursor snapshot)', mutating: true, destructive: { kind: 'snapshot.delete', request: {} }, footer: true, run: (c) => c.beginAction('snapshot-delete') },
  { id: 'rollback', keys: ['R'], scopes: VM_ACTIONS, label: 'rollback', description: 'roll back to a snapshot (in a detail: the cursor snapshot)', mutating: true, destructive: { kind: 'snapshot.rollback', request: {} }, footer: true, run: (c) => c.beginAction('rollback') },
  { id: 'vm-delete', keys: ['X'], scopes: VM_ACTIONS, label: 'delete VM', description: 'delete the VMs (stop first? purge?); protected VMs are refused', mutating: true, destructive: { kind: 'vm.delete', request: {} }, run: (c) => c.beginAction('vm-delete') },
  { id: 'resize', keys: ['Z'], scopes: VM_ACTIONS, label: 'resize', description: 'grow a disk: to a size (50G) or by an amount (+10G); never smaller', mutating: true, destructive: { kind: 'vm.resize', request: {} }, run: (c) => c.beginAction('resize') },
  { id: 'ssh-keys', keys: ['K'], scopes: VM_ACTIONS, label: 'ssh keys', description: 'set the cloud-init SSH keys (several: separate them with ;)', mutating: true, destructive: { kind: 'vm.ssh-keys', request: { sshKeys: '' } }, run: (c) => c.beginAction('ssh-keys') },
  { id: 'vm-set', keys: ['M'], scopes: VM_ACTIONS, label: 'cores/mem', description: 'set cores and memory (a running VM gets them at its next start)', mutating: true, destructive: { kind: 'vm.set', request: {} }, run: (c) => c.beginAction('vm-set') },
  { id: 'vm-template', keys: ['V'], scopes: VM_ACTIONS, label: 'template', description: 'convert the stopped VMs to templates (cannot be undone)', mutating: true, destructive: { kind: 'vm.template', request: {} }, run: (c) => c.beginAction('vm-template') },

  { id: 'download', keys: ['w'], scopes: ['storage'], label: 'download', description: 'download an ISO, container template or disk image from a URL (checksum verified)', mutating: true, destructive: { kind: 'storage.download', request: {} }, footer: true, run: (c) => c.beginAction('download') },

  { id: 'migrate', keys: ['m'], scopes: VM_ACTIONS, label: 'migrate', description: "migrate: pick a node (free memory, CPU, PVE's precondition per VM)", mutating: true, footer: true, run: (c) => c.beginMigrate() },
  { id: 'migrate-cancel', keys: ['esc'], scopes: ['migrate'], label: 'cancel', description: 'close the target picker (arrows move, Enter picks)', footer: true, run: (c) => c.back() },
  { id: 'node-drain', keys: ['D'], scopes: ['nodes'], label: 'drain', description: 'drain the node: move every guest to the other nodes (the plan shows where)', mutating: true, destructive: { kind: 'node.drain', request: { node: '' } }, footer: true, run: (c) => c.nodeAction('drain') },
  { id: 'node-undrain', keys: ['U'], scopes: ['nodes'], label: 'undrain', description: "undrain the node: move back what its last drain moved", mutating: true, destructive: { kind: 'node.undrain', request: { node: '' } }, footer: true, run: (c) => c.nodeAction('undrain') },

  { id: 'backup', keys: ['B'], scopes: VM_ACTIONS, label: 'backup', description: 'back up the marked VMs (or the cursor VM): storage, mode, compression, notes, TTL', mutating: true, run: (c) => c.beginAction('backup') },
  { id: 'backups-of', keys: ['b'], scopes: VM_ACTIONS, label: 'backups', description: "the cursor VM's backups (:backups lists the whole cluster's)", run: (c) => c.showCursorBackups() },
  { id: 'backup-protect', keys: ['p'], scopes: ['backups'], label: 'protect', description: 'protect the cursor backup, or unprotect it if it is protected', mutating: true, footer: true, run: (c) => c.backupAction('protect') },
  { id: 'backup-delete', keys: ['D'], scopes: ['backups'], label: 'delete', description: 'delete the cursor backup (a protected one is refused by PVE)', mutating: true, destructive: { kind: 'backup.delete', request: { volids: [] } }, footer: true, run: (c) => c.backupAction('delete') },
  { id: 'backup-restore', keys: ['R'], scopes: ['backups'], label: 'restore', description: 'restore the cursor backup: target id, node, storage, name, start', mutating: true, footer: true, run: (c) => c.beginAction('restore') },

  { id: 'job-enable', keys: ['e'], scopes: ['jobs'], label: 'enable', description: 'enable the job', mutating: true, footer: true, run: (c) => c.jobAction('enable') },
  { id: 'job-disable', keys: ['d'], scopes: ['jobs'], label: 'disable', description: 'disable the job', mutating: true, footer: true, run: (c) => c.jobAction('disable') },
  { id: 'job-trigger', keys: ['n'], scopes: ['jobs'], label: 'run now', description: 'run the job now (its dry run is shown first)', mutating: true, footer: true, run: (c) => c.jobAction('trigger') },
  { id: 'job-new', keys: ['N'], scopes: ['jobs'], label: 'new', description: 'new job: a form over its fields, the schedule with its next fire times as you type', mutating: true, footer: true, run: (c) => c.jobForm('new') },
  { id: 'job-edit', keys: ['E'], scopes: ['jobs'], label: 'edit', description: 'edit the job: the same form, filled in', mutating: true, footer: true, run: (c) => c.jobForm('edit') },
  { id: 'job-delete', keys: ['X'], scopes: ['jobs'], label: 'delete', description: 'delete the job (its run history stays); asks for its name', mutating: true, run: (c) => c.jobForm('delete') },
  { id: 'job-dry-run', keys: ['y'], scopes: ['jobs'], label: 'dry run', description: 'dry-run the job: which VMs it would touch, nothing changes', footer: true, run: (c) => c.jobAction('dry-run') },

  { id: 'backup-prune', keys: ['D'], scopes: ['retention'], label: 'prune', description: 'prune: delete the backups marked remove (the plan is shown first)', mutating: true, destructive: { kind: 'backup.prune', request: {} }, footer: true, run: (c) => c.pruneBackups() },

  { id: 'provision-run', keys: ['P'], scopes: ['provision'], label: 'provision', description: 'provision the plan shown: create its VMs (the plan is confirmed first)', mutating: true, destructive: true, footer: true, run: (c) => c.provisionRun() },
  { id: 'provision-cancel', keys: ['c'], scopes: ['provision'], label: 'cancel', description: 'cancel the provisioning: nothing new starts, then its rollback strategy applies', mutating: true, footer: true, run: (c) => c.provisionCancel() },
  { id: 'provision-resume', keys: ['r'], scopes: ['provision'], label: 'resume', description: 'resume the interrupted, failed or cancelled provisioning from PVE\'s state', mutating: true, footer: true, run: (c) => c.provisionContinue('resume') },
  { id: 'provision-rollback', keys: ['R'], scopes: ['provision'], label: 'roll back', description: 'roll the provisioning back: delete the VMs it created (by id and marker)', mutating: true, destructive: true, footer: true, run: (c) => c.provisionContinue('rollback') },

  { id: 'op-resume', keys: ['r'], scopes: ['operations'], label: 'resume', description: 'resume the operation: finish what was interrupted, failed or cancelled', mutating: true, footer: true, run: (c) => c.continueOperation('resume') },
  // Undoing is destructive whatever the operation was: it deletes what was made, puts back what was changed.
  { id: 'op-rollback', keys: ['R'], scopes: ['operations'], label: 'roll back', description: 'roll the operation back: undo what it did, in reverse order', mutating: true, destructive: true, footer: true, run: (c) => c.continueOperation('rollback') },

  { id: 'power-start', keys: ['s'], scopes: ['power'], label: 'start', description: 'start', mutating: true, footer: true, run: (c) => c.pickPower('START') },
  { id: 'power-shutdown', keys: ['h'], scopes: ['power'], label: 'shutdown', description: 'shut down (ACPI)', mutating: true, footer: true, run: (c) => c.pickPower('SHUTDOWN') },
  { id: 'power-reboot', keys: ['r'], scopes: ['power'], label: 'reboot', description: 'reboot', mutating: true, footer: true, run: (c) => c.pickPower('REBOOT') },
  { id: 'power-suspend', keys: ['z'], scopes: ['power'], label: 'suspend', description: 'suspend (pause)', mutating: true, footer: true, run: (c) => c.pickPower('SUSPEND') },
  { id: 'power-resume', keys: ['e'], scopes: ['power'], label: 'resume', description: 'resume', mutating: true, footer: true, run: (c) => c.pickPower('RESUME') },
  { id: 'power-stop', keys: ['X'], scopes: ['power'], label: 'stop', description: 'stop at once (pulls the plug)', mutating: true, destructive: { kind: 'power', request: { operation: 'STOP' } }, footer: true, run: (c) => c.pickPower('STOP') },
  { id: 'power-cancel', keys: ['esc'], scopes: ['power'], label: 'cancel', description: 'close the menu', footer: true, run: (c) => c.back() },

  { id: 'confirm', keys: ['enter', 'y'], scopes: ['confirm'], label: 'run', description: 'run the plan (destructive plans: type the VM count first, then Enter)', footer: true, run: (c) => c.confirm() },
  { id: 'confirm-cancel', keys: ['esc', 'n'], scopes: ['confirm'], label: 'cancel', description: 'cancel: nothing runs', footer: true, run: (c) => c.back() },
  { id: 'plan-options', keys: ['o'], scopes: ['confirm'], label: 'options', description: "the request's options (force, timeouts …) in a form, re-planned as they change", footer: true, run: (c) => c.planOptions() },
  { id: 'confirm-down', keys: ['j', 'down'], scopes: ['confirm'], label: 'scroll', description: 'scroll the plan', run: (c) => c.scrollPlan(1) },
  { id: 'confirm-up', keys: ['k', 'up'], scopes: ['confirm'], label: 'scroll up', description: 'scroll the plan up', run: (c) => c.scrollPlan(-1) },

  // A request form: text is typed into the focused field's input; these keys move, pick and submit.
  { id: 'form-next', keys: ['tab'], scopes: ['form'], label: 'next', description: "next field (in a tags field: first completes the cluster's tags)", footer: true, run: (c) => c.formTab() },
  { id: 'form-down', keys: ['down'], scopes: ['form'], label: 'down', description: 'next field', run: (c) => c.formMove(1) },
  { id: 'form-prev', keys: ['up', 'shift+tab'], scopes: ['form'], label: 'previous', description: 'previous field', footer: true, run: (c) => c.formMove(-1) },
  { id: 'form-choose', keys: ['right'], scopes: ['form'], label: 'choose', description: 'next choice (yes/no, a mode, a storage …); a letter picks the choice it begins', footer: true, run: (c) => c.formCycle(1) },
  { id: 'form-choose-back', keys: ['left'], scopes: ['form'], label: 'choose back', description: 'previous choice', run: (c) => c.formCycle(-1) },
  { id: 'form-enter', keys: ['enter'], scopes: ['form'], label: 'next/plan', description: 'next field; on the last one: the plan (in a plan\'s options: back to it)', footer: true, run: (c) => c.formEnter() },
  { id: 'form-submit', keys: ['ctrl+s'], scopes: ['form'], label: 'plan', description: 'the plan now, from any field', footer: true, run: (c) => c.formSubmit() },
  // A job form (:jobs N, E) saves a job: its own Enter and Ctrl+S, ahead of every form's, say so.
  { id: 'job-form-enter', keys: ['enter'], scopes: ['job-form'], label: 'next', description: 'next field; on the last one: save the job (a destructive job shows its plan first)', footer: true, run: (c) => c.formEnter() },
  { id: 'job-form-save', keys: ['ctrl+s'], scopes: ['job-form'], label: 'save job', description: 'save the job now, from any field', footer: true, run: (c) => c.formSubmit() },
  { id: 'form-clear', keys: ['ctrl+u'], scopes: ['form'], label: 'clear', description: 'clear the field', run: (c) => c.formClear() },
  { id: 'form-cancel', keys: ['esc'], scopes: ['form'], label: 'cancel', description: 'close the form (in a plan\'s options: back to the plan)', footer: true, run: (c) => c.formCancel() },

  { id: 'submit', keys: ['enter'], scopes: ['edit'], label: 'ok', description: 'accept the line (filter, command, typed confirmation)', footer: true, run: (c) => c.submitLine() },
  { id: 'edit-cancel', keys: ['esc'], scopes: ['edit'], label: 'cancel', description: 'cancel typing', footer: true, run: (c) => c.back() },
  { id: 'erase', keys: ['backspace'], scopes: ['edit', 'confirm'], label: 'erase', description: 'erase a character', run: (c) => c.eraseChar() },
  { id: 'erase-line', keys: ['ctrl+u'], scopes: ['edit'], label: 'clear', description: 'clear the line', footer: true, run: (c) => c.clearLine() },
  { id: 'complete', keys: ['tab'], scopes: ['edit'], label: 'complete', description: 'complete a command, context, tag or term', footer: true, run: (c) => c.complete() },

  { id: 'filter', keys: ['/'], scopes: ['global'], label: 'filter', description: 'filter the view by text: every word must match, !word must not', footer: true, run: (c) => c.beginLine('filter') },
  { id: 'command', keys: [':'], scopes: ['global'], label: 'command', description: 'command line: :vms [selector] :nodes :tasks :ops :history :jobs :ctx NAME …', footer: true, run: (c) => c.beginLine('command') },
  { id: 'next-view', keys: ['tab'], scopes: ['global'], label: 'next view', description: 'next view (vms, nodes, tasks, ops, history, jobs)', run: (c) => c.cycleView(1) },
  { id: 'prev-view', keys: ['shift+tab'], scopes: ['global'], label: 'prev view', description: 'previous view', run: (c) => c.cycleView(-1) },
  { id: 'refresh', keys: ['ctrl+r'], scopes: ['global'], label: 'refresh', description: 'refresh now (the view also refreshes by itself)', run: (c) => c.refreshNow() },
  { id: 'cancel-op', keys: ['c'], scopes: ['global'], label: 'cancel op', description: 'cancel the running operation: nothing new starts, running steps finish', mutating: true, run: (c) => c.cancelOperation() },
  { id: 'close-pane', keys: ['x'], scopes: ['global'], label: 'close pane', description: "close the finished operation's pane (it stays in :history)", run: (c) => c.closePane() },
  { id: 'help', keys: ['?'], scopes: ['global', 'help'], label: 'help', description: 'help: every key, from this keymap', footer: true, run: (c) => c.toggleHelp() },
  { id: 'quit', keys: ['q'], scopes: ['global'], label: 'quit', description: 'quit', footer: true, run: (c) => c.quit() },
];

export const SCOPE_TITLES: Record<Scope, string> = {
  always: 'Anywhere',
  global: 'Every view',
  list: 'Lists',
  help: 'Help screen',
  vms: 'VM list',
  detail: 'VM detail',
  nodes: 'Nodes',
  jobs: 'Scheduler jobs',
  operations: 'Operations (:ops, :history, an operation)',
  power: 'Power menu (p)',
  retention: 'Retention preview (:retention)',
  storage: 'Storage (:storage)',
  migrate: 'Migration target picker (m)',
  confirm: 'Plan and confirmation',
  edit: 'Typing a line (/, :, a typed confirmation)',
  form: 'A form (an action\'s fields, the options of a plan)',
  'job-form': 'A job form (:jobs N, E)',
  backups: 'Backups (:backups)',
  provision: 'Cluster provisioning (:provision)',
};

const LIST_VIEWS: ViewName[] = ['vms', 'nodes', 'tasks', 'ops', 'history', 'jobs', 'runs', 'detail', 'operation', 'tasklog', 'retention', 'provision', 'storage', 'backups'];

/** The scopes in force, most specific first; `formScope`: the open request form's own (a job form's). */
export function activeScopes(mode: Mode, view: ViewName, formScope?: FormScope): Scope[] {
  if (mode === 'filter' || mode === 'command' || mode === 'prompt') return ['edit', 'always'];
  if (mode === 'request') return [...(formScope ? [formScope] : []), 'form', 'always'];
  if (mode === 'confirm') return ['confirm', 'always'];
  if (mode === 'power') return ['power', 'always'];
  if (mode === 'migrate') return ['migrate', 'always'];
  // The form's @inkjs/ui inputs read the keys themselves.
  if (mode === 'form') return ['always'];
  if (view === 'help') return ['help', 'global', 'always'];
  const own: Scope[] = view === 'vms' || view === 'detail' || view === 'nodes' || view === 'jobs' || view === 'retention' || view === 'storage' || view === 'backups' || view === 'provision' ? [view] : view === 'ops' || view === 'history' || view === 'operation' ? ['operations'] : [];
  return [...own, ...(LIST_VIEWS.includes(view) ? (['list'] as Scope[]) : []), 'global', 'always'];
}

export function visible(b: Binding, readOnly: boolean): boolean {
  return !(readOnly && b.mutating);
}

/** The bindings in force, in scope order, for the footer: one whose every key a more specific scope takes is not (dispatch would never reach it). */
export function bindingsIn(scopes: Scope[], readOnly: boolean): Binding[] {
  const out: Binding[] = [];
  const taken = new Set<Chord>();
  for (const scope of scopes) {
    for (const b of KEYMAP) {
      if (!b.scopes.includes(scope) || !visible(b, readOnly) || out.includes(b) || b.keys.every((k) => taken.has(k))) continue;
      out.push(b);
      for (const k of b.keys) taken.add(k);
    }
  }
  return out;
}

export function findBinding(chord: Chord, scopes: Scope[], readOnly: boolean): Binding | undefined {
  for (const scope of scopes) {
    const hit = KEYMAP.find((b) => b.scopes.includes(scope) && b.keys.includes(chord) && visible(b, readOnly));
    if (hit) return hit;
  }
  return undefined;
}

export function keysLabel(b: Binding): string {
  return b.keys.map(chordLabel).join(' / ');
}

/** Every binding once, under the first of its scopes in reading order: the help screen and the README. */
export function helpSections(readOnly: boolean): Array<{ scope: Scope; title: string; bindings: Binding[] }> {
  const order: Scope[] = ['list', 'vms', 'detail', 'power', 'migrate', 'edit', 'form', 'job-form', 'confirm', 'operations', 'jobs', 'nodes', 'retention', 'storage', 'backups', 'provision', 'global', 'help', 'always'];
  const home = (b: Binding) => order.find((s) => b.scopes.includes(s));
  return order
    .map((scope) => ({ scope, title: SCOPE_TITLES[scope], bindings: KEYMAP.filter((b) => home(b) === scope && visible(b, readOnly)) }))
    .filter((s) => s.bindings.length > 0);
}
