// The core's guards, for every front end: read-only, safe mode, PVE protection, always-on — on the sim's true state.
import { afterEach, describe, expect, it } from 'vitest';
import { ReadOnlyError } from '../../src/ops/errors.js';
import type { AuditEntry, CoreRecorder } from '../../src/ops/recorder.js';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';

let c: TestCluster | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

const ids = (value: string) => [{ type: 'VM_IDS' as const, value }];
const recorderInto = (audits: AuditEntry[]): CoreRecorder => ({ operationStarted() {}, targetUpdated() {}, phaseChanged() {}, operationFinished() {}, audit: (e) => void audits.push(e) });

describe('read-only', () => {
  it('refuses every mutation with ReadOnlyError, audits each refusal, changes nothing; dry runs still plan', async () => {
    const audits: AuditEntry[] = [];
    c = await startCluster({ vms: 20 }, { context: { readOnly: true }, recorder: recorderInto(audits), frontEnd: 'mcp' });
    const before = JSON.stringify(c.sim.state.vms());
    const all = [{ type: 'ALL' as const }];
    const attempts = [
      c.core.createSnapshots({ vmSelectors: all, snapshotName: 'ro' }),
      c.core.deleteSnapshots({ vmSelectors: all, expiredOnly: true }),
      c.core.rollbackSnapshot({ vmSelectors: all, snapshotName: 'pre-upgrade' }),
      c.core.power({ vmSelectors: all, operation: 'STOP' }),
      c.core.applyTags({ vmSelectors: all, action: 'ADD', tags: ['x'] }),
    ];
    for (const attempt of attempts) await expect(attempt).rejects.toBeInstanceOf(ReadOnlyError);
    await expect(c.core.power({ vmSelectors: all, operation: 'START' })).rejects.toThrow(/context 'test' is read-only: power START was refused/);
    const dry = await c.core.createSnapshots({ vmSelectors: all, snapshotName: 'ro', dryRun: true });
    expect(dry.status).toBe('planned');
    expect(JSON.stringify(c.sim.state.vms())).toBe(before);
    const refused = audits.filter((a) => !a.allowed);
    expect(refused.map((a) => a.action)).toEqual(['snapshot.create', 'snapshot.delete', 'snapshot.rollback', 'power STOP', 'tags ADD', 'power START']);
    expect(refused.every((a) => a.frontEnd === 'mcp' && a.context === 'test' && /read-only/.test(a.reason ?? ''))).toBe(true);
    expect(audits.find((a) => a.allowed)).toMatchObject({ action: 'snapshot.create', dryRun: true, operationId: dry.id });
  });
});

describe('safe mode', () => {
  it('a STOP touches only VMs tagged moxxie unless forced', async () => {
    c = await startCluster({ vms: 40 }, { context: { safeMode: true } });
    const untagged = c.sim.state.vms().find((v) => v.status === 'running' && !v.template && v.type === 'qemu' && !v.tags.includes('moxxie') && !v.tags.includes('always-on') && !v.protection)!;
    const op = await c.core.power({ vmSelectors: ids(`${untagged.vmid},8200`), operation: 'STOP' });
    expect(op.targets.find((t) => t.vmid === untagged.vmid)).toMatchObject({ state: 'skipped', message: expect.stringMatching(/safe mode: not tagged 'moxxie'/) });
    expect(c.sim.state.vm(untagged.vmid)!.status).toBe('running');
    expect(c.sim.state.vm(8200)!.status).toBe('stopped');
    const forced = await c.core.power({ vmSelectors: ids(`${untagged.vmid}`), operation: 'STOP', force: true });
    expect(forced.targets[0].state).toBe('succeeded');
    expect(c.sim.state.vm(untagged.vmid)!.status).toBe('stopped');
  });

  it('snapshot delete, rollback and tag removal skip untagged VMs; create and SHUTDOWN are not destructive', async () => {
    c = await startCluster({ vms: 60 }, { context: { safeMode: true } });
    // 107 carries a hand-made snapshot and no moxxie tag; 121 has both.
    expect(c.sim.state.vm(107)!.tags).not.toContain('moxxie');
    expect(c.sim.state.vm(121)!.tags).toContain('moxxie');
    const del = await c.core.deleteSnapshots({ vmSelectors: ids('107,121'), snapshotName: 'pre-upgrade', moxxieOnly: false });
    expect(del.targets.map((t) => [t.vmid, t.state])).toEqual([[107, 'skipped'], [121, 'succeeded']]);
    expect(c.sim.state.vm(107)!.snapshots.some((s) => s.name === 'pre-upgrade')).toBe(true);
    expect(c.sim.state.vm(121)!.snapshots.some((s) => s.name === 'pre-upgrade')).toBe(false);

    const rb = await c.core.rollbackSnapshot({ vmSelectors: ids('107'), snapshotName: 'pre-upgrade' });
    expect(rb.targets[0]).toMatchObject({ state: 'skipped', message: expect.stringMatching(/safe mode/) });

    const tags = await c.core.applyTags({ vmSelectors: ids('107,121'), action: 'REMOVE', tags: ['api', 'ci'] });
    expect(tags.targets.map((t) => [t.vmid, t.state])).toEqual([[107, 'skipped'], [121, 'succeeded']]);
    expect(c.sim.state.vm(107)!.tags).toContain('ci');
    expect(c.sim.state.vm(121)!.tags).not.toContain('api');

    const snap = await c.core.createSnapshots({ vmSelectors: ids('107'), snapshotName: 'safe-ok' });
    expect(snap.status).toBe('succeeded');
    const down = await c.core.power({ vmSelectors: ids('107'), operation: 'SHUTDOWN' });
    expect(down.status).toBe('succeeded');
    expect(c.sim.state.vm(107)!.status).toBe('stopped');
  });
});

describe('safe mode does not block what is safe (issue 11)', () => {
  it('deletes expired snapshots moxxie made on VMs not tagged moxxie; a VM with nothing to delete says so, never "use force"', async () => {
    c = await startCluster({ vms: 60 }, { context: { safeMode: true } });
    const untaggedWithExpired = c.sim.state.vms().filter((v) => !v.tags.includes('moxxie') && !v.protection && !v.template && v.snapshots.some((s) => s.description.includes('(TTL: 24h)')));
    expect(untaggedWithExpired.length).toBeGreaterThan(0);
    const nothing = c.sim.state.vms().find((v) => !v.tags.includes('moxxie') && !v.protection && !v.template && v.snapshots.length === 0)!;
    const ids = [...untaggedWithExpired.map((v) => v.vmid), nothing.vmid].join(',');
    const op = await c.core.deleteSnapshots({ vmSelectors: [{ type: 'VM_IDS', value: ids }], expiredOnly: true });
    expect(op.status).toBe('succeeded');
    for (const v of untaggedWithExpired) {
      expect(op.targets.find((t) => t.vmid === v.vmid)?.state).toBe('succeeded');
      expect(c.sim.state.vm(v.vmid)!.snapshots.some((s) => s.description.includes('(TTL: 24h)'))).toBe(false);
    }
    const none = op.targets.find((t) => t.vmid === nothing.vmid)!;
    expect(none).toMatchObject({ state: 'skipped', message: 'no matching snapshots' });
    expect(op.targets.some((t) => /use force/.test(t.message ?? ''))).toBe(false);
  });

  it('keeps snapshots moxxie did not make on untagged VMs, saying safe mode kept them', async () => {
    c = await startCluster({ vms: 60 }, { context: { safeMode: true } });
    await c.core.createSnapshots({ vmSelectors: [{ type: 'VM_IDS', value: '107' }], snapshotName: 'mine-1' });
    const op = await c.core.deleteSnapshots({ vmSelectors: [{ type: 'VM_IDS', value: '107' }], namePattern: '*', moxxieOnly: false });
    expect(op.targets[0]).toMatchObject({ state: 'succeeded', action: expect.stringMatching(/^delete mine-1; 1 matching snapshot\(s\) not made by moxxie kept by safe mode: not tagged 'moxxie'/) });
    const left = c.sim.state.vm(107)!.snapshots.map((s) => s.name);
    expect(left).toContain('pre-upgrade');
    expect(left).not.toContain('mine-1');
  });
});

describe('PVE protection', () => {
  it('blocks a hard stop, a snapshot delete and a rollback unless forced; reads configs only for those targets', async () => {
    c = await startCluster({ vms: 20 });
    await c.client.put('/nodes/pve1/qemu/8200/config', { protection: 1 });
    await c.core.createSnapshots({ vmSelectors: ids('8200'), snapshotName: 'keep', ttlHours: 1 });
    c.sim.stats.reset();
    const stop = await c.core.power({ vmSelectors: ids('8200,8201'), operation: 'STOP' });
    expect(stop.targets.map((t) => t.state)).toEqual(['skipped', 'succeeded']);
    expect(stop.targets[0].message).toMatch(/PVE protection is on/);
    expect(c.sim.state.vm(8200)!.status).toBe('running');
    // One config read per target of the destructive action, none for anything else.
    expect(c.sim.stats.byRoute['GET /nodes/{node}/qemu/{vmid}/config']).toBe(2);

    const del = await c.core.deleteSnapshots({ vmSelectors: ids('8200'), snapshotName: 'keep' });
    expect(del.targets[0]).toMatchObject({ state: 'skipped', message: expect.stringMatching(/protection/) });
    const rb = await c.core.rollbackSnapshot({ vmSelectors: ids('8200'), snapshotName: 'keep' });
    expect(rb.targets[0].state).toBe('skipped');
    expect(c.sim.state.vm(8200)!.snapshots.some((s) => s.name === 'keep')).toBe(true);

    const snapshotOk = await c.core.createSnapshots({ vmSelectors: ids('8200'), snapshotName: 'more' });
    expect(snapshotOk.status).toBe('succeeded');

    const forced = await c.core.deleteSnapshots({ vmSelectors: ids('8200'), snapshotName: 'keep', force: true });
    expect(forced.targets[0].state).toBe('succeeded');
    expect(c.sim.state.vm(8200)!.snapshots.some((s) => s.name === 'keep')).toBe(false);
  });
});

describe('always-on', () => {
  it('never stops, shuts down or suspends always-on VMs in bulk unless forced', async () => {
    c = await startCluster({ vms: 40 });
    const alwaysOn = c.sim.state.vms().filter((v) => v.tags.includes('always-on') && v.status === 'running' && v.type === 'qemu' && !v.protection);
    expect(alwaysOn.length).toBeGreaterThan(1);
    const list = alwaysOn.map((v) => v.vmid).join(',');
    for (const operation of ['SHUTDOWN', 'STOP', 'SUSPEND'] as const) {
      const op = await c.core.power({ vmSelectors: ids(list), operation });
      expect(op.targets.every((t) => t.state === 'skipped' && /always-on/.test(t.message ?? ''))).toBe(true);
    }
    expect(alwaysOn.every((v) => c!.sim.state.vm(v.vmid)!.status === 'running')).toBe(true);
    // Reboot brings it back: allowed.
    const reboot = await c.core.power({ vmSelectors: ids(String(alwaysOn[0].vmid)), operation: 'REBOOT' });
    expect(reboot.status).toBe('succeeded');
    const forced = await c.core.power({ vmSelectors: ids(list), operation: 'SHUTDOWN', force: true });
    expect(forced.status).toBe('succeeded');
    expect(alwaysOn.every((v) => c!.sim.state.vm(v.vmid)!.status === 'stopped')).toBe(true);
  });

  it('does not roll back a running always-on VM (PVE would stop it) unless forced', async () => {
    c = await startCluster({ vms: 40 });
    const vm = c.sim.state.vms().find((v) => v.tags.includes('always-on') && v.status === 'running' && !v.protection && v.snapshots.length > 0)!;
    const snap = vm.snapshots[0].name;
    const op = await c.core.rollbackSnapshot({ vmSelectors: ids(String(vm.vmid)), snapshotName: snap });
    expect(op.targets[0]).toMatchObject({ state: 'skipped', message: expect.stringMatching(/always-on.*rollback would stop it/) });
    expect(c.sim.state.vm(vm.vmid)!.status).toBe('running');
    const forced = await c.core.rollbackSnapshot({ vmSelectors: ids(String(vm.vmid)), snapshotName: snap, force: true, start: true });
    expect(forced.targets[0].state).toBe('succeeded');
    expect(c.sim.state.vm(vm.vmid)!.status).toBe('running');
  });
});
