// Issue 19 in the TUI: every option of a request reachable from its plan (o), the read-only message, the
// snapshot tree's NOW row, and the screen at 80×24 (no cut plan dialog, the first row visible after each
// view change). Driven by keys over the real core and a simulated cluster; results read back from the sim.
import { afterEach, describe, expect, it } from 'vitest';
import { optionFieldsOf } from '../../tui/request-options.js';
import { snapshotRows } from '../../tui/rows.js';
import { KEY, planSnapshotDelete, ready, startTui, typeInto, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function start(opts: Parameters<typeof startTui>[0] = {}): Promise<Harness> {
  h = await startTui(opts);
  return h;
}

/** Ink draws the app 80 columns wide inside the test's 100-column stream. */
async function at80x24(t: Harness): Promise<void> {
  t.store.setState({ size: { columns: 80, rows: 24 } });
  await t.press();
}

const frameLines = (t: Harness) => t.frame().split('\n');
/** The first VM row drawn (the line after the column header). */
const firstDrawnVm = (t: Harness) => {
  const lines = frameLines(t);
  const header = lines.findIndex((l) => /^\s+VMID/.test(l));
  return Number(/^\s*(?:●\s*)?(\d+)/.exec(lines[header + 1])?.[1]);
};

/** o in a plan, then the focus on the option `field` in its form. */
async function openOption(t: Harness, kind: Parameters<typeof optionFieldsOf>[0], field: string): Promise<void> {
  await t.press('o');
  await t.waitFor(/Options of /);
  const fields = optionFieldsOf(kind).map((f) => f.field);
  for (let i = 0; i < fields.indexOf(field); i++) await t.press(KEY.down);
  await t.waitFor(new RegExp(`› ${field}\\b`));
  await ready(t);
}

const RIGHT = '\u001B[C';

describe('TUI second pass (issue 19)', () => {
  it('offers the request options from the capability schema: moxxieOnly turns a skipped snapshot delete into one that runs', async () => {
    const t = await start();
    expect(t.sim.state.vm(100)!.snapshots.map((s) => s.name)).toContain('pre-upgrade');
    await planSnapshotDelete(t, 100, 'pre-upgrade');
    expect(t.frame()).toMatch(/0 will change · 1 skipped/);
    expect(t.frame()).toMatch(/moxxieOnly: false/);
    // The options line names what the schema offers; o opens them.
    expect(t.frame()).toMatch(/o options: /);
    const fields = optionFieldsOf('snapshot.delete').map((f) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['moxxieOnly', 'maxParallel']));
    expect(fields).not.toContain('vmSelectors');
    await openOption(t, 'snapshot.delete', 'moxxieOnly');
    // (default), yes, no: picked with →, the plan made again as it changes.
    await t.waitFor(/› moxxieOnly\s+\(default\)\s+yes\s+no/);
    await t.press(RIGHT, RIGHT);
    await t.waitFor(/plan: 1 will change · 0 skipped/);
    await t.press(KEY.esc);
    await t.waitFor(/1 will change · 0 skipped · nothing/);
    expect(t.frame()).toMatch(/o options: .*moxxieOnly no/);
    expect(t.sim.state.vm(100)!.snapshots.map((s) => s.name)).toContain('pre-upgrade');
    await t.press('1', KEY.enter);
    await t.controller.lastRun;
    expect(t.sim.state.vm(100)!.snapshots.map((s) => s.name)).not.toContain('pre-upgrade');
  });

  it('sets a number option (power timeoutSeconds) and force, the plan made again each time; a bad value names the field', async () => {
    const t = await start();
    await t.type(':vms id:8200');
    await t.press(KEY.enter, 'p', 'h');
    await t.waitFor(/Plan: shutdown VM 8200/);
    const fields = optionFieldsOf('power').map((f) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['force', 'timeoutSeconds', 'maxParallel']));
    await openOption(t, 'power', 'timeoutSeconds');
    await typeInto(t, 'timeoutSeconds', '5');
    // 5 is out of range: the schema says so, naming the field, and nothing is planned.
    await t.waitFor(/timeoutSeconds: must be an integer from 30 to 3600 \(got 5\)/);
    expect(t.store.getState().confirm?.options?.request.timeoutSeconds).toBeUndefined();
    await t.type('0');
    await t.waitFor(/› timeoutSeconds\s+50/);
    await t.waitFor(/plan: 1 will change/);
    expect(t.store.getState().confirm?.options?.request.timeoutSeconds).toBe(50);
    await t.press(KEY.esc);
    await openOption(t, 'power', 'force');
    await t.waitFor(/› force\s+\(default\)\s+yes\s+no/);
    await t.press('y');
    await t.waitFor(/plan: 1 will change/);
    await t.press(KEY.esc);
    // Forcing makes the plan one to confirm by typing the count, as in MCP and the CLI.
    await t.waitFor(/timeoutSeconds 50 · force yes/);
    expect(t.frame()).toMatch(/Destructive\. Type 1/);
    await t.press('1', KEY.enter);
    await t.controller.lastRun;
    expect(t.sim.state.vm(8200)!.status).toBe('stopped');
  });

  it('says an action key is unavailable in a read-only context, and help has no empty section', async () => {
    const t = await start({ readOnly: true });
    await t.press('s');
    expect(t.store.getState().mode).toBe('normal');
    expect(t.frame()).toMatch(/read-only context test: snapshot changes the cluster and is not available here/);
    await t.press('?');
    const titles = t.store.getState();
    expect(titles.view).toBe('help');
    // Every section title is followed by at least one row of its own.
    const { helpRows } = await import('../../tui/rows.js');
    const rows = helpRows(true);
    rows.forEach((r, i) => {
      if (r.kind === 'title') expect(rows[i + 1]?.kind, r.text).not.toBe('title');
    });
    expect(rows[rows.length - 1].kind).not.toBe('title');
  });

  it('shows NOW in the snapshot tree and keeps the cursor on a real row after the last snapshot is deleted', async () => {
    const t = await start();
    await t.core.createSnapshots({ vmSelectors: 'id:8203', snapshotName: 'keep-a-rather-long-snapshot-name-{vmid}' });
    await t.core.createSnapshots({ vmSelectors: 'id:8203', snapshotName: 'tui-b-{vmid}' });
    await t.type(':vms id:8203');
    await t.press(KEY.enter, KEY.enter);
    const frame = await t.waitFor(/NOW/);
    expect(frame).toMatch(/NOW\s+where the VM is now \(from tui-b-8203\)/);
    expect(frame).toContain('keep-a-rather-long-snapshot-name-8203');
    // The last snapshot row (NOW is after it): delete every snapshot by glob with moxxie's own.
    await t.press('G', 'k', 'D', KEY.ctrlU);
    await t.type('*-8203');
    await t.press(KEY.enter);
    await t.waitFor(/Plan: delete snapshot \*-8203 on VM 8203/);
    await t.press('1', KEY.enter);
    await t.controller.lastRun;
    expect(t.sim.state.vm(8203)!.snapshots).toEqual([]);
    await t.controller.refresh();
    await t.waitFor(/where the VM is now \(no snapshot yet\)/);
    const s = t.store.getState();
    const rows = snapshotRows(s);
    expect(rows.map((r) => r.name)).toEqual(['NOW']);
    expect(s.pos.detail.cursor).toBe(0);
  });

  it('at 80×24: names and tags readable, the plan dialog whole, the first row visible after :nodes → Enter → :vms', async () => {
    const t = await start();
    await at80x24(t);
    let lines = frameLines(t);
    expect(lines.find((l) => /VMID/.test(l))).not.toMatch(/LOCK/);
    // A whole name and at least one tag (or its start) on the row of VM 100.
    expect(lines.find((l) => /^\s*100\s/.test(l))).toMatch(/web-umbrella-01\s.*\S+.*(\+\d)?/);
    await t.type(':vms');
    await t.press(KEY.enter, 'a', 's', KEY.enter, KEY.enter);
    await t.waitFor(/Plan: snapshot 40 VMs/);
    lines = frameLines(t).slice(0, 23);
    // The bottom of the dialog is on screen: the scroll line, the prompt and the border.
    expect(lines.join('\n')).toMatch(/rows 1–\d+ of 40 \(j\/k scroll\)/);
    expect(lines.join('\n')).toMatch(/Enter or y runs it/);
    expect(lines.some((l) => /╚═+╝/.test(l))).toBe(true);
    await t.press(KEY.esc);
    await t.type(':nodes');
    await t.press(KEY.enter, 'j', KEY.enter);
    await t.waitFor(/VMs match node:pve2/);
    await t.type(':vms');
    await t.press(KEY.enter);
    expect(t.store.getState().selector).toBeNull();
    expect(firstDrawnVm(t)).toBe(t.store.getState().vmRows[0].vmid);
  });

  it('at 80×24: the first row stays visible after a progress pane comes and goes', async () => {
    const t = await start({ taskDurationMs: 60 });
    await at80x24(t);
    await t.type(':vms id:8200-8209');
    await t.press(KEY.enter, 'a', 's', KEY.enter, KEY.enter);
    await t.waitFor(/Plan: snapshot 10 VMs/);
    await t.press('y');
    await t.controller.lastRun;
    await t.waitFor(/succeeded/);
    expect(firstDrawnVm(t)).toBe(8200);
    await t.press('x');
    expect(firstDrawnVm(t)).toBe(8200);
    await t.type(':vms');
    await t.press(KEY.enter);
    expect(firstDrawnVm(t)).toBe(t.store.getState().vmRows[0].vmid);
  });
});
