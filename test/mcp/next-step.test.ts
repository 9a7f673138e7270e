// Answers that lead to the next step, through the SDK's client: text is a short summary (rows only in
// structuredContent), a plan names every skip reason with its count and can be paged by its id, a person is
// asked in plain words, a confirm token is bound to what the request does, a re-plan with nothing left says so,
// and the prompts guide to the right tools. Checked against the simulator's state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, textOf, type CallResult, type Harness } from './in-memory-server.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ vms: 30, taskDurationMs: 20 }, { safeMode: true });
});
afterAll(() => h.close());

const sc = (r: CallResult) => r.structuredContent as { id: string; needsConfirmation: boolean; confirmToken?: string; counts: Record<string, number>; targets: Array<{ vmid: number; state: string }>; targetsOmitted: number; skipReasons: Array<{ reason: string; count: number }> };
const status = (id: number) => h.cluster.sim.state.vm(id)!.status;

describe('text and structured content', () => {
  it('list_vms text is a summary; the rows are only in structuredContent', async () => {
    const r = await h.call('list_vms', { limit: 5 });
    const rows = r.structuredContent!.vms as Array<{ vmid: number; name: string }>;
    expect(rows).toHaveLength(5);
    expect(textOf(r).split('\n')).toHaveLength(1);
    for (const row of rows) expect(textOf(r)).not.toContain(row.name);
  });
});

describe('plans', () => {
  it('name every skip reason with its count, not only the top three', async () => {
    const vm101 = h.cluster.sim.state.vm(101)!;
    await h.cluster.client.put(`/nodes/${vm101.node}/qemu/101/config`, { protection: 1 });
    const plan = await h.call('power_vms', { selector: 'id:100-104,8200-8205', operation: 'STOP', dryRun: true });
    const reasons = sc(plan).skipReasons;
    expect(reasons.length).toBeGreaterThanOrEqual(3);
    for (const s of reasons) expect(textOf(plan)).toContain(`Skipped ${s.count}: ${s.reason.replace(/[.\s]+$/, '')}`);
    await h.cluster.client.put(`/nodes/${vm101.node}/qemu/101/config`, { protection: 0 });
  });

  it('a plan can be paged by its id with get_operation before anything is confirmed', async () => {
    const plan = await h.call('create_snapshots', { selector: 'all', snapshotName: 'paged-plan', dryRun: true });
    const id = sc(plan).id;
    const total = sc(plan).targets.length + sc(plan).targetsOmitted;
    const page = await h.call('get_operation', { id, offset: 5, limit: 5 });
    expect(page.isError).toBeFalsy();
    expect(sc(page).id).toBe(id);
    expect(sc(page).targets).toHaveLength(5);
    expect(sc(page).targetsOmitted).toBe(total - 5);
    // Nothing was done: no VM has the snapshot.
    expect(h.cluster.sim.state.vms().some((v) => v.snapshots.some((s) => s.name === 'paged-plan'))).toBe(false);
  });
});

describe('confirmation', () => {
  it('asks a person in plain words: what happens to which VMs, no tool names or "dry run"', async () => {
    const questions: string[] = [];
    const asked = await h.connect({ onElicit: (message) => (questions.push(message), { action: 'decline' }) });
    const r = await h.call('power_vms', { selector: 'id:100-104', operation: 'STOP' }, asked);
    expect(r.structuredContent!.declined).toBe(true);
    const q = questions[0]!;
    expect(q).toMatch(/^This will stop 2 VMs: .*\(100\)/);
    expect(q).toMatch(/2 VMs are left alone: safe mode/);
    expect(q).toMatch(/Go ahead\?$/);
    expect(q).not.toMatch(/power_vms|dry run|dryRun|confirm/i);
    expect(status(100)).toBe('running');
  });

  it('a token stays valid when the request adds dryRun: false, and a used-up plan says there is nothing left', async () => {
    const args = { selector: 'id:100', operation: 'STOP' };
    const first = await h.call('power_vms', args);
    const second = await h.call('power_vms', args);
    expect(sc(first).needsConfirmation).toBe(true);
    const done = await h.call('power_vms', { ...args, dryRun: false, confirm: sc(second).confirmToken });
    expect(done.isError).toBeFalsy();
    expect(sc(done).counts.succeeded).toBe(1);
    expect(status(100)).toBe('stopped');
    // The first token's plan has nothing left to do: the answer says so instead of asking again.
    const again = await h.call('power_vms', { ...args, confirm: sc(first).confirmToken });
    expect(again.isError).toBeFalsy();
    expect(sc(again).needsConfirmation).toBe(false);
    expect(sc(again).confirmToken).toBeUndefined();
    expect(textOf(again)).toMatch(/Nothing is left to do/);
    // A token does not carry over to a request that does something else.
    const wide = { selector: 'id:101-104', operation: 'STOP' };
    const third = await h.call('power_vms', wide);
    expect(sc(third).confirmToken).toBeDefined();
    const other = await h.call('power_vms', { ...wide, selector: 'id:101-103', confirm: sc(third).confirmToken });
    expect(other.isError).toBe(true);
    expect(textOf(other)).toMatch(/different request/);
    expect(status(101)).toBe('running');
  });
});

describe('prompts', () => {
  it('lists the four workflow prompts, each a guide naming the right tools', async () => {
    const { prompts } = await h.client.listPrompts();
    expect(prompts.map((p) => p.name).sort()).toEqual(['cleanup_expired', 'drain_node', 'pre_maintenance_snapshot', 'provision_from_spec']);
    const drain = await h.client.getPrompt({ name: 'drain_node', arguments: { node: 'pve2' } });
    const text = (drain.messages[0]!.content as { text: string }).text;
    expect(text).toMatch(/drain_node \{"node": "pve2", "dryRun": true\}/);
    expect(text).toMatch(/undrain_node/);
    const snap = await h.client.getPrompt({ name: 'pre_maintenance_snapshot', arguments: { selector: 'tag:env-prod' } });
    expect((snap.messages[0]!.content as { text: string }).text).toMatch(/resolve_selector .*create_snapshots/s);
  });
});

describe('read-only mode', () => {
  it('keeps the dry runs it promises, and its instructions name only what it lists', async () => {
    const ro = await h.connect({ readOnly: true });
    const listed = (await ro.listTools()).tools.map((t) => t.name);
    expect(listed).not.toContain('create_snapshots');
    const instructions = ro.getInstructions() ?? '';
    expect(instructions).toMatch(/These still answer a dry run \(dryRun: true\).*create_snapshots/);
    expect(instructions).not.toMatch(/Destructive requests of these tools/);
    const plan = await h.call('create_snapshots', { selector: 'id:8200-8201', snapshotName: 'ro-plan', dryRun: true }, ro);
    expect(plan.isError).toBeFalsy();
    expect(textOf(plan)).toMatch(/dry run, nothing changed/);
    const real = await h.call('create_snapshots', { selector: 'id:8200-8201', snapshotName: 'ro-plan' }, ro);
    expect(real.isError).toBe(true);
    expect(textOf(real)).toMatch(/read-only/);
    expect(h.cluster.sim.state.vms().some((v) => v.snapshots.some((s) => s.name === 'ro-plan'))).toBe(false);
  });
});

describe('a selection that matches nothing', () => {
  it('says a bare word is a name glob and names the tag it probably meant, with how many VMs carry it', async () => {
    const tag = 'env-prod';
    const carriers = h.cluster.sim.state.vms().filter((v) => !v.template && v.tags.includes(tag)).length;
    expect(carriers).toBeGreaterThan(0);
    const bare = await h.call('resolve_selector', { selector: tag });
    expect(bare.structuredContent!.total).toBe(0);
    expect(textOf(bare)).toContain(`"${tag}" alone is a name glob`);
    expect(textOf(bare)).toContain(`carried by ${carriers} VM`);
    expect(textOf(bare)).toContain(`did you mean tag:${tag}?`);
    const typo = await h.call('resolve_selector', { selector: 'tag:env-prd' });
    expect(typo.structuredContent!.hints).toEqual([`no VM carries the tag env-prd; ${tag} (1 letter away) is carried by ${carriers} VM${carriers === 1 ? '' : 's'}: did you mean tag:${tag}?`]);
    // A bulk plan over the same selection says the same.
    const plan = await h.call('create_snapshots', { selector: 'tag:env-prd', snapshotName: 'typo-plan', dryRun: true });
    expect(textOf(plan)).toMatch(/matches no VM\.\nno VM carries the tag env-prd; env-prod/);
  });
});
