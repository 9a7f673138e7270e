// Provisioning's rollback strategies with injected failures, cancel mid-run, a VM id taken by someone else
// mid-run and a node going offline mid-run — each checked against the simulator's true state. Failures are
// injected by events: when a chosen VM's phase starts, the simulator fails its tasks; the next event turns it off.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postQemu } from '../../../src/pve/endpoints/qemu.js';
import type { OperationEvent, OperationTarget } from '../../../src/ops/types.js';
import { startCluster, type TestCluster } from '../../fixtures/cluster.js';
import { SMALL_VM_TEMPLATE } from './seed-specs.js';

let c: TestCluster;
beforeAll(async () => {
  c = await startCluster({ nodes: 4, vms: 40, seed: 7 });
});
afterAll(() => c.close());

/** Three VMs from template 9001, one at a time (so which VM fails is certain), started. */
function spec(name: string, rollbackStrategy: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    nodeGroups: [
      {
        name: 'n',
        count: 3,
        template: SMALL_VM_TEMPLATE,
        tags: ['t'],
        ...extra,
      },
    ],
    options: { startAfterCreation: true, parallelProvisioning: false, rollbackStrategy },
  };
}

/**
 * Fails `phase` of the `nth` VM (1-based): while it runs the simulator fails every task (configure's config
 * change may need no task, so there every API call answers 500 instead).
 */
function failAt(name: string, nth: number, phase: string) {
  const target = `${name}-n-${String(nth).padStart(2, '0')}`;
  const fault = phase === 'configure' ? { errorRate: 1 } : { taskFailureRate: 1 };
  return (e: OperationEvent) => {
    if (e.type !== 'phase-changed' || e.targetId !== target || e.phase.name !== phase) return;
    if (e.phase.state === 'running' && !e.phase.upids.length) c.sim.faults.set(fault);
    if (e.phase.state === 'failed' || e.phase.state === 'succeeded') c.sim.faults.set({ taskFailureRate: 0, errorRate: 0 });
  };
}

const vmsNamed = (prefix: string) => c.sim.state.vms().filter((v) => String(v.config.name ?? '').startsWith(`${prefix}-`));

describe('rollback strategies after an injected failure', () => {
  for (const phase of ['clone', 'configure', 'resize', 'start']) {
    it(`FULL after a failure in ${phase}: every VM this operation made is removed, newest first; ROLLED_BACK`, async () => {
      const name = `full-${phase}`;
      const op = await c.core.run('cluster.provision', spec(name, 'FULL'), { onEvent: failAt(name, 3, phase) });
      c.sim.faults.set({ taskFailureRate: 0, errorRate: 0 });
      expect(op.status).toBe('rolled-back');
      expect(vmsNamed(name)).toEqual([]);
      const s = await c.core.provisioningStatus(op.id);
      expect(s.status).toBe('ROLLED_BACK');
      expect(s.nodeStates.map((n) => n.status)).toEqual(['ROLLED_BACK', 'ROLLED_BACK', 'ROLLED_BACK']);
      // The two READY ones were destroyed by awaited tasks recorded as the undo of their clone phase, in reverse.
      const undos = s.logs.slice(0, 2).map((l) => l.entries.find((e) => e.phase === 'clone')!.undo!);
      expect(undos.every((u) => u.state === 'succeeded' && u.upids.some((x) => x.includes(':qmdestroy:')))).toBe(true);
      const undoUpids = new Set(s.logs.flatMap((l) => l.entries.flatMap((e) => e.undo?.upids ?? [])));
      const destroyed = c.sim.state.tasks().filter((t) => t.type === 'qmdestroy' && undoUpids.has(t.upid)); // in start order
      expect(destroyed.map((t) => Number(t.id))).toEqual(phase === 'clone' ? [s.nodeStates[1].vmId, s.nodeStates[0].vmId] : [s.nodeStates[2].vmId, s.nodeStates[1].vmId, s.nodeStates[0].vmId]);
      expect(s.nodeStates[2].message).toMatch(phase === 'configure' ? /500|server|error/i : /simulated task failure/);
    });
  }

  it('PARTIAL keeps the READY VMs and removes the failed one', async () => {
    const op = await c.core.run('cluster.provision', spec('partial', 'PARTIAL'), { onEvent: failAt('partial', 3, 'start') });
    const s = await c.core.provisioningStatus(op.id);
    expect(s.status).toBe('FAILED');
    expect(s.nodeStates.map((n) => n.status)).toEqual(['READY', 'READY', 'ROLLED_BACK']);
    expect(s.currentOperation).toBe('Failed: 1 of 3 nodes failed; 1 rolled back');
    expect(vmsNamed('partial').map((v) => v.vmid).sort()).toEqual([s.nodeStates[0].vmId, s.nodeStates[1].vmId].sort());
    expect(c.sim.state.vm(s.nodeStates[2].vmId)).toBeUndefined();
  });

  it('NONE leaves everything, the failed VM included', async () => {
    const op = await c.core.run('cluster.provision', spec('none', 'NONE'), { onEvent: failAt('none', 2, 'resize') });
    const s = await c.core.provisioningStatus(op.id);
    expect(s.status).toBe('FAILED');
    expect(s.nodeStates.map((n) => n.status)).toEqual(['READY', 'FAILED', 'READY']);
    expect(vmsNamed('none')).toHaveLength(3);
  });

  it('MARK_FAILED keeps them all and tags the failed one moxxie-failed', async () => {
    const op = await c.core.run('cluster.provision', spec('mark', 'MARK_FAILED'), { onEvent: failAt('mark', 2, 'start') });
    const s = await c.core.provisioningStatus(op.id);
    expect(s.status).toBe('FAILED');
    expect(s.nodeStates.map((n) => n.status)).toEqual(['READY', 'FAILED', 'READY']);
    expect(vmsNamed('mark')).toHaveLength(3);
    expect(String(c.sim.state.vm(s.nodeStates[1].vmId)!.config.tags).split(';')).toContain('moxxie-failed');
    expect(String(c.sim.state.vm(s.nodeStates[0].vmId)!.config.tags).split(';')).not.toContain('moxxie-failed');
  });
});

describe('cancel, a taken id, an offline node', () => {
  it('cancel mid-run stops starting VMs, then FULL removes what was made: CANCELLED', async () => {
    let id = '';
    const op = await c.core.run('cluster.provision', spec('cancelled', 'FULL'), {
      onEvent: (e) => {
        if (e.type === 'operation-started') id = e.operation.id;
        if (e.type === 'phase-changed' && e.targetId === 'cancelled-n-02' && e.phase.name === 'clone' && e.phase.state === 'succeeded') c.core.operations.cancel(id);
      },
    });
    const s = await c.core.provisioningStatus(op.id);
    expect(s.status).toBe('CANCELLED');
    expect(s.nodeStates.map((n) => n.status)).toEqual(['ROLLED_BACK', 'ROLLED_BACK', 'PENDING']);
    expect(vmsNamed('cancelled')).toEqual([]);
    expect(op.warnings.join(' ')).toMatch(/rollback FULL: 2 to delete/);
    expect(s.currentOperation).toBe('Cancelled: 0 ready, 0 failed, 2 rolled back, 1 not started');
  });

  it('cancel with PARTIAL keeps the READY VM and removes the one cut short', async () => {
    let id = '';
    const op = await c.core.run('cluster.provision', spec('cancel-partial', 'PARTIAL'), {
      onEvent: (e) => {
        if (e.type === 'operation-started') id = e.operation.id;
        if (e.type === 'phase-changed' && e.targetId === 'cancel-partial-n-02' && e.phase.name === 'clone' && e.phase.state === 'succeeded') c.core.operations.cancel(id);
      },
    });
    const s = await c.core.provisioningStatus(op.id);
    expect(s.status).toBe('CANCELLED');
    expect(s.nodeStates.map((n) => n.status)).toEqual(['READY', 'ROLLED_BACK', 'PENDING']);
    expect(vmsNamed('cancel-partial').map((v) => v.vmid)).toEqual([s.nodeStates[0].vmId]);
  });

  it('a VM id taken by someone else mid-run: the VM gets the next free id, and a rollback never touches the other VM', async () => {
    const plan = await c.core.run('cluster.provision', { ...spec('taken', 'FULL'), dryRun: true });
    const planned = plan.targets.map((t) => t.vmid);
    let foreign: Promise<unknown> | undefined;
    const op = await c.core.run('cluster.provision', spec('taken', 'FULL'), {
      onEvent: (e) => {
        // Once the first VM's clone runs, another client creates a VM under the id the plan gave the second.
        if (!foreign && e.type === 'phase-changed' && e.targetId === 'taken-n-01' && e.phase.name === 'clone' && e.phase.upids.length) {
          foreign = postQemu(c.client, 'pve2', { vmid: planned[1], name: 'someone-else', memory: 512 }).then((upid) => c.client.waitForTask(upid));
        }
      },
    });
    await foreign;
    expect(op.status).toBe('succeeded');
    const s = await c.core.provisioningStatus(op.id);
    expect(s.nodeStates[1].vmId).not.toBe(planned[1]);
    expect(c.sim.state.vm(planned[1])!.config.name).toBe('someone-else');
    const rolled = await c.core.rollback(op.id);
    expect(rolled.status).toBe('rolled-back');
    expect(vmsNamed('taken')).toEqual([]);
    expect(c.sim.state.vm(planned[1])!.config.name).toBe('someone-else');
  });

  it("a planned id taken before its VM is made: that VM gets an id no other VM planned, the others keep theirs, and no two VMs ever show one id", async () => {
    let live: OperationTarget[] = [];
    let planned: number[] = [];
    let foreign: Promise<unknown> | undefined;
    const shown: number[][] = [];
    const op = await c.core.run('cluster.provision', spec('shift', 'FULL'), {
      onEvent: (e) => {
        if (e.type === 'operation-started') {
          live = e.operation.targets;
          planned = live.map((t) => t.vmid);
        }
        // Once the first VM's clone runs, another client (no reservation) creates a VM under the second's planned id.
        if (!foreign && e.type === 'phase-changed' && e.targetId === 'shift-n-01' && e.phase.name === 'clone' && e.phase.upids.length) {
          foreign = postQemu(c.client, 'pve2', { vmid: planned[1], name: 'someone-else', memory: 512 }).then((upid) => c.client.waitForTask(upid));
        }
        // What the status shows at each step: every target's id as the run sees it.
        if (e.type === 'phase-changed' || e.type === 'target-updated') shown.push(live.map((t) => t.vmid));
      },
    });
    await foreign;
    expect(op.status).toBe('succeeded');
    expect(shown.length).toBeGreaterThan(3);
    for (const ids of shown) expect(new Set(ids).size).toBe(3);
    const idOf = (name: string) => vmsNamed('shift').find((v) => v.config.name === name)!.vmid;
    expect(idOf('shift-n-01')).toBe(planned[0]);
    expect(idOf('shift-n-03')).toBe(planned[2]);
    expect(planned).not.toContain(idOf('shift-n-02'));
    expect(c.sim.state.vm(planned[1])!.config.name).toBe('someone-else');
    const s = await c.core.provisioningStatus(op.id);
    expect(s.nodeStates.map((n) => n.vmId)).toEqual([planned[0], idOf('shift-n-02'), planned[2]]);
  });

  it('a node going offline mid-run: the VM there fails, FULL removes the others and leaves it (unreadable); rollback removes it once the node is back', async () => {
    let offline = '';
    const op = await c.core.run('cluster.provision', spec('outage', 'FULL', { count: 2, placement: { antiAffinity: 'HARD', allowedNodes: ['pve2', 'pve3'] } }), {
      onEvent: (e) => {
        if (e.type === 'target-updated' && e.target.id === 'outage-n-02' && e.target.phases.find((p) => p.name === 'migrate')?.state === 'succeeded' && !offline) {
          offline = e.target.node;
          c.sim.faults.set({ offlineNodes: [offline] });
        }
      },
    });
    expect(offline).not.toBe('');
    const s = await c.core.provisioningStatus(op.id);
    expect(s.status).toBe('FAILED');
    expect(s.nodeStates[0].status).toBe('ROLLED_BACK');
    expect(s.nodeStates[1].status).toBe('FAILED');
    expect(s.nodeStates[1].message).toMatch(/cannot be read|595|offline/i);
    const second = s.nodeStates[1].vmId;
    expect(c.sim.state.vm(second)!.node).toBe(offline);
    c.sim.faults.set({ offlineNodes: [] });
    const rolled = await c.core.rollback(op.id);
    expect(rolled.status).toBe('rolled-back');
    expect(c.sim.state.vm(second)).toBeUndefined();
    expect(vmsNamed('outage')).toEqual([]);
  });
});
