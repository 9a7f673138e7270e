// Resume and rollback from the TUI, driven by keys over the real core and a simulated cluster: the plan
// shown first, the confirmation, the progress pane, and the result checked in the simulator's true state.
import { afterEach, describe, expect, it } from 'vitest';
import { markInterrupted } from '../../src/history/interrupted.js';
import type { OperationRecord } from '../../src/history/records.js';
import { createCore } from '../../src/ops/core.js';
import type { Operation } from '../../src/ops/types.js';
import { elapsed } from '../../tui/format.js';
import { activeScopes, findBinding, KEYMAP } from '../../tui/keymap.js';
import { tookOf } from '../../tui/operation-text.js';
import { KEY, startTui, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function start(opts: Parameters<typeof startTui>[0] = {}): Promise<Harness> {
  h = await startTui(opts);
  return h;
}

const snapshotsNamed = (t: Harness, vmid: number, name: string) => t.sim.state.vm(vmid)!.snapshots.filter((s) => s.name === name);

/** Snapshots the VMs of a selector from the VM list with a name template (TTL 24h), confirmed with y. */
async function snapshotFromTui(t: Harness, selector: string, template: string, count: number): Promise<Operation> {
  await t.type(`:vms ${selector}`);
  await t.press(KEY.enter, 'a', 's', KEY.ctrlU);
  await t.type(template);
  await t.press(KEY.enter, KEY.enter);
  await t.waitFor(new RegExp(`Plan: snapshot ${count} VMs`));
  await t.press('y');
  return (await t.controller.lastRun) as Operation;
}

/** Opens :history narrowed to one operation, with the cursor on it. */
async function historyRow(t: Harness, op: Operation): Promise<void> {
  await t.history.flush();
  await t.type(':history');
  await t.press(KEY.enter);
  await t.press('/');
  await t.type(op.id);
  await t.press(KEY.enter);
  await t.waitFor(new RegExp(`1/1 · history`));
  expect(t.store.getState().view).toBe('history');
}

describe('TUI: resume and roll back operations', () => {
  it('resumes a partly failed snapshot operation from :history: only the failed VM, plain confirmation, the snapshot is made once', async () => {
    const t = await start();
    // Something else took VM 8201's snapshot name first: its task fails inside PVE, the others succeed.
    await t.core.createSnapshots({ vmSelectors: 'id:8201', snapshotName: 'rs-8201' });
    const op = await snapshotFromTui(t, 'id:8200-8202', 'rs-{vmid}', 3);
    expect(op.status).toBe('partial');
    expect(op.targets.find((x) => x.vmid === 8201)!.state).toBe('failed');
    expect(op.targets.find((x) => x.vmid === 8201)!.message).toMatch(/already used/);
    // The name is freed; the operation can now be finished.
    await t.core.deleteSnapshots({ vmSelectors: 'id:8201', snapshotName: 'rs-8201' });
    expect(snapshotsNamed(t, 8201, 'rs-8201')).toHaveLength(0);

    await historyRow(t, op);
    expect(t.frame()).toMatch(/snapshot\.create\s+partial\s+tui\s+.*snapshot rs-\{vmid\} — /);
    expect(t.frame()).toMatch(/r resume\s+R roll back/);
    await t.press('r');
    await t.waitFor(/Plan: resume snapshot rs-\{vmid\} \(op-/);
    const plan = t.frame();
    // Only the failed VM is resumed; the ones that succeeded are left alone. Not destructive: no count to type.
    expect(plan).toMatch(/1 will change · 2 skipped/);
    expect(plan).toMatch(/8201\s+workshop-wk-02\s+pve\d\s+do\s+resume: snapshot/);
    expect(plan).toMatch(/8200\s+workshop-wk-01\s+pve\d\s+skip\s+already succeeded/);
    expect(plan).toMatch(/Enter or y runs it/);
    expect(plan).not.toMatch(/Destructive/);
    await t.press('y');
    const resumed = (await t.controller.lastRun) as Operation;
    expect(resumed.id).toBe(op.id);
    expect(resumed.status).toBe('succeeded');
    // The progress pane followed it, as any operation.
    await t.waitFor(/snapshot rs-\{vmid\} · resume · snapshot\.create succeeded .* 3\/3/);
    await t.waitFor(/snapshot rs-\{vmid\} succeeded: 3 succeeded/);

    // The simulator's true state: each snapshot exists exactly once, the resumed one with the operation's TTL.
    for (const id of [8200, 8201, 8202]) expect(snapshotsNamed(t, id, `rs-${id}`), `VM ${id}`).toHaveLength(1);
    expect(snapshotsNamed(t, 8201, 'rs-8201')[0].description).toContain('(TTL: 24h)');

    // The operation view: phases at a glance, and the cursor VM's phases with their UPIDs.
    await t.press(KEY.enter);
    expect(t.store.getState().view).toBe('operation');
    await t.waitFor(/snapshot rs-\{vmid\} \(snapshot\.create\) succeeded · resumed from tui · op-/);
    expect(t.frame()).toMatch(/8200\s+workshop-wk-01\s+pve\d\s+succeeded\s+\S+\s+snapshot ✓/);
    const task8200 = t.sim.state.tasks().find((x) => x.type === 'qmsnapshot' && x.id === '8200' && x.exitstatus === 'OK')!;
    expect(t.frame()).toMatch(/VM 8200 workshop-wk-01 — phases and their PVE tasks:/);
    expect(t.frame()).toContain(`✓ snapshot      succeeded`);
    expect(t.frame()).toContain(task8200.upid);
    // Down to 8201: the task that failed and the one that made the snapshot, both recorded on its phase.
    await t.press('/');
    await t.type('8201');
    await t.press(KEY.enter);
    await t.waitFor(/VM 8201 workshop-wk-02 — phases/);
    // The phase keeps every task it caused: the one that failed, then the one that made the snapshot.
    const failedUpids = op.targets.find((x) => x.vmid === 8201)!.phases[0].upids;
    const upids = resumed.targets.find((x) => x.vmid === 8201)!.phases[0].upids;
    expect(failedUpids).toHaveLength(1);
    expect(upids.slice(0, 1)).toEqual(failedUpids);
    expect(t.sim.state.tasks().find((x) => x.upid === failedUpids[0])!.exitstatus).toMatch(/already used/);
    expect(t.sim.state.tasks().find((x) => x.upid === upids[upids.length - 1])!.exitstatus).toBe('OK');
    for (const upid of upids) expect(t.frame()).toContain(upid);

    // Nothing is left to resume: the core says so on the status line.
    await t.press(KEY.esc, KEY.esc);
    await t.press('r');
    await t.waitFor(/Plan: resume/);
    expect(t.frame()).toMatch(/Nothing to do: every target is skipped/);
    await t.press(KEY.esc);
    expect(t.store.getState().mode).toBe('normal');
  });

  it('resumes an interrupted operation from its view: a snapshot PVE had already made is not made again', async () => {
    const t = await start();
    // What a moxxie process that died mid-operation leaves in the history: VM 8204 done, VM 8203's task
    // started on PVE (and, unknown to the dead process, finished), VM 8205 not started. The PVE side is
    // real (the tasks ran in the simulator); the record is the one the history makes of a dead owner.
    const ran = await t.core.createSnapshots({ vmSelectors: 'id:8203-8204', snapshotName: 'ir-{vmid}', ttlHours: 24 });
    const notStarted = await t.core.createSnapshots({ vmSelectors: 'id:8205', snapshotName: 'ir-{vmid}', ttlHours: 24, dryRun: true });
    const crashed: OperationRecord = {
      ...structuredClone(ran),
      id: 'op-20261205-000000-dead01',
      frontEnd: 'mcp',
      status: 'running',
      finishedAt: undefined,
      targets: [...structuredClone(ran.targets), ...structuredClone(notStarted.targets)],
      owner: { pid: 2 ** 22 + 4321, host: 'gone' },
    };
    const t8203 = crashed.targets.find((x) => x.vmid === 8203)!;
    Object.assign(t8203, { state: 'running', finishedAt: undefined, message: undefined });
    t8203.phases[0] = { ...t8203.phases[0], state: 'running', finishedAt: undefined, message: undefined };
    markInterrupted(crashed);
    expect(crashed.targets.map((x) => [x.vmid, x.state])).toEqual([
      [8203, 'interrupted'],
      [8204, 'succeeded'],
      [8205, 'cancelled'],
    ]);
    // The interrupted VM's time stops where the operation was found ended; it does not count on to now.
    expect(t8203.finishedAt).toBe(crashed.finishedAt);
    expect(t8203.phases[0]).toMatchObject({ state: 'interrupted', finishedAt: crashed.finishedAt });
    const took = elapsed(crashed.finishedAt! - t8203.startedAt!);
    expect(tookOf(t8203, crashed, Date.now() + 3_600_000)).toBe(took);
    // A record made before it kept an end (no finishedAt on the target) stops at the operation's end too.
    expect(tookOf({ ...t8203, finishedAt: undefined }, crashed, Date.now() + 3_600_000)).toBe(took);
    expect(tookOf({ state: 'running', startedAt: 1_000 }, {}, 61_000)).toBe(elapsed(60_000));
    await t.history.operationStarted(crashed);
    await t.history.operationFinished(crashed);
    const snapshotTasks = (vmid: number) => t.sim.state.tasks().filter((x) => x.type === 'qmsnapshot' && x.id === String(vmid));
    expect(snapshotTasks(8203)).toHaveLength(1);

    await historyRow(t, crashed as Operation);
    await t.waitFor(/snapshot\.create\s+interrupted\s+mcp\s+.*snapshot ir-\{vmid\} — /);
    await t.press(KEY.enter);
    // Failures first: the interrupted VM, then the one that never started, then the one done.
    await t.waitFor(/8203\s+workshop-wk-04\s+pve\d\s+interrupted\s+\S+\s+snapshot !\s+interrupted while running/);
    expect(t.frame()).toMatch(new RegExp(`8203\\s+workshop-wk-04\\s+pve\\d\\s+interrupted\\s+${took.replace('.', '\\.')}\\s`));
    expect(t.store.getState().pos.operation.cursor).toBe(0);
    const rows = t.frame().split('\n').filter((l) => /^820[345]\s/.test(l)).map((l) => l.slice(0, 4));
    expect(rows).toEqual(['8203', '8205', '8204']);
    expect(t.frame()).toMatch(/! snapshot\s+interrupted\s+/);
    expect(t.frame()).toContain(snapshotTasks(8203)[0].upid);

    await t.press('r');
    await t.waitFor(/Plan: resume snapshot ir-\{vmid\} \(op-20261205-000000-dead01\)/);
    expect(t.frame()).toMatch(/2 will change · 1 skipped/);
    await t.press('y');
    const resumed = (await t.controller.lastRun) as Operation;
    expect(resumed.status).toBe('succeeded');
    // 8203: its recorded task had made the snapshot; the resume saw it and started no second task.
    expect(snapshotTasks(8203)).toHaveLength(1);
    expect(snapshotsNamed(t, 8203, 'ir-8203')).toHaveLength(1);
    expect(resumed.targets.find((x) => x.vmid === 8203)!.phases[0].upids).toEqual([snapshotTasks(8203)[0].upid]);
    // 8205 had not started: now it is done, once.
    expect(snapshotsNamed(t, 8205, 'ir-8205')).toHaveLength(1);
    expect(snapshotTasks(8205)).toHaveLength(1);
    await t.waitFor(/snapshot ir-\{vmid\} \(snapshot\.create\) succeeded · resumed from tui/);
    await t.waitFor(/8203\s+workshop-wk-04\s+pve\d\s+succeeded\s+\S+\s+snapshot ✓/);
  });

  it('rolls back a snapshot operation from :history: the count typed first, then the snapshots are deleted in PVE', async () => {
    const t = await start();
    const op = await snapshotFromTui(t, 'id:8200-8202', 'rb-{vmid}', 3);
    expect(op.status).toBe('succeeded');
    for (const id of [8200, 8201, 8202]) expect(snapshotsNamed(t, id, `rb-${id}`)).toHaveLength(1);

    await historyRow(t, op);
    await t.press('R');
    await t.waitFor(/Plan: roll back snapshot rb-\{vmid\} \(op-/);
    const plan = t.frame();
    expect(plan).toMatch(/3 will change · 0 skipped/);
    expect(plan).toMatch(/8200\s+workshop-wk-01\s+pve\d\s+do\s+undo snapshot/);
    expect(plan).toMatch(/Destructive\. Type 3/);
    // Enter without the count runs nothing.
    await t.press(KEY.enter);
    expect(t.frame()).toMatch(/type 3 \(the number of VMs that would change\)/);
    expect(snapshotsNamed(t, 8200, 'rb-8200')).toHaveLength(1);
    await t.press('3', KEY.enter);
    const rolled = (await t.controller.lastRun) as Operation;
    expect(rolled.status).toBe('rolled-back');
    for (const id of [8200, 8201, 8202]) expect(snapshotsNamed(t, id, `rb-${id}`), `VM ${id}`).toHaveLength(0);
    await t.waitFor(/snapshot rb-\{vmid\} · rollback · snapshot\.create rolled-back .* 3\/3/);
    await t.waitFor(/snapshot\.create\s+rolled-back\s+tui\s+.*snapshot rb-\{vmid\} — 3 rolled/);
    expect(t.frame()).toMatch(/snapshot rb-\{vmid\} rolled-back: 3 rolled back/);
    // Its targets: rolled back, each phase undone, with the deleting task's UPID.
    await t.press(KEY.enter);
    await t.waitFor(/8200\s+workshop-wk-01\s+pve\d\s+rolled-back\s+\S+\s+snapshot ↶/);
    const deleted = t.sim.state.tasks().find((x) => x.type === 'qmdelsnapshot' && x.id === '8200')!;
    expect(t.frame()).toMatch(/↶ undo\s+succeeded/);
    expect(t.frame()).toContain(deleted.upid);

    // A second rollback has nothing left to undo: the plan says so, and Esc closes it with nothing run.
    await t.press(KEY.esc, 'R');
    await t.waitFor(/Plan: roll back snapshot rb-\{vmid\}/);
    expect(t.frame()).toMatch(/0 will change · 3 skipped/);
    expect(t.frame()).toMatch(/Nothing to do: every target is skipped/);
    await t.press(KEY.esc);
    expect(t.store.getState().mode).toBe('normal');
  });

  it('says why an operation cannot be resumed yet on the status line, and resumes a cancelled one from :ops', async () => {
    // Long tasks: the operation is still running when r arrives.
    const t = await start({ taskDurationMs: 1500 });
    await t.type(':vms tag:workshop');
    await t.press(KEY.enter, 'a', 's', KEY.ctrlU);
    await t.type('rc-{vmid}');
    await t.press(KEY.enter, KEY.enter);
    await t.waitFor(/Plan: snapshot 10 VMs/);
    await t.press('y');
    await t.waitFor(/snapshot\.create running/);
    await t.type(':ops');
    await t.press(KEY.enter, 'r');
    await t.waitFor(/still running in this process; cancel it first/);
    expect(t.store.getState().mode).toBe('normal');
    await t.press('c');
    const op = (await t.controller.lastRun) as Operation;
    expect(op.status).toBe('cancelled');
    const left = op.targets.filter((x) => x.state !== 'succeeded').map((x) => x.vmid);
    expect(left.length).toBeGreaterThan(0);
    for (const id of left) expect(snapshotsNamed(t, id, `rc-${id}`), `VM ${id}`).toHaveLength(0);

    await t.press('r');
    await t.waitFor(new RegExp(`Plan: resume snapshot rc-\\{vmid\\}.*`));
    expect(t.frame()).toMatch(new RegExp(`${left.length} will change · ${10 - left.length} skipped`));
    await t.press(KEY.enter);
    const resumed = (await t.controller.lastRun) as Operation;
    expect(resumed.status).toBe('succeeded');
    for (const v of op.targets) expect(snapshotsNamed(t, v.vmid, `rc-${v.vmid}`), `VM ${v.vmid}`).toHaveLength(1);
  });

  it('has no resume or rollback in a read-only context: not in the footer or help, and the keys do nothing', async () => {
    const t = await start({ readOnly: true });
    // An operation made elsewhere (a writable core on the same history), that could otherwise be rolled back.
    const writable = createCore({ context: { ...t.core.context, readOnly: false }, client: t.client, recorder: t.history, frontEnd: 'mcp' });
    const op = await writable.createSnapshots({ vmSelectors: 'id:8200-8201', snapshotName: 'ro-{vmid}' });
    expect(op.status).toBe('succeeded');
    await writable.close();

    await historyRow(t, op);
    await t.waitFor(/snapshot\.create\s+succeeded\s+mcp/);
    expect(t.frame()).not.toMatch(/resume|roll back/);
    await t.press('r');
    await t.press('R');
    expect(t.store.getState().mode).toBe('normal');
    expect(t.store.getState().confirm).toBeNull();
    await t.press(KEY.enter);
    expect(t.store.getState().view).toBe('operation');
    expect(t.frame()).not.toMatch(/r resume|R roll back/);
    await t.press('r', 'R');
    expect(t.store.getState().mode).toBe('normal');
    for (const id of [8200, 8201]) expect(snapshotsNamed(t, id, `ro-${id}`)).toHaveLength(1);
    for (const view of ['ops', 'history', 'operation'] as const) {
      expect(findBinding('r', activeScopes('normal', view), true)).toBeUndefined();
      expect(findBinding('R', activeScopes('normal', view), true)).toBeUndefined();
      expect(findBinding('R', activeScopes('normal', view), false)?.id).toBe('op-rollback');
    }
    await t.press('?');
    let help = t.frame();
    for (let i = 0; i < 10; i++) {
      await t.press(KEY.pageDown);
      help += t.frame();
    }
    for (const id of ['op-resume', 'op-rollback']) expect(help, id).not.toContain(KEYMAP.find((b) => b.id === id)!.description);
  });
});
