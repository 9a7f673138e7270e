// Actions on VMs, operations and jobs: ask for what the action needs (its request form), run its dry run through the core,
// show the plan, and run it only after confirmation (destructive plans: the target count must be typed).
// What needs confirming comes from the capability registry, as in every front end.
import { labelOf, needsConfirmation } from '../src/ops/capabilities/index.js';
import { RequestError } from '../src/ops/errors.js';
import { isDestructiveJob } from '../src/schedule/job-tasks.js';
import type { BulkOptions, Operation, OperationKind, PowerAction } from '../src/ops/types.js';
import type { JobRecord, JobRunRecord } from '../src/history/job-records.js';
import type { JobInput } from '../src/schedule/job-validation.js';
import { executeJob } from '../src/schedule/job-executor.js';
import type { BackupIntent, JobIntent } from './intents.js';
import { targetKey } from './operation-text.js';
import { opName } from './operation-name.js';
import { backupRows, jobRows } from './rows.js';
import type { BackupEntry } from '../src/ops/backup-list.js';
import { ACTION_FORMS } from './action-forms.js';
import { fieldIndexOf, formFields, readAnswers, requestOf, type ActionForm, type Answers, type FormEnv } from './request-form.js';
import type { RequestFormFlow } from './request-form-flow.js';
import { say, type ActionId, type ConfirmState, type PlanRow, type TuiStore } from './store.js';
import type { TuiSession } from './sync.js';

export interface Planned {
  title: string;
  kind: OperationKind;
  request: BulkOptions;
  run: (dryRun: boolean) => Promise<Operation>;
}

export function planRows(op: Operation): PlanRow[] {
  return op.targets.map((t) => ({ key: targetKey(t), vmid: t.vmid, name: t.name, node: t.node, type: t.guestType ?? '', skipped: t.state === 'skipped', what: t.state === 'skipped' ? (t.message ?? 'skipped') : t.action }));
}

export class ActionFlow {
  /** The last operation or job run started from a confirmation; tests await it. */
  lastRun: Promise<unknown> = Promise.resolve(undefined);

  constructor(
    private readonly store: TuiStore,
    private readonly session: () => TuiSession,
    private readonly forms: RequestFormFlow,
  ) {}

  /** The marked VMs, or the VM under the cursor (or the one in the detail view) when nothing is marked. */
  targets(): number[] {
    const s = this.store.getState();
    if (s.marks.size) return [...s.marks].sort((a, b) => a - b);
    if (s.view === 'detail' && s.detail) return [s.detail.vmid];
    const vm = s.view === 'vms' ? s.vmRows[s.pos.vms.cursor] : undefined;
    return vm ? [vm.vmid] : [];
  }

  private targetsLabel(ids: number[]): string {
    return ids.length === 1 ? `VM ${ids[0]}` : `${ids.length} VMs`;
  }

  /** The backup under the cursor in the backups view. */
  private cursorBackup(): BackupEntry | undefined {
    const s = this.store.getState();
    return s.view === 'backups' ? backupRows(s)[s.pos.backups.cursor] : undefined;
  }

  /** An action's request form (its fields declared in tui/action-forms.ts), or its plan when it asks nothing. */
  begin(action: ActionId): void {
    if (action === 'job-delete') return this.beginJobDelete();
    const spec = ACTION_FORMS[action];
    let backup: BackupEntry | undefined;
    if (action === 'restore') {
      backup = this.cursorBackup();
      if (!backup) return say(this.store, 'no backup here: open :backups and move to one', 'error');
    }
    const ids = spec.onVms ? this.targets() : [];
    if (spec.onVms && !ids.length) return say(this.store, 'no VM here: move to one or mark some with Space', 'error');
    const env: FormEnv = { state: this.store.getState(), ids, who: this.targetsLabel(ids), backup };
    // Nothing to ask (convert to template): straight to the plan.
    if (!spec.fields.length) return void this.plan(this.planned(spec, env, {}));
    const { fields, values } = formFields(spec, env);
    this.forms.open(spec.heading(env), fields, values, { submit: (v) => this.submitForm(spec, env, v) });
  }

  private planned(spec: ActionForm, env: FormEnv, answers: Answers): Planned {
    const request = requestOf(spec, env, answers);
    const core = this.session().core;
    return { title: spec.title(request, env), kind: spec.kind, request: request as BulkOptions, run: (dryRun) => core.run(spec.kind, { ...request, dryRun }, { frontEnd: 'tui' }) };
  }

  /** The form's answers checked, then planned; a problem goes back to the form, naming the field by its label. */
  private async submitForm(spec: ActionForm, env: FormEnv, values: string[]): Promise<{ index?: number; text: string } | undefined> {
    const read = readAnswers(spec, env, values);
    if (!('answers' in read)) return read;
    const p = this.planned(spec, env, read.answers);
    say(this.store, `planning: ${p.title}…`);
    try {
      this.showPlan(p, await p.run(true));
      return undefined;
    } catch (err) {
      if (err instanceof RequestError) {
        const index = fieldIndexOf(spec, err.field);
        const text = err.message.slice(err.field.length + 2);
        return index === undefined ? { text: err.message } : { index, text: `${spec.fields[index].label}: ${text}` };
      }
      return { text: `${p.title}: ${(err as Error).message}` };
    }
  }

  beginPower(): void {
    const ids = this.targets();
    if (!ids.length) return say(this.store, 'no VM here: move to one or mark some with Space', 'error');
    this.store.setState({ mode: 'power', power: ids, status: null });
  }

  pickPower(action: PowerAction): void {
    const ids = this.store.getState().power ?? [];
    this.store.setState({ mode: 'normal', power: null });
    const core = this.session().core;
    const request = { vmSelectors: [{ type: 'VM_IDS' as const, value: ids.join(',') }], operation: action };
    void this.plan({ title: `${labelOf('power', request)} ${this.targetsLabel(ids)}`, kind: 'power', request, run: (dryRun) => core.power({ ...request, dryRun }, { frontEnd: 'tui' }) });
  }

  /** A request from a form (create, clone): planned through the core, shown, run once confirmed. */
  planFormRequest(kind: OperationKind, request: Record<string, unknown>): void {
    const core = this.session().core;
    void this.plan({ title: labelOf(kind, request), kind, request: request as BulkOptions, run: (dryRun) => core.run(kind, { ...request, dryRun }, { frontEnd: 'tui' }) });
  }

  /** Protect (or unprotect, whichever it is not) or delete the backup under the cursor: plan, then confirm. */
  backupAction(kind: BackupIntent): void {
    const b = this.cursorBackup();
    if (!b) return say(this.store, 'no backup here: open :backups and move to one', 'error');
    const core = this.session().core;
    const opts = { frontEnd: 'tui' as const };
    const op: OperationKind = kind === 'delete' ? 'backup.delete' : b.protected ? 'backup.unprotect' : 'backup.protect';
    const request = { volids: [b.volid] };
    const title = `${kind === 'delete' ? 'delete' : b.protected ? 'unprotect' : 'protect'} ${b.volid}`;
    void this.plan({ title, kind: op, request: request as BulkOptions, run: (dryRun) => core.run(op, { ...request, dryRun }, opts) });
  }

  /** Dry run through the core, then the plan for confirmation. */
  async plan(p: Planned): Promise<void> {
    say(this.store, `planning: ${p.title}…`);
    let op: Operation;
    try {
      op = await p.run(true);
    } catch (err) {
      say(this.store, `${p.title}: ${(err as Error).message}`, 'error');
      return;
    }
    this.showPlan(p, op);
  }

  /** The plan dialog for a dry run's answer. */
  showPlan(p: Planned, op: Operation): void {
    this.store.setState({ mode: 'confirm', confirm: this.confirmOf(p, op), status: null });
  }

  /** The confirmation of a planned request from its dry run (the options form re-makes it as options change). */
  confirmOf(p: Planned, op: Operation): ConfirmState {
    const rows = planRows(op);
    const count = rows.filter((r) => !r.skipped).length;
    const core = this.session().core;
    return {
      options: {
        kind: p.kind,
        request: p.request as Record<string, unknown>,
        // The same request with other options, planned again through the core (its schema checks them).
        planned: (request) => this.withRequest(p, request),
      },
      title: p.title,
      rows,
      warnings: op.warnings,
      count,
      // A destructive request, or one forced past safe mode or protection, as in MCP and the CLI.
      destructive: needsConfirmation(p.kind, p.request, core.context),
      typed: '',
      scroll: 0,
      run: () => {
        this.lastRun = p.run(false).catch((err: Error) => {
          say(this.store, `${p.title}: ${err.message}`, 'error');
          return undefined;
        });
      },
    };
  }

  /** The same plan with another request (its options changed), run through the core. */
  private withRequest(p: Planned, request: Record<string, unknown>): Planned {
    const core = this.session().core;
    return { ...p, request: request as BulkOptions, run: (dryRun) => core.run(p.kind, { ...request, dryRun }, { frontEnd: 'tui' }) };
  }

  /** A request planned by another view (the retention preview's prune): its dry run, then the confirmation. */
  planRequest(p: Planned): Promise<void> {
    return this.plan(p);
  }

  /** Enter or y on a plan. */
  confirm(): void {
    const c = this.store.getState().confirm;
    if (!c) return;
    if (c.count === 0 && !c.savesJob) {
      this.store.setState({ mode: 'normal', confirm: null });
      return say(this.store, 'nothing to do: every target is skipped');
    }
    if (c.destructive && c.typed.trim() !== String(c.count)) {
      return say(this.store, `destructive: type ${c.count} (the number of VMs that would change${c.savesJob ? ' in a run now' : ''}), then Enter`, 'error');
    }
    this.store.setState({ mode: 'normal', confirm: null, ...(c.keepMarks || c.savesJob ? {} : { marks: new Set<number>() }) });
    c.run();
    if (!c.savesJob) say(this.store, `${c.title}: started on ${c.count} VM${c.count === 1 ? '' : 's'}; c cancels`);
  }

  /**
   * Resume or roll back a recorded operation: the core's plan of it first (the targets it would resume,
   * or undo), then the confirmation, then the core runs it and the pane follows it. A rollback always
   * asks for the count to be typed; a resume only when the operation itself needed that (as in MCP).
   */
  async continueOperation(mode: 'resume' | 'rollback', op: Operation | undefined): Promise<void> {
    if (!op) return say(this.store, 'no operation here: move to one in :history or :ops', 'error');
    const core = this.session().core;
    const title = `${mode === 'resume' ? 'resume' : 'roll back'} ${opName(op)} (${op.id})`;
    // The core's refusals name the operation and say what to do ("still running …; cancel it first");
    // anything else (the cluster not answering) gets said what it was about.
    const failed = (err: Error) => say(this.store, err instanceof RequestError && err.field === 'id' ? err.message.replace(/^id: /, '') : `${title}: ${err.message}`, 'error');
    say(this.store, `planning: ${title}…`);
    let plan: Operation;
    try {
      plan = await core.planContinuation(op.id, mode);
    } catch (err) {
      return failed(err as Error);
    }
    const rows = planRows(plan);
    const confirm: ConfirmState = {
      title,
      rows,
      warnings: [],
      count: rows.filter((r) => !r.skipped).length,
      destructive: mode === 'rollback' || needsConfirmation(op.kind, (op.request ?? {}) as object, core.context),
      typed: '',
      scroll: 0,
      keepMarks: true,
      run: () => {
        const opts = { frontEnd: 'tui' as const };
        this.lastRun = (mode === 'resume' ? core.resume(op.id, opts) : core.rollback(op.id, opts)).catch((err: Error) => {
          failed(err);
          return undefined;
        });
      },
    };
    this.store.setState({ mode: 'confirm', confirm, status: null });
  }

  cancelRunning(): void {
    const s = this.store.getState();
    const running = s.liveOps.find((o) => o.id === s.paneOpId && o.status === 'running') ?? s.liveOps.find((o) => o.status === 'running');
    if (!running) return say(this.store, 'no operation is running');
    const ok = this.session().core.operations.cancel(running.id);
    say(this.store, ok ? `cancelling ${opName(running)}: nothing new starts, running steps finish` : `${running.id} is no longer running`);
  }

  async job(kind: JobIntent, afterChange: () => Promise<void>, showRuns: (jobId: string) => void): Promise<void> {
    const s = this.store.getState();
    const job = jobRows(s)[s.pos.jobs.cursor];
    const jobs = this.session().jobs;
    if (!job || !jobs) return say(this.store, 'no job here');
    try {
      if (kind === 'enable') {
        // Enabling a destructive job nobody confirmed is confirmed as running it would be: what a run would
        // do now, and the count typed.
        const preview = await jobs.previewUpdate(job.id, { enabled: true });
        if (preview.needsConfirmation) return await this.confirmJobSave(preview.job, preview.reason ?? 'destructive', () => jobs.enable(job.id, { confirmed: true }), afterChange);
      }
      if (kind === 'enable' || kind === 'disable') {
        await (kind === 'enable' ? jobs.enable(job.id) : jobs.disable(job.id));
        await afterChange();
        return say(this.store, `${job.name} ${kind}d`, 'ok');
      }
      say(this.store, `dry-running ${job.name}…`);
      const dry = await jobs.trigger(job.id, { dryRun: true });
      if (kind === 'dry-run') {
        showRuns(job.id);
        return say(this.store, `${job.name} (dry run): ${dry.status}, ${dry.vms.length} VM${dry.vms.length === 1 ? '' : 's'}${dry.message ? ` — ${dry.message}` : ''}`, dry.status === 'failed' ? 'error' : 'ok');
      }
      const rows = runPlanRows(dry);
      const count = rows.filter((r) => !r.skipped).length;
      const destructive = isDestructiveJob(job, this.session().core.context);
      const confirm: ConfirmState = {
        title: `run job ${job.name} now (${job.taskType})`,
        rows,
        warnings: dry.message ? [dry.message] : [],
        count,
        destructive,
        typed: '',
        scroll: 0,
        run: () => {
          this.lastRun = jobs.trigger(job.id).then(
            (run) => {
              say(this.store, `${job.name}: ${run.status}, ${run.vms.length} VM${run.vms.length === 1 ? '' : 's'}${run.message ? ` — ${run.message}` : ''}`, run.status === 'succeeded' ? 'ok' : 'error');
              return afterChange().then(() => run);
            },
            (err: Error) => say(this.store, `${job.name}: ${err.message}`, 'error'),
          );
        },
      };
      this.store.setState({ mode: 'confirm', confirm, status: null });
    } catch (err) {
      say(this.store, `${job.name}: ${(err as Error).message}`, 'error');
    }
  }

  /**
   * Saves a job from the job form (new, or an edit of `jobId`). A problem with it is returned, with the job
   * field it is about (the form stays open and shows it); a job whose runs are destructive goes to the dry
   * run and typed count first.
   */
  async saveJob(input: JobInput, jobId: string | undefined, afterChange: () => Promise<void>): Promise<{ field?: string; text: string } | undefined> {
    const jobs = this.session().jobs;
    if (!jobs) return { text: 'jobs are not available here' };
    const problem = (err: unknown) => (err instanceof RequestError ? { field: err.field, text: err.message.slice(err.field.length + 2) } : { text: (err as Error).message });
    const save = (confirmed: boolean) => (jobId ? jobs.update(jobId, input, { confirmed }) : jobs.create(input, { confirmed }));
    try {
      const preview = jobId ? await jobs.previewUpdate(jobId, input) : jobs.previewCreate(input);
      if (preview.needsConfirmation) {
        await this.confirmJobSave(preview.job, preview.reason ?? 'destructive', () => save(true), afterChange, 'save');
        return undefined;
      }
      const saved = await save(false);
      await afterChange();
      say(this.store, `job ${saved.name} ${jobId ? 'saved' : 'created'}`, 'ok');
      return undefined;
    } catch (err) {
      return problem(err);
    }
  }

  /** X in :jobs: the job's name typed, then the job removed (its runs stay in the history). */
  beginJobDelete(): void {
    const s = this.store.getState();
    const job = jobRows(s)[s.pos.jobs.cursor];
    if (!job) return say(this.store, 'no job here');
    // A confirmation, not a request: one line on the status line, like the typed count of a plan.
    this.store.setState({ mode: 'prompt', prompt: { action: 'job-delete', title: `delete job ${job.name}`, label: 'type its name to delete it', value: '', hint: job.name }, status: null });
  }

  /** Enter on the job's delete prompt. */
  submitPrompt(): void {
    const p = this.store.getState().prompt;
    if (p?.action === 'job-delete') void this.deleteJob(p.value.trim(), this.jobsChanged);
  }

  private async deleteJob(typed: string, afterChange: () => Promise<void>): Promise<void> {
    const s = this.store.getState();
    const job = jobRows(s)[s.pos.jobs.cursor];
    const jobs = this.session().jobs;
    if (!job || !jobs) return;
    if (typed !== job.name) return void this.store.setState({ prompt: { ...s.prompt!, error: `type ${job.name} exactly to delete it` } });
    this.store.setState({ mode: 'normal', prompt: null });
    try {
      await jobs.remove(job.id);
      await afterChange();
      say(this.store, `job ${job.name} deleted`, 'ok');
    } catch (err) {
      say(this.store, `${job.name}: ${(err as Error).message}`, 'error');
    }
  }

  /** Called by the controller so a prompt can refresh the jobs view after it changed them. */
  jobsChanged: () => Promise<void> = async () => {};

  /** The plan and typed confirmation for saving a job whose runs are destructive. */
  private async confirmJobSave(job: JobRecord, reason: string, save: () => Promise<JobRecord>, afterChange: () => Promise<void>, verb: 'enable' | 'save' = 'enable'): Promise<void> {
    say(this.store, `dry-running ${job.name}…`);
    // The executor's dry run: what a run would do now, not a run of the job.
    const dry = await executeJob(this.session().core, job, { dryRun: true, frontEnd: 'tui' });
    const rows = runPlanRows(dry);
    const confirm: ConfirmState = {
      title: `${verb} job ${job.name}: ${reason}`,
      rows,
      warnings: dry.message ? [dry.message] : [],
      count: rows.filter((r) => !r.skipped).length,
      destructive: true,
      typed: '',
      scroll: 0,
      savesJob: true,
      run: () => {
        this.lastRun = save().then(
          async (saved) => {
            await afterChange();
            say(this.store, `${saved.name} ${verb === 'enable' ? 'enabled' : 'saved'} (confirmed)`, 'ok');
            return saved;
          },
          (err: Error) => say(this.store, `${job.name}: ${err.message}`, 'error'),
        );
      },
    };
    this.store.setState({ mode: 'confirm', confirm, status: null });
  }
}

function runPlanRows(run: Pick<JobRunRecord, 'vms'>): PlanRow[] {
  return run.vms.map((v) => ({ key: String(v.vmid), vmid: v.vmid, name: v.name, node: '', skipped: v.state === 'skipped', what: v.message ?? v.state }));
}
