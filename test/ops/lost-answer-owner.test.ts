// Lost-answer recovery on the simulator's true state: the task adopted after a lost answer is the write's own.
// Another client's task of the same type on the same guest is never taken for it (the UPID names the user or
// token that started it), and a clone's task is looked for where PVE runs it: on the source's node, under the
// source's id.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PveClient } from '../../src/pve/client.js';
import { parseUpid } from '../../src/pve/upid.js';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';
import { controlWallClock, type WallClock } from '../fixtures/clock.js';

let c: TestCluster;
let clock: WallClock | undefined;
beforeAll(async () => {
  c = await startCluster({ vms: 20, taskDurationMs: 30 });
});
afterEach(() => {
  c.sim.faults.set({ lostAnswerRate: 0 });
  clock?.restore();
  clock = undefined;
});
afterAll(() => c.close());

const tasksOf = (vmid: number, type: string) => c.sim.state.tasks().filter((t) => t.id === String(vmid) && t.type === type);

describe('lost-answer recovery', () => {
  it('does not adopt another user\'s task of the same type on the same guest started just before: it follows its own', async () => {
    expect(c.client.taskUser).toBe(c.sim.credentials.tokenId);
    const vm = c.sim.state.vms().find((v) => v.type === 'qemu' && !v.template && v.status === 'running' && !c.sim.state.ha().resources.some((r) => r.sid === `vm:${v.vmid}`))!;
    // Another client (root@pam by password, not moxxie's token) reboots the same VM a moment earlier.
    const other = new PveClient({ url: c.sim.url, auth: { username: c.sim.credentials.username, password: c.sim.credentials.password }, tls: { fingerprint: c.sim.fingerprint }, taskPollIntervalMs: 20 });
    try {
      const theirs = String(await other.post(`/nodes/${vm.node}/qemu/${vm.vmid}/status/reboot`, {}));
      expect((await other.waitForTask(theirs)).exitstatus).toBe('OK');
      expect(other.taskUser).toBe('root@pam');
      clock = controlWallClock();
      clock.jump(2000); // within the recovery's window, and older than moxxie's own task
      c.sim.faults.set({ lostAnswerRate: 1, lostAnswerMode: 'drop', lostAnswerMethods: ['POST'] });
      const op = await c.core.run('power', { vmSelectors: `id:${vm.vmid}`, operation: 'REBOOT' });
      c.sim.faults.set({ lostAnswerRate: 0 });
      expect(op.targets[0].state, op.targets[0].message).toBe('succeeded');
      const reboots = tasksOf(vm.vmid, 'qmreboot');
      const ours = reboots.filter((t) => t.user === 'root@pam' && t.tokenid === 'moxxie');
      expect(ours).toHaveLength(1); // sent once: the write was applied, only its answer was lost
      expect(reboots.map((t) => t.upid)).toContain(theirs);
      // The reboot phase followed moxxie's own task, never the other client's.
      expect(op.targets[0].phases[0].upids).toEqual([ours[0].upid]);
      expect(ours[0].exitstatus).toBe('OK');
    } finally {
      await other.close();
    }
  });

  it('finds a clone\'s task on the source\'s node under the source\'s id, and records it', async () => {
    const template = c.sim.state.vms().find((v) => v.template && v.type === 'qemu')!;
    const before = tasksOf(template.vmid, 'qmclone').length;
    c.sim.faults.set({ lostAnswerRate: 1, lostAnswerMode: '502', lostAnswerMethods: ['POST'] });
    const op = await c.core.run('vm.clone', { sourceVmId: template.vmid, name: 'lost-answer-clone' });
    c.sim.faults.set({ lostAnswerRate: 0 });
    const t = op.targets[0];
    expect(t.state, t.message).toBe('succeeded');
    const clones = tasksOf(template.vmid, 'qmclone').slice(before);
    expect(clones).toHaveLength(1); // one clone: the lost answer's task was found, not sent again
    expect(clones[0]).toMatchObject({ node: template.node, exitstatus: 'OK' });
    expect(parseUpid(clones[0].upid).id).toBe(String(template.vmid));
    // The clone phase followed that task (before: it looked on the new id and found nothing to record).
    expect(t.phases.find((p) => p.name === 'clone')!.upids).toEqual([clones[0].upid]);
    expect(c.sim.state.vms().filter((v) => v.name === 'lost-answer-clone').map((v) => v.vmid)).toEqual([t.vmid]);
  });
});
