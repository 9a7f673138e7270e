// :jobs N (new) and E (edit): the job form opened on the generic request form (tui/job-form.ts gives its
// fields). A change of task type swaps the parameter fields for the new task's, keeping what was typed
// for each task type; Enter on the last field saves through the ActionFlow (a destructive job goes to its
// dry run and typed confirmation first), and a refusal comes back naming the field.
import type { JobRecord, TaskType } from '../src/history/job-records.js';
import type { ActionFlow } from './actions.js';
import { DEFAULT_TASK, jobFieldProblem, jobFormFields, jobInputOf } from './job-form.js';
import type { RequestFormFlow } from './request-form-flow.js';
import type { TuiStore } from './store.js';

export class JobFormFlow {
  constructor(
    private readonly store: TuiStore,
    private readonly forms: RequestFormFlow,
    private readonly actions: ActionFlow,
    private readonly afterChange: () => Promise<void>,
  ) {}

  /** The form for a new job, or filled in with `job`'s values. */
  open(job?: JobRecord): void {
    const inventory = () => this.store.getState().inventory;
    let taskType: TaskType = job?.taskType ?? DEFAULT_TASK;
    const start = jobFormFields(taskType, job, inventory);
    // What was typed per field key, so switching the task type away and back loses nothing.
    const typed = new Map<string, string>();
    const taskAt = start.fields.findIndex((f) => f.key === 'taskType');
    this.forms.open(
      job ? `Edit job ${job.name}` : 'New job',
      start.fields,
      start.values,
      {
        keyScope: 'job-form',
        changed: (values) => {
          const form = this.store.getState().requestForm;
          if (!form || values[taskAt] === taskType) return;
          form.fields.forEach((f, i) => typed.set(`${taskType}:${f.key}`, values[i]));
          taskType = values[taskAt] as TaskType;
          const next = jobFormFields(taskType, job, inventory);
          // Fields every task has keep their values; a parameter gets what was typed for this task type.
          const shared = (key: string) => form.fields.findIndex((f) => f.key === key && !key.startsWith('parameters.'));
          const nextValues = next.fields.map((f, i) => {
            const at = shared(f.key);
            return at >= 0 ? values[at] : (typed.get(`${taskType}:${f.key}`) ?? next.values[i]);
          });
          this.forms.reshape(next.fields, nextValues);
        },
        submit: async (values) => {
          const fields = this.store.getState().requestForm?.fields ?? start.fields;
          const problem = await this.actions.saveJob(jobInputOf(fields, values, job), job?.id, this.afterChange);
          return problem && (problem.field ? jobFieldProblem(fields, problem.field, problem.text) : { text: problem.text });
        },
      },
      job ? 'saves the job' : 'creates the job',
    );
  }
}
