// The seed's request shapes, run against the simulator and checked on its true state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';

let c: TestCluster;
beforeAll(async () => {
  c = await startCluster({ vms: 80 }, { context: { safeMode: true } });
});
afterAll(() => c.close());

const snapNames = (vmid: number) => c.sim.state.vm(vmid)!.snapshots.map((s) => s.name);

describe('seed examples', () => {
  it('bulk snapshot by VM_IDS: the dry run changes nothing, the real run snapshots each VM with the TTL marker', async () => {
    const before = JSON.stringify(c.sim.state.vms());
    const dry = await c.core.createSnapshots({ vmSelectors: [{ type: 'VM_IDS', value: '8200,8201,8202' }], snapshotName: 'bulk-{vm}-{date}', description: 'Bulk snapshot test', ttlHours: 24, dryRun: true });
    expect(dry.status).toBe('planned');
    expect(dry.targets.map((t) => t.state)).toEqual(['planned', 'planned', 'planned']);
    expect(JSON.stringify(c.sim.state.vms())).toBe(before);

    const op = await c.core.createSnapshots({ vmSelectors: [{ type: 'VM_IDS', value: '8200,8201,8202' }], snapshotName: 'maint-{vm}-{date}', description: 'Pre-maintenance snapshot', ttlHours: 24, dryRun: false });
    expect(op.status).toBe('succeeded');
    for (const vmid of [8200, 8201, 8202]) {
      const name = c.sim.state.vm(vmid)!.name;
      const snap = c.sim.state.vm(vmid)!.snapshots.find((s) => s.name.startsWith(`maint-${name}-`))!;
      expect(snap.name).toMatch(new RegExp(`^maint-${name}-\\d{8}$`));
      expect(snap.description).toBe('Pre-maintenance snapshot (TTL: 24h)');
    }
    expect(op.targets.every((t) => t.upid?.startsWith('UPID:'))).toBe(true);
  });

  it('bulk snapshot by NAME_PATTERN workshop-wk-* with maxParallel 3', async () => {
    const op = await c.core.createSnapshots({ vmSelectors: [{ type: 'NAME_PATTERN', value: 'workshop-wk-*' }], snapshotName: 'workers-backup-{date}', description: 'Worker nodes backup', ttlHours: 48, maxParallel: 3 });
    expect(op.targets).toHaveLength(10);
    expect(op.summary?.counts.succeeded).toBe(10);
    for (let id = 8200; id <= 8209; id++) expect(snapNames(id).some((n) => n.startsWith('workers-backup-'))).toBe(true);
  });

  it('bulk snapshot by TAG_EXPRESSION env-prod AND client-acme touches exactly those VMs', async () => {
    const op = await c.core.createSnapshots({ vmSelectors: [{ type: 'TAG_EXPRESSION', value: 'env-prod AND client-acme' }], snapshotName: 'prod-backup-{date}', description: 'Production backup', ttlHours: 72 });
    const expected = c.sim.state.vms().filter((v) => !v.template && v.type === 'qemu' && v.tags.includes('env-prod') && v.tags.includes('client-acme')).map((v) => v.vmid);
    expect(expected.length).toBeGreaterThan(0);
    expect(op.targets.map((t) => t.vmid)).toEqual(expected);
    const snapped = c.sim.state.vms().filter((v) => v.snapshots.some((s) => s.name.startsWith('prod-backup-'))).map((v) => v.vmid);
    expect(snapped).toEqual(expected);
  });

  it('power SHUTDOWN by pattern leaves every running workshop VM stopped (except always-on)', async () => {
    const op = await c.core.power({ vmSelectors: [{ type: 'NAME_PATTERN', value: 'workshop-wk-*' }], operation: 'SHUTDOWN', timeoutSeconds: 300, maxParallel: 3 });
    for (const t of op.targets) {
      const vm = c.sim.state.vm(t.vmid)!;
      if (vm.tags.includes('always-on')) expect(t.state).toBe('skipped');
      else expect(vm.status).toBe('stopped');
    }
    expect(op.status).toBe('succeeded');
  });

  it('STOP with force on env-dev AND NOT always-on as a dry run plans and changes nothing', async () => {
    const before = JSON.stringify(c.sim.state.vms());
    const op = await c.core.power({ vmSelectors: [{ type: 'TAG_EXPRESSION', value: 'env-dev AND NOT always-on' }], operation: 'STOP', force: true, dryRun: true });
    expect(op.status).toBe('planned');
    const devVms = c.sim.state.vms().filter((v) => v.type === 'qemu' && !v.template && v.tags.includes('env-dev') && !v.tags.includes('always-on'));
    expect(devVms.length).toBeGreaterThan(1);
    expect(op.targets.map((t) => t.vmid)).toEqual(devVms.map((v) => v.vmid));
    // Force overrides safe mode (this context has it on); only VMs already stopped are left out.
    for (const t of op.targets) {
      const running = c.sim.state.vm(t.vmid)!.status === 'running';
      expect(t.state).toBe(running ? 'planned' : 'skipped');
      if (!running) expect(t.message).toBe('already stopped');
    }
    expect(op.targets.some((t) => t.state === 'planned')).toBe(true);
    expect(JSON.stringify(c.sim.state.vms())).toBe(before);
  });

  it('tag ADD by name pattern', async () => {
    const op = await c.core.applyTags({ vmSelectors: [{ type: 'NAME_PATTERN', value: 'workshop-*' }], action: 'ADD', tags: ['workshop', 'env-test', 'demo-day'] });
    expect(op.summary?.counts.succeeded).toBe(10);
    for (let id = 8200; id <= 8209; id++) expect(c.sim.state.vm(id)!.tags).toEqual(expect.arrayContaining(['workshop', 'env-test', 'demo-day']));
  });
});
