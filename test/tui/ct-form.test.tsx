// :ct — the container form over the real core against a simulator: the template picked from the cluster's
// vztmpl volumes, the password typed unseen, the plan before anything runs, then the CT in the cluster.
import { afterEach, describe, expect, it } from 'vitest';
import { parseCommand } from '../../tui/command-line.js';
import { KEY, startTui, type Harness } from './harness.js';

let t: Harness | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/**
 * Enter on form step `n`, until the screen shows step n+1: an input that has just mounted may not be listening
 * yet on a loaded machine (an @inkjs/ui Select drops an Enter that comes too soon), so the press is repeated
 * while the screen still shows step n — a press it took moves the form on, so no step is answered twice.
 */
async function answer(h: Harness, n: number, total: number): Promise<void> {
  const next = n < total ? new RegExp(`step ${n + 1} of ${total}`) : /Plan: /;
  for (let attempt = 0; attempt < 20; attempt++) {
    await h.press(KEY.enter);
    // press() with no keys only lets the screen settle, as after every key.
    for (let look = 0; look < 20 && !next.test(h.frame()); look++) await h.press();
    if (next.test(h.frame())) return;
    if (!new RegExp(`step ${n} of ${total}`).test(h.frame())) return;
  }
  throw new Error(`form step ${n} never took its answer:\n${h.frame()}`);
}

describe(':ct', () => {
  it('parses with no argument only', () => {
    expect(parseCommand('ct')).toEqual({ kind: 'ct' });
    expect(parseCommand('container')).toEqual({ kind: 'ct' });
    expect(parseCommand('ct web')).toMatchObject({ error: expect.stringContaining(':ct takes no argument') });
  });

  it('the form makes a container: plan first, password never on screen, then the CT in the cluster', async () => {
    t = await startTui({ vms: 30, taskDurationMs: 20 });
    await t.type(':ct');
    await t.press(KEY.enter);
    await t.waitFor(/Create a container — step 1 of 14/);
    await answer(t, 1, 14); // node: the first online one
    expect(t.frame()).toMatch(/util-iso:vztmpl\/debian-12-standard/);
    // template, hostname ct-{index}, count, cores, memory, disk, bridge vmbr0, ip dhcp, no gateway, unprivileged, nesting: defaults.
    for (let step = 2; step <= 12; step++) await answer(t, step, 14);
    await t.waitFor(/step 13 of 14[\s\S]*root password/);
    // The first character again only while none shows: the input may not be listening yet (see answer()).
    for (let attempt = 0; attempt < 20 && !/root password[\s\S]*\*/.test(t.frame()); attempt++) {
      await t.type('s');
      for (let look = 0; look < 20 && !/root password[\s\S]*\*/.test(t.frame()); look++) await t.press();
    }
    await t.type('3cret-pw');
    await t.waitFor(/\*{9}/);
    expect(t.frame()).not.toContain('s3cret-pw');
    await answer(t, 13, 14);
    await t.waitFor(/step 14 of 14[\s\S]*start it/);
    expect(t.frame()).toMatch(/root password: \(set\)/);
    await answer(t, 14, 14); // start: no
    await t.waitFor(/Plan: create container ct-1 on pve1/);
    expect(t.sim.state.vms().some((v) => v.type === 'lxc' && v.name === 'ct-1')).toBe(false);
    // The plan's options (o) hold the password too: said to be set, never shown, typed masked.
    expect(t.frame()).toMatch(/o options: .*password \(set\)/);
    await t.press('o');
    await t.waitFor(/Options of create container/);
    for (let i = 0; i < 20 && !/› password/.test(t.frame()); i++) await t.press(KEY.down);
    expect(t.frame()).toMatch(/› password\s+\(set\)/);
    for (let attempt = 0; attempt < 20 && !/› password\s+\*/.test(t.frame()); attempt++) {
      await t.type('n');
      for (let look = 0; look < 20 && !/› password\s+\*/.test(t.frame()); look++) await t.press();
    }
    await t.type('3w-secret');
    await t.waitFor(/› password\s+\*{10}/);
    await t.press(KEY.down);
    await t.waitFor(/  password\s+\(set\)/);
    expect(t.frame()).not.toMatch(/s3cret-pw|n3w-secret/);
    await t.press(KEY.esc);
    await t.waitFor(/Plan: create container ct-1 on pve1[\s\S]*o options: .*password \(set\)/);
    expect(t.store.getState().confirm?.options?.request.password).toBe('n3w-secret');
    await t.press('y');
    await t.controller.lastRun;
    const made = t.sim.state.vms().find((v) => v.type === 'lxc' && v.name === 'ct-1');
    expect(made).toMatchObject({ node: 'pve1', status: 'stopped' });
    expect(made!.config).toMatchObject({ unprivileged: '1', features: 'nesting=1', cores: '1', memory: '512' });
    expect(String(made!.config.net0)).toMatch(/^name=eth0,bridge=vmbr0,ip=dhcp,hwaddr=/);
    expect(String(made!.config.rootfs)).toMatch(/^local-zfs:subvol-\d+-disk-0,size=8G$/);
    expect(t.frame()).not.toMatch(/s3cret-pw|n3w-secret/);
    await t.history.flush();
    const recorded = JSON.stringify([await t.history.listOperations(), await t.history.listAudit()]);
    expect(recorded).toContain('ct.create');
    expect(recorded).not.toContain('s3cret-pw');
    expect(recorded).not.toContain('n3w-secret');
  });
});
