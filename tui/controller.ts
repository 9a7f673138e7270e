// Intents from the keyboard become core calls here; results and core events go into the store.
import type { MoxxieCore } from '../src/core.js';
import type { HistoryStore } from '../src/history/store.js';
import type { Operation, OperationEvent, PowerAction } from '../src/ops/types.js';
import type { JobManager } from '../src/schedule/jobs.js';
import type { VmSelector } from '../src/select/types.js';
import { rederive, say, setInventory, type ActionId, type TuiStore, type ViewName } from './store.js';
import { clamp, scrollFor } from './view-window.js';
import { SORT_KEYS } from './vm-order.js';

export interface TuiSession {
  core: MoxxieCore;
  jobs?: JobManager;
  history?: HistoryStore;
}

const VIEWS: ViewName[] = ['vms', 'nodes', 'tasks', 'ops', 'history', 'jobs'];
const POWER: Array<{ key: string; label: string; op: PowerAction }> = [
  { key: 's', label: 'start', op: 'START' },
  { key: 'h', label: 'shutdown', op: 'SHUTDOWN' },
  { key: 't', label: 'stop (hard)', op: 'STOP' },
  { key: 'r', label: 'reboot', op: 'REBOOT' },
  { key: 'z', label: 'suspend', op: 'SUSPEND' },
  { key: 'e', label: 'resume', op: 'RESUME' },
];

export class TuiController {
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private refreshing = false;
  /** Resolves when the last started operation finishes (tests wait on it). */
  lastRun: Promise<Operation | undefined> = Promise.resolve(undefined);
  onQuit: () => void = () => {};

  constructor(
    readonly store: TuiStore,
    private readonly session: TuiSession,
    private readonly refreshMs = 3000,
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = this.session.core.operations.subscribe((e) => this.onEvent(e));
    await this.refresh();
    const loop = () => {
      this.timer = setTimeout(() => void this.refresh().finally(loop), this.refreshMs);
      this.timer.unref?.();
    };
    loop();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.unsubscribe?.();
  }

  private onEvent(e: OperationEvent): void {
    const ops = this.store.getState().operations;
    if (e.type === 'operation-started' || e.type === 'operation-finished') {
      const others = ops.filter((o) => o.id !== e.operation.id);
      this.store.setState({ operations: [{ ...e.operation, targets: e.operation.targets.map((t) => ({ ...t })) }, ...others].slice(0, 20) });
      if (e.type === 'operation-finished') {
        const c = e.operation.summary?.counts;
        say(this.store, `${e.operation.kind} ${e.operation.status}: ${c?.succeeded ?? 0} succeeded, ${c?.failed ?? 0} failed, ${c?.skipped ?? 0} skipped, ${c?.cancelled ?? 0} cancelled`, e.operation.status !== 'succeeded');
        void this.refresh();
      }
    } else {
      this.store.setState({
        operations: ops.map((o) => (o.id === e.operationId ? { ...o, targets: o.targets.map((t) => (t.vmid === e.target.vmid ? { ...e.target } : t)) } : o)),
      });
    }
  }

  async refresh(): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = true;
    try {
      const { core, history, jobs } = this.session;
      setInventory(this.store, await core.inventory());
      const view = this.store.getState().view;
      if (view === 'tasks') this.store.setState({ tasks: await core.listTasks({ limit: 200 }) });
      if ((view === 'history' || view === 'ops') && history) this.store.setState({ history: await history.listOperations({ limit: 100 }) });
      if (view === 'jobs' && jobs) await this.loadJobs();
      if (view === 'detail') await this.loadDetail();
    } catch (err) {
      say(this.store, `refresh failed: ${(err as Error).message}`, true);
    } finally {
      this.refreshing = false;
    }
  }

  private async loadJobs(): Promise<void> {
    const { jobs } = this.session;
    if (!jobs) return;
    const list = await jobs.list();
    const runs = await jobs.runs(undefined, { limit: 200 });
    const rows = await Promise.all(
      list.map(async (j) => ({ ...j, nextRun: j.enabled ? (await jobs.preview(j.id, 1))[0]?.getTime() : undefined, lastRun: runs.find((r) => r.jobId === j.id) })),
    );
    this.store.setState({ jobs: rows, jobRuns: runs });
  }

  private async loadDetail(): Promise<void> {
    const d = this.store.getState().detail;
    if (!d) return;
    const [snapshots, config] = await Promise.all([this.session.core.listSnapshots(d.vmid), this.session.core.getVmConfig(d.vmid)]);
    this.store.setState({ detail: { vmid: d.vmid, snapshots, config } });
  }

  // ---- navigation ---------------------------------------------------------------------------------

  private listLength(): number {
    const s = this.store.getState();
    switch (s.view) {
      case 'vms':
        return s.visible.length;
      case 'nodes':
        return s.inventory?.nodes.length ?? 0;
      case 'tasks':
        return s.tasks.length;
      case 'ops':
        return s.operations.length;
      case 'history':
        return s.history.length;
      case 'jobs':
        return s.jobs.length;
      case 'detail':
        return s.detail?.snapshots.length ?? 0;
      default:
        return 0;
    }
  }

  listHeight(): number {
    return Math.max(3, this.store.getState().size.rows - 9);
  }

  moveTo(index: number): void {
    const total = this.listLength();
    const cursor = clamp(index, 0, Math.max(0, total - 1));
    const s = this.store.getState();
    this.store.setState({ cursor, scroll: scrollFor(cursor, s.scroll, this.listHeight(), total) });
  }

  move(delta: number): void {
    this.moveTo(this.store.getState().cursor + delta);
  }

  page(direction: 1 | -1): void {
    this.move(direction * this.listHeight());
  }

  top(): void {
    this.moveTo(0);
  }

  bottom(): void {
    this.moveTo(this.listLength() - 1);
  }

  setView(view: ViewName): void {
    const s = this.store.getState();
    this.store.setState({ view, previousView: s.view === view ? s.previousView : s.view, cursor: 0, scroll: 0, mode: 'normal', status: null });
    void this.refresh();
  }

  back(): void {
    const s = this.store.getState();
    if (s.mode !== 'normal') {
      this.store.setState({ mode: 'normal', prompt: null, confirm: null, menu: null, input: '' });
      return;
    }
    if (s.view === 'detail' || s.view === 'help') this.setView(s.previousView === 'detail' || s.previousView === 'help' ? 'vms' : s.previousView);
    else if (s.filter || s.selectorLine) {
      rederive(this.store, { filter: '', selectorLine: '', selectorMatches: null });
      say(this.store, 'filter cleared');
    }
  }

  enter(): void {
    const s = this.store.getState();
    if (s.view === 'vms') {
      const vm = s.visible[s.cursor];
      if (!vm) return;
      this.store.setState({ detail: { vmid: vm.vmid, snapshots: [], config: {} } });
      this.setView('detail');
    } else if (s.view === 'jobs') {
      const job = s.jobs[s.cursor];
      if (job) say(this.store, this.describeRuns(job.id));
    }
  }

  private describeRuns(jobId: string): string {
    const runs = this.store.getState().jobRuns.filter((r) => r.jobId === jobId).slice(0, 3);
    if (!runs.length) return 'no runs yet';
    return runs.map((r) => `${new Date(r.startedAt).toLocaleTimeString()} ${r.status} (${r.vms.length} VMs)`).join(' | ');
  }

  toggleHelp(): void {
    const s = this.store.getState();
    this.setView(s.view === 'help' ? s.previousView : 'help');
  }

  quit(): void {
    this.onQuit();
  }

  // ---- marks and sorting --------------------------------------------------------------------------

  toggleMark(): void {
    const s = this.store.getState();
    const vm = s.visible[s.cursor];
    if (!vm) return;
    const marks = new Set(s.marks);
    if (marks.has(vm.vmid)) marks.delete(vm.vmid);
    else marks.add(vm.vmid);
    this.store.setState({ marks });
    this.move(1);
  }

  markAllVisible(): void {
    const s = this.store.getState();
    this.store.setState({ marks: new Set([...s.marks, ...s.visible.map((v) => v.vmid)]) });
    say(this.store, `${s.visible.length} VM(s) marked`);
  }

  clearMarks(): void {
    this.store.setState({ marks: new Set() });
    say(this.store, 'marks cleared');
  }

  cycleSort(): void {
    const s = this.store.getState();
    const next = SORT_KEYS[(SORT_KEYS.indexOf(s.sort) + 1) % SORT_KEYS.length];
    rederive(this.store, { sort: next, descending: next === 'cpu' || next === 'mem' });
    say(this.store, `sorted by ${next}`);
  }

  reverseSort(): void {
    rederive(this.store, { descending: !this.store.getState().descending });
  }

  // ---- filter and command line --------------------------------------------------------------------

  beginInput(mode: 'filter' | 'command'): void {
    this.store.setState({ mode, input: mode === 'filter' ? this.store.getState().filter : '' });
  }

  typeInput(text: string): void {
    const s = this.store.getState();
    if (s.mode === 'prompt' && s.prompt) {
      const fields = s.prompt.fields.map((f, i) => (i === s.prompt!.index ? { ...f, value: text } : f));
      this.store.setState({ prompt: { ...s.prompt, fields } });
      return;
    }
    if (s.mode === 'confirm' && s.confirm) {
      this.store.setState({ confirm: { ...s.confirm, typed: text } });
      return;
    }
    this.store.setState({ input: text });
    if (s.mode === 'filter') rederive(this.store, { filter: text });
  }

  submitInput(): void {
    const s = this.store.getState();
    if (s.mode === 'filter') {
      this.store.setState({ mode: 'normal' });
      say(this.store, s.filter ? `filter: ${s.filter} (${s.visible.length} VMs; Esc clears)` : 'filter cleared');
    } else if (s.mode === 'command') {
      this.store.setState({ mode: 'normal', input: '' });
      void this.runCommand(s.input.trim());
    } else if (s.mode === 'prompt') {
      this.submitPrompt();
    } else if (s.mode === 'confirm') {
      this.submitConfirm();
    }
  }

  async runCommand(text: string): Promise<void> {
    const [word, ...rest] = text.split(/\s+/);
    const arg = rest.join(' ');
    const view = { vms: 'vms', vm: 'vms', nodes: 'nodes', node: 'nodes', tasks: 'tasks', ops: 'ops', operations: 'ops', history: 'history', hist: 'history', jobs: 'jobs', help: 'help' }[word ?? ''] as ViewName | undefined;
    if (word === 'q' || word === 'quit') return this.quit();
    if (word === 'ctx' || word === 'context') {
      if (!arg) return say(this.store, `context: ${this.store.getState().context.name}`);
      if (arg === this.store.getState().context.name) return say(this.store, `already on context ${arg}`);
      return say(this.store, `switching context needs a restart: run \`moxxie --context ${arg}\``, true);
    }
    if (!view) return say(this.store, `unknown command ':${word}'; try :vms [selector], :nodes, :tasks, :ops, :history, :jobs, :ctx NAME, :help`, true);
    if (view === 'vms' && arg) {
      try {
        const res = await this.session.core.resolve(arg);
        rederive(this.store, { selectorLine: arg, selectorMatches: new Set(res.vms.map((v) => v.vmid)) });
        say(this.store, `${res.vms.length} VM(s) match ${arg}${res.warnings.length ? ` — ${res.warnings.map((w) => w.message).join('; ')}` : ''}`);
      } catch (err) {
        say(this.store, (err as Error).message, true);
        return;
      }
    } else if (view === 'vms') {
      rederive(this.store, { selectorLine: '', selectorMatches: null });
    }
    this.setView(view);
  }

  // ---- actions ------------------------------------------------------------------------------------

  /** Marked VMs, or the cursor row when nothing is marked. */
  targets(): number[] {
    const s = this.store.getState();
    if (s.marks.size) return [...s.marks].sort((a, b) => a - b);
    const vm = s.view === 'detail' && s.detail ? { vmid: s.detail.vmid } : s.visible[s.cursor];
    return vm ? [vm.vmid] : [];
  }

  private selectors(): VmSelector[] {
    return [{ type: 'VM_IDS', value: this.targets().join(',') }];
  }

  beginAction(action: ActionId): void {
    if (this.store.getState().context.readOnly) return say(this.store, 'read-only context: actions are disabled', true);
    if (!this.targets().length) return say(this.store, 'no VM under the cursor', true);
    const selected = this.store.getState().detail?.snapshots[this.store.getState().cursor]?.name ?? '';
    const inDetail = this.store.getState().view === 'detail';
    const fields: Record<ActionId, Array<{ label: string; value: string; hint?: string }>> = {
      snapshot: [
        { label: 'snapshot name', value: 'moxxie-{vmid}-{datetime}', hint: '{vm} {vmid} {date} {time} {datetime}; at most 40 characters' },
        { label: 'TTL hours (empty: none)', value: '24' },
      ],
      'snapshot-delete': [{ label: 'snapshot name or glob', value: inDetail ? selected : '' }],
      rollback: [
        { label: 'roll back to snapshot', value: inDetail ? selected : '' },
        { label: 'start afterwards (y/n)', value: 'n' },
      ],
      'tags-add': [{ label: 'tags to add (comma-separated)', value: '' }],
      'tags-remove': [{ label: 'tags to remove (comma-separated)', value: '' }],
      power: [],
    };
    if (action === 'power') {
      this.store.setState({
        mode: 'menu',
        menu: { title: `power ${this.targets().length} VM(s)`, choices: POWER.map((p) => ({ key: p.key, label: p.label, pick: () => void this.plan('power', p.op) })) },
      });
      return;
    }
    this.store.setState({ mode: 'prompt', prompt: { action, fields: fields[action], index: 0 }, input: '' });
  }

  pickMenu(key: string): void {
    const choice = this.store.getState().menu?.choices.find((c) => c.key === key);
    if (choice) {
      this.store.setState({ menu: null, mode: 'normal' });
      choice.pick();
    }
  }

  submitPrompt(): void {
    const p = this.store.getState().prompt;
    if (!p) return;
    if (p.index < p.fields.length - 1) {
      this.store.setState({ prompt: { ...p, index: p.index + 1 } });
      return;
    }
    this.store.setState({ mode: 'normal', prompt: null });
    void this.plan(p.action, undefined, p.fields.map((f) => f.value.trim()));
  }

  /** Runs the dry run and shows the plan for confirmation. */
  async plan(action: ActionId, power?: PowerAction, values: string[] = []): Promise<void> {
    const core = this.session.core;
    const vmSelectors = this.selectors();
    const tags = (v: string) => v.split(/[,\s]+/).filter(Boolean);
    let run: (dryRun: boolean) => Promise<Operation>;
    let title: string;
    let destructive = false;
    switch (action) {
      case 'snapshot': {
        const ttl = values[1] ? Number(values[1]) : undefined;
        run = (dryRun) => core.createSnapshots({ vmSelectors, snapshotName: values[0], ttlHours: ttl, dryRun }, { frontEnd: 'tui' });
        title = `snapshot ${values[0]}${ttl ? ` (TTL ${ttl}h)` : ''}`;
        break;
      }
      case 'snapshot-delete':
        run = (dryRun) => core.deleteSnapshots({ vmSelectors, ...(/[*?[]/.test(values[0]) ? { namePattern: values[0] } : { snapshotName: values[0] }), dryRun }, { frontEnd: 'tui' });
        title = `delete snapshot ${values[0]}`;
        destructive = true;
        break;
      case 'rollback':
        run = (dryRun) => core.rollbackSnapshot({ vmSelectors, snapshotName: values[0], start: /^y/i.test(values[1] ?? ''), dryRun }, { frontEnd: 'tui' });
        title = `roll back to ${values[0]}`;
        destructive = true;
        break;
      case 'tags-add':
        run = (dryRun) => core.applyTags({ vmSelectors, action: 'ADD', tags: tags(values[0]), dryRun }, { frontEnd: 'tui' });
        title = `add tags ${values[0]}`;
        break;
      case 'tags-remove':
        run = (dryRun) => core.applyTags({ vmSelectors, action: 'REMOVE', tags: tags(values[0]), dryRun }, { frontEnd: 'tui' });
        title = `remove tags ${values[0]}`;
        destructive = true;
        break;
      case 'power':
        run = (dryRun) => core.power({ vmSelectors, operation: power!, dryRun }, { frontEnd: 'tui' });
        title = `power ${power!.toLowerCase()}`;
        destructive = power === 'STOP';
        break;
    }
    try {
      say(this.store, `planning ${title}…`);
      const plan = await run(true);
      this.store.setState({
        mode: 'confirm',
        confirm: {
          action,
          title,
          plan,
          destructive,
          typed: '',
          run: () => {
            this.lastRun = run(false).catch((err: Error) => {
              say(this.store, err.message, true);
              return undefined;
            });
          },
        },
      });
      say(this.store, destructive ? `type ${plan.targets.filter((t) => t.state === 'planned').length} and Enter to confirm, Esc to cancel` : 'y or Enter to run, Esc to cancel');
    } catch (err) {
      say(this.store, (err as Error).message, true);
    }
  }

  /** Non-destructive: y/Enter. Destructive: the typed count must equal the planned targets. */
  submitConfirm(key?: string): void {
    const c = this.store.getState().confirm;
    if (!c) return;
    const planned = c.plan.targets.filter((t) => t.state === 'planned').length;
    if (planned === 0) {
      this.store.setState({ mode: 'normal', confirm: null });
      return say(this.store, 'nothing to do: every target was skipped');
    }
    if (c.destructive && c.typed.trim() !== String(planned)) return say(this.store, `type ${planned} (the number of VMs) to confirm`, true);
    if (!c.destructive && key !== undefined && key !== 'y') return;
    this.store.setState({ mode: 'normal', confirm: null, marks: new Set() });
    c.run();
    say(this.store, `${c.title}: running on ${planned} VM(s); c cancels`);
  }

  cancelOperation(): void {
    const running = this.store.getState().operations.find((o) => o.status === 'running');
    if (!running) return say(this.store, 'no operation is running');
    this.session.core.operations.cancel(running.id);
    say(this.store, `cancelling ${running.id}: nothing new starts, running steps finish`);
  }

  // ---- jobs ---------------------------------------------------------------------------------------

  async jobAction(kind: 'enable' | 'disable' | 'trigger' | 'dry-run'): Promise<void> {
    const s = this.store.getState();
    const job = s.jobs[s.cursor];
    const jobs = this.session.jobs;
    if (!job || !jobs) return;
    if (s.context.readOnly && kind !== 'dry-run') return say(this.store, 'read-only context: job changes are disabled', true);
    try {
      if (kind === 'enable') await jobs.enable(job.id);
      else if (kind === 'disable') await jobs.disable(job.id);
      else {
        say(this.store, `${kind === 'dry-run' ? 'dry-running' : 'running'} ${job.name}…`);
        const run = await jobs.trigger(job.id, { dryRun: kind === 'dry-run' });
        say(this.store, `${job.name}: ${run.status}${run.dryRun ? ' (dry run)' : ''}, ${run.vms.length} VM(s)${run.message ? ` — ${run.message}` : ''}`, run.status === 'failed');
      }
      await this.loadJobs();
      if (kind === 'enable' || kind === 'disable') say(this.store, `${job.name} ${kind}d`);
    } catch (err) {
      say(this.store, (err as Error).message, true);
    }
  }

  nextView(): void {
    const s = this.store.getState();
    this.setView(VIEWS[(VIEWS.indexOf(s.view) + 1) % VIEWS.length] ?? 'vms');
  }
}
