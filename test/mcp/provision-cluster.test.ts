// Cluster provisioning over MCP: provision_cluster answers with the plan and a confirm token (it creates many
// VMs and its rollback deletes them), then runs with the token; get_cluster_status and list_cluster_operations
// answer in the seed's shape; an infeasible HARD spec is refused with nothing created. Checked on the simulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSpec } from '../ops/provisioning/seed-specs.js';
import { startHarness, textOf, type CallResult, type Harness } from './in-memory-server.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ nodes: 4, vms: 40, seed: 7 });
});
afterAll(() => h.close());

const sc = (r: CallResult) => r.structuredContent as Record<string, any>;
const named = (prefix: string) => h.cluster.sim.state.vms().filter((v) => String(v.config.name ?? '').startsWith(prefix));

describe('MCP provision_cluster', () => {
  it('shows the plan and a confirm token first, then provisions the seed\'s test cluster; status and list in the seed\'s shape', async () => {
    const spec = seedSpec('seed-test-cluster.json');
    const plan = await h.call('provision_cluster', spec);
    expect(plan.isError, textOf(plan)).toBeFalsy();
    expect(sc(plan).needsConfirmation).toBe(true);
    expect(sc(plan).confirmToken).toMatch(/^mxc_/);
    expect(named('test-cluster-')).toEqual([]);

    const done = await h.call('provision_cluster', { ...spec, confirm: sc(plan).confirmToken });
    expect(done.isError, textOf(done)).toBeFalsy();
    expect(sc(done).status).toBe('succeeded');
    const id = sc(done).id as string;
    expect(textOf(done) + JSON.stringify(sc(done))).not.toContain('changeme');

    const status = await h.call('get_cluster_status', { operationId: id });
    expect(status.isError, textOf(status)).toBeFalsy();
    expect(sc(status)).toMatchObject({ operationId: id, clusterName: 'test-cluster', status: 'COMPLETED', totalNodes: 2, successfulNodes: 2 });
    for (const n of sc(status).nodeStates as Array<{ vmId: number; host: string; status: string }>) {
      expect(n.status).toBe('READY');
      expect(h.cluster.sim.state.vm(n.vmId)!.node).toBe(n.host);
    }
    const list = await h.call('list_cluster_operations', {});
    expect((sc(list).operations as Array<{ operationId: string }>)[0].operationId).toBe(id);
    const unknown = await h.call('get_cluster_status', { operationId: 'op-nope' });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toMatch(/no operation 'op-nope'/);
  });

  it('refuses HARD anti-affinity that cannot be met before anything is created', async () => {
    const spec = seedSpec('seed-talos-prod-01.json');
    spec.nodeGroups[0].count = 6;
    const before = h.cluster.sim.state.vms().length;
    const r = await h.call('provision_cluster', spec);
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/HARD anti-affinity for group 'control-plane' needs 6 hosts/);
    expect(h.cluster.sim.state.vms().length).toBe(before);
  });
});
