// Provisioning runs against the simulator's true state: the seed's two examples (with a real SSH key in
// place of the seed's "AAAAC3..." placeholder, which PVE refuses and so does the plan), read back from the
// simulator: names, hosts, ids, ipconfigN, NICs, tags, running or not; HARD that cannot be met creates nothing.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseClusterSpec } from '../../../src/ops/provisioning/cluster-spec.js';
import { planClusterOn } from '../../../src/ops/provisioning/plan-on-cluster.js';
import { startCluster, type TestCluster } from '../../fixtures/cluster.js';

import { seedSpec, specPath as here } from './seed-specs.js';

let c: TestCluster;
beforeAll(async () => {
  c = await startCluster({ nodes: 4, vms: 40, seed: 7 });
});
afterAll(() => c.close());

const ids = () => new Set(c.sim.state.vms().map((v) => v.vmid));

describe('cluster.provision, the seed\'s examples', () => {
  it('provisions the 2-node test cluster: the plan\'s hosts and ids, dhcp, tags, the password set, running', async () => {
    const spec = seedSpec('seed-test-cluster.json');
    const { plan } = await planClusterOn(c.client, parseClusterSpec(spec));
    const op = await c.core.run('cluster.provision', spec);
    expect(op.status, JSON.stringify(op.targets.map((t) => t.message))).toBe('succeeded');
    const status = await c.core.provisioningStatus(op.id);
    expect(status).toMatchObject({ operationId: op.id, clusterName: 'test-cluster', status: 'COMPLETED', progressPercentage: 100, totalNodes: 2, successfulNodes: 2, failedNodes: 0 });
    expect(status.nodeStates.map((n) => [n.name, n.nodeGroup, n.vmId, n.host, n.status])).toEqual(plan.vms.map((v) => [v.name, 'nodes', v.vmid, v.host, 'READY']));
    for (const v of plan.vms) {
      const vm = c.sim.state.vm(v.vmid)!;
      expect(vm.node).toBe(v.host);
      expect(vm.status).toBe('running');
      expect(vm.config).toMatchObject({ name: v.name, ipconfig0: 'ip=dhcp', ciuser: 'debian', tags: 'debian;test' });
      expect([Number(vm.config.cores), Number(vm.config.memory)]).toEqual([2, 4096]);
      expect(String(vm.config.net0)).toMatch(/^virtio=[0-9A-F:]{17},bridge=vmbr0$/);
      expect(String(vm.config.scsi0)).toMatch(/size=20G/);
      expect(vm.config.cipassword).toBeDefined();
      expect(String(vm.config.description)).toMatch(/\[moxxie-create [0-9a-f]{12}\]/);
    }
    // The password reached PVE but no record: not in the operation, its request or its status.
    expect(JSON.stringify(op)).not.toContain('changeme');
    expect(JSON.stringify(status)).not.toContain('changeme');
    const logs = status.logs.flatMap((l) => l.entries);
    expect(logs.filter((e) => e.phase === 'clone').every((e) => e.upids.some((u) => u.includes(':qmclone:')))).toBe(true);
  });

  it('provisions the Talos 3+3 cluster: HARD control plane on 3 hosts, static IPs, VLAN 100, DNS, not started', async () => {
    const spec = seedSpec('seed-talos-prod-01.json');
    const { plan } = await planClusterOn(c.client, parseClusterSpec(spec));
    const op = await c.core.run('cluster.provision', spec);
    expect(op.status, JSON.stringify(op.targets.map((t) => t.message))).toBe('succeeded');
    const status = await c.core.provisioningStatus(op.id);
    expect(status).toMatchObject({ clusterName: 'talos-prod-01', status: 'COMPLETED', totalNodes: 6, successfulNodes: 6 });
    expect(status.nodeStates.map((n) => [n.name, n.vmId, n.host])).toEqual(plan.vms.map((v) => [v.name, v.vmid, v.host]));
    const cp = plan.vms.filter((v) => v.group === 'control-plane');
    expect(new Set(cp.map((v) => c.sim.state.vm(v.vmid)!.node)).size).toBe(3);
    for (const v of plan.vms) {
      const vm = c.sim.state.vm(v.vmid)!;
      const n = Number(v.name.slice(-2)) - 1;
      const ip = v.group === 'control-plane' ? 10 + n : 20 + n;
      expect(vm.node).toBe(v.host);
      expect(vm.status).toBe('stopped');
      expect(vm.config).toMatchObject({ name: v.name, ipconfig0: `ip=10.0.100.${ip}/24,gw=10.0.100.1`, ciuser: 'talos', nameserver: '1.1.1.1 8.8.8.8', searchdomain: 'cluster.local' });
      expect(vm.config.tags).toBe(v.group === 'control-plane' ? 'control-plane;k8s;talos' : 'k8s;talos;worker');
      expect(String(vm.config.net0)).toMatch(/^virtio=[0-9A-F:]{17},bridge=vmbr0,tag=100$/);
      expect(String(vm.config.scsi0)).toMatch(new RegExp(`size=${v.group === 'control-plane' ? 50 : 100}G`));
      expect(String(vm.config.scsi0)).toMatch(/iothread=1/);
      expect(String(vm.config.scsi0)).toMatch(/ssd=1/);
      expect([Number(vm.config.cores), Number(vm.config.memory)]).toEqual(v.group === 'control-plane' ? [4, 8192] : [8, 16384]);
    }
    expect((await c.core.listProvisioning()).map((p) => p.operationId).slice(0, 2)).toEqual([op.id, expect.any(String)]);
  });

  it('refuses HARD anti-affinity that cannot be met, and the seed\'s placeholder key, before anything is created', async () => {
    const before = ids();
    const tasks = c.sim.state.tasks().length;
    const spec = seedSpec('seed-talos-prod-01.json');
    spec.name = 'too-big';
    spec.nodeGroups[0].count = 5;
    await expect(c.core.run('cluster.provision', spec)).rejects.toThrow(/HARD anti-affinity for group 'control-plane' needs 5 hosts.*Nothing was created/);
    const raw = JSON.parse(readFileSync(here('seed-test-cluster.json'), 'utf8'));
    await expect(c.core.run('cluster.provision', raw)).rejects.toThrow(/^nodeGroups\[0\]\.template\.cloudInit\.sshKeys: line 1 is not an OpenSSH public key/);
    expect(ids()).toEqual(before);
    expect(c.sim.state.tasks().length).toBe(tasks);
  });

  it('runs groups in waves when dependsOn says so, at most maxParallelOperations VMs at once and one clone of the template at a time', async () => {
    const spec = seedSpec('seed-talos-prod-01.json');
    spec.name = 'waves';
    spec.nodeGroups[1].dependsOn = ['control-plane'];
    let running = 0;
    let clones = 0;
    const op = await c.core.run('cluster.provision', spec, {
      onEvent: (e) => {
        if (e.type === 'operation-started') return;
        const live = c.core.operations.get(e.type === 'operation-finished' ? e.operation.id : e.operationId);
        running = Math.max(running, live?.targets.filter((t) => t.state === 'running').length ?? 0);
        clones = Math.max(clones, c.sim.state.tasks().filter((t) => t.type === 'qmclone' && t.id === '9002' && t.status === 'running').length);
      },
    });
    expect(op.status).toBe('succeeded');
    expect(running).toBeGreaterThan(1);
    expect(running).toBeLessThanOrEqual(3);
    expect(clones).toBe(1);
    const cp = op.targets.filter((t) => t.spec?.group === 'control-plane');
    const workers = op.targets.filter((t) => t.spec?.group === 'worker');
    const cpDone = Math.max(...cp.map((t) => t.finishedAt!));
    for (const w of workers) expect(w.startedAt!).toBeGreaterThanOrEqual(cpDone);
  });

  it('a failed wave leaves the later ones not started; FULL removes the earlier wave\'s VMs', async () => {
    const spec = seedSpec('seed-talos-prod-01.json');
    spec.name = 'wavefail';
    spec.nodeGroups[1].dependsOn = ['control-plane'];
    const before = c.sim.state.tasks().filter((t) => t.type === 'qmclone').length;
    const op = await c.core.run('cluster.provision', spec, {
      onEvent: (e) => {
        if (e.type !== 'phase-changed' || e.targetId !== 'wavefail-control-plane-02' || e.phase.name !== 'resize') return;
        if (e.phase.state === 'running' && !e.phase.upids.length) c.sim.faults.set({ taskFailureRate: 1 });
        if (e.phase.state === 'failed') c.sim.faults.set({ taskFailureRate: 0 });
      },
    });
    c.sim.faults.set({ taskFailureRate: 0 });
    const s = await c.core.provisioningStatus(op.id);
    expect(s.status).toBe('ROLLED_BACK');
    expect(s.nodeStates.map((n) => [n.nodeGroup, n.status])).toEqual([
      ['control-plane', 'ROLLED_BACK'], ['control-plane', 'ROLLED_BACK'], ['control-plane', 'ROLLED_BACK'],
      ['worker', 'PENDING'], ['worker', 'PENDING'], ['worker', 'PENDING'],
    ]);
    // Only the control plane was ever cloned, and nothing of it is left.
    expect(c.sim.state.tasks().filter((t) => t.type === 'qmclone').length - before).toBe(3);
    expect(c.sim.state.vms().filter((v) => String(v.config.name ?? '').startsWith('wavefail-'))).toEqual([]);
  });
});
