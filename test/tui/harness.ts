// The TUI over the real core, history and jobs, against a simulator started for the test, rendered by
// ink-testing-library and driven by key presses.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import type { ContextInfo } from '../../src/core.js';
import { openHistory, type HistoryStore } from '../../src/history/store.js';
import { createCore } from '../../src/ops/core.js';
import { PveClient } from '../../src/pve/client.js';
import { JobManager } from '../../src/schedule/jobs.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { App } from '../../tui/App.js';
import { TuiController, type ContextSwitcher } from '../../tui/controller.js';
import { createTuiStore, type TuiStore } from '../../tui/store.js';

export const KEY = {
  up: '\u001B[A',
  down: '\u001B[B',
  pageDown: '\u001B[6~',
  pageUp: '\u001B[5~',
  esc: '\u001B',
  enter: '\r',
  backspace: '\u007F',
  tab: '\t',
  ctrlU: '\u0015',
  ctrlR: '\u0012',
};

export interface Harness {
  sim: Simulator;
  /** The client the TUI's core uses (a test can open a second core on it, e.g. a writable one). */
  client: PveClient;
  core: ReturnType<typeof createCore>;
  history: HistoryStore;
  jobs: JobManager;
  store: TuiStore;
  controller: TuiController;
  frame(): string;
  /** Sends keys one press at a time (escape sequences whole) and lets the screen settle. */
  press(...keys: string[]): Promise<void>;
  /** Types text as one chunk, as a fast typist or a paste does. */
  type(text: string): Promise<void>;
  /** Waits until the screen matches (the core answers over real HTTP, so some updates take a moment). */
  waitFor(pattern: RegExp, what?: string): Promise<string>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  vms?: number;
  taskDurationMs?: number;
  readOnly?: boolean;
  safeMode?: boolean;
  rows?: number;
  switcher?: (sim: Simulator) => ContextSwitcher;
}

const plain = (s: string | undefined) => (s ?? '').replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, '');
const settle = (ms = 25) => new Promise((r) => setTimeout(r, ms));

export async function startTui(opts: HarnessOptions = {}): Promise<Harness> {
  const sim = await startSimulator({ vms: opts.vms ?? 40, taskDurationMs: opts.taskDurationMs ?? 30 });
  const client = new PveClient({
    url: sim.url,
    auth: { tokenId: sim.credentials.tokenId, tokenSecret: sim.credentials.tokenSecret },
    tls: { fingerprint: sim.fingerprint },
    taskPollIntervalMs: 20,
    retryBaseDelayMs: 10,
  });
  const dir = mkdtempSync(join(tmpdir(), 'moxxie-tui-'));
  const context: ContextInfo = { name: 'test', url: sim.url, readOnly: !!opts.readOnly, safeMode: !!opts.safeMode, demo: false };
  const history = await openHistory({ dir });
  const core = createCore({ context, client, recorder: history, frontEnd: 'tui', lockRetryDelayMs: 20 });
  const jobs = new JobManager(history, core, { frontEnd: 'tui' });
  // ink-testing-library's stream is 100 columns wide.
  const store = createTuiStore(context, { columns: 100, rows: opts.rows ?? 40 });
  const controller = new TuiController(store, { core, history, jobs }, { refreshMs: 60_000, switcher: opts.switcher?.(sim) });
  const ui = render(createElement(App, { store, controller }));
  await controller.start();
  await settle(50);
  const frame = () => plain(ui.lastFrame());
  return {
    sim,
    client,
    core,
    history,
    jobs,
    store,
    controller,
    frame,
    async press(...keys) {
      for (const k of keys) {
        ui.stdin.write(k);
        await settle();
      }
      await settle();
    },
    async type(text) {
      ui.stdin.write(text);
      await settle(50);
    },
    async waitFor(pattern, what = String(pattern)) {
      const until = Date.now() + 10_000;
      while (Date.now() < until) {
        if (pattern.test(frame())) return frame();
        await settle(20);
      }
      throw new Error(`the screen never showed ${what}:\n${frame()}`);
    },
    async close() {
      controller.stop();
      ui.unmount();
      await controller.current.core.close();
      await history.flush();
      await client.close();
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A newly shown @inkjs/ui input takes keys once its effects ran: let the screen settle first. */
export async function ready(t: Harness): Promise<void> {
  await t.press();
  await t.press();
}

/**
 * Types `text` into the focused form field `label` until the form shows it there: a TextInput that has just
 * mounted may not listen yet on a loaded machine and drop the keys; they are typed again only while the
 * field is still empty, so nothing is typed twice.
 */
export async function typeInto(t: Harness, label: string, text: string): Promise<void> {
  const shows = new RegExp(`› ${label}\\s+${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
  const empty = new RegExp(`› ${label}\\s*$`, 'm');
  for (let attempt = 0; attempt < 20 && !shows.test(t.frame()); attempt++) {
    if (empty.test(t.frame())) await t.type(text);
    for (let look = 0; look < 20 && !shows.test(t.frame()); look++) await t.press();
  }
  await t.waitFor(shows);
}

/** Opens the plan of deleting snapshot `name` on VM `vmid` (D on the VM list, the name typed over the default). */
export async function planSnapshotDelete(t: Harness, vmid: number, name: string): Promise<void> {
  await t.type(`:vms id:${vmid}`);
  await t.press(KEY.enter, 'D', KEY.ctrlU);
  await t.type(name);
  await t.press(KEY.enter);
  await t.waitFor(new RegExp(`Plan: delete snapshot ${name} on VM ${vmid}`));
}
