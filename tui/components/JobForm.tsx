// A scheduler job's form (N new, E edit in :jobs): one field at a time with @inkjs/ui inputs, the cron
// expression with live feedback from the scheduler's own parser (the next fire times, or its error with a
// caret under the field it is in). The
// answer is a job input for the JobManager, which validates it as every front end's (and a destructive job
// is confirmed with its dry run first).
import { Select, TextInput } from '@inkjs/ui';
import { Box, Text, useInput } from 'ink';
import { useState } from 'react';
import type { JobRecord } from '../../src/history/job-records.js';
import { nextFireTimes } from '../../src/schedule/cron.js';
import { cronFieldProblem } from '../../src/schedule/cron-fields.js';
import { JOB_TASKS } from '../../src/schedule/job-tasks.js';
import type { JobInput } from '../../src/schedule/job-validation.js';
import { useTui, type TuiStore } from '../store.js';

interface Step {
  key: 'name' | 'taskType' | 'cronExpression' | 'selectorType' | 'selectorValue' | 'parameters' | 'enabled';
  label: string;
  hint: string;
  options?: string[];
  value: string;
}

export function jobSteps(job?: JobRecord): Step[] {
  const sel = job?.vmSelectors[0];
  return [
    { key: 'name', label: 'name', hint: 'unique; letters, digits, - and _', value: job?.name ?? '' },
    { key: 'taskType', label: 'task', hint: 'what each run does', options: Object.keys(JOB_TASKS), value: job?.taskType ?? 'snapshot_create' },
    { key: 'cronExpression', label: 'schedule (cron)', hint: '5 fields (0 2 * * *) or Quartz 6-7 (0 0 2 * * ?)', value: job?.cronExpression ?? '0 2 * * *' },
    { key: 'selectorType', label: 'which VMs', hint: 'the selector type', options: ['TAG_EXPRESSION', 'VM_IDS', 'NAME_PATTERN', 'ALL'], value: sel?.type ?? 'TAG_EXPRESSION' },
    { key: 'selectorValue', label: 'selector value', hint: 'env-prod AND NOT always-on · 8200-8209 · web-* (ALL: empty)', value: sel?.value ?? '' },
    { key: 'parameters', label: 'parameters (JSON)', hint: 'the task\'s parameters, e.g. {"snapshotName":"nightly-{vm}","ttlHours":48}', value: job ? JSON.stringify(job.parameters) : '' },
    { key: 'enabled', label: 'enabled', hint: 'runs on its schedule once saved', options: ['yes', 'no'], value: job ? (job.enabled ? 'yes' : 'no') : 'yes' },
  ];
}

/** The job input the answers make; a problem with the JSON names the field. */
export function jobInput(values: Record<string, string>): JobInput | { error: string } {
  let parameters: Record<string, unknown>;
  try {
    parameters = JSON.parse(values.parameters || '{}') as Record<string, unknown>;
  } catch (err) {
    return { error: `parameters: not JSON (${(err as Error).message})` };
  }
  const type = values.selectorType as JobInput['vmSelectors'][number]['type'];
  return {
    name: values.name,
    taskType: values.taskType as JobInput['taskType'],
    cronExpression: values.cronExpression,
    vmSelectors: [type === 'ALL' ? { type } : { type, value: values.selectorValue }],
    parameters,
    enabled: values.enabled !== 'no',
  };
}

export interface CronFeedback {
  text: string;
  error: boolean;
  /** Under the expression: a caret line marking the wrong field ("  ^^"). */
  caret?: string;
}

/** The cron feedback: the next three fire times, or the error with the field it is in. */
export function cronFeedback(expression: string, from = new Date()): CronFeedback {
  try {
    const next = nextFireTimes(expression, 3, { from });
    return next.length ? { text: `next: ${next.map((d) => d.toISOString().replace('T', ' ').slice(0, 16)).join(' · ')} UTC`, error: false } : { text: 'never fires', error: true };
  } catch (err) {
    // The parser's message names no position: find the field ourselves.
    const at = cronFieldProblem(expression);
    if (at) return { text: at.message, error: true, caret: `${' '.repeat(at.column)}${'^'.repeat(at.length)}` };
    return { text: (err as Error).message, error: true };
  }
}

/** The feedback unchanged keeps its object: the TextInput reports its value again on every render. */
const sameFeedback = (was: CronFeedback, now: CronFeedback) => (was.text === now.text && was.caret === now.caret ? was : now);

export function JobForm({ store, onDone, onCancel }: { store: TuiStore; onDone: (input: JobInput, jobId?: string) => Promise<string | undefined>; onCancel: () => void }) {
  const form = useTui(store, (s) => s.jobForm);
  const [steps] = useState(() => jobSteps(form?.job));
  const [index, setIndex] = useState(0);
  const [values, setValues] = useState<Record<string, string>>({});
  const [cron, setCron] = useState(() => cronFeedback(steps[2].value));
  // A problem found on Enter; `cron`: the expression it was about, so editing that expression drops it.
  const [error, setErrorOf] = useState<{ text: string; cron?: string } | undefined>();
  const setError = (text: string | undefined, cron?: string) => setErrorOf(text === undefined ? undefined : { text, cron });
  useInput((_input, key) => {
    if (key.escape) onCancel();
  });
  if (!form) return null;
  const step = steps[index];
  // The TextInput reports its value again on every render: the same value keeps feedback and error as they are.
  const cronTyped = (v: string) => {
    setCron((was) => sameFeedback(was, cronFeedback(v)));
    setErrorOf((was) => (was?.cron !== undefined && was.cron !== v ? undefined : was));
  };
  const answer = (value: string) => {
    if (step.key === 'cronExpression' && cronFeedback(value).error) return setError(`schedule: ${cronFeedback(value).text}`, value);
    setError(undefined);
    const next = { ...values, [step.key]: value };
    setValues(next);
    if (index + 1 < steps.length) return setIndex(index + 1);
    const input = jobInput(next);
    if ('error' in input) return setError(input.error);
    // The job manager's answer: a problem names the field, and the form stays open at its last step.
    void onDone(input, form.job?.id).then((problem) => setError(problem));
  };
  return (
    <Box flexDirection="column" paddingX={1}>
      <Text bold wrap="truncate">
        {form.job ? `Edit job ${form.job.name}` : 'New job'} — step {index + 1} of {steps.length} (Enter: next, Esc: cancel)
      </Text>
      {steps.slice(0, index).map((s) => (
        <Text key={s.key} color="gray" wrap="truncate">
          {s.label}: {values[s.key] || '(empty)'}
        </Text>
      ))}
      <Text wrap="truncate">
        {step.label} <Text color="gray">— {step.hint}</Text>
      </Text>
      {step.options ? (
        <Select key={step.key} options={[step.value, ...step.options.filter((o) => o !== step.value)].map((o) => ({ label: o, value: o }))} onChange={answer} visibleOptionCount={6} />
      ) : (
        <TextInput key={step.key} defaultValue={step.value} onChange={step.key === 'cronExpression' ? (v) => cronTyped(v) : undefined} onSubmit={answer} />
      )}
      {step.key === 'cronExpression' && cron.caret ? (
        <Text color="red" wrap="truncate">
          {cron.caret}
        </Text>
      ) : null}
      {step.key === 'cronExpression' ? (
        <Text color={cron.error ? 'red' : 'green'} wrap="wrap">
          {cron.error ? '✗ ' : ''}
          {cron.text}
        </Text>
      ) : null}
      {error ? (
        <Text color="red" wrap="wrap">
          ✗ {error.text}
        </Text>
      ) : null}
    </Box>
  );
}
