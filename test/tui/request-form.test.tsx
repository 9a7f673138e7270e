// The TUI's request forms: every field of an action on screen at once (backup, cores/memory, restore,
// tags), Tab and arrows move, a choice is picked with ←/→ or its letter, Enter on the last field plans,
// a bad answer is named by its field; the options of a plan re-plan live as they change (the job form:
// job-form.test.tsx). Driven by keys over the real core and a simulator; the results
// are read back from the simulator.
import { afterEach, describe, expect, it } from 'vitest';
import { KEY, planSnapshotDelete, ready, startTui, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const CTRL_S = '\u0013';
const RIGHT = '\u001B[C';
const LEFT = '\u001B[D';
const lines = (t: Harness) => t.frame().split('\n');

describe('request forms', () => {
  it('B: every backup field at once; choices by letter, a TTL typed, Enter on the last field plans; the backups exist in the sim', async () => {
    const t = (h = await startTui());
    await t.type(':vms id:8200-8201');
    await t.press(KEY.enter, 'a', 'B');
    const frame = await t.waitFor(/back up 2 VMs/);
    // All six fields on screen together, the first focused.
    for (const label of ['› storage', 'mode', 'compress', 'notes', 'TTL days', 'protect']) expect(frame).toContain(label);
    expect(frame).toMatch(/› storage\s+local/);
    expect(frame).toMatch(/notes\s+\{\{guestname\}\}/);
    // Down to mode: its choices from the capability's schema; → picks the next, ← goes back.
    await t.press(KEY.down);
    await t.waitFor(/› mode/);
    expect(t.frame()).toMatch(/snapshot\s+suspend\s+stop/);
    await t.press(RIGHT);
    expect(t.store.getState().requestForm?.values[1]).toBe('suspend');
    await t.press(LEFT);
    await t.press(KEY.tab, KEY.tab, KEY.tab);
    await t.waitFor(/› TTL days/);
    await ready(t);
    await t.type('7');
    await t.press(KEY.tab);
    await t.waitFor(/› protect/);
    await t.press('y');
    expect(t.store.getState().requestForm?.values).toEqual(['local', 'snapshot', 'zstd', '{{guestname}}', '7', 'yes']);
    await t.press(KEY.enter);
    await t.waitFor(/Plan: back up 2 VMs to local/);
    expect(t.sim.state.storageContent('local').filter((v) => v.content === 'backup')).toHaveLength(0);
    await t.press('y');
    await t.controller.lastRun;
    const made = t.sim.state.storageContent('local').filter((v) => v.content === 'backup');
    expect(made.map((b) => b.vmid).sort()).toEqual([8200, 8201]);
    expect(made.every((b) => b.protected && /\(TTL: 7d\)$/.test(b.notes ?? ''))).toBe(true);
  });

  it('M: cores and memory in one form; a bad value is named by its field and focused, nothing is planned; the VM changes in the sim', async () => {
    const t = (h = await startTui());
    const vm = t.sim.state.vms().find((v) => v.type === 'qemu' && !v.template && v.status === 'stopped' && v.vmid >= 8200)!;
    const cores = Number(vm.config.cores ?? 1) + 1;
    await t.type(`:vms id:${vm.vmid}`);
    await t.press(KEY.enter, 'M');
    await t.waitFor(new RegExp(`set cores and memory of VM ${vm.vmid}`));
    expect(t.frame()).toMatch(/› cores[\s\S]*memory MiB/);
    await ready(t);
    await t.type(String(cores));
    await t.press(KEY.down);
    await t.waitFor(/› memory MiB/);
    await ready(t);
    await t.type('8');
    await t.press(KEY.enter);
    // The capability's schema says what is wrong, under the field's label, and the field is focused.
    await t.waitFor(/✗ memory MiB: must be an integer from 16 to \d+ \(got 8\)/);
    expect(t.store.getState().mode).toBe('request');
    expect(t.store.getState().requestForm?.focus).toBe(1);
    await t.press(KEY.ctrlU);
    await ready(t);
    await t.type('3072');
    await t.press(CTRL_S);
    await t.waitFor(new RegExp(`Plan: set cores ${cores}, memory 3072 MiB on VM ${vm.vmid}`));
    await t.press('1', KEY.enter);
    await t.controller.lastRun;
    expect(Number(t.sim.state.vm(vm.vmid)!.config.cores)).toBe(cores);
    expect(Number(t.sim.state.vm(vm.vmid)!.config.memory)).toBe(3072);
  });

  it('s: a TTL out of range is refused with the field named, Esc closes the form and nothing is made', async () => {
    const t = (h = await startTui());
    const before = t.sim.state.vm(8205)!.snapshots.length;
    await t.type(':vms id:8205');
    await t.press(KEY.enter, 's');
    await t.waitFor(/snapshot VM 8205/);
    await t.press(KEY.down, KEY.ctrlU);
    await t.waitFor(/› TTL hours\s*\n/);
    await ready(t);
    await t.type('0');
    await t.waitFor(/› TTL hours\s+0/);
    await t.press(KEY.enter);
    await t.waitFor(/✗ TTL hours: must be an integer from 1 to 8760 \(got 0\)/);
    await t.press(KEY.esc);
    expect(t.store.getState().mode).toBe('normal');
    expect(t.store.getState().requestForm).toBeNull();
    expect(t.sim.state.vm(8205)!.snapshots).toHaveLength(before);
  });

  it('t: Tab completes the cluster tags in the tags field (and lists them when several fit)', async () => {
    const t = (h = await startTui());
    await t.type(':vms id:8206');
    await t.press(KEY.enter, 't');
    await t.waitFor(/add tags to VM 8206/);
    await ready(t);
    await t.type('works');
    // The input reports what was typed a render later; Tab completes what the form holds.
    await t.waitFor(/› tags to add\s+works\b/);
    await t.press(KEY.tab);
    await t.waitFor(/› tags to add\s+workshop\b/);
    expect(t.store.getState().requestForm?.values[0]).toBe('workshop ');
    await t.type('env-');
    await t.press(KEY.tab);
    await t.waitFor(/Tab: env-\S+\s+env-/);
    await t.press(KEY.ctrlU);
    await ready(t);
    await t.type('tui-form maint_ok');
    await t.press(KEY.enter);
    await t.waitFor(/Plan: add tags tui-form, maint_ok to VM 8206/);
    await t.press('y');
    await t.controller.lastRun;
    expect(t.sim.state.vm(8206)!.tags).toEqual(expect.arrayContaining(['tui-form', 'maint_ok']));
  });

  it('R in :backups: restores into a new VM from a form over id, node, storage, name and start', async () => {
    const t = (h = await startTui());
    await t.core.run('backup.create', { vmSelectors: 'id:8207', storage: 'local' });
    const volid = t.sim.state.storageContent('local').find((v) => v.content === 'backup' && v.vmid === 8207)!.volid;
    await t.type(':backups 8207');
    await t.press(KEY.enter);
    await t.waitFor(/8207\s+\S+\s+local:backup\/vzdump-qemu-8207/);
    await t.press('R');
    await t.waitFor(new RegExp(`restore ${volid.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    for (const label of ['target VM id', 'node', 'storage', 'name', 'start afterwards']) expect(t.frame()).toContain(label);
    await ready(t);
    await t.type('8777');
    // node: ← → through (default) and the online nodes; left at (default), the backup's node.
    await t.press(KEY.tab, RIGHT);
    await t.waitFor(/› node\s+.*\(default\)\s+pve1/);
    expect(t.store.getState().requestForm?.values[1]).toBe('pve1');
    await t.press(LEFT);
    expect(t.store.getState().requestForm?.values[1]).toBe('');
    await t.press(KEY.tab, KEY.tab);
    await t.waitFor(/› name/);
    await t.press(KEY.ctrlU);
    await ready(t);
    await t.type('restored-8207');
    await t.press(KEY.enter, KEY.enter);
    await t.waitFor(/Plan: restore /);
    await t.press('y');
    await t.controller.lastRun;
    const made = t.sim.state.vm(8777);
    expect(made?.name).toBe('restored-8207');
    expect(made?.node).toBe(t.sim.state.vm(8207)!.node);
  });

  it('fits 80×24 and scrolls its fields when the screen is short, the focused field always shown', async () => {
    const t = (h = await startTui());
    t.store.setState({ size: { columns: 80, rows: 16 } });
    await t.type(':vms id:8200');
    await t.press(KEY.enter, 'B', CTRL_S);
    await t.waitFor(/Plan: back up VM 8200 to local/);
    await t.press('o');
    await t.waitFor(/Options of back up VM 8200/);
    const n = t.store.getState().requestForm!.fields.length;
    expect(t.frame()).toMatch(new RegExp(`fields 1–\\d+ of ${n}`));
    for (let i = 1; i < n; i++) await t.press(KEY.down);
    const last = t.store.getState().requestForm!.fields[n - 1].label;
    const shown = lines(t).slice(0, 15).join('\n');
    expect(shown).toContain(`› ${last}`);
    expect(shown).toMatch(new RegExp(`fields \\d+–${n} of ${n}`));
    expect(lines(t).every((l) => l.length <= 80)).toBe(true);
  });
});

describe('the options of a plan, re-planned as they change', () => {
  it('o: moxxieOnly no makes the skipped snapshot delete one that runs, shown live before the form is left', async () => {
    const t = (h = await startTui());
    await planSnapshotDelete(t, 100, 'pre-upgrade');
    expect(t.frame()).toMatch(/0 will change · 1 skipped/);
    await t.press('o');
    await t.waitFor(/plan: 0 will change · 1 skipped — 1 × /);
    const fields = t.store.getState().requestForm!.fields.map((f) => f.key);
    for (let i = 0; i < fields.indexOf('moxxieOnly'); i++) await t.press(KEY.down);
    await t.waitFor(/› moxxieOnly/);
    // (default) → yes → no: each a change, the plan made again after the pause, the newest answer shown.
    await t.press(RIGHT, RIGHT);
    await t.waitFor(/plan: 1 will change · 0 skipped/);
    expect(t.store.getState().mode).toBe('request');
    expect(t.store.getState().confirm?.options?.request.moxxieOnly).toBe(false);
    await t.press(KEY.esc);
    await t.waitFor(/1 will change · 0 skipped · nothing has run yet/);
    expect(t.frame()).toMatch(/o options: .*moxxieOnly no/);
    await t.press('1', KEY.enter);
    await t.controller.lastRun;
    expect(t.sim.state.vm(100)!.snapshots.map((s) => s.name)).not.toContain('pre-upgrade');
  });

  it('a bad option is named and not planned; the plan keeps the last good options', async () => {
    const t = (h = await startTui());
    await t.type(':vms id:8200');
    await t.press(KEY.enter, 'p', 'h');
    await t.waitFor(/Plan: shutdown VM 8200/);
    await t.press('o');
    await t.waitFor(/Options of shutdown/);
    const fields = t.store.getState().requestForm!.fields.map((f) => f.key);
    for (let i = 0; i < fields.indexOf('timeoutSeconds'); i++) await t.press(KEY.down);
    await t.waitFor(/› timeoutSeconds/);
    await ready(t);
    await t.type('5');
    await t.waitFor(/✗ timeoutSeconds: must be an integer from 30 to 3600 \(got 5\) \(not planned\)/);
    await t.type('0');
    await t.waitFor(/plan: 1 will change/);
    expect(t.store.getState().confirm?.options?.request.timeoutSeconds).toBe(50);
    await t.press(KEY.enter);
    for (let i = fields.indexOf('timeoutSeconds'); i < fields.length - 1; i++) await t.press(KEY.enter);
    await t.waitFor(/o options: timeoutSeconds 50/);
    expect(t.store.getState().mode).toBe('confirm');
  });
});
