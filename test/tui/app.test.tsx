// The TUI rendered by ink-testing-library, driven by keys, over the real core and simulator.
import { render } from 'ink-testing-library';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { HistoryStore } from '../../src/history/store.js';
import { createCore } from '../../src/ops/core.js';
import { JobManager } from '../../src/schedule/jobs.js';
import { App } from '../../tui/App.js';
import { TuiController } from '../../tui/controller.js';
import { KEYMAP } from '../../tui/keymap.js';
import { createTuiStore, type TuiStore } from '../../tui/store.js';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';

const DOWN = '\u001B[B';
const ESC = '\u001B';
const ENTER = '\r';
const tick = (ms = 30) => new Promise((r) => setTimeout(r, ms));
const plain = (s: string | undefined) => (s ?? '').replace(/\x1b\[[0-9;]*m/g, '');

interface Harness {
  c: TestCluster;
  store: TuiStore;
  controller: TuiController;
  ui: ReturnType<typeof render>;
  frame: () => string;
  type: (keys: string) => Promise<void>;
}

let h: Harness | undefined;
afterEach(async () => {
  h?.controller.stop();
  h?.ui.unmount();
  await h?.c.close();
  h = undefined;
});

async function start(opts: { readOnly?: boolean; taskDurationMs?: number; vms?: number } = {}): Promise<Harness> {
  const c = await startCluster({ vms: opts.vms ?? 40, taskDurationMs: opts.taskDurationMs ?? 30 });
  const context = { name: 'test', url: c.sim.url, readOnly: !!opts.readOnly, safeMode: false, demo: false };
  const core = opts.readOnly ? createCore({ context, client: c.client }) : c.core;
  const history = new HistoryStore({ dir: mkdtempSync(join(tmpdir(), 'moxxie-tui-')) });
  const store = createTuiStore(context, { columns: 140, rows: 40 });
  const controller = new TuiController(store, { core, history, jobs: new JobManager(history, core) }, 60_000);
  const ui = render(createElement(App, { store, controller }));
  await controller.start();
  await tick(50);
  const type = async (keys: string) => {
    for (const k of keys.match(/\u001B\[[A-Z]|./gsu) ?? []) {
      ui.stdin.write(k);
      await tick(15);
    }
    await tick(40);
  };
  h = { c, store, controller, ui, frame: () => plain(ui.lastFrame()), type };
  return h;
}

describe('TUI', () => {
  it('shows the header and the VM list, and navigates with j/k, arrows, g and G', async () => {
    const { frame, type, store } = await start();
    expect(frame()).toMatch(/moxxie ctx test/);
    expect(frame()).toMatch(/VMID.*NAME.*NODE.*STATUS/);
    expect(frame()).toContain('1/40');
    await type('jj');
    expect(store.getState().cursor).toBe(2);
    await type(DOWN);
    expect(frame()).toContain('4/40');
    await type('k');
    expect(store.getState().cursor).toBe(2);
    await type('G');
    expect(frame()).toContain('40/40');
    expect(frame()).toContain('9002');
    await type('g');
    expect(store.getState().cursor).toBe(0);
  });

  it('sorts by name and reverses', async () => {
    const { frame, type, store } = await start();
    await type('o');
    expect(store.getState().sort).toBe('name');
    const names = store.getState().visible.map((v) => v.name);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, undefined, { numeric: true })));
    expect(frame()).toMatch(/NAME↑/);
    await type('O');
    expect(frame()).toMatch(/NAME↓/);
  });

  it('filters by text with / and clears with Esc', async () => {
    const { frame, type, store } = await start();
    await type('/workshop');
    await type(ENTER);
    expect(store.getState().visible).toHaveLength(10);
    expect(frame()).toContain('workshop-wk-01');
    expect(frame()).not.toContain('web-');
    await type(ESC);
    expect(store.getState().visible).toHaveLength(40);
  });

  it('selects with :vms and a selector, and shows a bad expression as a visible error', async () => {
    const { frame, type, store } = await start();
    await type(':vms tag:(workshop AND NOT always-on)');
    await type(ENTER);
    await tick(100);
    expect(store.getState().visible.map((v) => v.vmid)).toEqual([8200, 8201, 8202, 8203, 8204, 8205, 8206, 8207, 8208]);
    await type(':vms tag:(env-prod AND)');
    await type(ENTER);
    await tick(100);
    expect(frame().replace(/\s+/g, " ")).toMatch(/expected a tag, "\(" or NOT at position/);
    expect(store.getState().status?.error).toBe(true);
  });

  it('marks with space, marks all visible and clears', async () => {
    const { frame, type, store } = await start();
    await type('  ');
    expect([...store.getState().marks]).toHaveLength(2);
    expect(frame()).toContain('2 marked');
    await type('U');
    expect(store.getState().marks.size).toBe(0);
    await type('/workshop');
    await type(ENTER);
    await type('A');
    expect(store.getState().marks.size).toBe(10);
  });

  it('snapshots marked VMs: prompt, plan, confirmation, live progress, result on the cluster', async () => {
    const { frame, type, store, controller, c } = await start();
    await type(':vms id:8200-8202');
    await type(ENTER);
    await tick(100);
    await type('A');
    await type('s');
    expect(frame()).toMatch(/snapshot name: moxxie-\{vmid\}-\{datetime\}/);
    // Replace the default name.
    await type('\b'.repeat(30));
    await type('tui-{vmid}');
    await type(ENTER);
    expect(frame()).toMatch(/TTL hours/);
    await type(ENTER);
    await tick(150);
    expect(frame()).toMatch(/Plan: snapshot tui-\{vmid\} \(TTL 24h\) — 3 to do, 0 skipped/);
    expect(frame()).toMatch(/snapshot tui-8200/);
    await type('y');
    await controller.lastRun;
    await tick(100);
    expect(frame()).toMatch(/snapshot\.create succeeded/);
    expect(frame()).toMatch(/3\/3/);
    for (const id of [8200, 8201, 8202]) expect(c.sim.state.vm(id)!.snapshots.some((s) => s.name === `tui-${id}` && s.description.includes('(TTL: 24h)'))).toBe(true);
    expect(store.getState().marks.size).toBe(0);
  });

  it('asks for the count to be typed before a destructive action', async () => {
    const { frame, type, controller, c } = await start();
    await type(':vms id:8200');
    await type(ENTER);
    await tick(100);
    await type('p');
    expect(frame()).toMatch(/\[t\]stop/);
    await type('t');
    await tick(150);
    expect(frame()).toMatch(/Destructive\. Type 1/);
    await type('2');
    await type(ENTER);
    expect(frame()).toMatch(/type 1 \(the number of VMs\) to confirm/);
    expect(c.sim.state.vm(8200)!.status).toBe('running');
    await type('\b1');
    await type(ENTER);
    await controller.lastRun;
    expect(c.sim.state.vm(8200)!.status).toBe('stopped');
  });

  it('cancels a running operation with c', async () => {
    const { type, controller, c } = await start({ taskDurationMs: 300 });
    await type('A');
    await type('s');
    await type(ENTER);
    await type('\b\b');
    await type(ENTER);
    await tick(200);
    await type('y');
    await tick(150);
    await type('c');
    const op = await controller.lastRun;
    expect(op?.status).toBe('cancelled');
    const done = op!.targets.filter((t) => t.state === 'succeeded').length;
    expect(done).toBeLessThan(op!.targets.filter((t) => t.state !== 'skipped').length);
    const snapped = c.sim.state.vms().filter((v) => v.snapshots.some((s) => /^moxxie-\d+-\d{8}-\d{6}$/.test(s.name))).length;
    expect(snapped).toBe(done);
  });

  it('hides actions in a read-only context', async () => {
    const { frame, type, c } = await start({ readOnly: true });
    expect(frame()).toContain('READ-ONLY');
    expect(frame()).not.toMatch(/snapshot marked/);
    await type('s');
    expect(frame()).not.toMatch(/snapshot name/);
    await type('?');
    expect(frame()).not.toMatch(/roll back/);
    expect(c.sim.state.vms().flatMap((v) => v.snapshots).some((s) => /^moxxie-.*-\d{8}-\d{6}$/.test(s.name))).toBe(false);
  });

  it('help lists every binding of the keymap', async () => {
    const { frame, type } = await start();
    await type('?');
    const f = frame();
    for (const b of KEYMAP) expect(f, b.keys).toContain(b.keys);
    for (const b of KEYMAP) expect(f, b.description).toContain(b.description.slice(0, 24));
  });

  it('switches views with : commands and opens a VM detail with Enter', async () => {
    const { frame, type } = await start();
    await type(':nodes');
    await type(ENTER);
    await tick(100);
    expect(frame()).toMatch(/pve1\s+online/);
    await type(':vms');
    await type(ENTER);
    await tick(100);
    await type('G');
    await type('/workshop-wk-01');
    await type(ENTER);
    await type(ENTER);
    await tick(200);
    expect(frame()).toMatch(/8200 workshop-wk-01/);
    expect(frame()).toMatch(/SNAPSHOT/);
    await type(':bogus');
    await type(ENTER);
    expect(frame()).toMatch(/unknown command ':bogus'/);
  });
});
