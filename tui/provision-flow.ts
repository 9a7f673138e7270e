// The provisioning view's actions: P runs the plan shown (its dry run through the core, the confirmation the
// capability asks for, then the run, which the view follows by its operation id), c cancels the followed
// operation (the capability then applies the spec's rollback strategy), r / R resume or roll back an
// interrupted, failed or cancelled one (the core's plan of it first, as from :history).
import type { BulkOptions, Operation } from '../src/ops/types.js';
import type { ActionFlow } from './actions.js';
import { opName } from './operation-name.js';
import { followedOperation, loadProvisionOperation, looksLikeOperationId, loadProvisionPlan, PROVISION_KIND, type ProvisionPlanView } from './provision-plan.js';
import { say, type TuiStore } from './store.js';
import type { TuiSession } from './sync.js';

export class ProvisionFlow {
  constructor(
    private readonly store: TuiStore,
    private readonly session: () => TuiSession,
    private readonly actions: ActionFlow,
  ) {}

  /** `:provision WORD`: a spec file's plan, or a provisioning operation by id. Throws with what is wrong. */
  load(word: string): Promise<ProvisionPlanView> {
    const { core, history } = this.session();
    return looksLikeOperationId(word) ? loadProvisionOperation(core, history, word) : loadProvisionPlan(core, word);
  }

  run(): void {
    const view = this.store.getState().provision;
    if (!view?.spec) return say(this.store, 'no plan to provision: :provision FILE shows one', 'error');
    if (!view.ok) return say(this.store, 'the plan cannot run (its problems are listed at the end); nothing was created', 'error');
    const running = followedOperation(this.store.getState());
    if (running?.status === 'running') return say(this.store, `${running.id} is still provisioning; c cancels it`, 'error');
    const spec = view.spec;
    const core = this.session().core;
    const kind = PROVISION_KIND;
    void this.actions.planRequest({
      title: `provision cluster ${spec.name}`,
      kind,
      request: spec as unknown as BulkOptions,
      run: (dryRun) =>
        core.run(kind, { ...spec, dryRun }, {
          frontEnd: 'tui',
          // The view follows the run from its first event: the id is known once the plan is made.
          onStarted: dryRun ? undefined : (op: Operation) => this.follow(op.id),
        }),
    });
  }

  cancel(): void {
    const op = followedOperation(this.store.getState());
    if (!op) return say(this.store, 'no provisioning here: P starts the plan shown', 'error');
    if (op.status !== 'running') return say(this.store, `${op.id} is not running (${op.status}); r resumes it, R rolls it back`, 'error');
    const ok = this.session().core.operations.cancel(op.id);
    say(this.store, ok ? `cancelling ${opName(op)}: nothing new starts, then its rollback strategy applies` : `${op.id} is no longer running`);
  }

  continue(mode: 'resume' | 'rollback'): void {
    const op = followedOperation(this.store.getState());
    if (!op) return say(this.store, 'no provisioning operation here: :provision OPERATION-ID opens one', 'error');
    void this.actions.continueOperation(mode, op);
  }

  private follow(id: string): void {
    const s = this.store.getState();
    if (!s.provision) return;
    this.store.setState({ provision: { ...s.provision, operationId: id, recorded: undefined }, pos: { ...s.pos, provision: { cursor: 0, scroll: 0 } } });
  }
}
