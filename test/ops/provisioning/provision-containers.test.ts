// Provisioning with a container group: a node group whose imageSource is an OS template (vztmpl) makes
// containers (pct create) beside the VM group's VMs, checked on the simulator's true state (hostname, net0
// with ip/gw/tag, tags, running), and a FULL rollback after an injected failure removes the containers as it
// removes VMs (vzdestroy, by id and marker).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestError } from '../../../src/ops/errors.js';
import type { OperationEvent } from '../../../src/ops/types.js';
import { startCluster, type TestCluster } from '../../fixtures/cluster.js';
import { KEY, SMALL_VM_TEMPLATE } from './seed-specs.js';

let c: TestCluster;
beforeAll(async () => {
  c = await startCluster({ nodes: 4, vms: 40, seed: 7 });
});
afterAll(() => c.close());

const VZTMPL = 'util-iso:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';

function spec(name: string, extra: { imageSource?: string; rootfsStorage?: string; rollbackStrategy?: string } = {}) {
  return {
    name,
    nodeGroups: [
      {
        name: 'vm',
        count: 1,
        template: SMALL_VM_TEMPLATE,
        tags: ['t'],
      },
      {
        name: 'ct',
        count: 2,
        template: {
          cores: 2,
          memoryMB: 512,
          disks: [{ diskInterface: 'SCSI', slot: 0, storage: extra.rootfsStorage ?? 'local-zfs', sizeGB: 8 }],
          networks: [{ model: 'virtio', bridge: 'vmbr0', vlanTag: 30 }],
          imageSource: extra.imageSource ?? VZTMPL,
          cloudInit: { sshKeys: KEY, password: 'ct-root-secret', ipConfigPatterns: ['ip=10.30.0.{10+index}/24,gw=10.30.0.1'] },
        },
        tags: ['web', 'lxc'],
      },
    ],
    options: { startAfterCreation: true, parallelProvisioning: false, rollbackStrategy: extra.rollbackStrategy ?? 'FULL' },
  };
}

const guestsNamed = (prefix: string) => c.sim.state.vms().filter((v) => String(v.config.name ?? v.config.hostname ?? '').startsWith(`${prefix}-`));

describe('a container group in a cluster spec', () => {
  it('the plan says which guests are containers; the run makes them with hostname, net0, tags, running', async () => {
    const dry = await c.core.run('cluster.provision', { ...spec('mixed'), dryRun: true });
    const types = Object.fromEntries(dry.targets.map((t) => [t.name, t.guestType]));
    expect(types).toEqual({ 'mixed-vm-01': 'qemu', 'mixed-ct-01': 'lxc', 'mixed-ct-02': 'lxc' });
    expect(dry.targets.find((t) => t.name === 'mixed-ct-01')!.action).toMatch(/^container \(pct create\) from util-iso:vztmpl\//);

    const op = await c.core.run('cluster.provision', spec('mixed'));
    expect(op.status, op.targets.map((t) => `${t.name}: ${t.state} ${t.message ?? ''}`).join('; ')).toBe('succeeded');
    const vm = c.sim.state.vm(op.targets.find((t) => t.name === 'mixed-vm-01')!.vmid)!;
    expect(vm).toMatchObject({ type: 'qemu', status: 'running' });
    for (const [i, name] of ['mixed-ct-01', 'mixed-ct-02'].entries()) {
      const t = op.targets.find((x) => x.name === name)!;
      const ct = c.sim.state.vm(t.vmid)!;
      expect(ct).toMatchObject({ type: 'lxc', node: t.node, status: 'running' });
      expect(ct.config.hostname).toBe(name);
      expect(String(ct.config.net0)).toMatch(new RegExp(`(^|,)name=eth0(,|$)`));
      expect(String(ct.config.net0)).toMatch(new RegExp(`(^|,)ip=10\\.30\\.0\\.${10 + i}/24(,|$)`));
      expect(String(ct.config.net0)).toMatch(/(^|,)gw=10\.30\.0\.1(,|$)/);
      expect(String(ct.config.net0)).toMatch(/(^|,)tag=30(,|$)/);
      expect(String(ct.config.net0)).toMatch(/(^|,)bridge=vmbr0(,|$)/);
      expect(String(ct.config.tags).split(/[;,]/).sort()).toEqual(['lxc', 'web']);
      expect(Number(ct.config.cores)).toBe(2);
      expect(Number(ct.config.memory)).toBe(512);
      expect(String(ct.config.rootfs)).toMatch(/^local-zfs:.*size=8G/);
      expect(c.sim.state.tasks().some((x) => x.type === 'vzcreate' && x.id === String(t.vmid) && x.exitstatus === 'OK')).toBe(true);
    }
    // The root password is sent, never recorded.
    expect(JSON.stringify(op)).not.toContain('ct-root-secret');
  });

  it('containers take the id the plan showed, not the next free one, as VMs do', async () => {
    // A lower id falls free once the run has planned: nextid would now offer it, the plan's id is what counts.
    const low = c.sim.state.vms().find((v) => v.type === 'qemu' && !v.template && v.status === 'stopped' && !v.protection && !c.sim.state.ha().resources.some((r) => r.sid === `vm:${v.vmid}`))!;
    let freed: Promise<unknown> | undefined;
    const onEvent = (e: OperationEvent) => {
      if (freed || e.type !== 'phase-changed' || e.targetId !== 'pid-vm-01' || e.phase.state !== 'running') return;
      freed = c.client.delete(`/nodes/${low.node}/qemu/${low.vmid}`).then((upid) => c.client.waitForTask(String(upid)));
    };
    const op = await c.core.run('cluster.provision', spec('pid'), { onEvent });
    await freed;
    expect(op.status, op.targets.map((t) => `${t.name}: ${t.state} ${t.message ?? ''}`).join('; ')).toBe('succeeded');
    const destroyed = c.sim.state.tasks().find((x) => x.type === 'qmdestroy' && x.id === String(low.vmid))!;
    const cts = op.targets.filter((t) => t.guestType === 'lxc');
    expect(cts).toHaveLength(2);
    for (const t of cts) {
      const planned = Number(t.spec?.plannedVmid);
      expect(planned).toBeGreaterThan(low.vmid);
      // The low id was free before this CT's create was sent (else the test proves nothing).
      const create = c.sim.state.tasks().find((x) => x.type === 'vzcreate' && x.id === String(t.vmid))!;
      expect(destroyed.endtime!).toBeLessThanOrEqual(create.starttime);
      expect(t.vmid).toBe(planned);
      expect(c.sim.state.vm(planned)).toMatchObject({ type: 'lxc', config: expect.objectContaining({ hostname: t.name }) });
    }
    expect(c.sim.state.vm(low.vmid)).toBeUndefined(); // nobody took the freed id
  });

  it('FULL rollback after an injected failure removes the containers (vzdestroy) and the VM', async () => {
    const name = 'rb';
    // Fail the second container's start: the VM and the first CT are READY by then, and both must go.
    const onEvent = (e: OperationEvent) => {
      if (e.type !== 'phase-changed' || e.targetId !== 'rb-ct-02' || e.phase.name !== 'start') return;
      if (e.phase.state === 'running' && !e.phase.upids.length) c.sim.faults.set({ taskFailureRate: 1 });
      if (e.phase.state === 'failed' || e.phase.state === 'succeeded') c.sim.faults.set({ taskFailureRate: 0, errorRate: 0 });
    };
    const op = await c.core.run('cluster.provision', spec(name), { onEvent });
    c.sim.faults.set({ taskFailureRate: 0, errorRate: 0 });
    expect(op.status).toBe('rolled-back');
    const made = op.targets.map((t) => t.vmid);
    expect(guestsNamed(name)).toEqual([]);
    for (const vmid of made) expect(c.sim.state.vm(vmid)).toBeUndefined();
    const cts = op.targets.filter((t) => t.guestType === 'lxc');
    expect(cts).toHaveLength(2);
    for (const t of cts) {
      expect(t.state).toBe('rolled-back');
      expect(t.message).toMatch(/removed CT \d+/);
      expect(c.sim.state.tasks().some((x) => x.type === 'vzdestroy' && x.id === String(t.vmid) && x.exitstatus === 'OK')).toBe(true);
    }
    const s = await c.core.provisioningStatus(op.id);
    expect(s.status).toBe('ROLLED_BACK');
  });

  it('MARK_FAILED keeps the containers and tags the failed one moxxie-failed (pct set)', async () => {
    const onEvent = (e: OperationEvent) => {
      if (e.type !== 'phase-changed' || e.targetId !== 'mk-ct-01' || e.phase.name !== 'start') return;
      if (e.phase.state === 'running' && !e.phase.upids.length) c.sim.faults.set({ taskFailureRate: 1 });
      if (e.phase.state === 'failed' || e.phase.state === 'succeeded') c.sim.faults.set({ taskFailureRate: 0, errorRate: 0 });
    };
    const op = await c.core.run('cluster.provision', spec('mk', { rollbackStrategy: 'MARK_FAILED' }), { onEvent });
    c.sim.faults.set({ taskFailureRate: 0, errorRate: 0 });
    expect(op.status).not.toBe('succeeded');
    const failed = op.targets.find((t) => t.name === 'mk-ct-01')!;
    const ok = op.targets.find((t) => t.name === 'mk-ct-02')!;
    expect(c.sim.state.vm(failed.vmid)).toMatchObject({ type: 'lxc', status: 'stopped' });
    expect(String(c.sim.state.vm(failed.vmid)!.config.tags).split(';')).toContain('moxxie-failed');
    expect(c.sim.state.vm(ok.vmid)).toMatchObject({ type: 'lxc', status: 'running' });
    expect(String(c.sim.state.vm(ok.vmid)!.config.tags).split(';')).not.toContain('moxxie-failed');
  });

  it('refuses an OS template on storage without it, and container volumes on storage without rootdir, before anything is made', async () => {
    const before = c.sim.state.vms().length;
    await expect(c.core.run('cluster.provision', spec('bad1', { imageSource: 'util-iso:vztmpl/nope.iso' }))).rejects.toThrow(/nodeGroups\[1\]\.template\.imageSource: .*is not an OS template/);
    await expect(c.core.run('cluster.provision', spec('bad2', { rootfsStorage: 'ceph-vm' }))).rejects.toThrow(RequestError);
    await expect(c.core.run('cluster.provision', spec('bad2', { rootfsStorage: 'ceph-vm' }))).rejects.toThrow(/storage 'ceph-vm' does not hold container volumes/);
    const withUser = spec('bad3');
    (withUser.nodeGroups[1].template.cloudInit as Record<string, unknown>).user = 'debian';
    await expect(c.core.run('cluster.provision', withUser)).rejects.toThrow(/nodeGroups\[1\]\.template\.cloudInit\.user: a container group .* has no cloud-init user/);
    expect(c.sim.state.vms().length).toBe(before);
  });
});
