// Bulk tools on the simulator, asserting its TRUE state: snapshots, power and tags; the confirm-token flow,
// elicitation, progress notifications, wait:false with get_operation, list_operations.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Confirmations } from '../../mcp/confirmations.js';
import { startHarness, textOf, type CallResult, type Harness } from './in-memory-server.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ vms: 60, taskDurationMs: 20 });
});
afterAll(() => h.close());

const vm = (id: number) => h.cluster.sim.state.vm(id)!;
const snapNames = (id: number) => vm(id).snapshots.map((s) => s.name);
const sc = (r: CallResult) => r.structuredContent as Record<string, unknown> & { counts: Record<string, number>; targets: Array<{ vmid: number; state: string; message?: string }> };

describe('create_snapshots', () => {
  it('snapshots every selected VM, waits for the tasks and reports per-VM rows', async () => {
    const r = await h.call('create_snapshots', { vmSelectors: [{ type: 'VM_IDS', value: '8200,8201,8202' }], snapshotName: 'mcp-{vmid}', description: 'from MCP', ttlHours: 4 });
    expect(r.isError).toBeFalsy();
    expect(sc(r).status).toBe('succeeded');
    expect(sc(r).counts.succeeded).toBe(3);
    expect(sc(r).needsConfirmation).toBe(false);
    for (const id of [8200, 8201, 8202]) {
      const snap = vm(id).snapshots.find((s) => s.name === `mcp-${id}`);
      expect(snap?.description).toMatch(/from MCP.*\(TTL: 4h\)/);
    }
    // The operation is named by its capability's label, never just its kind.
    expect(textOf(r)).toMatch(/snapshot mcp-\{vmid\} succeeded: 3 succeeded/);
  });

  it('sends progress notifications, finished of total, for a bulk snapshot', async () => {
    const events: Array<{ progress: number; total?: number }> = [];
    const r = (await h.client.callTool(
      { name: 'create_snapshots', arguments: { selector: 'name:workshop-wk-*', snapshotName: 'progress-{vmid}', maxParallel: 3 } },
      undefined,
      { onprogress: (p) => void events.push({ progress: p.progress, total: p.total }) },
    )) as CallResult;
    expect(sc(r).status).toBe('succeeded');
    expect(events[0]).toEqual({ progress: 0, total: 10 });
    expect(events.at(-1)).toEqual({ progress: 10, total: 10 });
    expect(events.map((e) => e.progress)).toEqual([...events.map((e) => e.progress)].sort((a, b) => a - b));
    expect(events.length).toBe(11);
    for (let id = 8200; id <= 8209; id++) expect(snapNames(id)).toContain(`progress-${id}`);
  });

  it('a dry run returns the plan and changes nothing', async () => {
    const before = JSON.stringify(h.cluster.sim.state.vms());
    const r = await h.call('create_snapshots', { selector: 'id:100-105', snapshotName: 'dry-{vmid}', dryRun: true });
    expect(sc(r).status).toBe('planned');
    expect(sc(r).dryRun).toBe(true);
    expect(sc(r).counts.planned).toBe(6);
    expect(JSON.stringify(h.cluster.sim.state.vms())).toBe(before);
  });

  it('answers a bad request with an error naming the field', async () => {
    const r = await h.call('create_snapshots', { selector: 'id:8200', snapshotName: 'x-{host}' });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/snapshotName/);
    // 'x' alone is no longer a name PVE takes (2 characters at least, refused since issue 11): a valid one here.
    expect(textOf(await h.call('create_snapshots', { snapshotName: 'xy' }))).toMatch(/say which VMs/);
    const range = await h.call('create_snapshots', { selector: 'id:8200', snapshotName: 'ok', ttlHours: 0 });
    expect(range.isError).toBe(true);
    expect(textOf(range)).toMatch(/ttlHours/);
  });

  it('wait:false answers at once with an operation id that get_operation follows', async () => {
    const r = await h.call('create_snapshots', { selector: 'id:8203-8205', snapshotName: 'bg-{vmid}', wait: false });
    const id = sc(r).id as string;
    expect(sc(r).status).toBe('running');
    expect(textOf(r)).toContain(`get_operation {"id":"${id}"}`);
    let op: CallResult;
    do {
      await new Promise((res) => setTimeout(res, 20));
      op = await h.call('get_operation', { id });
    } while (sc(op).status === 'running');
    expect(sc(op).status).toBe('succeeded');
    for (const vmid of [8203, 8204, 8205]) expect(snapNames(vmid)).toContain(`bg-${vmid}`);
    const list = await h.call('list_operations', {});
    const rows = list.structuredContent!.operations as Array<{ id: string; status: string; targets: number; counts: Record<string, number> }>;
    // Newest first; every target state counted, the absent ones as 0.
    expect(rows[0]).toMatchObject({ id, status: 'succeeded', targets: 3, counts: { succeeded: 3, failed: 0, skipped: 0 } });
    const missing = await h.call('get_operation', { id: 'op-nope' });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toMatch(/list_operations/);
  });
});

describe('the confirm-token flow', () => {
  const args = { selector: 'id:8200-8202', snapshotName: 'mcp-8200' };

  it('answers a destructive call with the plan and a token, changing nothing', async () => {
    const before = JSON.stringify(h.cluster.sim.state.vms());
    const plan = await h.call('delete_snapshots', args);
    expect(plan.isError).toBeFalsy();
    expect(sc(plan).needsConfirmation).toBe(true);
    expect(sc(plan).confirmToken).toMatch(/^mxc_/);
    expect(sc(plan).dryRun).toBe(true);
    expect(sc(plan).counts.planned).toBe(1);
    expect(textOf(plan)).toMatch(/Plan for delete snapshots mcp-8200.*nothing was done yet.*confirm: "mxc_/s);
    expect(JSON.stringify(h.cluster.sim.state.vms())).toBe(before);
  });

  it('refuses a token for another request, acts with the right one, and refuses it a second time', async () => {
    const token = sc(await h.call('delete_snapshots', args)).confirmToken as string;
    const wrong = await h.call('delete_snapshots', { ...args, snapshotName: 'mcp-8201', confirm: token });
    expect(wrong.isError).toBe(true);
    expect(textOf(wrong)).toMatch(/different request/);
    expect(snapNames(8201)).toContain('mcp-8201');
    const otherTool = await h.call('rollback_snapshot', { ...args, confirm: token });
    expect(textOf(otherTool)).toMatch(/issued by delete_snapshots/);

    const done = await h.call('delete_snapshots', { ...args, confirm: token });
    expect(sc(done).status).toBe('succeeded');
    expect(sc(done).confirmedVia).toBe('token');
    expect(snapNames(8200)).not.toContain('mcp-8200');
    const again = await h.call('delete_snapshots', { ...args, confirm: token });
    expect(again.isError).toBe(true);
    expect(textOf(again)).toMatch(/already used/);
    expect(textOf(await h.call('delete_snapshots', { ...args, confirm: 'mxc_made-up' }))).toMatch(/unknown or has expired/);
  });

  it('refuses a token when the plan changed since it was issued, and offers the new plan', async () => {
    await h.call('create_snapshots', { selector: 'id:8206', snapshotName: 'moving' });
    const req = { selector: 'id:8206-8207', snapshotName: 'moving' };
    const first = await h.call('delete_snapshots', req);
    expect(sc(first).counts.planned).toBe(1);
    // Meanwhile another VM gains a matching snapshot: the user agreed to one deletion, not two.
    await h.call('create_snapshots', { selector: 'id:8207', snapshotName: 'moving' });
    const stale = await h.call('delete_snapshots', { ...req, confirm: sc(first).confirmToken });
    expect(stale.isError).toBeFalsy();
    expect(sc(stale).needsConfirmation).toBe(true);
    expect(sc(stale).counts.planned).toBe(2);
    expect(textOf(stale)).toMatch(/plan changed/);
    expect(snapNames(8206)).toContain('moving');
    const done = await h.call('delete_snapshots', { ...req, confirm: sc(stale).confirmToken });
    expect(sc(done).counts.succeeded).toBe(2);
    expect(snapNames(8206)).not.toContain('moving');
    expect(snapNames(8207)).not.toContain('moving');
  });

  it('expires tokens', async () => {
    let now = Date.now();
    const confirmations = new Confirmations({ now: () => now, ttlMs: 60_000 });
    const cl = await h.connect({ confirmations });
    const req = { selector: 'id:8201', snapshotName: 'mcp-8201' };
    const plan = await h.call('delete_snapshots', req, cl);
    now += 61_000;
    const late = await h.call('delete_snapshots', { ...req, confirm: sc(plan).confirmToken }, cl);
    expect(late.isError).toBe(true);
    expect(textOf(late)).toMatch(/expired/);
    expect(snapNames(8201)).toContain('mcp-8201');
  });

  it('needs no confirmation when nothing would change', async () => {
    const r = await h.call('delete_snapshots', { selector: 'id:8201', snapshotName: 'no-such-snapshot' });
    expect(sc(r).needsConfirmation).toBe(false);
    expect(sc(r).confirmToken).toBeUndefined();
    expect(textOf(r)).toMatch(/nothing was done/i);
  });
});

describe('elicitation', () => {
  it('asks the user directly where the client supports it, and acts on yes', async () => {
    const asked: string[] = [];
    const cl = await h.connect({ onElicit: (message) => (asked.push(message), { action: 'accept', content: { confirm: true } }) });
    const r = await h.call('power_vms', { selector: 'id:8202', operation: 'STOP' }, cl);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatch(/^This will stop 1 VM: workshop-wk-03 \(8202\)\.\nGo ahead\?$/);
    expect(sc(r).confirmedVia).toBe('elicitation');
    expect(sc(r).status).toBe('succeeded');
    expect(vm(8202).status).toBe('stopped');
  });

  it('does nothing, and hands out no token, when the user declines', async () => {
    const cl = await h.connect({ onElicit: () => ({ action: 'decline' }) });
    const r = await h.call('power_vms', { selector: 'id:8201', operation: 'STOP' }, cl);
    expect(sc(r).declined).toBe(true);
    expect(sc(r).needsConfirmation).toBe(false);
    expect(sc(r).confirmToken).toBeUndefined();
    expect(vm(8201).status).toBe('running');
  });
});

describe('power_vms', () => {
  it('STOP needs confirmation; START acts at once and skips VMs already running', async () => {
    const stop = await h.call('power_vms', { vmSelectors: [{ type: 'VM_IDS', value: '8201' }], operation: 'STOP' });
    expect(sc(stop).needsConfirmation).toBe(true);
    expect(vm(8201).status).toBe('running');
    const done = await h.call('power_vms', { vmSelectors: [{ type: 'VM_IDS', value: '8201' }], operation: 'STOP', confirm: sc(stop).confirmToken });
    expect(sc(done).status).toBe('succeeded');
    expect(vm(8201).status).toBe('stopped');

    const start = await h.call('power_vms', { selector: 'id:8200-8201', operation: 'START' });
    expect(sc(start).needsConfirmation).toBe(false);
    expect(sc(start).counts).toMatchObject({ succeeded: 1, skipped: 1 });
    expect(sc(start).skipReasons).toEqual([{ reason: 'already running', count: 1 }]);
    expect(vm(8201).status).toBe('running');
  });

  it('spares always-on VMs, and treats force as destructive', async () => {
    const shutdown = await h.call('power_vms', { selector: 'id:8209,8208', operation: 'SHUTDOWN', skipIfAlreadyInState: false, dryRun: true });
    expect((sc(shutdown).skipReasons as Array<{ reason: string }>).map((s) => s.reason).join()).toMatch(/always-on/);
    const forced = await h.call('power_vms', { selector: 'id:8200', operation: 'SHUTDOWN', force: true });
    expect(sc(forced).needsConfirmation).toBe(true);
    expect(vm(8200).status).toBe('running');
  });

  it('refuses a confirm token on a call that needs none', async () => {
    const r = await h.call('power_vms', { selector: 'id:8200', operation: 'START', confirm: 'mxc_x' });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/not destructive/);
  });
});

describe('tag_vms', () => {
  it('ADD acts at once; REMOVE and REPLACE need confirmation', async () => {
    const add = await h.call('tag_vms', { selector: 'name:workshop-*', action: 'ADD', tags: ['from-mcp'] });
    expect(sc(add).status).toBe('succeeded');
    for (let id = 8200; id <= 8209; id++) expect(vm(id).tags).toContain('from-mcp');

    const remove = await h.call('tag_vms', { selector: 'id:8205', action: 'REMOVE', tags: ['from-mcp'] });
    expect(sc(remove).needsConfirmation).toBe(true);
    expect(vm(8205).tags).toContain('from-mcp');
    const removed = await h.call('tag_vms', { selector: 'id:8205', action: 'REMOVE', tags: ['from-mcp'], confirm: sc(remove).confirmToken });
    expect(sc(removed).status).toBe('succeeded');
    expect(vm(8205).tags).not.toContain('from-mcp');

    const replace = await h.call('tag_vms', { selector: 'id:8204', action: 'REPLACE', tags: ['only-this'] });
    const replaced = await h.call('tag_vms', { selector: 'id:8204', action: 'REPLACE', tags: ['only-this'], confirm: sc(replace).confirmToken });
    expect(sc(replaced).status).toBe('succeeded');
    expect(vm(8204).tags).toEqual(['only-this']);
  });

  it('names a bad tag', async () => {
    const r = await h.call('tag_vms', { selector: 'id:8200', action: 'ADD', tags: ['-bad tag'] });
    expect(r.isError).toBe(true);
    // Since issue 11 the tag is checked by the capability's schema, so MCP's input validation names it ("… at tags[0]").
    expect(textOf(r)).toMatch(/'-bad tag' is not a valid PVE tag.* at tags\[0\]/);
  });

  it('refuses more than PVE-shaped tags allow, naming the limit, before anything runs', async () => {
    const before = JSON.stringify(h.cluster.sim.state.vms());
    const long = await h.call('tag_vms', { selector: 'id:8200', action: 'ADD', tags: ['t'.repeat(129)] });
    expect(textOf(long)).toMatch(/a tag is at most 128 characters \(got 129\)/);
    const many = await h.call('tag_vms', { selector: 'id:8200', action: 'ADD', tags: Array.from({ length: 65 }, (_, i) => `t${i}`) });
    expect(textOf(many)).toMatch(/at most 64 tags in one request/);
    const desc = await h.call('create_snapshots', { selector: 'id:8200', snapshotName: 'big', description: 'd'.repeat(1024 * 1024) });
    expect(textOf(desc)).toMatch(/at most 8192 bytes \(8 KiB, PVE's limit\)/);
    const name = await h.call('delete_snapshots', { selector: 'id:8200', snapshotName: 'no such name!' });
    expect(textOf(name)).toMatch(/'no such name!' is not a snapshot name PVE allows/);
    expect(JSON.stringify(h.cluster.sim.state.vms())).toBe(before);
  });

  it('adding the safe-mode tag needs confirmation while safe mode is on', async () => {
    const guarded = await startHarness({ vms: 20, taskDurationMs: 20 }, { safeMode: true });
    try {
      const vmid = guarded.cluster.sim.state.vms().find((v) => !v.tags.includes('moxxie') && !v.template)!.vmid;
      // Any other tag is added at once.
      expect(sc(await guarded.call('tag_vms', { selector: `id:${vmid}`, action: 'ADD', tags: ['harmless'] })).needsConfirmation).toBe(false);
      const plan = await guarded.call('tag_vms', { selector: `id:${vmid}`, action: 'ADD', tags: ['moxxie'] });
      expect(sc(plan).needsConfirmation).toBe(true);
      expect(textOf(plan)).toMatch(/lets safe mode's destructive actions touch the VM/);
      expect(guarded.cluster.sim.state.vm(vmid)!.tags).not.toContain('moxxie');
      await guarded.call('tag_vms', { selector: `id:${vmid}`, action: 'ADD', tags: ['moxxie'], confirm: sc(plan).confirmToken });
      expect(guarded.cluster.sim.state.vm(vmid)!.tags).toContain('moxxie');
    } finally {
      await guarded.close();
    }
  });
});

describe('rollback_snapshot', () => {
  it('rolls back only after confirmation, restoring the snapshot\'s config', async () => {
    await h.call('create_snapshots', { selector: 'id:8203', snapshotName: 'before-change' });
    await h.call('tag_vms', { selector: 'id:8203', action: 'ADD', tags: ['after-snapshot'] });
    const plan = await h.call('rollback_snapshot', { selector: 'id:8203', snapshotName: 'before-change' });
    expect(sc(plan).needsConfirmation).toBe(true);
    expect(vm(8203).tags).toContain('after-snapshot');
    const done = await h.call('rollback_snapshot', { selector: 'id:8203', snapshotName: 'before-change', confirm: sc(plan).confirmToken });
    expect(sc(done).status).toBe('succeeded');
    expect(vm(8203).tags).not.toContain('after-snapshot');
  });

  it('reports a PVE failure per VM, with PVE\'s message', async () => {
    const req = { selector: 'id:8203', snapshotName: 'never-made' };
    const plan = await h.call('rollback_snapshot', req);
    const r = await h.call('rollback_snapshot', { ...req, confirm: sc(plan).confirmToken });
    expect(r.isError).toBeFalsy();
    expect(sc(r).status).toBe('failed');
    expect(sc(r).targets[0]).toMatchObject({ vmid: 8203, state: 'failed', message: expect.stringMatching(/never-made/) });
    expect(textOf(r)).toMatch(/Failed 8203 workshop-wk-04: .*never-made/);
  });
});
