// `:provision FILE` in the TUI: the seed's Talos spec (YAML) planned against the test's simulator, shown as
// the placement table and VM rows; a missing file or a bad spec is an error on the status line; nothing is
// created.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../fixtures/wait.js';
import { KEY, startTui, type Harness } from './harness.js';

const SPEC = join(import.meta.dirname, '../ops/provisioning/seed-talos-prod-01.yaml');

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe(':provision', () => {
  it('shows the plan of a spec file: the placement table (hosts x groups) and one row per VM', async () => {
    h = await startTui();
    const vmsBefore = h.sim.state.vms().length;
    const used = new Set(h.sim.state.vms().map((v) => v.vmid));
    let first = 100;
    while (used.has(first)) first++;
    await h.type(`:provision ${SPEC}`);
    await h.press(KEY.enter);
    const frame = await h.waitFor(/Placement \(hosts x groups\)/, 'the plan');
    expect(frame).toContain('Plan of talos-prod-01 from');
    expect(frame).toMatch(/HOST\s+control-plane\s+worker\s+VMS/);
    expect(frame).toMatch(new RegExp(`${first}\\s+talos-prod-01-control-plane-01\\s`));
    const view = h.store.getState().provision!;
    expect(view.ok).toBe(true);
    for (const n of ['control-plane-01', 'control-plane-02', 'control-plane-03', 'worker-01', 'worker-02', 'worker-03']) expect(view.lines.join('\n')).toContain(`talos-prod-01-${n}`);
    expect(h.store.getState().view).toBe('provision');
    await h.press(KEY.esc);
    expect(h.store.getState().view).toBe('vms');
    expect(h.sim.state.vms().length).toBe(vmsBefore);
  });

  it('says what is wrong with a missing file or a bad spec, and stays where it was', async () => {
    h = await startTui();
    await h.type(':provision /nonexistent/talos.yaml');
    await h.press(KEY.enter);
    expect(h.store.getState().status).toEqual({ text: 'no file /nonexistent/talos.yaml', tone: 'error' });
    await h.press(KEY.esc);
    await h.type(`:provision ${join(import.meta.dirname, '../ops/provisioning/front-ends.test.ts')}`);
    await h.press(KEY.enter);
    // Reading the file and loading the YAML parser take their time on a busy machine.
    const status = await until('the bad spec on the status line', () => (h!.store.getState().status?.text.includes('front-ends.test.ts') ? h!.store.getState().status : undefined));
    expect(status?.tone).toBe('error');
    expect(status?.text).toMatch(/front-ends\.test\.ts: is not valid YAML|must be an object of fields/);
    expect(h.store.getState().view).toBe('vms');
  });
});
