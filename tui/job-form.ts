// The job form (:jobs N new, E edit) on the generic request form: a scheduler job's fields — name, task
// type, schedule, which VMs, the task's parameters (read from the task's own schema through
// src/schedule/job-parameter-fields.ts, so a parameter added there is offered here), enabled. The schedule
// and the selector carry live hints from the scheduler's and the selector engine's own parsers: the next
// fire times or the wrong cron field with a caret under it; the VMs matched or where the expression breaks.
// The answers become a job input for the JobManager, which validates it as every front end's; its refusal
// is named by the form's field.
import type { Inventory } from '../src/inventory/model.js';
import type { JobRecord, TaskType } from '../src/history/job-records.js';
import { nextFireTimes } from '../src/schedule/cron.js';
import { cronFieldProblem } from '../src/schedule/cron-fields.js';
import { jobParameterFields } from '../src/schedule/job-parameter-fields.js';
import { JOB_TASKS } from '../src/schedule/job-tasks.js';
import type { JobInput } from '../src/schedule/job-validation.js';
import { compileSelector, SELECTOR_TYPES } from '../src/select/compile-selector.js';
import { resolveSelectors } from '../src/select/resolve.js';
import { SelectorError } from '../src/select/selector-error.js';
import type { SelectorType, VmSelector } from '../src/select/types.js';
import { formFieldOf } from './plan-options-flow.js';
import { schemaFieldOf, shownValue } from './request-options.js';
import type { FieldHint, FormField } from './store.js';

/** Form keys of the task's parameters: `parameters.<name>`, as the job manager names them in its errors. */
const PARAM = 'parameters.';

export const DEFAULT_TASK: TaskType = 'snapshot_create';

/** The next three fire times, or where the expression is wrong (the field, with a caret under it). */
export function cronHint(expression: string, opts: { from?: Date; timezone?: string } = {}): FieldHint {
  try {
    const next = nextFireTimes(expression, 3, opts);
    if (!next.length) return { text: 'never fires: the job runs only when triggered (r)', tone: 'info' };
    return { text: `next: ${next.map((d) => d.toISOString().replace('T', ' ').slice(0, 16)).join(' · ')} UTC`, tone: 'ok' };
  } catch (err) {
    // The parser's message names no position: find the field ourselves.
    const at = cronFieldProblem(expression);
    if (at) return { text: at.message, tone: 'error', caret: { column: at.column, length: at.length } };
    return { text: (err as Error).message.replace(/^cronExpression: /, ''), tone: 'error' };
  }
}

/** The selector the form's values make: the first of the job's, its other settings (includeTemplates) kept. */
function firstSelector(valueOf: (key: string) => string, job?: JobRecord): VmSelector {
  const { value: _value, exclude: _exclude, ...rest } = job?.vmSelectors[0] ?? { type: 'ALL' };
  const type = valueOf('selectorType') as SelectorType;
  const value = valueOf('selector').trim();
  const exclude = valueOf('exclude').trim();
  return { ...rest, type, ...(type !== 'ALL' ? { value } : {}), ...(exclude ? { exclude } : {}) };
}

/**
 * The selector's live hint for its value or its exclude field: the VMs it matches now, or the engine's
 * error under the field it is about (a tag expression's with a caret at its position).
 */
function selectorHint(part: 'value' | 'exclude', inventory: () => Inventory | null, job?: JobRecord) {
  return (text: string, valueOf: (key: string) => string): FieldHint | undefined => {
    const selector = firstSelector(valueOf, job);
    try {
      compileSelector(selector, 'selector');
    } catch (err) {
      if (!(err instanceof SelectorError) || !err.field?.endsWith(`.${part}`)) return undefined;
      const caret = err.position === undefined ? undefined : { column: err.position + (text.length - text.trimStart().length), length: 1 };
      return { text: err.message.replace(/^selector\.\w+: /, ''), tone: 'error', ...(caret ? { caret } : {}) };
    }
    const inv = inventory();
    if (part === 'exclude' || !inv) return undefined;
    const vms = resolveSelectors(inv, [selector]).vms;
    const ids = vms.slice(0, 6).map((v) => v.vmid);
    const listed = ids.length ? `: ${ids.join(', ')}${vms.length > ids.length ? ' …' : ''}` : '';
    const more = (job?.vmSelectors.length ?? 1) - 1;
    const kept = more ? ` (+${more} more selector${more === 1 ? '' : 's'} kept as they are)` : '';
    return { text: `matches ${vms.length} VM${vms.length === 1 ? '' : 's'} now${listed}${kept}`, tone: 'info' };
  };
}

/** A parameter's value as the form shows it: yes/no, a number, a list joined by commas. */
function paramText(v: unknown): string {
  if (v === undefined) return '';
  if (Array.isArray(v)) return v.join(',');
  return shownValue(v);
}

/** The fields of the task type's parameters, and their values (the job's own when it has this task type). */
function parameterFields(taskType: TaskType, job?: JobRecord): { fields: FormField[]; values: string[] } {
  const params = job?.taskType === taskType ? (job.parameters as unknown as Record<string, unknown>) : {};
  const fields: FormField[] = [];
  const values: string[] = [];
  for (const p of jobParameterFields(taskType)) {
    const sf = p.requestField ? schemaFieldOf(p.kind, p.requestField) : undefined;
    // The job's own schema decides which values it takes; the request field's type gives yes/no and ranges.
    const type = p.values ? 'enum' : sf?.type === 'boolean' || sf?.type === 'number' ? sf.type : 'text';
    const description = p.description ?? sf?.description;
    const field = formFieldOf({ field: p.name, type, values: p.values, min: sf?.min, max: sf?.max, description });
    // Said first: a long description is cut at the screen's edge.
    fields.push({ ...field, key: `${PARAM}${p.name}`, ...(p.required ? { hint: `required: ${description ?? p.name}` } : {}) });
    values.push(paramText(params[p.name]));
  }
  return { fields, values };
}

/** Every field of the job form for a task type, with its starting values (the job's when editing). */
export function jobFormFields(taskType: TaskType, job: JobRecord | undefined, inventory: () => Inventory | null): { fields: FormField[]; values: string[] } {
  const sel = job?.vmSelectors[0];
  const params = parameterFields(taskType, job);
  const timezone = job?.timezone;
  const fields: FormField[] = [
    { key: 'name', label: 'name', hint: '1-64 letters, digits, . _ - starting with a letter or digit' },
    { key: 'taskType', label: 'task', hint: 'what each run does; its parameters follow below', choices: Object.keys(JOB_TASKS) },
    { key: 'cronExpression', label: 'schedule', hint: `cron: 5 fields (0 2 * * *) or Quartz 6-7 (0 0 2 * * ?)${timezone ? `; in ${timezone}` : ''}`, liveHint: (v) => cronHint(v, { timezone }) },
    { key: 'selectorType', label: 'VMs by', hint: 'which VMs each run acts on: all, ids, a name glob or a tag expression', choices: [...SELECTOR_TYPES] },
    { key: 'selector', label: 'VMs', hint: "8200-8209 · web-* · env-prod AND NOT always-on; ALL: empty; Tab: tags", complete: 'tags', liveHint: selectorHint('value', inventory, job) },
    { key: 'exclude', label: 'except tags', hint: "a tag expression; the VMs it matches are left out (empty: none); Tab: tags", complete: 'tags', liveHint: selectorHint('exclude', inventory, job) },
    ...params.fields,
    { key: 'enabled', label: 'enabled', hint: 'yes: runs on its schedule once saved', choices: ['yes', 'no'] },
  ];
  const values = [job?.name ?? '', taskType, job?.cronExpression ?? '0 2 * * *', sel?.type ?? 'TAG_EXPRESSION', sel?.value ?? '', sel?.exclude ?? '', ...params.values, job && !job.enabled ? 'no' : 'yes'];
  return { fields, values };
}

const valueLookup = (fields: FormField[], values: string[]) => (key: string) => values[fields.findIndex((f) => f.key === key)] ?? '';

/**
 * The job input the form's values make. Parameters go as typed (the job's schema coerces "7" and "yes");
 * an empty one is left out (its default applies). An edited job keeps its other selectors.
 */
export function jobInputOf(fields: FormField[], values: string[], job?: JobRecord): JobInput {
  const valueOf = valueLookup(fields, values);
  const parameters: Record<string, unknown> = {};
  for (const [i, f] of fields.entries()) if (f.key.startsWith(PARAM) && values[i]?.trim()) parameters[f.key.slice(PARAM.length)] = values[i].trim();
  return {
    name: valueOf('name').trim(),
    taskType: valueOf('taskType') as TaskType,
    cronExpression: valueOf('cronExpression').trim(),
    vmSelectors: [firstSelector(valueOf, job), ...(job?.vmSelectors.slice(1) ?? [])],
    parameters,
    enabled: valueOf('enabled') !== 'no',
  };
}

/** The form field's key for a field a job manager's refusal names ("parameters.snapshotTTL", "vmSelectors"). */
function keyOfJobField(fields: FormField[], field: string, message: string): string | undefined {
  // Selectors are refused as a list: "[0].exclude: …" says which part of the first one.
  if (field === 'vmSelectors') return /^\[0\]\.exclude/.test(message) ? 'exclude' : /^\[0\]\.type/.test(message) ? 'selectorType' : 'selector';
  if (field === 'parameters') return fields.find((f) => f.key.startsWith(PARAM))?.key;
  if (field.startsWith(PARAM)) return field.split(/[.[]/).slice(0, 2).join('.');
  return field;
}

/** A job manager's refusal as a form problem: the field it names focused and called by its label. */
export function jobFieldProblem(fields: FormField[], field: string, message: string): { index?: number; text: string } {
  const key = keyOfJobField(fields, field, message);
  const index = fields.findIndex((f) => f.key === key);
  if (index < 0) return { text: `${field}: ${message}` };
  return { index, text: `${fields[index].label}: ${message.replace(/^\[0\]\.\w+: /, '')}` };
}
