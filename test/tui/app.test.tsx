// The TUI driven by keys over the real core and a simulated cluster (real HTTPS); results are checked
// on the screen and in the simulator's true state.
import { afterEach, describe, expect, it } from 'vitest';
import { createCore } from '../../src/ops/core.js';
import { PveClient } from '../../src/pve/client.js';
import { COMMANDS } from '../../tui/command-line.js';
import { KEYMAP, keysLabel } from '../../tui/keymap.js';
import { listRowsFor } from '../../tui/layout.js';
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

const cursorVm = (t: Harness) => t.store.getState().vmRows[t.store.getState().pos.vms.cursor];

describe('TUI over the simulator', () => {
  it('draws the header and the VM list, and navigates with j/k, arrows, g/G and PgDn/PgUp', async () => {
    const t = await start();
    expect(t.frame()).toMatch(/moxxie ctx test nodes 4\/4 VMs 40: \d+ running · \d+ stopped cluster 127\.0\.0\.1:\d+/);
    expect(t.frame()).toMatch(/VMID↑\s+NAME\s+NODE\s+STATUS/);
    expect(t.frame()).toContain('1/40');
    await t.press('j', 'j');
    expect(t.store.getState().pos.vms.cursor).toBe(2);
    // Keys typed faster than a frame arrive as one chunk and still count one by one.
    await t.type('jj');
    expect(t.frame()).toContain('5/40');
    await t.press(KEY.down, 'k', KEY.up);
    expect(t.frame()).toContain('4/40');
    await t.press('G');
    expect(t.frame()).toContain('40/40');
    expect(t.frame()).toMatch(/9002\s+talos-template/);
    await t.press('g');
    expect(t.frame()).toContain('1/40');
    await t.press(KEY.pageDown);
    expect(t.store.getState().pos.vms.cursor).toBe(listRowsFor(t.store.getState()));
    await t.press(KEY.pageUp);
    expect(t.store.getState().pos.vms.cursor).toBe(0);
  });

  it('sorts by each column, reverses, and sorts with :sort', async () => {
    const t = await start();
    await t.press('o');
    const names = t.store.getState().vmRows.map((v) => v.name);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, undefined, { numeric: true })));
    expect(t.frame()).toMatch(/NAME↑/);
    await t.press('O');
    expect(t.frame()).toMatch(/NAME↓/);
    expect(t.store.getState().vmRows[0].name).toBe(names[names.length - 1]);
    await t.type(':sort cpu desc');
    await t.press(KEY.enter);
    const cpu = t.store.getState().vmRows.map((v) => v.cpu);
    expect(cpu).toEqual([...cpu].sort((a, b) => b - a));
    expect(t.frame()).toMatch(/CPU↓/);
    // Uptime is a column too (issue 19: ':sort uptime' answered "needs a column").
    await t.type(':sort uptime');
    await t.press(KEY.enter);
    const uptimes = t.store.getState().vmRows.map((v) => v.uptime);
    expect(t.store.getState().sort).toBe('uptime');
    expect(uptimes).toEqual([...uptimes].sort((a, b) => b - a));
    expect(t.frame()).toMatch(/UPTIME↓/);
    await t.type(':sort cpu');
    await t.press(KEY.enter);
    await t.press('o', 'o', 'o');
    expect(t.store.getState().sort).toBe('vmid');
    expect(t.store.getState().vmRows.map((v) => v.vmid)).toEqual([...t.store.getState().vmRows.map((v) => v.vmid)].sort((a, b) => a - b));
  });

  it('filters the current view by text with / and clears with Esc', async () => {
    const t = await start();
    await t.press('/');
    await t.type('workshop');
    // The list follows while typing.
    expect(t.store.getState().vmRows).toHaveLength(10);
    await t.press(KEY.enter);
    expect(t.frame()).toContain('workshop-wk-01');
    expect(t.frame()).not.toContain('web-umbrella');
    expect(t.frame()).toMatch(/filter \/workshop: 10 rows/);
    await t.press(KEY.esc);
    expect(t.store.getState().vmRows).toHaveLength(40);
    await t.type(':nodes');
    await t.press(KEY.enter, '/');
    await t.type('pve3');
    await t.press(KEY.enter);
    expect(t.frame()).toMatch(/pve3\s+online/);
    expect(t.frame()).not.toMatch(/pve1\s+online/);
  });

  it('selects with :vms and a selector, and shows a bad expression as a visible error', async () => {
    const t = await start();
    await t.type(':vms tag:(workshop AND NOT always-on)');
    // Live feedback before Enter.
    expect(t.frame()).toMatch(/9 VMs match/);
    await t.press(KEY.enter);
    expect(t.store.getState().vmRows.map((v) => v.vmid)).toEqual([8200, 8201, 8202, 8203, 8204, 8205, 8206, 8207, 8208]);
    expect(t.frame()).toMatch(/:vms tag:\(workshop AND NOT always-on\)/);
    await t.type(':vms tag:(env-prod AND)');
    expect(t.frame()).toMatch(/✗ selector: [\s\S]*expected a tag[\s\S]*position \d+, found/);
    await t.press(KEY.enter);
    expect(t.frame()).toMatch(/✗ selector: [\s\S]*expected a tag[\s\S]*position \d+, found/);
    expect(t.store.getState().status?.text).toMatch(/expected .* at position \d+/);
    expect(t.store.getState().status?.tone).toBe('error');
    // The list is untouched and the line stays open to be fixed.
    expect(t.store.getState().vmRows).toHaveLength(9);
    expect(t.store.getState().mode).toBe('command');
    await t.press(KEY.esc, KEY.esc);
    expect(t.store.getState().vmRows).toHaveLength(40);
    await t.type(':bogus');
    await t.press(KEY.enter);
    expect(t.frame()).toMatch(/unknown command ':bogus'/);
  });

  it('completes commands, tags and contexts with Tab', async () => {
    const t = await start();
    await t.type(':no');
    await t.press(KEY.tab);
    expect(t.store.getState().line?.text).toBe('nodes ');
    await t.press(KEY.ctrlU);
    await t.type('vms tag:works');
    await t.press(KEY.tab);
    expect(t.store.getState().line?.text).toBe('vms tag:workshop ');
  });

  it('marks with Space, marks everything shown, adds marks by selector, and clears', async () => {
    const t = await start();
    await t.press(' ', ' ');
    expect([...t.store.getState().marks]).toEqual([100, 101]);
    expect(t.frame()).toMatch(/2 marked/);
    expect(t.frame()).toMatch(/● 100/);
    await t.press('u');
    expect(t.store.getState().marks.size).toBe(0);
    await t.press('/');
    await t.type('workshop');
    await t.press(KEY.enter, 'a');
    expect(t.store.getState().marks.size).toBe(10);
    await t.type(':mark node:pve1 status:running');
    await t.press(KEY.enter);
    const pve1Running = t.sim.state.vms().filter((v) => v.node === 'pve1' && v.status === 'running' && !v.template);
    const expected = new Set([...t.sim.state.vms().filter((v) => v.name.startsWith('workshop')).map((v) => v.vmid), ...pve1Running.map((v) => v.vmid)]);
    expect(t.store.getState().marks).toEqual(expected);
  });

  it('snapshots marked VMs: form, dry-run plan, confirmation, live progress, result in the cluster and in history', async () => {
    const t = await start();
    await t.type(':vms id:8200-8202');
    await t.press(KEY.enter, 'a', 's');
    expect(t.frame()).toMatch(/snapshot 3 VMs[\s\S]*› snapshot name\s+tui-\{vmid\}-\{datetime\}/);
    await t.press(KEY.ctrlU);
    await t.type('tui-{vmid}');
    await t.press(KEY.enter);
    expect(t.frame()).toMatch(/› TTL hours\s+24/);
    // A bad TTL is refused with the field named; nothing is planned.
    await t.press(KEY.backspace, KEY.backspace);
    await t.type('x');
    await t.press(KEY.enter);
    await t.waitFor(/✗ TTL hours: must be an integer from 1 to 8760 \(got "x"\)/);
    await t.press(KEY.backspace);
    await t.type('24');
    await t.press(KEY.enter);
    await t.waitFor(/Plan: snapshot 3 VMs as tui-\{vmid\} \(TTL 24h\)/);
    expect(t.frame()).toMatch(/3 will change · 0 skipped/);
    expect(t.frame()).toMatch(/8200\s+workshop-wk-01\s+pve1\s+do\s+.*tui-8200/);
    expect(t.sim.state.vm(8200)!.snapshots.some((s) => s.name === 'tui-8200')).toBe(false);
    await t.press('y');
    await t.controller.lastRun;
    await t.waitFor(/snapshot\.create succeeded .* 3\/3/);
    for (const id of [8200, 8201, 8202]) {
      const snap = t.sim.state.vm(id)!.snapshots.find((s) => s.name === `tui-${id}`);
      expect(snap, `snapshot on ${id}`).toBeDefined();
      expect(snap!.description).toContain('(TTL: 24h)');
    }
    expect(t.store.getState().marks.size).toBe(0);
    await t.type(':history');
    await t.press(KEY.enter);
    await t.waitFor(/snapshot\.create\s+succeeded\s+tui/);
    expect(t.frame()).toMatch(/8200\s+workshop-wk-01\s+succeeded/);
    await t.press('x');
    expect(t.frame()).not.toMatch(/x closes/);
  });

  it('asks for the count to be typed before a destructive action', async () => {
    const t = await start();
    await t.type(':vms id:8200');
    await t.press(KEY.enter, 'p');
    expect(t.frame()).toMatch(/power VM 8200: pick an action/);
    expect(t.frame()).toMatch(/X stop/);
    await t.press('X');
    await t.waitFor(/Destructive\. Type 1/);
    await t.press('2', KEY.enter);
    expect(t.frame()).toMatch(/type 1 \(the number of VMs that would change\)/);
    expect(t.sim.state.vm(8200)!.status).toBe('running');
    await t.press(KEY.backspace, '1', KEY.enter);
    await t.controller.lastRun;
    expect(t.sim.state.vm(8200)!.status).toBe('stopped');
  });

  it('breaks a plan with skipped targets down by reason in a table, and skips what is already in state', async () => {
    const t = await start();
    const ids = Array.from({ length: 10 }, (_, i) => 8200 + i);
    const running = ids.filter((id) => t.sim.state.vm(id)!.status === 'running');
    const stopped = ids.filter((id) => !running.includes(id));
    expect(running.length).toBeGreaterThan(0);
    expect(stopped.length).toBeGreaterThan(0);
    await t.type(':vms id:8200-8209');
    await t.press(KEY.enter, 'a', 'p', 's');
    await t.waitFor(/Plan: start 10 VMs/);
    const frame = t.frame();
    expect(frame).toMatch(new RegExp(`${stopped.length} will change · ${running.length} skipped`));
    // The breakdown table: a boxed heading and one row per outcome with its count.
    expect(frame).toMatch(/┌─+┬─+┐/);
    expect(frame).toMatch(/│ outcome\s+│ VMs │/);
    expect(frame).toMatch(new RegExp(`│ will change\\s+│\\s+${stopped.length} │`));
    expect(frame).toMatch(new RegExp(`│ skip: [^│]*running[^│]*│\\s+${running.length} │`));
    await t.press('y');
    await t.controller.lastRun;
    for (const id of ids) expect(t.sim.state.vm(id)!.status, `VM ${id}`).toBe('running');
  });

  it('deletes the snapshot under the cursor from a VM detail', async () => {
    const t = await start();
    await t.press('/');
    await t.type('web-umbrella-01');
    await t.press(KEY.enter, KEY.enter);
    await t.waitFor(/100 web-umbrella-01 on pve4/);
    await t.waitFor(/moxxie-fresh/);
    expect(t.frame()).toMatch(/SNAPSHOT\s+TAKEN/);
    await t.press('/');
    await t.type('moxxie-fresh');
    await t.press(KEY.enter, 'D');
    expect(t.frame()).toMatch(/› snapshot to delete\s+moxxie-fresh/);
    await t.press(KEY.enter);
    await t.waitFor(/Plan: delete snapshot moxxie-fresh on VM 100/);
    await t.press('1', KEY.enter);
    await t.controller.lastRun;
    const names = t.sim.state.vm(100)!.snapshots.map((s) => s.name);
    expect(names).not.toContain('moxxie-fresh');
    expect(names).toContain('pre-upgrade');
    await t.press(KEY.esc, KEY.esc);
    expect(t.store.getState().view).toBe('vms');
  });

  it('cancels a running operation with c; what had not started never runs', async () => {
    // Long tasks: the first five are still running when c arrives, however slow the machine.
    const t = await start({ taskDurationMs: 1500 });
    await t.type(':vms tag:workshop');
    await t.press(KEY.enter, 'a', 's', KEY.ctrlU);
    await t.type('cx-{vmid}');
    await t.press(KEY.enter, KEY.enter);
    await t.waitFor(/Plan: snapshot 10 VMs/);
    await t.press('y');
    await t.waitFor(/snapshot\.create running/);
    await t.press('c');
    const op = (await t.controller.lastRun) as { status: string; targets: Array<{ vmid: number; state: string }> };
    expect(op.status).toBe('cancelled');
    const done = op.targets.filter((x) => x.state === 'succeeded').map((x) => x.vmid);
    expect(op.targets.filter((x) => x.state === 'cancelled').length).toBeGreaterThan(0);
    const snapped = t.sim.state.vms().filter((v) => v.snapshots.some((s) => s.name === `cx-${v.vmid}`)).map((v) => v.vmid);
    expect(snapped.sort()).toEqual(done.sort());
    await t.waitFor(/snapshot\.create cancelled/);
  });

  it('keeps the cursor on its VM, the row on its screen line and the marks through a live refresh', async () => {
    const t = await start({ rows: 30 });
    await t.type(':sort status');
    await t.press(KEY.enter, 'G', ...'kkkkkkk', ' ', ...'kkkk');
    const before = t.store.getState();
    const vm = cursorVm(t);
    const line = before.pos.vms.cursor - before.pos.vms.scroll;
    expect(before.pos.vms.scroll).toBeGreaterThan(0);
    // Something else stops the first running VM: it moves into the stopped group, below the cursor.
    const first = before.vmRows[0];
    expect(first.status).toBe('running');
    await t.core.power({ vmSelectors: [{ type: 'VM_IDS', value: String(first.vmid) }], operation: 'STOP' });
    await t.controller.refresh();
    const after = t.store.getState();
    expect(cursorVm(t).vmid).toBe(vm.vmid);
    expect(after.pos.vms.cursor).toBe(before.pos.vms.cursor - 1);
    expect(after.pos.vms.cursor - after.pos.vms.scroll).toBe(line);
    expect(after.marks).toEqual(before.marks);
    expect(after.inventory!.vms.find((v) => v.vmid === first.vmid)!.status).toBe('stopped');
  });

  it('hides every action in a read-only context: footer, help and dispatch', async () => {
    const t = await start({ readOnly: true });
    const snapshotsBefore = t.sim.state.vms().reduce((n, v) => n + v.snapshots.length, 0);
    expect(t.frame()).toContain('READ-ONLY');
    expect(t.frame()).not.toMatch(/snapshot|power|tag\+/);
    await t.press('s');
    expect(t.store.getState().mode).toBe('normal');
    await t.press('p', 'D', 'R', 't', 'T');
    expect(t.store.getState().mode).toBe('normal');
    await t.press('?');
    const seen = await collectHelp(t);
    for (const b of KEYMAP) {
      if (b.mutating) expect(seen, b.id).not.toContain(b.description);
      else expect(seen, b.id).toContain(b.description);
    }
    expect(t.sim.state.vms().reduce((n, v) => n + v.snapshots.length, 0)).toBe(snapshotsBefore);
    expect(t.sim.state.vm(100)!.status).toBe('running');
  });

  it('help lists every binding of the keymap and every command', async () => {
    const t = await start();
    await t.press('?');
    expect(t.frame()).toMatch(/Keys and commands/);
    const seen = await collectHelp(t);
    for (const b of KEYMAP) {
      expect(seen, b.id).toContain(keysLabel(b));
      expect(seen, b.id).toContain(b.description);
    }
    for (const c of COMMANDS) expect(seen, c.usage).toContain(c.usage);
    await t.press(KEY.esc);
    expect(t.store.getState().view).toBe('vms');
  });

  it('switches views: nodes (Enter lists a node’s VMs), tasks, ops, jobs with runs, enable/disable, dry run', async () => {
    const t = await start();
    await t.type(':nodes');
    await t.press(KEY.enter);
    await t.waitFor(/pve1\s+online/);
    await t.press('j', KEY.enter);
    expect(t.store.getState().view).toBe('vms');
    expect(t.store.getState().vmRows.every((v) => v.node === 'pve2')).toBe(true);
    expect(t.frame()).toMatch(/:vms node:pve2/);
    await t.press(KEY.tab, KEY.tab);
    expect(t.store.getState().view).toBe('tasks');
    await t.waitFor(/STARTED\s+NODE\s+TYPE/);
    await t.jobs.create({
      name: 'nightly-workshop',
      taskType: 'snapshot_create',
      cronExpression: '0 0 2 * * ?',
      enabled: true,
      parameters: { snapshotNamePattern: 'nightly-{vmid}', snapshotTTL: 48 },
      vmSelectors: [{ type: 'TAG_EXPRESSION', value: 'workshop' }],
    });
    await t.type(':jobs');
    await t.press(KEY.enter);
    await t.waitFor(/nightly-workshop\s+snapshot_create\s+0 0 2 \* \* \?\s+yes\s+\d{4}-/);
    expect(t.frame()).toMatch(/never ran/);
    await t.press('d');
    await t.waitFor(/nightly-workshop disabled/);
    expect((await t.jobs.get('nightly-workshop')).enabled).toBe(false);
    await t.press('e');
    await t.waitFor(/nightly-workshop enabled/);
    expect((await t.jobs.get('nightly-workshop')).enabled).toBe(true);
    await t.press('y');
    await t.waitFor(/nightly-workshop \(dry run\)/);
    expect(t.store.getState().view).toBe('runs');
    await t.waitFor(/manual\s+\S+ \(dry\)/);
    expect(t.frame()).toMatch(/8200\s+workshop-wk-01/);
    expect(t.sim.state.vm(8200)!.snapshots.some((s) => s.name.startsWith('nightly-'))).toBe(false);
    await t.press(KEY.esc);
    expect(t.store.getState().view).toBe('jobs');
  });

  it('enabling a destructive job nobody confirmed shows what a run would do and needs the count typed (issue 11)', async () => {
    const t = await start();
    // Saved disabled: a destructive job is confirmed when it is enabled.
    await t.jobs.create({ name: 'evening-stop', taskType: 'power_schedule', cronExpression: '0 0 19 * * ?', enabled: false, parameters: { action: 'stop', force: true }, vmSelectors: [{ type: 'VM_IDS', value: '8200' }] });
    await t.type(':jobs');
    await t.press(KEY.enter);
    await t.waitFor(/evening-stop\s+power_schedule/);
    await t.press('e');
    await t.waitFor(/Destructive job: its runs need confirming once\. Type 1/);
    expect(t.frame()).toMatch(/enable job evening-stop: job 'evening-stop' \(power_schedule\) is destructive/);
    expect((await t.jobs.get('evening-stop')).enabled).toBe(false);
    await t.press('2', KEY.enter);
    expect((await t.jobs.get('evening-stop')).enabled).toBe(false);
    await t.press(KEY.backspace, '1', KEY.enter);
    await t.controller.lastRun;
    const saved = await t.jobs.get('evening-stop');
    expect(saved).toMatchObject({ enabled: true, confirmation: { frontEnd: 'tui' } });
    // Confirming the job ran nothing: the VM is still running.
    expect(t.sim.state.vm(8200)!.status).toBe('running');
    // Disabling and enabling it again needs no second confirmation.
    await t.press('d');
    await t.waitFor(/evening-stop disabled/);
    await t.press('e');
    await t.waitFor(/evening-stop enabled/);
  });

  it('opens a task’s log from the tasks view, as the simulator logged it, and filters it', async () => {
    const t = await start();
    await t.type(':vms id:8200');
    await t.press(KEY.enter, 's');
    await t.press(KEY.ctrlU);
    await t.type('logged-{vmid}');
    await t.press(KEY.enter, KEY.enter);
    await t.waitFor(/Plan: snapshot VM 8200|Plan: snapshot 1 VM/);
    await t.press('y');
    await t.controller.lastRun;
    const simTask = t.sim.state.tasks().find((x) => x.type === 'qmsnapshot' && x.id === '8200' && x.status === 'stopped')!;
    expect(simTask, 'the snapshot task in the simulator').toBeDefined();
    await t.type(':tasks');
    await t.press(KEY.enter);
    await t.waitFor(/qmsnapshot\s+8200/);
    const row = t.store.getState().tasks.findIndex((x) => x.upid === simTask.upid);
    expect(row).toBeGreaterThanOrEqual(0);
    await t.press('g', ...Array.from({ length: row }, () => 'j'), KEY.enter);
    expect(t.store.getState().view).toBe('tasklog');
    await t.waitFor(/qmsnapshot 8200 on pve\d · started .* · OK/);
    expect(t.frame()).toContain('› task log');
    // Every line the simulator logged, in order, the last one on the cursor.
    const shown = t.store.getState().taskLog!.log!.lines;
    expect(shown).toEqual(simTask.log);
    expect(t.frame()).toContain(simTask.log[simTask.log.length - 1]);
    expect(t.frame()).toMatch(new RegExp(`${simTask.log.length}/${simTask.log.length} · ${simTask.log.length} lines`));
    await t.press('/');
    await t.type('TASK');
    await t.press(KEY.enter);
    expect(t.frame()).toMatch(/1\/1 · /);
    await t.press(KEY.esc);
    expect(t.store.getState().view).toBe('tasks');
  });

  it('drills from :history into an operation’s VMs, failures first, and from a VM into its PVE task log', async () => {
    const t = await start();
    // One VM's task fails inside PVE: the operation is partial, and the log says why.
    await t.type(':vms id:8200-8201');
    await t.press(KEY.enter, 'a', 's', KEY.ctrlU);
    await t.type('drill-{vmid}');
    await t.press(KEY.enter, KEY.enter);
    await t.waitFor(/Plan: snapshot 2 VMs/);
    t.sim.faults.set({ taskFailureRate: 1 });
    try {
      await t.press('y');
      await t.controller.lastRun;
    } finally {
      t.sim.faults.set({ taskFailureRate: 0 });
    }
    await t.history.flush();
    await t.type(':history');
    await t.press(KEY.enter);
    await t.waitFor(/snapshot\.create\s+failed/);
    await t.press('g', KEY.enter);
    expect(t.store.getState().view).toBe('operation');
    expect(t.frame()).toContain('› operation');
    await t.waitFor(/8200\s+workshop-wk-01\s+pve\d\s+failed/);
    const failedTask = t.sim.state.tasks().find((x) => x.type === 'qmsnapshot' && x.id === '8200' && x.status === 'stopped')!;
    expect(failedTask.exitstatus).not.toBe('OK');
    await t.press(KEY.enter);
    expect(t.store.getState().view).toBe('tasklog');
    expect(t.store.getState().taskLog?.upid).toBe(failedTask.upid);
    await t.waitFor(/qmsnapshot 8200 on pve\d · started .* · /);
    expect(t.store.getState().taskLog!.log!.lines).toEqual(failedTask.log);
    expect(t.frame()).toContain(failedTask.log[failedTask.log.length - 1]);
    // Back, back: the operation, then the history.
    await t.press(KEY.esc);
    expect(t.store.getState().view).toBe('operation');
    await t.press(KEY.esc);
    expect(t.store.getState().view).toBe('history');
    expect(t.sim.state.vm(8200)!.snapshots.some((x) => x.name === 'drill-8200')).toBe(false);
  });

  it('switches context with :ctx and reports an unknown one', async () => {
    let other: ReturnType<typeof createCore> | undefined;
    let otherClient: PveClient | undefined;
    const t = await start({
      switcher: (sim) => ({
        names: () => ['test', 'other'],
        open: async (name) => {
          if (name !== 'other') throw new Error(`context '${name}' is not configured; known: test, other`);
          otherClient = new PveClient({ url: sim.url, auth: { tokenId: sim.credentials.tokenId, tokenSecret: sim.credentials.tokenSecret }, tls: { fingerprint: sim.fingerprint } });
          other = createCore({ context: { name: 'other', url: sim.url, readOnly: true, safeMode: true, demo: false }, client: otherClient });
          return { core: other, close: () => otherClient!.close() };
        },
      }),
    });
    await t.type(':ctx nope');
    await t.press(KEY.enter);
    await t.waitFor(/context nope: context 'nope' is not configured/);
    await t.type(':ctx oth');
    await t.press(KEY.tab, KEY.enter);
    await t.waitFor(/ctx other/);
    await t.waitFor(/READ-ONLY/);
    await t.waitFor(/1\/40/);
    expect(t.controller.current.core).toBe(other);
    await other!.close();
    await otherClient!.close();
  });

  it('reconnects with :ctx to the current context, but only after a failed refresh', async () => {
    let reopened: ReturnType<typeof createCore> | undefined;
    let reopenedClient: PveClient | undefined;
    const t = await start({
      switcher: (sim) => ({
        names: () => ['test'],
        open: async () => {
          reopenedClient = new PveClient({ url: sim.url, auth: { tokenId: sim.credentials.tokenId, tokenSecret: sim.credentials.tokenSecret }, tls: { fingerprint: sim.fingerprint }, retryBaseDelayMs: 1 });
          reopened = createCore({ context: { name: 'test', url: sim.url, readOnly: false, safeMode: false, demo: false }, client: reopenedClient });
          return { core: reopened, close: () => reopenedClient!.close() };
        },
      }),
    });
    await t.type(':ctx test');
    await t.press(KEY.enter);
    await t.waitFor(/already on context test/);
    expect(reopened).toBeUndefined();
    // The cluster stops answering: the refresh fails and the header says how to reconnect.
    t.sim.faults.set({ errorRate: 1, errorStatus: 500 });
    await t.press(KEY.ctrlR);
    await t.waitFor(/refresh failed \(:ctx test reconnects\)/);
    t.sim.faults.set({ errorRate: 0 });
    await t.type(':ctx test');
    await t.press(KEY.enter);
    await t.waitFor(/reconnected to context test/);
    await t.waitFor(/updated \d\d:\d\d/);
    expect(t.controller.current.core).toBe(reopened);
    expect(t.store.getState().refreshError).toBeNull();
    await reopened!.close();
    await reopenedClient!.close();
  });
});

/** Pages through the help screen and returns everything it showed. */
async function collectHelp(t: Harness): Promise<string> {
  let seen = t.frame();
  for (let i = 0; i < 20; i++) {
    const before = t.store.getState().pos.help.scroll;
    await t.press(KEY.pageDown);
    seen += t.frame();
    if (t.store.getState().pos.help.scroll === before) break;
  }
  return seen;
}
