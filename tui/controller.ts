// Turns keys into intents and intents into store changes and core calls. The keymap decides what a key
// means; this class does it. Components only read the store.
import type { Key } from 'ink';
import type { Inventory } from '../src/inventory/model.js';
import type { Operation, PowerAction } from '../src/ops/types.js';
import { labelOf } from '../src/ops/capabilities/index.js';
import { parseSelectorLine, resolveSelectorLine } from '../src/select/selector-line.js';
import { ActionFlow } from './actions.js';
import { MigrateFlow } from './migrate-flow.js';
import { completeCommand, parseCommand, type Command } from './command-line.js';
import type { BackupIntent, Intents, JobIntent } from './intents.js';
import { activeScopes, findBinding } from './keymap.js';
import { chordsOf, typedText, type Chord } from './keys.js';
import { listRowsFor, pageSize } from './layout.js';
import { jobRows, liveOpRows, nodeRows, opDetailOf, opTargetRows, pastOpRows, rowCount, taskRows } from './rows.js';
import { deriveVmRows, initialState, MAIN_VIEWS, say, type ActionId, type TuiState, type TuiStore, type ViewName, type VmFormKind } from './store.js';
import { ProvisionFlow } from './provision-flow.js';
import { Sync, type TuiSession } from './sync.js';
import { clamp, keepScreenLine, scrollFor } from './view-window.js';
import { SORT_KEYS, type SortKey } from './vm-order.js';

export type { TuiSession } from './sync.js';

/** Opens another context for `:ctx NAME`. */
export interface ContextSwitcher {
  names(): string[];
  open(name: string): Promise<TuiSession>;
}

export interface ControllerOptions {
  refreshMs?: number;
  switcher?: ContextSwitcher;
}

export class TuiController implements Intents {
  private sync: Sync;
  private readonly actions: ActionFlow;
  private readonly migrations: MigrateFlow;
  private readonly provisioning: ProvisionFlow;
  onQuit: () => void = () => {};

  constructor(
    readonly store: TuiStore,
    private session: TuiSession,
    private readonly options: ControllerOptions = {},
  ) {
    this.sync = this.makeSync();
    this.actions = new ActionFlow(store, () => this.session);
    this.migrations = new MigrateFlow(store, () => this.session, this.actions);
    this.provisioning = new ProvisionFlow(store, () => this.session, this.actions);
  }

  private makeSync(): Sync {
    const sync = new Sync(this.store, this.session, this.options.refreshMs ?? 3000);
    sync.onFinished = () => void this.sync.refresh();
    return sync;
  }

  /** The current session (it changes on `:ctx`). */
  get current(): TuiSession {
    return this.session;
  }

  /** Resolves when the last confirmed action finishes. */
  get lastRun(): Promise<unknown> {
    return this.actions.lastRun;
  }

  start(initial?: Inventory | null): Promise<void> {
    return this.sync.start(initial);
  }

  stop(): void {
    this.sync.stop();
  }

  refresh(): Promise<void> {
    return this.sync.refresh();
  }

  // ---- keys -------------------------------------------------------------------------------------

  handleInput(input: string, key: Key): void {
    for (const chord of chordsOf(input, key)) this.handleChord(chord);
  }

  /** One key: the first binding in the active scopes, else text for a line being typed. */
  handleChord(chord: Chord): boolean {
    const s = this.store.getState();
    const binding = findBinding(chord, activeScopes(s.mode, s.view), s.context.readOnly);
    if (binding) {
      binding.run(this);
      return true;
    }
    const text = typedText(chord);
    if (text === undefined) return false;
    if (s.mode === 'filter' || s.mode === 'command' || s.mode === 'prompt') {
      this.typeText(text);
      return true;
    }
    if (s.mode === 'confirm' && s.confirm?.destructive && /^[0-9]$/.test(text)) {
      this.store.setState({ confirm: { ...s.confirm, typed: s.confirm.typed + text } });
      return true;
    }
    return false;
  }

  // ---- navigation -------------------------------------------------------------------------------

  private setPos(cursor: number): void {
    const s = this.store.getState();
    const total = rowCount(s);
    const c = clamp(cursor, 0, Math.max(0, total - 1));
    const old = s.pos[s.view];
    // The help screen has no cursor: it scrolls, and stops when its last page is shown.
    const next = s.view === 'help' ? { cursor: clamp(cursor, 0, Math.max(0, total - pageSize(s))), scroll: 0 } : { cursor: c, scroll: scrollFor(c, old.scroll, listRowsFor(s), total) };
    if (s.view === 'help') next.scroll = next.cursor;
    this.store.setState({ pos: { ...s.pos, [s.view]: next } });
  }

  move(delta: number): void {
    this.setPos(this.store.getState().pos[this.store.getState().view].cursor + delta);
  }

  moveTo(where: 'top' | 'bottom'): void {
    this.setPos(where === 'top' ? 0 : rowCount(this.store.getState()) - 1);
  }

  page(direction: 1 | -1): void {
    this.move(direction * pageSize(this.store.getState()));
  }

  /** Shows a view; `stack` keeps the current one for Esc. */
  setView(view: ViewName, stack = false): void {
    const s = this.store.getState();
    if (s.view === view) return;
    const history = stack ? [...s.history, s.view] : [];
    this.store.setState({ view, history, mode: 'normal', line: null, status: null });
    void this.sync.loadView().catch((err: Error) => say(this.store, err.message, 'error'));
  }

  cycleView(direction: 1 | -1): void {
    const s = this.store.getState();
    const i = MAIN_VIEWS.indexOf(s.view);
    const next = MAIN_VIEWS[(i < 0 ? 0 : i + direction + MAIN_VIEWS.length) % MAIN_VIEWS.length];
    this.setView(next);
  }

  open(): void {
    const s = this.store.getState();
    const cursor = s.pos[s.view].cursor;
    switch (s.view) {
      case 'vms': {
        const vm = s.vmRows[cursor];
        if (!vm) return;
        this.store.setState({ detail: { vmid: vm.vmid, snapshots: [], config: {}, loaded: false }, pos: { ...s.pos, detail: { cursor: 0, scroll: 0 } } });
        this.setView('detail', true);
        return;
      }
      case 'nodes': {
        const node = nodeRows(s)[cursor];
        if (node) void this.runCommand({ kind: 'vms', selector: `node:${node.node}` });
        return;
      }
      case 'jobs': {
        const job = jobRows(s)[cursor];
        if (job) this.showRuns(job.id, true);
        return;
      }
      case 'tasks': {
        const task = taskRows(s)[cursor];
        if (task) this.openTaskLog(task.upid);
        return;
      }
      case 'history': {
        const op = pastOpRows(s)[cursor];
        if (!op) return;
        this.store.setState({ opDetail: op.id, filters: { ...s.filters, operation: undefined }, pos: { ...s.pos, operation: { cursor: 0, scroll: 0 } } });
        this.setView('operation', true);
        return;
      }
      case 'operation': {
        const target = opTargetRows(s)[cursor];
        if (!target) return;
        if (target.upid) this.openTaskLog(target.upid);
        else say(this.store, `VM ${target.vmid} ran no PVE task (${target.state}${target.message ? `: ${target.message}` : ''})`);
        return;
      }
      case 'ops': {
        const op = liveOpRows(s)[cursor];
        if (op) this.store.setState({ paneOpId: op.id });
        return;
      }
      default:
        return;
    }
  }

  /** The backups view, cluster-wide or of one VM; `b` in the VM list opens it for the cursor VM. */
  showBackups(vmid?: number): void {
    const s = this.store.getState();
    this.store.setState({ backups: { rows: [], warnings: [], vmid, loaded: false }, pos: { ...s.pos, backups: { cursor: 0, scroll: 0 } } });
    if (s.view === 'backups') void this.sync.loadView().catch((err: Error) => say(this.store, err.message, 'error'));
    else this.setView('backups', s.view === 'vms' || s.view === 'detail');
  }

  showCursorBackups(): void {
    const ids = this.actions.targets();
    if (ids.length !== 1) return say(this.store, ids.length ? 'b shows one VM\'s backups: unmark the others, or use :backups' : 'no VM here', 'error');
    this.showBackups(ids[0]);
  }

  backupAction(kind: BackupIntent): void {
    this.actions.backupAction(kind);
  }

  private openTaskLog(upid: string): void {
    const s = this.store.getState();
    this.store.setState({ taskLog: { upid, log: null }, filters: { ...s.filters, tasklog: undefined }, pos: { ...s.pos, tasklog: { cursor: 0, scroll: 0 } } });
    this.setView('tasklog', true);
  }

  private showRuns(jobId: string | null, stack: boolean): void {
    const s = this.store.getState();
    this.store.setState({ runsJob: jobId, runs: [], pos: { ...s.pos, runs: { cursor: 0, scroll: 0 } } });
    if (s.view === 'runs') void this.sync.loadView();
    else this.setView('runs', stack);
  }

  back(): void {
    const s = this.store.getState();
    if (s.mode !== 'normal') {
      // Esc while typing a filter drops that filter.
      if (s.mode === 'filter') this.setFilter('');
      this.store.setState({ mode: 'normal', line: null, prompt: null, confirm: null, power: null, migrate: null });
      return;
    }
    if (s.history.length) {
      const history = s.history.slice(0, -1);
      this.store.setState({ view: s.history[s.history.length - 1], history });
      void this.sync.loadView().catch(() => {});
      return;
    }
    if (s.filters[s.view] || (s.view === 'vms' && s.selector)) {
      if (s.view === 'vms') this.store.setState({ selector: null });
      this.setFilter('');
      say(this.store, 'filter cleared');
      return;
    }
    if (s.view !== 'vms') this.setView('vms');
  }

  quit(): void {
    this.onQuit();
  }

  toggleHelp(): void {
    const s = this.store.getState();
    if (s.view === 'help') this.back();
    else this.setView('help', true);
  }

  refreshNow(): void {
    say(this.store, 'refreshing…');
    void this.sync.refresh().then(() => {
      const s = this.store.getState();
      if (s.refreshError) say(this.store, `refresh failed: ${s.refreshError}`, 'error');
      else say(this.store, 'refreshed', 'ok');
    });
  }

  // ---- VM list: marks, sorting, filter ------------------------------------------------------------

  /** Re-derives the VM list after its inputs changed, keeping the cursor on its VM. */
  private rederive(patch: Partial<Pick<TuiState, 'selector' | 'sort' | 'descending' | 'filters'>>): void {
    const s = this.store.getState();
    const next = { ...s, ...patch };
    const cursorVm = s.vmRows[s.pos.vms.cursor]?.vmid;
    const vmRows = deriveVmRows(next);
    const found = cursorVm === undefined ? -1 : vmRows.findIndex((v) => v.vmid === cursorVm);
    const height = listRowsFor({ ...s, view: 'vms' });
    const pos = found >= 0 ? keepScreenLine(s.pos.vms, found, height, vmRows.length) : { cursor: 0, scroll: 0 };
    this.store.setState({ ...patch, vmRows, pos: { ...s.pos, vms: pos } });
  }

  private setFilter(text: string): void {
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
    this.move(1);
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

  private sortBy(sort: SortKey, descending = sort === 'cpu' || sort === 'mem'): void {
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

  // ---- typing: filter, command line, prompts ----------------------------------------------------

  beginLine(kind: 'filter' | 'command'): void {
    const s = this.store.getState();
    this.store.setState({ mode: kind, line: { kind, text: kind === 'filter' ? (s.filters[s.view] ?? '') : '' }, status: null });
  }

  private setText(text: string): void {
    const s = this.store.getState();
    if (s.mode === 'prompt' && s.prompt) {
      const fields = s.prompt.fields.map((f, i) => (i === s.prompt!.index ? { ...f, value: text } : f));
      this.store.setState({ prompt: { ...s.prompt, fields, error: undefined } });
      return;
    }
    if (!s.line) return;
    this.store.setState({ line: { ...s.line, text, hint: s.line.kind === 'command' ? this.commandHint(text) : undefined } });
    if (s.line.kind === 'filter') this.setFilter(text);
  }

  private currentText(): string {
    const s = this.store.getState();
    if (s.mode === 'prompt' && s.prompt) return s.prompt.fields[s.prompt.index].value;
    return s.line?.text ?? '';
  }

  private typeText(text: string): void {
    this.setText(this.currentText() + text);
  }

  eraseChar(): void {
    const s = this.store.getState();
    if (s.mode === 'confirm' && s.confirm) {
      this.store.setState({ confirm: { ...s.confirm, typed: s.confirm.typed.slice(0, -1) } });
      return;
    }
    this.setText(Array.from(this.currentText()).slice(0, -1).join(''));
  }

  clearLine(): void {
    this.setText('');
  }

  complete(): void {
    const s = this.store.getState();
    if (s.mode !== 'command' || !s.line) return;
    const inv = s.inventory;
    const tags = inv ? [...new Set(inv.vms.flatMap((v) => v.tags))].sort() : [];
    const done = completeCommand(s.line.text, { contexts: this.options.switcher?.names() ?? [s.context.name], tags, nodes: inv?.nodes.map((n) => n.node) ?? [], jobs: s.jobs.map((j) => j.name) });
    this.setText(done);
  }

  /** Live feedback under the command line: a selector's error, or how many VMs it matches. */
  private commandHint(text: string): { text: string; error: boolean } | undefined {
    const m = /^\s*(vms?|mark)\s+(.+)$/i.exec(text);
    if (!m) return undefined;
    const inv = this.store.getState().inventory;
    try {
      const line = parseSelectorLine(m[2]);
      if (!inv) return { text: 'selector ok', error: false };
      const n = resolveSelectorLine(inv, line).vms.length;
      return { text: `${n} VM${n === 1 ? '' : 's'} match`, error: false };
    } catch (err) {
      return { text: (err as Error).message, error: true };
    }
  }

  submitLine(): void {
    const s = this.store.getState();
    if (s.mode === 'prompt') return this.actions.submitPrompt();
    if (!s.line) return;
    if (s.line.kind === 'filter') {
      this.store.setState({ mode: 'normal', line: null });
      const n = rowCount(this.store.getState());
      say(this.store, s.line.text ? `filter /${s.line.text}: ${n} row${n === 1 ? '' : 's'} (Esc clears)` : 'filter cleared');
      return;
    }
    const parsed = parseCommand(s.line.text);
    if ('error' in parsed) {
      this.store.setState({ line: { ...s.line, hint: { text: parsed.error, error: true } } });
      return say(this.store, parsed.error, 'error');
    }
    void this.runCommand(parsed);
  }

  async runCommand(cmd: Command): Promise<void> {
    const s = this.store.getState();
    const closeLine = () => this.store.setState({ mode: 'normal', line: null });
    switch (cmd.kind) {
      case 'view':
        closeLine();
        return this.setView(cmd.view);
      case 'help':
        closeLine();
        return this.setView('help', true);
      case 'quit':
        closeLine();
        return this.quit();
      case 'sort':
        closeLine();
        this.setView('vms');
        return this.sortBy(cmd.key, cmd.descending);
      case 'retention': {
        closeLine();
        this.store.setState({ retention: { query: cmd.query, preview: null }, filters: { ...s.filters, retention: undefined }, pos: { ...s.pos, retention: { cursor: 0, scroll: 0 } } });
        if (s.view === 'retention') return void this.sync.loadView();
        return this.setView('retention', true);
      }
      case 'runs': {
        let jobId: string | null = null;
        if (cmd.job) {
          const job = s.jobs.find((j) => j.name === cmd.job || j.id === cmd.job) ?? (await this.session.jobs?.get(cmd.job).catch(() => undefined));
          if (!job) return this.commandError(`no job named '${cmd.job}'; :jobs lists them`);
          jobId = job.id;
        }
        closeLine();
        return this.showRuns(jobId, false);
      }
      case 'ctx':
        closeLine();
        return this.switchContext(cmd.name);
      case 'provision': {
        let view;
        try {
          view = await this.provisioning.load(cmd.path);
        } catch (err) {
          return this.commandError((err as Error).message);
        }
        closeLine();
        this.store.setState({ provision: view, pos: { ...this.store.getState().pos, provision: { cursor: 0, scroll: 0 } } });
        return this.setView('provision', true);
      }
      case 'ct': {
        // The form's template choice: the container templates the cluster's storages hold.
        let ostemplates: string[];
        try {
          ostemplates = [...new Set((await this.session.core.storageContent({ content: 'vztmpl' })).items.map((i) => i.volid))].sort();
        } catch (err) {
          return this.commandError(`cannot list container templates: ${(err as Error).message}`);
        }
        if (!ostemplates.length) return this.commandError('no container templates (vztmpl) on any storage; :storage then w downloads one');
        closeLine();
        this.store.setState({ mode: 'form', form: { kind: 'container', ostemplates }, status: null });
        return;
      }
      case 'backups':
        closeLine();
        return this.showBackups(cmd.vmid);
      case 'vms':
      case 'mark': {
        if (!cmd.selector) {
          closeLine();
          this.rederive({ selector: null });
          return this.setView('vms');
        }
        let line;
        try {
          line = parseSelectorLine(cmd.selector);
        } catch (err) {
          return this.commandError((err as Error).message);
        }
        closeLine();
        const inv = s.inventory;
        if (cmd.kind === 'mark') {
          const hits = inv ? resolveSelectorLine(inv, line).vms : [];
          this.store.setState({ marks: new Set([...s.marks, ...hits.map((v) => v.vmid)]) });
          this.setView('vms');
          return say(this.store, `${hits.length} VM${hits.length === 1 ? '' : 's'} marked by ${cmd.selector}`);
        }
        this.rederive({ selector: line });
        this.setView('vms');
        const warnings = inv ? resolveSelectorLine(inv, line).warnings : [];
        const n = this.store.getState().vmRows.length;
        return say(this.store, `${n} VM${n === 1 ? '' : 's'} match ${cmd.selector}${warnings.length ? ` — ${warnings.map((w) => w.message).join('; ')}` : ''}`, warnings.length ? 'error' : 'info');
      }
    }
  }

  /** Keeps the command line open with the error under it, and says it in the status line too. */
  private commandError(text: string): void {
    const s = this.store.getState();
    if (s.line) this.store.setState({ line: { ...s.line, hint: { text, error: true } } });
    say(this.store, text, 'error');
  }

  private async switchContext(name?: string): Promise<void> {
    const s = this.store.getState();
    const switcher = this.options.switcher;
    const names = switcher?.names() ?? [s.context.name];
    if (!name) return say(this.store, `context ${s.context.name}; others: ${names.filter((n) => n !== s.context.name).join(', ') || '(none configured)'} — :ctx NAME switches`);
    // The same context again reconnects, but only after a failed refresh (a restarted cluster, or the
    // demo's serving process gone); otherwise there is nothing to do.
    const reconnect = name === s.context.name;
    if (reconnect && !s.refreshError) return say(this.store, `already on context ${name}`);
    if (!switcher) return say(this.store, 'switching contexts is not available here', 'error');
    if (s.liveOps.some((o) => o.status === 'running')) return say(this.store, 'an operation is still running in this context; wait for it or cancel it (c) first', 'error');
    say(this.store, `${reconnect ? 'reconnecting' : 'connecting'} to ${name}…`);
    let next: TuiSession;
    try {
      next = await switcher.open(name);
    } catch (err) {
      return say(this.store, `context ${name}: ${(err as Error).message}`, 'error');
    }
    this.sync.stop();
    const old = this.session;
    this.session = next;
    this.store.setState({ ...initialState(next.core.context, s.size), status: { text: `${reconnect ? 'reconnected to' : 'switched to'} context ${name}`, tone: 'ok' } });
    this.sync = this.makeSync();
    await old.close?.().catch(() => {});
    await this.sync.start();
  }

  // ---- actions ----------------------------------------------------------------------------------

  beginAction(action: ActionId): void {
    this.actions.begin(action);
  }

  beginMigrate(): void {
    void this.migrations.begin();
  }

  pickMigrateTarget(node: string): void {
    this.migrations.pick(node);
  }

  nodeAction(kind: 'drain' | 'undrain'): void {
    this.migrations.node(kind);
  }

  beginPower(): void {
    this.actions.beginPower();
  }

  /** N / L: the guided create or clone form (clone starts at the cursor VM when it is a template). */
  beginVmForm(kind: VmFormKind): void {
    const s = this.store.getState();
    const vm = s.view === 'vms' ? s.vmRows[s.pos.vms.cursor] : undefined;
    this.store.setState({ mode: 'form', form: { kind, template: vm?.template ? vm.vmid : undefined }, status: null });
  }

  /** The form's answer: its plan through the core, then the usual confirmation. */
  submitVmForm(kind: VmFormKind, request: Record<string, unknown>): void {
    this.store.setState({ mode: 'normal', form: null });
    this.actions.planFormRequest(kind === 'clone' ? 'vm.clone' : kind === 'container' ? 'ct.create' : 'vm.create', request);
  }

  cancelVmForm(): void {
    this.store.setState({ mode: 'normal', form: null, status: null });
  }

  pickPower(action: PowerAction): void {
    this.actions.pickPower(action);
  }

  confirm(): void {
    this.actions.confirm();
  }

  scrollPlan(delta: number): void {
    const c = this.store.getState().confirm;
    if (c) this.store.setState({ confirm: { ...c, scroll: clamp(c.scroll + delta, 0, Math.max(0, c.rows.length - 1)) } });
  }

  /** The provisioning view: P runs its plan, c cancels the run, r / R resume or roll back. */
  provisionRun(): void {
    this.provisioning.run();
  }

  provisionCancel(): void {
    this.provisioning.cancel();
  }

  provisionContinue(mode: 'resume' | 'rollback'): void {
    this.provisioning.continue(mode);
  }

  cancelOperation(): void {
    this.actions.cancelRunning();
  }

  /** The operation a key in :ops, :history or an operation's view acts on. */
  private operationHere(): Operation | undefined {
    const s = this.store.getState();
    const cursor = s.pos[s.view].cursor;
    if (s.view === 'history') return pastOpRows(s)[cursor];
    if (s.view === 'ops') return liveOpRows(s)[cursor];
    if (s.view === 'operation') return opDetailOf(s);
    return undefined;
  }

  continueOperation(mode: 'resume' | 'rollback'): void {
    void this.actions.continueOperation(mode, this.operationHere());
  }

  closePane(): void {
    const s = this.store.getState();
    const op = s.liveOps.find((o) => o.id === s.paneOpId);
    if (!op) return;
    if (op.status === 'running') return say(this.store, 'the operation is still running; c cancels it');
    this.store.setState({ paneOpId: null });
  }

  pruneBackups(): void {
    const query = this.store.getState().retention?.query;
    if (!query) return say(this.store, 'no retention policy: :retention count:3 tag:env-dev', 'error');
    const core = this.session.core;
    void this.actions.planRequest({
      title: labelOf('backup.prune', query),
      kind: 'backup.prune',
      request: { dryRun: false, ...query },
      run: async (dryRun) => {
        const op = await core.run('backup.prune', { ...query, dryRun }, { frontEnd: 'tui' });
        // What was deleted is gone from the preview.
        if (!dryRun) void this.sync.loadView();
        return op;
      },
    });
  }

  jobAction(kind: JobIntent): void {
    void this.actions.job(
      kind,
      () => this.sync.loadView(),
      (jobId) => this.showRuns(jobId, true),
    );
  }
}
