// Snapshots, power and tags beyond the seed examples.
import { afterEach, describe, expect, it } from 'vitest';
import { needsConfirmation } from '../../src/ops/capabilities/index.js';
import { createCore } from '../../src/ops/core.js';
import { nameClock, renderAll, renderName, renderSnapshotName, templateMatcher, templateProblem } from '../../src/ops/snapshot-names.js';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';

let c: TestCluster | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

describe('snapshot names', () => {
  const clock = { date: '20261128', time: '221500', datetime: '20261128-221500' };
  it('renders placeholders and makes names valid for PVE', () => {
    expect(renderSnapshotName('pre-{vm}-{datetime}', { vmid: 100, name: 'web.01' }, clock)).toBe('pre-web-01-20261128-221500');
    expect(renderSnapshotName('{vmid}-{date}', { vmid: 100, name: 'x' }, clock)).toBe('s100-20261128');
    expect(renderSnapshotName('backup-{date}-and-some-very-long-suffix-text', { vmid: 1, name: '' }, clock)).toHaveLength(40);
    expect(nameClock(new Date(2026, 0, 2, 3, 4, 5))).toEqual({ date: '20260102', time: '030405', datetime: '20260102-030405' });
  });

  // Issue 11 changed this: a {vm} value that would be cut is shortened so the name fits; only what no
  // shortening can make valid is refused.
  it('shortens {vm} so the name fits PVE\'s 40 characters; refuses only what cannot be made valid', () => {
    expect(renderSnapshotName('a-very-long-prefix-for-snapshots-{vm}', { vmid: 1, name: 'kubernetes-worker-01' }, clock)).toBe('a-very-long-prefix-for-snapshots-kuberne');
    // The seed's pre-update job on a VM whose name gave 43 characters.
    const seed = renderName('preupd-{vm}-{datetime}', { vmid: 8207, name: 'kubernetes-worker-01' }, clock);
    expect(seed.name).toBe('preupd-kubernetes-worker-20261128-221500');
    expect(seed.name.length).toBeLessThanOrEqual(40);
    expect(seed.note).toMatch(/\{vm\} shortened to fit PVE's 40 characters/);
    // No {vm} to shorten, and the stamps would be cut: refused, saying why.
    expect(() => renderSnapshotName('a-very-long-prefix-for-snapshots-and-{datetime}', { vmid: 100, name: 'x' }, clock)).toThrow(/only a \{vm\} value can be shortened; PVE allows 40/);
    expect(templateProblem('a-very-long-prefix-for-snapshots-and-{datetime}')).toMatch(/cannot give a valid PVE snapshot name/);
    expect(templateProblem('preupd-{vm}-{datetime}')).toBeUndefined();
  });

  it('refuses names PVE reserves or refuses, and shows a rewritten name as rewritten', () => {
    expect(templateProblem('current')).toMatch(/"current", a name PVE reserves/);
    expect(templateProblem('Pending')).toMatch(/reserves/);
    expect(templateProblem('a')).toMatch(/at least 2 characters/);
    expect(() => renderName('{vm}', { vmid: 8200, name: 'current' }, clock)).toThrow(/for VM 8200 \(current\): it gives "current", a name PVE reserves/);
    const odd = renderName('1st snap!', { vmid: 100, name: 'x' }, clock);
    expect(odd).toMatchObject({ name: 's1st-snap-', wanted: '1st snap!', note: 'rewritten for PVE from "1st snap!"' });
    expect(renderName('plain-{vmid}', { vmid: 100, name: 'x' }, clock).note).toBeUndefined();
    expect(templateProblem('x'.repeat(256))).toMatch(/at most 255 characters/);
  });

  it('keeps shortened names unique with a stable suffix from the VM id', () => {
    const vms = [
      { vmid: 8200, name: 'kubernetes-worker-0001' },
      { vmid: 8201, name: 'kubernetes-worker-0002' },
      { vmid: 8202, name: 'web' },
    ];
    const names = renderAll('preupd-{vm}-{datetime}', vms, clock);
    expect(names.get(8200)!.name).toBe('preupd-kubernetes-w-8200-20261128-221500');
    expect(names.get(8201)!.name).toBe('preupd-kubernetes-w-8201-20261128-221500');
    expect(names.get(8202)!.name).toBe('preupd-web-20261128-221500');
    expect(names.get(8200)!.note).toMatch(/-8200 added to keep it unique/);
    // Alone, a VM keeps the plain shortened form; the rotation's matcher knows both.
    const alone = renderAll('preupd-{vm}-{datetime}', [vms[0]], clock).get(8200)!.name;
    expect(alone).toBe('preupd-kubernetes-worker-20261128-221500');
    const mine = templateMatcher('preupd-{vm}-{datetime}', vms[0]);
    expect(mine(alone) && mine(names.get(8200)!.name)).toBe(true);
    expect(mine(names.get(8201)!.name)).toBe(false);
  });

  it('refuses, at plan time, a per-VM template that collapses two VMs to one name', async () => {
    c = await startCluster({ vms: 20 });
    await c.client.put('/nodes/pve1/qemu/8200/config', { name: 'dup.name' });
    await c.client.put('/nodes/pve2/qemu/8201/config', { name: 'dup-name' });
    const before = JSON.stringify(c.sim.state.vms());
    await expect(c.core.createSnapshots({ vmSelectors: [{ type: 'VM_IDS', value: '8200,8201' }], snapshotName: 'snap-{vm}' })).rejects.toThrow(/same name "snap-dup-name" for VMs 8200 and 8201/);
    expect(JSON.stringify(c.sim.state.vms())).toBe(before);
  });
});

describe('snapshot capability', () => {
  it('the seed\'s preupd-{vm}-{datetime} fits every VM: final names in the plan, made on PVE, unique', async () => {
    c = await startCluster({ vms: 20 });
    await c.client.put('/nodes/pve1/qemu/8200/config', { name: 'kubernetes-worker-01' });
    await c.client.put('/nodes/pve2/qemu/8201/config', { name: 'kubernetes-worker-02' });
    const req = { vmSelectors: [{ type: 'VM_IDS' as const, value: '8200-8202' }], snapshotName: 'preupd-{vm}-{datetime}', ttlHours: 24 };
    const plan = await c.core.createSnapshots({ ...req, dryRun: true });
    const actions = new Map(plan.targets.map((t) => [t.vmid, t.action]));
    expect(actions.get(8200)).toMatch(/^snapshot preupd-kubernetes-w-8200-\d{8}-\d{6} \(\{vm\} shortened to fit PVE's 40 characters, -8200 added to keep it unique\), expires in 24h$/);
    expect(actions.get(8201)).toMatch(/^snapshot preupd-kubernetes-w-8201-/);
    const op = await c.core.createSnapshots(req);
    expect(op.status).toBe('succeeded');
    for (const vmid of [8200, 8201, 8202]) {
      const made = c.sim.state.vm(vmid)!.snapshots.filter((s) => s.name.startsWith('preupd-'));
      expect(made).toHaveLength(1);
      expect(made[0].name.length).toBeLessThanOrEqual(40);
    }
  });

  it('refuses reserved names and too-long descriptions before anything runs; shows a rewritten name', async () => {
    c = await startCluster({ vms: 20 });
    const before = JSON.stringify(c.sim.state.vms());
    const one = { vmSelectors: [{ type: 'VM_IDS' as const, value: '8200' }] };
    await expect(c.core.createSnapshots({ ...one, snapshotName: 'current' })).rejects.toThrow(/^snapshotName: "current" cannot give a valid PVE snapshot name: it gives "current", a name PVE reserves/);
    await expect(c.core.createSnapshots({ ...one, snapshotName: 'big', description: 'd'.repeat(1024 * 1024) })).rejects.toThrow(/^description: at most 8192 bytes \(8 KiB, PVE's limit\)/);
    await expect(c.core.createSnapshots({ ...one, snapshotName: 'ok-name', description: 'd'.repeat(8190), ttlHours: 24 })).rejects.toThrow(/^description: at most 8192 bytes .*"\(TTL: 24h\)"/);
    expect(JSON.stringify(c.sim.state.vms())).toBe(before);
    const plan = await c.core.createSnapshots({ ...one, snapshotName: '1st snap!', dryRun: true });
    expect(plan.targets[0].action).toBe('snapshot s1st-snap- (rewritten for PVE from "1st snap!")');
    await c.core.createSnapshots({ ...one, snapshotName: 'fits', description: 'd'.repeat(8000) });
    expect(c.sim.state.vm(8200)!.snapshots.find((s) => s.name === 'fits')?.description).toHaveLength(8000 + ' [moxxie]'.length);
  });

  it('lists snapshots without current, with TTL and moxxie markers; includeMemory sets vmstate', async () => {
    c = await startCluster({ vms: 20 });
    await c.core.createSnapshots({ vmSelectors: [{ type: 'VM_IDS', value: '8200' }], snapshotName: 'mem', includeMemory: true, ttlHours: 2 });
    await c.core.createSnapshots({ vmSelectors: [{ type: 'VM_IDS', value: '8200' }], snapshotName: 'plain', description: 'hello' });
    const list = await c.core.listSnapshots(8200);
    expect(list.map((s) => s.name)).not.toContain('current');
    const mem = list.find((s) => s.name === 'mem')!;
    expect(mem).toMatchObject({ vmstate: true, ttlHours: 2, moxxieMade: true });
    expect(mem.expiresAt! - mem.snaptime!).toBe(7200);
    expect(list.find((s) => s.name === 'plain')).toMatchObject({ description: 'hello [moxxie]', moxxieMade: true });
    expect(c.sim.state.vm(8200)!.snapshots.find((s) => s.name === 'mem')?.vmstate).toBe(true);
  });

  it('deletes only expired moxxie snapshots, never hand-made ones', async () => {
    c = await startCluster({ vms: 60 });
    const withOld = c.sim.state.vms().filter((v) => v.snapshots.some((s) => s.description.includes('(TTL: 24h)')));
    const withManual = c.sim.state.vms().filter((v) => v.snapshots.some((s) => s.name === 'pre-upgrade'));
    expect(withOld.length).toBeGreaterThan(0);
    const op = await c.core.deleteSnapshots({ vmSelectors: [{ type: 'ALL' }], expiredOnly: true });
    expect(op.status).toBe('succeeded');
    for (const v of c.sim.state.vms()) {
      expect(v.snapshots.some((s) => s.description.includes('(TTL: 24h)'))).toBe(false);
    }
    // Fresh TTL snapshots and hand-made ones survive.
    expect(c.sim.state.vms().filter((v) => v.snapshots.some((s) => s.name === 'pre-upgrade'))).toHaveLength(withManual.length);
    expect(c.sim.state.vms().some((v) => v.snapshots.some((s) => s.name === 'moxxie-fresh'))).toBe(true);
  });

  it('deleting by name leaves non-moxxie snapshots unless moxxieOnly is false', async () => {
    c = await startCluster({ vms: 60 });
    const vm = c.sim.state.vms().find((v) => v.snapshots.some((s) => s.name === 'pre-upgrade'))!;
    const kept = await c.core.deleteSnapshots({ vmSelectors: [{ type: 'VM_IDS', value: String(vm.vmid) }], snapshotName: 'pre-upgrade' });
    expect(kept.targets[0]).toMatchObject({ state: 'skipped', message: expect.stringMatching(/not made by moxxie/) });
    expect(c.sim.state.vm(vm.vmid)!.snapshots.some((s) => s.name === 'pre-upgrade')).toBe(true);
    const gone = await c.core.deleteSnapshots({ vmSelectors: [{ type: 'VM_IDS', value: String(vm.vmid) }], snapshotName: 'pre-upgrade', moxxieOnly: false });
    expect(gone.targets[0].state).toBe('succeeded');
    expect(c.sim.state.vm(vm.vmid)!.snapshots.some((s) => s.name === 'pre-upgrade')).toBe(false);
  });

  it('an existing snapshot name fails that target with PVE\'s message; the others go on', async () => {
    c = await startCluster({ vms: 20 });
    await c.core.createSnapshots({ vmSelectors: [{ type: 'VM_IDS', value: '8200' }], snapshotName: 'dup' });
    const op = await c.core.createSnapshots({ vmSelectors: [{ type: 'VM_IDS', value: '8200,8201' }], snapshotName: 'dup' });
    expect(op.targets.map((t) => t.state)).toEqual(['failed', 'succeeded']);
    expect(op.targets[0].message).toBe("snapshot name 'dup' already used");
    expect(op.status).toBe('partial');
    expect(c.sim.state.vm(8200)!.snapshots.filter((s) => s.name === 'dup')).toHaveLength(1);
  });

  it('deletes by glob and by age, oldest first, only moxxie-made by default', async () => {
    c = await startCluster({ vms: 60 });
    // The seed has auto-*-old (TTL 24h, taken days ago), moxxie-fresh (TTL 168h, recent) and hand-made pre-upgrade.
    const withAuto = c.sim.state.vms().filter((v) => v.snapshots.some((s) => s.name.startsWith('auto-'))).map((v) => v.vmid);
    expect(withAuto.length).toBeGreaterThan(1);
    const dry = await c.core.deleteSnapshots({ vmSelectors: [{ type: 'ALL' }], namePattern: 'AUTO-*', dryRun: true });
    expect(dry.targets.filter((t) => t.state === 'planned').map((t) => t.vmid)).toEqual(withAuto);
    expect(c.sim.state.vms().filter((v) => v.snapshots.some((s) => s.name.startsWith('auto-'))).map((v) => v.vmid)).toEqual(withAuto);
    const old = Math.min(...c.sim.state.vms().flatMap((v) => v.snapshots.filter((s) => s.name.startsWith('auto-')).map((s) => s.snaptime)));
    const ageHours = Math.floor((Date.now() / 1000 - old) / 3600);
    expect(ageHours).toBeGreaterThan(1);
    const handMade = c.sim.state.vms().filter((v) => v.snapshots.some((s) => s.name === 'pre-upgrade')).map((v) => v.vmid);
    const byAge = await c.core.deleteSnapshots({ vmSelectors: [{ type: 'ALL' }], olderThanHours: 1 });
    expect(byAge.status).toBe('succeeded');
    const nowSec = Date.now() / 1000;
    const moxxieMade = (d: string) => /\(TTL: \d+h\)|\[moxxie\]/.test(d);
    for (const v of c.sim.state.vms()) {
      // No moxxie snapshot older than an hour is left...
      expect(v.snapshots.filter((s) => moxxieMade(s.description) && nowSec - s.snaptime >= 3600)).toEqual([]);
    }
    // ...and every hand-made one is.
    expect(c.sim.state.vms().filter((v) => v.snapshots.some((s) => s.name === 'pre-upgrade')).map((v) => v.vmid)).toEqual(handMade);
  });

  it('deletes several snapshots of one VM in one step and reports each', async () => {
    c = await startCluster({ vms: 20 });
    for (const name of ['rot-a', 'rot-b', 'rot-c']) await c.core.createSnapshots({ vmSelectors: [{ type: 'VM_IDS', value: '8200' }], snapshotName: name, ttlHours: 1 });
    const op = await c.core.deleteSnapshots({ vmSelectors: [{ type: 'VM_IDS', value: '8200' }], namePattern: 'rot-*' });
    expect(op.targets[0]).toMatchObject({ state: 'succeeded', message: 'deleted rot-a, rot-b, rot-c' });
    expect(c.sim.state.vm(8200)!.snapshots.filter((s) => s.name.startsWith('rot-'))).toEqual([]);
  });

  it('rolls back and optionally starts', async () => {
    c = await startCluster({ vms: 20 });
    await c.core.createSnapshots({ vmSelectors: [{ type: 'VM_IDS', value: '8200' }], snapshotName: 'base' });
    await c.client.put('/nodes/pve1/qemu/8200/config', { description: 'drifted' });
    const op = await c.core.rollbackSnapshot({ vmSelectors: [{ type: 'VM_IDS', value: '8200' }], snapshotName: 'base', start: true });
    expect(op.status).toBe('succeeded');
    expect(c.sim.state.vm(8200)!.config.description).not.toBe('drifted');
    expect(c.sim.state.vm(8200)!.status).toBe('running');
    const missing = await c.core.rollbackSnapshot({ vmSelectors: [{ type: 'VM_IDS', value: '8200' }], snapshotName: 'nope' });
    expect(missing.targets[0]).toMatchObject({ state: 'failed', message: expect.stringMatching(/snapshot 'nope' does not exist/) });
  });
});

describe('power capability', () => {
  it('starts, suspends and resumes; skips VMs already in state unless told otherwise', async () => {
    c = await startCluster({ vms: 20 });
    const stopped = c.sim.state.vms().find((v) => v.status === 'stopped' && !v.template && v.type === 'qemu')!;
    const start = await c.core.power({ vmSelectors: [{ type: 'VM_IDS', value: `${stopped.vmid},8200` }], operation: 'START' });
    expect(start.targets.find((t) => t.vmid === 8200)).toMatchObject({ state: 'skipped', message: 'already running' });
    expect(c.sim.state.vm(stopped.vmid)!.status).toBe('running');
    const again = await c.core.power({ vmSelectors: [{ type: 'VM_IDS', value: '8200' }], operation: 'START', skipIfAlreadyInState: false });
    expect(again.targets[0]).toMatchObject({ state: 'failed', message: 'VM 8200 already running' });
    await c.core.power({ vmSelectors: [{ type: 'VM_IDS', value: '8200' }], operation: 'SUSPEND' });
    expect(c.sim.state.vm(8200)!.status).toBe('paused');
    await c.core.power({ vmSelectors: [{ type: 'VM_IDS', value: '8200' }], operation: 'RESUME' });
    expect(c.sim.state.vm(8200)!.status).toBe('running');
  });

  it('says in the plan what PVE would refuse for a paused VM', async () => {
    c = await startCluster({ vms: 20 });
    await c.core.power({ vmSelectors: [{ type: 'VM_IDS', value: '8200' }], operation: 'SUSPEND' });
    expect(c.sim.state.vm(8200)!.status).toBe('paused');
    const start = await c.core.power({ vmSelectors: [{ type: 'VM_IDS', value: '8200' }], operation: 'START' });
    expect(start.targets[0]).toMatchObject({ state: 'skipped', message: 'is paused: use RESUME' });
    const shutdown = await c.core.power({ vmSelectors: [{ type: 'VM_IDS', value: '8200' }], operation: 'SHUTDOWN' });
    expect(shutdown.targets[0]).toMatchObject({ state: 'skipped', message: expect.stringMatching(/is paused: PVE cannot shut it down/) });
    expect(c.sim.state.vm(8200)!.status).toBe('paused');
    // Forced, PVE's forceStop stops a paused VM.
    const forced = await c.core.power({ vmSelectors: [{ type: 'VM_IDS', value: '8200' }], operation: 'SHUTDOWN', force: true, timeoutSeconds: 30 });
    expect(forced.targets[0]).toMatchObject({ state: 'succeeded', message: 'stopped' });
    expect(c.sim.state.vm(8200)!.status).toBe('stopped');
  });

  it('reboots a running VM and stops and starts in bulk', async () => {
    c = await startCluster({ vms: 20 });
    const reboot = await c.core.power({ vmSelectors: [{ type: 'VM_IDS', value: '8200-8209' }], operation: 'REBOOT', maxParallel: 5 });
    const stoppedBefore = reboot.targets.filter((t) => t.state === 'skipped').map((t) => t.vmid);
    expect(stoppedBefore).toEqual([8207, 8208, 8209]);
    expect(reboot.targets.filter((t) => t.state === 'succeeded')).toHaveLength(7);
    const stop = await c.core.power({ vmSelectors: [{ type: 'VM_IDS', value: '8200-8208' }], operation: 'STOP' });
    expect(stop.status).toBe('succeeded');
    for (let id = 8200; id <= 8208; id++) expect(c.sim.state.vm(id)!.status).toBe('stopped');
    const start = await c.core.power({ vmSelectors: [{ type: 'VM_IDS', value: '8200-8208' }], operation: 'START' });
    expect(start.summary?.counts.succeeded).toBe(9);
    for (let id = 8200; id <= 8208; id++) expect(c.sim.state.vm(id)!.status).toBe('running');
  });

  it('a forced REBOOT is PVE\'s status/reset, and the plan says so', async () => {
    c = await startCluster({ vms: 20 });
    const dry = await c.core.power({ vmSelectors: [{ type: 'VM_IDS', value: '8200' }], operation: 'REBOOT', force: true, dryRun: true });
    expect(dry.label).toBe('reboot (forced: reset)');
    expect(dry.targets[0].action).toBe('reboot (forced: reset)');
    const op = await c.core.power({ vmSelectors: [{ type: 'VM_IDS', value: '8200,8201' }], operation: 'REBOOT', force: true });
    expect(op.status).toBe('succeeded');
    const tasks = c.sim.state.tasks().filter((t) => t.id === '8200' || t.id === '8201');
    expect(tasks.filter((t) => t.type === 'qmreset').map((t) => t.id).sort()).toEqual(['8200', '8201']);
    expect(tasks.some((t) => t.type === 'qmreboot')).toBe(false);
    for (const id of [8200, 8201]) expect(c.sim.state.vm(id)!.status).toBe('running');
    // Unforced, it stays a guest reboot.
    await c.core.power({ vmSelectors: [{ type: 'VM_IDS', value: '8202' }], operation: 'REBOOT' });
    expect(c.sim.state.tasks().some((t) => t.id === '8202' && t.type === 'qmreboot')).toBe(true);
  });

  it('adding the safe-mode tag is destructive while safe mode is on, and only then', () => {
    const add = { vmSelectors: 'id:8200', action: 'ADD', tags: ['moxxie'] };
    expect(needsConfirmation('tags', add, { safeMode: true })).toBe(true);
    expect(needsConfirmation('tags', { ...add, action: 'REPLACE', tags: ['MOXXIE', 'web'] }, { safeMode: true })).toBe(true);
    // Without the context's setting, safe mode counts as on.
    expect(needsConfirmation('tags', add)).toBe(true);
    expect(needsConfirmation('tags', add, { safeMode: false })).toBe(false);
    expect(needsConfirmation('tags', { ...add, tags: ['web'] }, { safeMode: true })).toBe(false);
  });

  it('forced shutdown falls back to stop after the timeout', async () => {
    c = await startCluster({ vms: 20 });
    c.sim.setGuestBehaviour(8200, { ignoresShutdown: true });
    // timeoutSeconds is at least 30: let the simulated guest ignore ACPI for that long would be slow, so
    // this checks that forceStop reaches PVE; the simulator's own test covers the timing.
    const dry = await c.core.power({ vmSelectors: [{ type: 'VM_IDS', value: '8200' }], operation: 'SHUTDOWN', force: true, timeoutSeconds: 30, dryRun: true });
    expect(dry.targets[0].action).toBe('shutdown (stop after 30s)');
  });
});

describe('tag capability', () => {
  it('lists tags with counts and VMs with a tag', async () => {
    c = await startCluster({ vms: 40 });
    const tags = await c.core.listTags();
    expect(tags.find((t) => t.tag === 'workshop')?.count).toBe(10);
    expect((await c.core.vmsWithTag('WORKSHOP')).map((v) => v.vmid)).toEqual([8200, 8201, 8202, 8203, 8204, 8205, 8206, 8207, 8208, 8209]);
  });

  it('removes and replaces tags, skipping VMs with nothing to change', async () => {
    c = await startCluster({ vms: 20 });
    const rm = await c.core.applyTags({ vmSelectors: [{ type: 'VM_IDS', value: '8200,8201' }], action: 'REMOVE', tags: ['maint-ok'] });
    expect(rm.targets.find((t) => t.vmid === 8201)).toMatchObject({ state: 'skipped', message: 'has none of these tags' });
    expect(c.sim.state.vm(8200)!.tags).not.toContain('maint-ok');
    await c.core.applyTags({ vmSelectors: [{ type: 'VM_IDS', value: '8202' }], action: 'REPLACE', tags: ['only', 'these'] });
    expect(c.sim.state.vm(8202)!.tags).toEqual(['only', 'these']);
  });

  it('rejects invalid tags naming the entry', async () => {
    c = await startCluster({ vms: 20 });
    await expect(c.core.applyTags({ vmSelectors: [{ type: 'ALL' }], action: 'ADD', tags: ['ok', '-bad'] })).rejects.toThrow(/tags\[1\]: '-bad' is not a valid PVE tag/);
  });

  it('loses no tag when two moxxie processes edit the same VMs at once (digest + retry)', async () => {
    // Two cores (as a TUI and a scheduler would be) share no per-VM gate: only PVE's digest keeps them honest.
    c = await startCluster({ vms: 20, faults: { latencyMs: 15 } });
    const other = createCore({ context: { ...c.core.context, name: 'other' }, client: c.client });
    const sel = [{ type: 'VM_IDS' as const, value: '8200-8209' }];
    const [a, b] = await Promise.all([
      c.core.applyTags({ vmSelectors: sel, action: 'ADD', tags: ['alpha'], maxParallel: 10 }),
      other.applyTags({ vmSelectors: sel, action: 'ADD', tags: ['beta'], maxParallel: 10 }),
    ]);
    expect(a.status).toBe('succeeded');
    expect(b.status).toBe('succeeded');
    for (let id = 8200; id <= 8209; id++) expect(c.sim.state.vm(id)!.tags).toEqual(expect.arrayContaining(['alpha', 'beta']));
  });
});
