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

    session = await openSession(context, { frontEnd: 'tui', env: { MOXXIE_CONFIG: join(context.stateDir, 'none.json') } });
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

  it('an inventory that could not be read: the first frame says so, and the app reads it again when it takes over', async () => {
    const terminal = fakeTerminal(100, 30);
    const frame = showFirstFrame(context.info, { error: 'connect ECONNREFUSED 127.0.0.1:1' }, terminal);
    await until('the error on the first frame', () => /cannot reach the cluster: connect ECONNREFUSED/.test(terminal.screen()));
    expect(terminal.screen()).not.toMatch(/loading the inventory/);
    session = await openSession(context, { frontEnd: 'tui', env: { MOXXIE_CONFIG: join(context.stateDir, 'none.json') } });
    const exiting = runApp(session, frame, { initial: null, refreshMs: 60_000 });
    const names = await namesOnCluster();
    await until('the list read by the app', () => new RegExp(`1/${names.length} ·`).test(terminal.screen()));
    expect(terminal.screen()).toContain(names[0]);
    terminal.press('q');
    expect((await exiting).exitCode).toBe(0);
  });
});
