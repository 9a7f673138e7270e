// Draining a node with mixed guests (running, stopped, always-on, templates), anti-affinity honoured, an
// undrain from the history, and a target node that goes offline mid-drain; all read back from the simulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHistory, type HistoryStore } from '../../src/history/store.js';
import { needsConfirmation } from '../../src/ops/capabilities/index.js';
import { putQemuConfig } from '../../src/pve/endpoints/qemu.js';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';
import { tempDir } from '../fixtures/temp-dirs.js';
import { until } from '../fixtures/wait.js';

let c: TestCluster;
let history: HistoryStore;
beforeAll(async () => {
  history = await openHistory({ dir: tempDir('drain') });
  c = await startCluster({ vms: 60, taskDurationMs: 10, faults: { migrationMsPerGiB: 0.2 } }, { recorder: history });
});
afterAll(async () => {
  await c.close();
  await history.close();
});

const state = () => c.sim.state.vms();
const on = (node: string) => state().filter((v) => v.node === node);
const tag = async (vmid: number, tags: string[]) => {
  const vm = c.sim.state.vm(vmid)!;
  await putQemuConfig(c.client, vm.node, vmid, { tags: [...vm.tags, ...tags].join(';') });
};

describe('drain and undrain', () => {
  let before: Map<number, { node: string; status: string }>;
  let alwaysOn: number;
  let group: number[];

  it('drains pve1: running live, stopped offline, always-on only live, templates stay, anti-affinity kept, within memory', async () => {
    const guests = on('pve1');
    const running = guests.filter((v) => v.type === 'qemu' && !v.template && v.status === 'running' && !v.tags.includes('always-on'));
    alwaysOn = running[2].vmid;
    await tag(alwaysOn, ['always-on']);
    expect(guests.some((v) => v.template)).toBe(true);
    expect(guests.some((v) => v.type === 'qemu' && !v.template && v.status === 'stopped')).toBe(true);
    // Two guests of pve1 and one of pve2 share an anti-affinity tag: the two may land on pve3 and pve4 only, apart.
    group = [running[0].vmid, running[1].vmid, on('pve2').find((v) => v.type === 'qemu' && !v.template)!.vmid];
    for (const id of group) await tag(id, ['anti-affinity-db']);
    // The always-on guest's live move fails: with the fallback allowed it still is never stopped.
    c.sim.setGuestBehaviour(alwaysOn, { failsOnlineMigration: true });
    before = new Map(state().map((v) => [v.vmid, { node: v.node, status: v.status }]));

    const request = { node: 'pve1', allowOfflineMigration: true, maxParallel: 6 };
    expect(needsConfirmation('node.drain', request, { safeMode: false })).toBe(true);
    const plan = await c.core.run('node.drain', { ...request, dryRun: true });
    expect(JSON.stringify(state().map((v) => [v.vmid, v.node]))).toBe(JSON.stringify([...before].map(([id, b]) => [id, b.node])));
    const templates = plan.targets.filter((t) => t.vmid === 9001 || t.vmid === 9002);
    expect(templates.map((t) => t.state)).toEqual(['skipped', 'skipped']);
    expect(templates[0].message).toMatch(/^template: stays/);
    const planned = plan.targets.filter((t) => t.state === 'planned');
    // A running container moves in restart mode (it cannot move live).
    expect(planned.every((t) => /^migrate to pve[234] \((online|offline|restart mode)/.test(t.action))).toBe(true);
    expect(plan.targets.find((t) => t.vmid === alwaysOn)!.action).toMatch(/no offline fallback: tagged 'always-on': only moved live/);

    const op = await c.core.run('node.drain', request);
    expect(op.status).toBe('partial');
    const alwaysOnTarget = op.targets.find((t) => t.vmid === alwaysOn)!;
    expect(alwaysOnTarget.state).toBe('failed');
    expect(alwaysOnTarget.message).toMatch(/only moved live; it stays where it is/);
    expect(c.sim.state.vm(alwaysOn)).toMatchObject({ node: 'pve1', status: 'running' });
    expect(c.sim.state.tasks().filter((t) => t.id === String(alwaysOn) && t.type === 'qmshutdown')).toHaveLength(0);

    for (const v of on('pve1')) expect(v.template || v.vmid === alwaysOn || v.type === 'lxc').toBe(true);
    for (const t of op.targets.filter((x) => x.state === 'succeeded')) {
      const now = c.sim.state.vm(t.vmid)!;
      expect(now.node).not.toBe('pve1');
      expect(now.status).toBe(before.get(t.vmid)!.status);
    }
    const groupNodes = group.map((id) => c.sim.state.vm(id)!.node);
    expect(new Set(groupNodes).size).toBe(3);
    // No node past 90% of its memory with the running guests' RAM.
    const nodes = (await c.core.inventory()).nodes;
    for (const n of nodes) {
      const committed = state().filter((v) => v.node === n.node && v.status === 'running').reduce((s, v) => s + Number(v.config.memory ?? 0) * 1024 ** 2, 0);
      expect(committed / n.maxmem).toBeLessThan(0.9);
    }
    await history.flush();
    const recorded = await history.listMigrations({ drainedNode: 'pve1' });
    expect(recorded.filter((m) => m.status === 'succeeded').map((m) => m.vmid).sort()).toEqual(op.targets.filter((t) => t.state === 'succeeded').map((t) => t.vmid).sort());
  });

  it('undrains pve1: what the drain moved comes back, in the state it had', async () => {
    c.sim.setGuestBehaviour(alwaysOn, { failsOnlineMigration: false });
    const drained = (await history.listMigrations({ drainedNode: 'pve1', operationKind: 'node.drain' })).filter((m) => m.status === 'succeeded');
    expect(drained.length).toBeGreaterThan(3);
    const op = await c.core.run('node.undrain', { node: 'pve1' });
    expect(op.status).toBe('succeeded');
    expect(op.targets.map((t) => t.vmid).sort()).toEqual(drained.map((m) => m.vmid).sort());
    for (const m of drained) expect(c.sim.state.vm(m.vmid)).toMatchObject({ node: 'pve1', status: before.get(m.vmid)!.status });
    // Nothing the drain did not move came along.
    for (const v of state()) if (!drained.some((m) => m.vmid === v.vmid)) expect(v.node).toBe(before.get(v.vmid)!.node);
    await expect(c.core.run('node.undrain', { node: 'pve3' })).rejects.toThrow(/node: no drain of pve3 in the migration history/);
  });

  it('a target node that goes offline mid-drain: later guests are placed elsewhere, none is lost or left stopped', async () => {
    const beforeRun = new Map(state().map((v) => [v.vmid, { node: v.node, status: v.status }]));
    const plan = await c.core.run('node.drain', { node: 'pve2', dryRun: true });
    // The node the plan sends most guests to goes down after the first move.
    const byTarget = new Map<string, number[]>();
    for (const t of plan.targets.filter((x) => x.state === 'planned')) {
      const to = /^migrate to (\S+)/.exec(t.action)?.[1];
      if (to) byTarget.set(to, [...(byTarget.get(to) ?? []), t.vmid]);
    }
    const [lost, toLost] = [...byTarget].sort((a, b) => b[1].length - a[1].length)[0];
    expect(toLost.length).toBeGreaterThan(1);
    c.sim.faults.set({ migrationMsPerGiB: 2 });
    try {
      const run = c.core.run('node.drain', { node: 'pve2', maxPerNode: 1 });
      // Once the first guest has arrived somewhere, that node goes down.
      await until('a first move done', () => state().some((v) => beforeRun.get(v.vmid)!.node === 'pve2' && v.node !== 'pve2'), 60_000);
      c.sim.faults.set({ offlineNodes: [lost] });
      const op = await run;
      const moved = op.targets.filter((t) => t.state === 'succeeded');
      expect(moved.length).toBeGreaterThan(0);
      const replaced = toLost.filter((id) => op.targets.find((t) => t.vmid === id)!.state === 'succeeded' && c.sim.state.vm(id)!.node !== lost);
      expect(replaced.length).toBeGreaterThan(0);
      for (const t of op.targets.filter((x) => x.kind === 'guest' && x.phases.length)) {
        const now = c.sim.state.vm(t.vmid)!;
        if (t.state === 'succeeded') expect(now.node).not.toBe('pve2');
        // A failed one stayed, or arrived on the lost node just before it went down (its verify could not reach it).
        else expect(now.node === 'pve2' || (now.node === lost && new RegExp(`${lost}|595|unreachable|offline`, 'i').test(t.message ?? ''))).toBe(true);
        // The lost node's guests read as unknown while it is down; everyone else is in the state it had.
        if (now.node !== lost) expect(now.status).toBe(beforeRun.get(t.vmid)!.status);
      }
    } finally {
      c.sim.faults.set({ offlineNodes: [], migrationMsPerGiB: 0.2 });
    }
  });
});
