// Migration in the TUI: m opens the target picker (each node's free memory, CPU and PVE's precondition per
// VM), Enter plans the move and the plan runs on confirmation; D in the nodes view drains a node after the
// count is typed. Checked on the screen and in the simulator's true state.
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../fixtures/wait.js';
import { KEY, startTui, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('TUI migration', () => {
  it('m shows every node with its load and the precondition, Enter plans the move, y runs it', async () => {
    const t = (h = await startTui());
    expect(t.sim.state.vm(8200)!.node).toBe('pve1');
    await t.type(':vms id:8200');
    await t.press(KEY.enter, 'm');
    await t.waitFor(/migrate VM 8200 to…/);
    await until('every check in', () => t.store.getState().migrate?.loading === false);
    const frame = await t.waitFor(/pve2\s+online\s+free .* cpu \d+%\s+1\/1 can move/);
    expect(frame).toMatch(/pve1\s+online\s+free .* 0\/1 can move/);
    expect(frame).toMatch(/pve1: VM 8200 already on pve1/);
    // The first option is pve1 (not allowed): down once to pve2, then Enter.
    await t.press(KEY.down, KEY.enter);
    await t.waitFor(/Plan: migrate to pve2: VM 8200/);
    expect(t.sim.state.vm(8200)!.node).toBe('pve1');
    await t.press('y');
    const op = (await t.controller.lastRun) as { status: string; targets: Array<{ message?: string }> } | undefined;
    expect(op?.status, JSON.stringify(op?.targets[0]?.message) + t.frame()).toBe('succeeded');
    expect(t.sim.state.vm(8200)).toMatchObject({ node: 'pve2', status: 'running' });
  });

  it('Esc closes the picker and nothing moves', async () => {
    const t = (h = await startTui());
    await t.type(':vms id:8201');
    await t.press(KEY.enter, 'm');
    await t.waitFor(/migrate VM 8201 to…/);
    await t.press(KEY.esc);
    expect(t.frame()).not.toMatch(/migrate VM 8201 to…/);
    expect(t.store.getState().mode).toBe('normal');
    expect(t.sim.state.vm(8201)!.node).toBe('pve2');
  });

  it('D in the nodes view drains the node under the cursor once the count is typed', async () => {
    const t = (h = await startTui({ taskDurationMs: 10 }));
    await t.type(':nodes');
    await t.press(KEY.enter);
    await t.waitFor(/pve4/);
    await t.press('G', 'D');
    const plan = await t.waitFor(/Destructive\. Type (\d+)/);
    const count = /Destructive\. Type (\d+)/.exec(plan)![1];
    expect(plan).toMatch(/migrate to pve[123]/);
    await t.type(count);
    await t.press(KEY.enter);
    await t.controller.lastRun;
    const left = t.sim.state.vms().filter((v) => v.node === 'pve4' && v.type === 'qemu' && !v.template);
    expect(left).toEqual([]);
  });
});
