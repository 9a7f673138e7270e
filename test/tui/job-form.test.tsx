// The job form (:jobs N, E, X) on the generic request form: every field of a job at once, the task's
// parameters from its schema (swapped when the task type changes), the schedule's live next fire times or
// a caret under the wrong cron field, the selector's live match, a refusal named by its field; a destructive
// job confirmed with its dry run; editing pre-filled; deleting by name. Driven by keys over the real core
// and a simulator; every job is read back from the scheduler's store.
import { afterEach, describe, expect, it } from 'vitest';
import type { JobRecord } from '../../src/history/job-records.js';
import { KEY, ready, startTui, typeInto, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const CTRL_S = '\u0013';
const lines = (t: Harness) => t.frame().split('\n');
const form = (t: Harness) => t.store.getState().requestForm!;
const focusedKey = (t: Harness) => form(t).fields[form(t).focus].key;

/** :jobs, then N (a new job) or E on the job named `edit`: the form open, its first field ready for typing. */
async function openJobForm(t: Harness, edit?: string): Promise<void> {
  await t.type(':jobs');
  await t.press(KEY.enter);
  if (edit) {
    await t.waitFor(new RegExp(edit));
    const row = t.store.getState().jobs.findIndex((j) => j.name === edit);
    await t.press('g');
    for (let i = 0; i < row; i++) await t.press('j');
  }
  await t.press(edit ? 'E' : 'N');
  await t.waitFor(edit ? new RegExp(`Edit job ${edit}`) : /New job/);
  await ready(t);
}

/** Moves the focus (Tab) to the field keyed `key`. */
async function focus(t: Harness, key: string): Promise<void> {
  for (let i = 0; i < form(t).fields.length && focusedKey(t) !== key; i++) await t.press(KEY.tab);
  expect(focusedKey(t)).toBe(key);
  await ready(t);
}

/** Clears the focused text field and types `text` into it (its label as the form shows it). */
async function replace(t: Harness, key: string, text: string): Promise<void> {
  await focus(t, key);
  const label = form(t).fields[form(t).focus].label;
  await t.press(KEY.ctrlU);
  await ready(t);
  await typeInto(t, label, text);
}

/** Which VMs: VM_IDS (its letter), then `ids` typed into the selector. */
async function selectVmIds(t: Harness, ids: string): Promise<void> {
  await focus(t, 'selectorType');
  await t.press('v');
  await replace(t, 'selector', ids);
}

/** The fields of the schedule row and the caret row under it. */
function caretUnder(t: Harness, expression: string): { at: number; caret: string } {
  const rows = lines(t);
  const i = rows.findIndex((l) => l.includes(`› schedule`) && l.includes(expression));
  return { at: rows[i].indexOf(expression), caret: rows[i + 1] };
}

describe('the job form', () => {
  it('creates a job from one form: live cron feedback and caret, the selector matched live, parameters by task type, refusals named by field', async () => {
    const t = (h = await startTui());
    await openJobForm(t);
    for (const label of ['› name', 'task', 'schedule', 'VMs by', 'VMs', 'except tags', 'snapshotNamePattern', 'snapshotTTL', 'enabled']) expect(t.frame()).toContain(label);
    await typeInto(t, 'name', 'tui-nightly');
    // The schedule: its next fire times under it while it is valid.
    await focus(t, 'cronExpression');
    await t.waitFor(/next: \d{4}-\d\d-\d\d 02:00 · \d{4}-\d\d-\d\d 02:00/);
    // A wrong hour: the scheduler parser's error, a caret under the hour; Enter stays on the field.
    await replace(t, 'cronExpression', '0 25 * * *');
    await t.waitFor(/✗ field 2 \(hour\): 25 is out of range 0–23/);
    const { at, caret } = caretUnder(t, '0 25 * * *');
    expect(caret.indexOf('^^')).toBe(at + 2);
    expect(caret.trim()).toBe('^^');
    await t.press(KEY.enter);
    expect(focusedKey(t)).toBe('cronExpression');
    await t.waitFor(/✗ schedule: field 2 \(hour\)/);
    await replace(t, 'cronExpression', '0 2 * * *');
    await t.waitFor(/next: \d{4}-\d\d-\d\d 02:00/);
    // Which VMs: a letter picks VM_IDS; the ids typed match two VMs, live.
    await focus(t, 'selectorType');
    await t.press('v');
    await t.waitFor(/› VMs by\s+.*VM_IDS/);
    await replace(t, 'selector', '8200-8201');
    await t.waitFor(/matches 2 VMs now: 8200, 8201/);
    // Another task type brings its own parameters; back to snapshot_create, what was typed is still there.
    await focus(t, 'parameters.snapshotTTL');
    await typeInto(t, 'snapshotTTL', '48');
    await focus(t, 'taskType');
    await t.press('p');
    await t.waitFor(/› task\s+.*power_schedule/);
    expect(form(t).fields.map((f) => f.key)).toEqual(expect.arrayContaining(['parameters.action', 'parameters.force', 'parameters.timeoutSeconds']));
    expect(form(t).fields.map((f) => f.key)).not.toContain('parameters.operation');
    await t.press('s');
    await t.waitFor(/› task\s+.*snapshot_create/);
    expect(form(t).values[form(t).fields.findIndex((f) => f.key === 'parameters.snapshotTTL')]).toBe('48');
    // Submitted without the required name pattern: the job manager's refusal, named by the field, focused.
    await t.press(CTRL_S);
    await t.waitFor(/✗ snapshotNamePattern: required/);
    expect(focusedKey(t)).toBe('parameters.snapshotNamePattern');
    await expect(t.jobs.get('tui-nightly')).rejects.toThrow();
    await ready(t);
    await typeInto(t, 'snapshotNamePattern', 'tn-{vm}');
    await t.press(CTRL_S);
    await t.waitFor(/job tui-nightly created/);
    expect(t.store.getState().mode).toBe('normal');
    const saved = await t.jobs.get('tui-nightly');
    expect(saved).toMatchObject({ taskType: 'snapshot_create', cronExpression: '0 2 * * *', enabled: true, vmSelectors: [{ type: 'VM_IDS', value: '8200-8201' }] });
    expect(saved.parameters).toEqual({ snapshotNamePattern: 'tn-{vm}', snapshotTTL: 48, includeVmState: false });
  });

  it('edits a job: the form filled with its values, a new schedule and parameter saved, its other selectors and settings kept', async () => {
    const t = (h = await startTui());
    const made: JobRecord = await t.jobs.create({
      name: 'tui-edit',
      taskType: 'snapshot_create',
      cronExpression: '0 2 * * *',
      timezone: 'UTC',
      vmSelectors: [{ type: 'TAG_EXPRESSION', value: 'env-dev', exclude: 'always-on' }, { type: 'VM_IDS', value: '8205' }],
      parameters: { snapshotNamePattern: 'ed-{vm}', snapshotTTL: 24 },
      maxRetries: 2,
    });
    await openJobForm(t, 'tui-edit');
    const value = (key: string) => form(t).values[form(t).fields.findIndex((f) => f.key === key)];
    expect([value('name'), value('taskType'), value('cronExpression'), value('selectorType'), value('selector'), value('exclude'), value('parameters.snapshotNamePattern'), value('parameters.snapshotTTL'), value('enabled')]).toEqual(['tui-edit', 'snapshot_create', '0 2 * * *', 'TAG_EXPRESSION', 'env-dev', 'always-on', 'ed-{vm}', '24', 'yes']);
    await focus(t, 'selector');
    await t.waitFor(/matches \d+ VMs? now[\s\S]*\(\+1 more selector kept as they are\)/);
    await replace(t, 'cronExpression', '30 3 * * *');
    await t.waitFor(/next: \d{4}-\d\d-\d\d 03:30/);
    await replace(t, 'parameters.snapshotTTL', '72');
    await focus(t, 'enabled');
    await t.press('n');
    await t.press(KEY.enter);
    await t.waitFor(/job tui-edit saved/);
    const saved = await t.jobs.get('tui-edit');
    expect(saved).toMatchObject({ id: made.id, cronExpression: '30 3 * * *', enabled: false, timezone: 'UTC', maxRetries: 2 });
    expect(saved.vmSelectors).toEqual([{ type: 'TAG_EXPRESSION', value: 'env-dev', exclude: 'always-on' }, { type: 'VM_IDS', value: '8205' }]);
    expect(saved.parameters).toMatchObject({ snapshotNamePattern: 'ed-{vm}', snapshotTTL: 72 });
    // Delete: the name typed first; the job is gone from the store.
    await t.press('X');
    await t.waitFor(/delete job tui-edit/);
    await ready(t);
    await t.type('tui-edit');
    await t.press(KEY.enter);
    await t.waitFor(/job tui-edit deleted/);
    await expect(t.jobs.get('tui-edit')).rejects.toThrow();
  });

  it('a destructive job goes from the form to its dry run and typed count, and is saved confirmed', async () => {
    const t = (h = await startTui());
    await openJobForm(t);
    await typeInto(t, 'name', 'tui-stop');
    await focus(t, 'taskType');
    await t.press('p');
    await t.waitFor(/› task\s+.*power_schedule/);
    await selectVmIds(t, '8200');
    await focus(t, 'parameters.action');
    await typeInto(t, 'action', 'stop');
    await t.press(CTRL_S);
    await t.waitFor(/save job tui-stop: job 'tui-stop' \(power_schedule\) is destructive/);
    await expect(t.jobs.get('tui-stop')).rejects.toThrow();
    await t.press('1', KEY.enter);
    await t.controller.lastRun;
    await t.waitFor(/tui-stop saved \(confirmed\)/);
    const saved = await t.jobs.get('tui-stop');
    expect(saved).toMatchObject({ taskType: 'power_schedule', vmSelectors: [{ type: 'VM_IDS', value: '8200' }], parameters: { action: 'stop' }, confirmation: { frontEnd: 'tui' } });
    // Saving it ran nothing: the VM is as it was.
    expect(t.sim.state.vm(8200)!.status).toBe('running');
  });

  it("the footer says what the keys do in a job form (Enter next, Ctrl+S save job), and Ctrl+S saves it; an action's form keeps 'plan'", async () => {
    const t = (h = await startTui());
    const footer = () => lines(t).find((l) => l.includes('Esc cancel')) ?? '';
    await openJobForm(t);
    await t.waitFor(/Ctrl\+S save job/);
    expect(footer()).toMatch(/Enter next\s{2}/);
    expect(footer()).toContain('Ctrl+S save job');
    expect(footer()).not.toMatch(/next\/plan|Ctrl\+S plan/);
    // Ctrl+S does what the footer says: the job is in the scheduler's store.
    await typeInto(t, 'name', 'tui-footer');
    await selectVmIds(t, '8200');
    await focus(t, 'parameters.snapshotNamePattern');
    await typeInto(t, 'snapshotNamePattern', 'ft-{vm}');
    await t.press(CTRL_S);
    await t.waitFor(/job tui-footer created/);
    expect(await t.jobs.get('tui-footer')).toMatchObject({ name: 'tui-footer', vmSelectors: [{ type: 'VM_IDS', value: '8200' }], parameters: { snapshotNamePattern: 'ft-{vm}' } });
    // Another form (a backup's request) still plans with both keys.
    await t.type(':vms id:8200');
    await t.press(KEY.enter, 'a', 'B');
    await t.waitFor(/back up VM 8200/);
    await t.waitFor(/Ctrl\+S plan/);
    expect(footer()).toContain('Enter next/plan');
    expect(footer()).not.toContain('save job');
  });

  it('fits 80×24: the fields scroll, the focused one and its live hint always shown', async () => {
    const t = (h = await startTui());
    t.store.setState({ size: { columns: 80, rows: 24 } });
    await openJobForm(t);
    // backup_create has the most parameters: its 16 fields just fit; the schedule's hint and an error do not.
    await focus(t, 'taskType');
    await t.press('b');
    await t.waitFor(/› task\s+.*backup_create/);
    const n = form(t).fields.length;
    await focus(t, 'cronExpression');
    await replace(t, 'cronExpression', '0 2 * * * 99');
    await t.waitFor(/✗ field 6 \(day of week\): 99 is out of range/);
    await t.press(KEY.enter);
    await t.waitFor(/✗ schedule: field 6/);
    await t.waitFor(new RegExp(`fields \\d+–\\d+ of ${n}`));
    expect(caretUnder(t, '0 2 * * * 99').caret.trim()).toBe('^^');
    expect(lines(t).length).toBeLessThanOrEqual(24);
    await replace(t, 'cronExpression', '0 2 * * *');
    for (let i = form(t).focus; i < n - 1; i++) await t.press(KEY.down);
    // Without the hint and the error all fit again.
    await t.waitFor(/› enabled/);
    expect(t.frame()).not.toMatch(/fields \d+–/);
    expect(lines(t).length).toBeLessThanOrEqual(24);
    expect(lines(t).every((l) => l.length <= 80)).toBe(true);
  });
});
