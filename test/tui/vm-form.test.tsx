// The guided VM forms (N: create, L: clone a template) over the real core against a simulator: answers through
// @inkjs/ui inputs, the plan before anything runs, then the VM in the cluster.
import { afterEach, describe, expect, it } from 'vitest';
import { KEY, startTui, type Harness } from './harness.js';

let t: Harness | undefined;

/**
 * Enter on form step n of `total`. A newly mounted @inkjs/ui Select drops an Enter that comes before its
 * effects ran (on a loaded machine), so the press is repeated while the screen still shows step n; a press
 * it took moves the form on, so no step is answered twice (as in ct-form.test.tsx).
 */
async function answer(h: Harness, n: number, total: number): Promise<void> {
  const here = new RegExp(`step ${n} of ${total}`);
  for (let attempt = 0; attempt < 20; attempt++) {
    await h.press(KEY.enter);
    for (let look = 0; look < 20 && here.test(h.frame()); look++) await h.press();
    if (!here.test(h.frame())) return;
  }
  throw new Error(`form step ${n} never took its answer:\n${h.frame()}`);
}
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('VM forms', () => {
  it('L on a template: clone with a cloud-init user override, plan first, then the clone in the cluster', async () => {
    t = await startTui({ vms: 30, taskDurationMs: 20 });
    await t.type(':vms id:9000 template:yes');
    await t.press(KEY.enter);
    await t.waitFor(/9000\s+ubuntu-cloud/);
    await t.press('L');
    await t.waitFor(/Clone a template — step 1 of 10/);
    expect(t.frame()).toMatch(/9000 ubuntu-cloud-template \(pve1\)/);
    await answer(t, 1, 10); // template 9000
    await t.waitFor(/free \d+ GiB memory, \d+ of 32 CPUs/);
    await answer(t, 2, 10); // node pve1
    // name clone-{index}, count 1, cores, memory, disk: the defaults (each step waited for: its input mounts anew).
    for (let step = 3; step <= 7; step++) {
      await t.waitFor(new RegExp(`step ${step} of 10`));
      await answer(t, step, 10);
    }
    await t.waitFor(/step 8 of 10[\s\S]*cloud-init user/);
    await t.press();
    await t.press();
    await t.type('ops');
    await answer(t, 8, 10);
    await t.waitFor(/step 9 of 10/);
    await answer(t, 9, 10);
    await t.waitFor(/start it/);
    expect(t.sim.state.vms().some((v) => v.name === 'clone-1')).toBe(false);
    await t.press(KEY.enter); // start: no
    await t.waitFor(/Plan: clone 9000 as clone-1/);
    expect(t.sim.state.vms().some((v) => v.name === 'clone-1')).toBe(false);
    await t.press('y');
    await t.controller.lastRun;
    const made = t.sim.state.vms().find((v) => v.name === 'clone-1');
    expect(made).toBeDefined();
    expect(made!.config.ciuser).toBe('ops');
    expect(made!.status).toBe('stopped');
  });

  it('N: Esc leaves the form and nothing is planned', async () => {
    t = await startTui({ vms: 30, taskDurationMs: 20 });
    await t.press('N');
    await t.waitFor(/Create a VM — step 1 of/);
    await t.press(KEY.esc);
    expect(t.store.getState().mode).toBe('normal');
    expect(t.frame()).not.toMatch(/Create a VM/);
  });
});
