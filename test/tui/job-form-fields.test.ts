// The job form's fields come from the task's own parameter schema (an alias left out, the request field's
// type and range where a parameter becomes one); a stored job read into the form and back is the same job;
// a job manager's refusal is named by the form's field; the schedule's hint points at the wrong field.
import { describe, expect, it } from 'vitest';
import { TASK_TYPES } from '../../src/history/job-records.js';
import { jobParameterFields } from '../../src/schedule/job-parameter-fields.js';
import { checkJob } from '../../src/schedule/job-validation.js';
import { jobParameterShape, parseJobParameters } from '../../src/schedule/params.js';
import { cronHint, jobFieldProblem, jobFormFields, jobInputOf } from '../../tui/job-form.js';

const noInventory = () => null;
const field = (taskType: (typeof TASK_TYPES)[number], key: string) => jobFormFields(taskType, undefined, noInventory).fields.find((f) => f.key === key);

describe('the job form fields', () => {
  it("offers each task type's parameters from its schema, power's operation alias left out", () => {
    for (const t of TASK_TYPES) {
      const names = jobParameterFields(t).map((p) => p.name);
      expect(names).toEqual(Object.keys(jobParameterShape(t)).filter((n) => !(t === 'power_schedule' && n === 'operation')));
    }
    expect(field('snapshot_create', 'parameters.snapshotTTL')?.hint).toMatch(/\(1-8760\)/);
    expect(field('snapshot_create', 'parameters.includeVmState')?.choices).toEqual(['', 'yes', 'no']);
    expect(field('snapshot_create', 'parameters.snapshotNamePattern')?.hint).toMatch(/^required: /);
    expect(field('backup_create', 'parameters.mode')?.choices).toEqual(['', 'snapshot', 'suspend', 'stop']);
    expect(field('power_schedule', 'parameters.action')?.hint).toMatch(/^start, shutdown or stop/);
  });

  it('reads a stored job into the form and back unchanged: parameters, every selector, enabled', () => {
    const job = checkJob(
      {
        name: 'round-trip',
        taskType: 'backup_create',
        cronExpression: '0 3 * * *',
        enabled: false,
        vmSelectors: [{ type: 'TAG_EXPRESSION', value: 'env-prod', exclude: 'always-on', includeTemplates: true }, { type: 'VM_IDS', value: '8200' }],
        parameters: { storage: 'local', mode: 'stop', ttlDays: 7, protectBackup: true, maxParallel: 2 },
      },
      'job-1',
      Date.now(),
    );
    const { fields, values } = jobFormFields(job.taskType, job, noInventory);
    const input = jobInputOf(fields, values, job);
    expect(input).toMatchObject({ name: 'round-trip', taskType: 'backup_create', cronExpression: '0 3 * * *', enabled: false, vmSelectors: job.vmSelectors });
    expect(parseJobParameters(job.taskType, input.parameters)).toEqual(job.parameters);
  });

  it("names the form's field in a job manager's refusal", () => {
    const { fields } = jobFormFields('snapshot_create', undefined, noInventory);
    const at = (key: string) => fields.findIndex((f) => f.key === key);
    expect(jobFieldProblem(fields, 'parameters.snapshotTTL', 'must be at most 8760')).toEqual({ index: at('parameters.snapshotTTL'), text: 'snapshotTTL: must be at most 8760' });
    expect(jobFieldProblem(fields, 'vmSelectors', '[0].exclude: tag expression: expected a tag')).toEqual({ index: at('exclude'), text: 'except tags: tag expression: expected a tag' });
    expect(jobFieldProblem(fields, 'cronExpression', 'fires every second')).toEqual({ index: at('cronExpression'), text: 'schedule: fires every second' });
    expect(jobFieldProblem(fields, 'job', 'was removed meanwhile')).toEqual({ text: 'job: was removed meanwhile' });
  });

  it("the schedule's hint: the next fire times, or the wrong field with its column", () => {
    expect(cronHint('30 3 * * *', { from: new Date('2026-01-01T00:00:00Z'), timezone: 'UTC' })).toEqual({ text: 'next: 2026-01-01 03:30 · 2026-01-02 03:30 · 2026-01-03 03:30 UTC', tone: 'ok' });
    expect(cronHint('0 0 2 * * 9')).toMatchObject({ tone: 'error', caret: { column: 10, length: 1 }, text: expect.stringMatching(/^field 6 \(day of week\)/) });
  });

  it("the selector's hint: where a tag expression breaks, under the field it is in", () => {
    const { fields } = jobFormFields('snapshot_create', undefined, noInventory);
    const values: Record<string, string> = { selectorType: 'TAG_EXPRESSION', selector: 'env-prod AND', exclude: 'always-on' };
    const hint = (key: string) => fields.find((f) => f.key === key)!.liveHint!(values[key], (k) => values[k] ?? '');
    expect(hint('selector')).toMatchObject({ tone: 'error', caret: { column: 12 }, text: expect.stringMatching(/^tag expression: expected .* at position 12/) });
    expect(hint('exclude')).toBeUndefined();
    values.selector = 'env-prod';
    values.exclude = 'NOT';
    expect(hint('selector')).toBeUndefined();
    expect(hint('exclude')).toMatchObject({ tone: 'error', text: expect.stringMatching(/^tag expression: /) });
  });
});
