// Turns keys into intents and intents into store changes and core calls. The keymap decides what a key
// means; this class does it, through its parts: navigation (views, cursor, Enter, Esc), the VM list
// (selector, filter, marks, sort), the line editor (filter, `:` commands through the command table,
// prompts), the context switch, and the action flows. Components only read the store.
import type { Key } from 'ink';
import type { Inventory } from '../src/inventory/model.js';
import type { Operation, PowerAction } from '../src/ops/types.js';
import { labelOf } from '../src/ops/capabilities/index.js';
import type { RetentionQuery } from '../src/ops/retention/candidates.js';
import { ActionFlow } from './actions.js';
import { MigrateFlow } from './migrate-flow.js';
import type { Command, CommandHost, CompletionSources } from './command-table.js';
import { switchContext, type ContextSwitcher } from './context-switch.js';
import type { ControllerHost } from './controller-host.js';
import type { BackupIntent, Intents, JobIntent } from './intents.js';
import { activeScopes, findBinding } from './keymap.js';
import { chordsOf, typedText, type Chord } from './keys.js';
import { LineEditor } from './line-editor.js';
import { Navigator } from './navigation.js';
import { jobRows, liveOpRows, opDetailOf, pastOpRows } from './rows.js';
import { initialState, say, type ActionId, type TuiStore, type ViewName, type VmFormKind } from './store.js';
import { ProvisionFlow } from './provision-flow.js';
import { Sync, type TuiSession } from './sync.js';
import { clamp } from './view-window.js';
import { VmListFlow } from './vm-list-flow.js';
import { PlanOptionsFlow } from './plan-options-flow.js';
import { RequestFormFlow } from './request-form-flow.js';
import { JobFormFlow } from './job-form-flow.js';
import type { SortKey } from './vm-order.js';

export type { TuiSession } from './sync.js';
export type { ContextSwitcher } from './context-switch.js';

export interface ControllerOptions {
  refreshMs?: number;
  switcher?: ContextSwitcher;
  /** How long the options form waits after a change before planning again (default 250 ms). */
  replanDelayMs?: number;
}

export class TuiController implements Intents, CommandHost {
  private sync: Sync;
  private readonly actions: ActionFlow;
  private readonly migrations: MigrateFlow;
  private readonly nav: Navigator;
  private readonly vmList: VmListFlow;
  private readonly editor: LineEditor;
  private readonly provisioning: ProvisionFlow;
  private readonly forms: RequestFormFlow;
  private readonly planOptionsFlow: PlanOptionsFlow;
  private readonly jobForms: JobFormFlow;
  onQuit: () => void = () => {};

  constructor(
    readonly store: TuiStore,
    private session: TuiSession,
    private readonly options: ControllerOptions = {},
  ) {
    this.sync = this.makeSync();
    const host: ControllerHost = { store, sync: () => this.sync, session: () => this.session };
    this.forms = new RequestFormFlow(store, () => this.completionSources());
    this.actions = new ActionFlow(store, () => this.session, this.forms);
    this.planOptionsFlow = new PlanOptionsFlow(store, this.forms, this.actions, options.replanDelayMs);
    this.actions.jobsChanged = () => this.sync.loadView();
    this.jobForms = new JobFormFlow(store, this.forms, this.actions, () => this.sync.loadView());
    this.migrations = new MigrateFlow(store, () => this.session, this.actions);
    this.nav = new Navigator(host);
    this.vmList = new VmListFlow(store, { setView: (v) => this.nav.setView(v), closeLine: () => this.closeLine(), commandError: (t) => this.commandError(t), move: (d) => this.nav.move(d) });
    this.nav.selectVms = (selector) => this.vmList.selectVms(selector);
    this.nav.clearFilter = () => this.vmList.setFilter('');
    this.editor = new LineEditor(store, () => this.completionSources(), (text) => this.vmList.setFilter(text), this);
    this.provisioning = new ProvisionFlow(store, () => this.session, this.actions);
  }

  private makeSync(): Sync {
    const sync = new Sync(this.store, this.session, this.options.refreshMs ?? 3000);
    sync.onFinished = () => void this.sync.refreshAfter();
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
    const scopes = activeScopes(s.mode, s.view, s.requestForm?.keyScope);
    const binding = findBinding(chord, scopes, s.context.readOnly);
    if (binding) {
      binding.run(this);
      return true;
    }
    // An action key in a read-only context says why nothing happens.
    const hidden = s.context.readOnly && s.mode === 'normal' ? findBinding(chord, scopes, false) : undefined;
    if (hidden?.mutating) {
      say(this.store, `read-only context ${s.context.name}: ${hidden.label} changes the cluster and is not available here`, 'error');
      return true;
    }
    const text = typedText(chord);
    if (text === undefined) return false;
    if (s.mode === 'filter' || s.mode === 'command' || s.mode === 'prompt') {
      this.editor.typeText(text);
      return true;
    }
    // A form's text field types through its own input; a letter on a choice picks one.
    if (s.mode === 'request') {
      this.forms.typed(text);
      return true;
    }
    if (s.mode === 'confirm' && s.confirm?.destructive && /^[0-9]$/.test(text)) {
      this.store.setState({ confirm: { ...s.confirm, typed: s.confirm.typed + text } });
      return true;
    }
    return false;
  }

  // ---- navigation (tui/navigation.ts) -----------------------------------------------------------

  move(delta: number): void {
    this.nav.move(delta);
  }

  moveTo(where: 'top' | 'bottom'): void {
    this.nav.moveTo(where);
  }

  page(direction: 1 | -1): void {
    this.nav.page(direction);
  }

  /** Shows a view; `stack` keeps the current one for Esc. */
  setView(view: ViewName, stack = false): void {
    this.nav.setView(view, stack);
  }

  /** After a resize or a pane that came or went: the open list shows its first row when it fits. */
  fitScroll(): void {
    this.nav.fitScroll();
  }

  cycleView(direction: 1 | -1): void {
    this.nav.cycleView(direction);
  }

  open(): void {
    this.nav.open();
  }

  showBackups(vmid?: number): void {
    this.nav.showBackups(vmid);
  }

  showCursorBackups(): void {
    const ids = this.actions.targets();
    if (ids.length !== 1) return say(this.store, ids.length ? 'b shows one VM\'s backups: unmark the others, or use :backups' : 'no VM here', 'error');
    this.showBackups(ids[0]);
  }

  backupAction(kind: BackupIntent): void {
    this.actions.backupAction(kind);
  }

  back(): void {
    this.nav.back();
  }

  quit(): void {
    this.onQuit();
  }

  toggleHelp(): void {
    this.nav.toggleHelp();
  }

  refreshNow(): void {
    this.nav.refreshNow();
  }

  // ---- VM list: marks, sorting, filter (tui/vm-list-flow.ts) -------------------------------------

  toggleMark(): void {
    this.vmList.toggleMark();
  }

  markAllVisible(): void {
    this.vmList.markAllVisible();
  }

  clearMarks(): void {
    this.vmList.clearMarks();
  }

  sortBy(key: SortKey, descending?: boolean): void {
    this.vmList.sortBy(key, descending);
  }

  cycleSort(): void {
    this.vmList.cycleSort();
  }

  reverseSort(): void {
    this.vmList.reverseSort();
  }

  selectVms(selector?: string): void {
    this.vmList.selectVms(selector);
  }

  markVms(selector: string): void {
    this.vmList.markVms(selector);
  }

  // ---- typing (tui/line-editor.ts) --------------------------------------------------------------

  beginLine(kind: 'filter' | 'command'): void {
    this.editor.beginLine(kind);
  }

  eraseChar(): void {
    this.editor.eraseChar();
  }

  clearLine(): void {
    this.editor.clearLine();
  }

  complete(): void {
    this.editor.complete();
  }

  private completionSources(): CompletionSources {
    const s = this.store.getState();
    const inv = s.inventory;
    const tags = inv ? [...new Set(inv.vms.flatMap((v) => v.tags))].sort() : [];
    return { contexts: this.options.switcher?.names() ?? [s.context.name], tags, nodes: inv?.nodes.map((n) => n.node) ?? [], jobs: s.jobs.map((j) => j.name) };
  }

  submitLine(): void {
    if (this.store.getState().mode === 'prompt') return this.actions.submitPrompt();
    this.editor.submitLine();
  }

  // ---- `:` commands (tui/command-table.ts runs them through these) ------------------------------

  runCommand(cmd: Command): Promise<void> {
    return this.editor.runCommand(cmd);
  }

  closeLine(): void {
    this.store.setState({ mode: 'normal', line: null });
  }

  /** Keeps the command line open with the error under it, and says it in the status line too. */
  commandError(text: string): void {
    const s = this.store.getState();
    if (s.line) this.store.setState({ line: { ...s.line, hint: { text, error: true } } });
    say(this.store, text, 'error');
  }

  showRetention(query: RetentionQuery): void {
    const s = this.store.getState();
    this.store.setState({ retention: { query, preview: null }, filters: { ...s.filters, retention: undefined }, pos: { ...s.pos, retention: { cursor: 0, scroll: 0 } } });
    if (s.view === 'retention') void this.sync.loadView();
    else this.setView('retention', true);
  }

  async showRunsOf(jobName?: string): Promise<void> {
    let jobId: string | null = null;
    if (jobName) {
      const job = this.store.getState().jobs.find((j) => j.name === jobName || j.id === jobName) ?? (await this.session.jobs?.get(jobName).catch(() => undefined));
      if (!job) return this.commandError(`no job named '${jobName}'; :jobs lists them`);
      jobId = job.id;
    }
    this.closeLine();
    this.nav.showRuns(jobId, false);
  }

  async showProvisionPlan(path: string): Promise<void> {
    let view;
    try {
      view = await this.provisioning.load(path);
    } catch (err) {
      return this.commandError((err as Error).message);
    }
    this.closeLine();
    this.store.setState({ provision: view, pos: { ...this.store.getState().pos, provision: { cursor: 0, scroll: 0 } } });
    this.setView('provision', true);
  }

  async openContainerForm(): Promise<void> {
    // The form's template choice: the container templates the cluster's storages hold.
    let ostemplates: string[];
    try {
      ostemplates = [...new Set((await this.session.core.storageContent({ content: 'vztmpl' })).items.map((i) => i.volid))].sort();
    } catch (err) {
      return this.commandError(`cannot list container templates: ${(err as Error).message}`);
    }
    if (!ostemplates.length) return this.commandError('no container templates (vztmpl) on any storage; :storage then w downloads one');
    this.closeLine();
    this.store.setState({ mode: 'form', form: { kind: 'container', ostemplates }, status: null });
  }

  switchContext(name?: string): Promise<void> {
    return switchContext(this.store, this.options.switcher, name, async (next, text) => {
      const size = this.store.getState().size;
      this.sync.stop();
      const old = this.session;
      this.session = next;
      this.store.setState({ ...initialState(next.core.context, size), status: { text, tone: 'ok' } });
      this.sync = this.makeSync();
      await old.close?.().catch(() => {});
      await this.sync.start();
    });
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

  /** o in a plan: its options in a form, the plan made again as they change. */
  planOptions(): void {
    this.planOptionsFlow.open();
  }

  // ---- request forms (tui/request-form-flow.ts; the focused TextInput types, these keys do the rest) ----

  formMove(delta: number): void {
    this.forms.move(delta);
  }

  formTab(): void {
    this.forms.tab();
  }

  formEnter(): void {
    this.forms.enter();
  }

  formSubmit(): void {
    void this.forms.submit();
  }

  formCycle(delta: number): void {
    this.forms.cycle(delta);
  }

  formClear(): void {
    this.forms.clear();
  }

  formCancel(): void {
    this.forms.cancel();
  }

  /** What the focused field's input typed (stale reports, from an input since restarted, are dropped). */
  formChanged(index: number, generation: number, value: string): void {
    this.forms.changed(index, generation, value);
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

  jobForm(kind: 'new' | 'edit' | 'delete'): void {
    const s = this.store.getState();
    if (!this.session.jobs) return say(this.store, 'jobs are not available here', 'error');
    if (kind === 'delete') return this.actions.beginJobDelete();
    const job = kind === 'edit' ? jobRows(s)[s.pos.jobs.cursor] : undefined;
    if (kind === 'edit' && !job) return say(this.store, 'no job here', 'error');
    this.jobForms.open(job);
  }

  jobAction(kind: JobIntent): void {
    void this.actions.job(
      kind,
      () => this.sync.loadView(),
      (jobId) => this.nav.showRuns(jobId, true),
    );
  }
}
