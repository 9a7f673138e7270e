// The TUI's start as `moxxie` runs it: the first frame lists the first inventory before the core and the
// rest of the TUI have loaded; the app then takes over the same screen, and keys pressed in between are
// not lost. Against a real simulator over HTTPS; the screen is a fake terminal (test/fixtures/fake-terminal.ts).
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OpenedContext } from '../../src/config/open-context.js';
import { fetchInventory } from '../../src/inventory/inventory.js';
import { openSession, type MoxxieSession } from '../../src/open.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { showFirstFrame } from '../../tui/first-frame.js';
import { runApp } from '../../tui/run-app.js';
import { tokenClient } from '../fixtures/cluster.js';
import { fakeTerminal } from '../fixtures/fake-terminal.js';
import { tempDir } from '../fixtures/temp-dirs.js';
import { until } from '../fixtures/wait.js';

let sim: Simulator;
let context: OpenedContext;
let session: MoxxieSession | undefined;

beforeEach(async () => {
  sim = await startSimulator({ nodes: 2, vms: 12, taskDurationMs: 20 });
  const client = tokenClient(sim);
  context = {
    info: { name: 'test', url: sim.url, readOnly: false, safeMode: false, demo: false },
    client,
    defaults: { maxParallel: 5 },
    tls: { fingerprint: sim.fingerprint },
    stateDir: tempDir('first-frame'),
    close: () => client.close(),
  };
});

afterEach(async () => {
  await (session ?? context).close();
  session = undefined;
  await sim.close();
});

/** The VMs' names as PVE lists them, in id order (the list's default sort). */
async function namesOnCluster(): Promise<string[]> {
  const vms = await context.client.get<Array<{ vmid: number; name?: string; type: string }>>('/cluster/resources', { type: 'vm' });
  return vms.sort((a, b) => a.vmid - b.vmid).map((v) => v.name ?? '');
}

/** The session the app takes over with (no config file: only this test's context). */
const tuiSession = () => openSession(context, { frontEnd: 'tui', env: { MOXXIE_CONFIG: join(context.stateDir, 'none.json') } });

/** The first frame drawn before its inventory: "loading the inventory…". */
async function loadingFrame() {
  const terminal = fakeTerminal(100, 30);
  const frame = showFirstFrame(context.info, null, terminal);
  await until('the loading frame', () => /loading the inventory…/.test(terminal.screen()));
  return { terminal, frame };
}

describe('the first frame', () => {
  it('lists the first inventory before the app has loaded; keys pressed meanwhile move the app once it takes over', async () => {
    const terminal = fakeTerminal(100, 30);
    const inventory = await fetchInventory(context.client);
    const frame = showFirstFrame(context.info, { inventory }, terminal);
    const names = await namesOnCluster();
    const first = await until('the first frame', () => /1\/\d+ ·/.test(terminal.screen()) && terminal.screen());
    expect(first).toMatch(new RegExp(`1/${names.length} · sort id`));
    expect(first).toContain(names[0]);
    // Two presses before the app is there: kept, not acted on, not dropped.
    terminal.press('j');
    terminal.press('j');
    expect(frame.store.getState().pos.vms.cursor).toBe(0);

    session = await tuiSession();
    const exiting = runApp(session, frame, { initial: inventory, refreshMs: 60_000 });
    const taken = await until('the presses applied', () => /3\/\d+ ·/.test(terminal.screen()) && terminal.screen());
    expect(taken).toContain(names[2]);
    // The app's own keys work from here: the help screen, and back.
    terminal.press('?');
    await until('the help screen', () => /Keys and commands/.test(terminal.screen()));
    terminal.press('\u001B');
    await until('the list again', () => /3\/\d+ ·/.test(terminal.screen()));
    terminal.press('q');
    expect((await exiting).exitCode).toBe(0);
  });

  it('an inventory slow to come: the frame says it is loading, and draws the list the moment it is given', async () => {
    const { terminal, frame } = await loadingFrame();
    expect(terminal.screen()).toMatch(/0\/0 · sort id/);
    const inventory = await fetchInventory(context.client);
    const names = await namesOnCluster();
    frame.showInventory({ inventory });
    // Drawn before showInventory returns: the rest of the TUI loads right after it and holds the thread.
    expect(terminal.screen()).toMatch(new RegExp(`1/${names.length} · sort id`));
    expect(terminal.screen()).toContain(names[0]);
    expect(terminal.screen()).not.toMatch(/loading the inventory/);
    session = await tuiSession();
    const exiting = runApp(session, frame, { initial: inventory, refreshMs: 60_000 });
    terminal.press('j');
    await until('the app moving the cursor', () => /2\/\d+ ·/.test(terminal.screen()));
    terminal.press('q');
    expect((await exiting).exitCode).toBe(0);
  });

  it('Ctrl+C before the app has taken over quits at once; other keys wait for the app', async () => {
    const { terminal, frame } = await loadingFrame();
    let stopped = false;
    void frame.stopped.then(() => (stopped = true));
    terminal.press('q');
    await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false);
    terminal.press('\u0003');
    await until('the frame stopped', () => stopped);
    expect(frame.screen.exitCode()).toBe(0);
  });

  it('Ctrl+C after the rest has loaded but before the app has taken over: the app quits as it comes, nothing waits forever', async () => {
    const terminal = fakeTerminal(100, 30);
    const inventory = await fetchInventory(context.client);
    const frame = showFirstFrame(context.info, { inventory }, terminal);
    await until('the first frame', () => /1\/\d+ ·/.test(terminal.screen()));
    session = await tuiSession();
    terminal.press('\u0003');
    await frame.stopped;
    // The unmount has settled before the app comes (the rest of the TUI still loading when Ctrl+C came).
    await new Promise((r) => setTimeout(r, 10));
    const exit = await runApp(session, frame, { initial: inventory, refreshMs: 60_000 });
    expect(exit.exitCode).toBe(0);
  });

  it('an inventory that could not be read: the first frame says so, and the app reads it again when it takes over', async () => {
    const terminal = fakeTerminal(100, 30);
    const frame = showFirstFrame(context.info, { error: 'connect ECONNREFUSED 127.0.0.1:1' }, terminal);
    await until('the error on the first frame', () => /cannot reach the cluster: connect ECONNREFUSED/.test(terminal.screen()));
    expect(terminal.screen()).not.toMatch(/loading the inventory/);
    session = await tuiSession();
    const exiting = runApp(session, frame, { initial: null, refreshMs: 60_000 });
    const names = await namesOnCluster();
    await until('the list read by the app', () => new RegExp(`1/${names.length} ·`).test(terminal.screen()));
    expect(terminal.screen()).toContain(names[0]);
    terminal.press('q');
    expect((await exiting).exitCode).toBe(0);
  });
});
