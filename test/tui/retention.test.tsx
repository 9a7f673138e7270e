// The retention preview view (:retention) and its prune key over the real core and a simulator: rows
// coloured and labelled by mark and rule, then the plan, the typed count, and the simulator's storage.
import { afterEach, describe, expect, it } from 'vitest';
import { postVzdump } from '../../src/pve/endpoints/storage.js';
import { parseCommand } from '../../tui/command-line.js';
import { MARK_COLOUR } from '../../tui/components/RetentionView.js';
import { KEY, startTui, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const local = (t: Harness, vmid: number) => t.sim.state.storageContent('local').filter((v) => v.content === 'backup' && v.vmid === vmid).map((v) => v.volid);

describe(':retention', () => {
  it('parses the policy and its filters, and names a bad word', () => {
    expect(parseCommand('retention count:2 tag:env-dev,web id:8200,8201 storage:local')).toEqual({
      kind: 'retention',
      query: { retentionPolicy: 'count:2', tags: ['env-dev', 'web'], vmIds: [8200, 8201], storage: 'local' },
    });
    expect(parseCommand('retention')).toMatchObject({ error: expect.stringMatching(/needs a policy/) });
    expect(parseCommand('retention days:3 node:pve1')).toMatchObject({ error: expect.stringMatching(/'node:' is not a filter/) });
    expect(MARK_COLOUR).toMatchObject({ remove: 'red', keep: 'green', protected: 'cyan' });
  });

  it('shows each backup with its mark and rule, and D prunes exactly the removed ones after the typed count', async () => {
    const t = (h = await startTui({ taskDurationMs: 10 }));
    for (let i = 0; i < 3; i++) {
      await t.client.waitForTask(await postVzdump(t.client, t.sim.state.vm(8200)!.node, { vmid: '8200', storage: 'local', protected: i === 0 }), { timeoutMs: 10_000 });
    }
    expect(local(t, 8200)).toHaveLength(3);
    await t.type(':retention count:1 id:8200 storage:local');
    await t.press(KEY.enter);
    await t.waitFor(/count:1: 1 of 3 to remove/);
    const frame = t.frame();
    expect(frame).toMatch(/remove\s+8200 .*keep-last=1: beyond the/);
    expect(frame).toMatch(/protected\s+8200 .*protected: never removed/);
    expect(frame).toMatch(/keep\s+8200 .*keep-last=1: one of the/);
    expect(frame).toMatch(/PVE agrees/);
    const doomed = t.store.getState().retention!.preview!.candidates;
    await t.press('D');
    await t.waitFor(/Destructive\. Type 1/);
    await t.press('1', KEY.enter);
    await t.controller.lastRun;
    expect(local(t, 8200)).toHaveLength(2);
    expect(local(t, 8200)).not.toContain(doomed[0]);
    await t.waitFor(/count:1: 0 of 2 to remove/);
  });
});
