// The TUI's backups: back up marked VMs from the VM list (form, plan, confirm), the :backups view with
// size, age, protected and TTL, protect and delete from it; checked on the simulator's true state.
import { afterEach, describe, expect, it } from 'vitest';
import { KEY, startTui, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const local = (t: Harness) => t.sim.state.storageContent('local').filter((v) => v.content === 'backup');

describe('backups in the TUI', () => {
  it('backs up the marked VMs with a TTL and protection, then lists, unprotects and deletes from :backups', async () => {
    const t = (h = await startTui());
    await t.type(':vms id:8200-8201');
    await t.press(KEY.enter, 'a', 'B');
    expect(t.frame()).toMatch(/back up 2 VMs[\s\S]*› storage\s+local/);
    await t.press(KEY.enter, KEY.enter, KEY.enter, KEY.enter);
    await t.type('7');
    // protect: a yes/no choice, picked by its letter.
    await t.press(KEY.enter, 'y');
    await t.press(KEY.enter);
    await t.waitFor(/Plan: back up 2 VMs to local/);
    expect(local(t)).toHaveLength(0);
    await t.press('y');
    await t.controller.lastRun;
    await t.waitFor(/backup\.create succeeded/);
    const made = local(t);
    expect(made.map((b) => b.vmid).sort()).toEqual([8200, 8201]);
    expect(made.every((b) => b.protected && /\(TTL: 7d\)$/.test(b.notes ?? ''))).toBe(true);

    await t.type(':backups 8200');
    await t.press(KEY.enter);
    await t.waitFor(/8200\s+workshop-wk-01\s+local:backup\/vzdump-qemu-8200-.*\s+yes\s+7d/);
    expect(t.frame()).toMatch(/backups of VM 8200/);
    const volid = made.find((b) => b.vmid === 8200)!.volid;
    await t.press('p');
    await t.waitFor(/Plan: unprotect/);
    await t.press('y');
    await t.controller.lastRun;
    expect(local(t).find((b) => b.volid === volid)!.protected).toBe(false);
    await t.press('D');
    await t.waitFor(/Destructive\. Type 1/);
    await t.press('1', KEY.enter);
    await t.controller.lastRun;
    expect(local(t).some((b) => b.volid === volid)).toBe(false);
  });
});
