// The seed's Cluster Provisioning examples over real HTTP, asserted on the simulator's true state: the
// 2-node test cluster followed through its Location, the Talos 3+3 cluster with ?wait=true, status, list,
// logs and a cancel mid-run (rollback FULL removes what it made). The seed's bodies verbatim except its
// "ssh-ed25519 AAAAC3..." placeholder key, which PVE refuses (so does moxxie: 400 naming the field).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../fixtures/wait.js';
import { seedSpec, specPath } from '../ops/provisioning/seed-specs.js';
import { startRest, type RestHarness } from './harness.js';

let h: RestHarness;
const vmsNamed = (prefix: string) => h.cluster.sim.state.vms().filter((v) => v.name.startsWith(prefix));

beforeAll(async () => {
  h = await startRest({ sim: { nodes: 4, vms: 40, seed: 7 }, recordHistory: true });
});
afterAll(async () => h?.close());

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'ROLLED_BACK', 'CANCELLED']);

async function followed(location: string): Promise<any> {
  const path = location.replace(h.url, '');
  return until(`${path} to end`, async () => {
    const r = await h.api('GET', path);
    return TERMINAL.has(r.body.status) && r.body;
  });
}

describe('Provision a Simple Test Cluster', () => {
  it('answers 202 with the status and a Location; followed, it is COMPLETED and the two VMs run in PVE', async () => {
    const post = await h.api('POST', '/api/v1/clusters/provision', seedSpec('seed-test-cluster.json'));
    expect(post.status, JSON.stringify(post.body)).toBe(202);
    const id = post.body.operationId as string;
    const location = post.headers.get('location')!;
    expect(location).toBe(`${h.url}/api/v1/clusters/operations/${id}`);
    expect(post.body).toMatchObject({ clusterName: 'test-cluster', totalNodes: 2, links: { status: location, cancel: `${location}/cancel`, logs: `${location}/logs`, cluster: null } });
    expect(['PENDING', 'PROVISIONING']).toContain(post.body.status);

    const done = await followed(location);
    expect(done).toMatchObject({ operationId: id, status: 'COMPLETED', progressPercentage: 100, successfulNodes: 2, failedNodes: 0 });
    expect(done.nodeStates.map((n: any) => [n.name, n.nodeGroup, n.status])).toEqual([
      ['test-cluster-nodes-01', 'nodes', 'READY'],
      ['test-cluster-nodes-02', 'nodes', 'READY'],
    ]);
    for (const n of done.nodeStates) {
      const vm = h.cluster.sim.state.vm(n.vmId)!;
      expect(vm.name).toBe(n.name);
      expect(vm.node).toBe(n.host);
      expect(vm.status).toBe('running');
      expect(vm.config).toMatchObject({ ipconfig0: 'ip=dhcp', ciuser: 'debian', tags: 'debian;test' });
      expect(vm.config.cipassword).toBeDefined();
    }

    const logs = await h.api('GET', `/api/v1/clusters/operations/${id}/logs`);
    expect(logs.status).toBe(200);
    expect(logs.body.logs.map((l: any) => l.vmId)).toEqual(done.nodeStates.map((n: any) => n.vmId));
    const clones = logs.body.logs.flatMap((l: any) => l.entries).filter((e: any) => e.phase === 'clone');
    expect(clones.length).toBe(2);
    for (const e of clones) expect(e.upids.some((u: string) => u.includes(':qmclone:'))).toBe(true);
    // PVE's log text of each task, as the node keeps it (the simulator's true log, ending TASK OK).
    expect(logs.body.page).toEqual({ offset: 0, limit: 10, totalVms: 2 });
    for (const e of clones) {
      expect(e.tasks.map((t: any) => t.upid)).toEqual(e.upids);
      for (const t of e.tasks) {
        const truth = h.cluster.sim.state.tasks().find((x) => x.upid === t.upid)!;
        expect(t).toMatchObject({ status: 'stopped', exitstatus: 'OK', truncated: false });
        expect(t.lines).toEqual(truth.log);
        expect(t.lines.at(-1)).toBe('TASK OK');
        expect(t.totalLines).toBe(t.lines.length);
      }
    }
    // Paged by VM; the text cut to each log's last lines, or left out.
    const second = await h.api('GET', `/api/v1/clusters/operations/${id}/logs?offset=1&limit=1&lines=1`);
    expect(second.body.page).toEqual({ offset: 1, limit: 1, totalVms: 2 });
    expect(second.body.logs.map((l: any) => l.vmId)).toEqual([done.nodeStates[1].vmId]);
    const cut = second.body.logs[0].entries.find((e: any) => e.phase === 'clone').tasks[0];
    expect(cut.lines).toEqual(['TASK OK']);
    expect(cut.truncated).toBe(cut.totalLines > 1);
    const bare = await h.api('GET', `/api/v1/clusters/operations/${id}/logs?lines=0`);
    expect(bare.body.logs.flatMap((l: any) => l.entries.flatMap((e: any) => e.tasks))).toEqual([]);
    expect((await h.api('GET', `/api/v1/clusters/operations/${id}/logs?limit=0`)).status).toBe(400);

    // The cloud-init password reached PVE, and no answer, record or log line.
    const op = await h.api('GET', `/api/v1/operations/${id}`);
    for (const text of [post.body, done, logs.body, op.body, h.log].map((x) => JSON.stringify(x))) expect(text).not.toContain('changeme');
  });
});

describe('Provision a Talos Kubernetes Cluster', () => {
  it('?wait=true answers 200 once COMPLETED: 3 control-plane VMs on 3 hosts (HARD), static IPs, VLAN 100, not started', async () => {
    const post = await h.api('POST', '/api/v1/clusters/provision?wait=true', seedSpec('seed-talos-prod-01.json'));
    expect(post.status, JSON.stringify(post.body)).toBe(200);
    expect(post.body).toMatchObject({ clusterName: 'talos-prod-01', status: 'COMPLETED', totalNodes: 6, successfulNodes: 6 });
    const vms = post.body.nodeStates.map((n: any) => ({ ...n, vm: h.cluster.sim.state.vm(n.vmId)! }));
    const cp = vms.filter((n: any) => n.nodeGroup === 'control-plane');
    expect(cp.length).toBe(3);
    expect(new Set(cp.map((n: any) => n.vm.node)).size).toBe(3);
    for (const n of vms) {
      expect(n.vm.name).toBe(n.name);
      expect(n.vm.status).toBe('stopped');
      expect(String(n.vm.config.net0)).toMatch(/bridge=vmbr0,tag=100$/);
      expect(n.vm.config).toMatchObject({ ciuser: 'talos', nameserver: '1.1.1.1 8.8.8.8', searchdomain: 'cluster.local' });
    }
    expect(cp.map((n: any) => n.vm.config.ipconfig0).sort()).toEqual(['ip=10.0.100.10/24,gw=10.0.100.1', 'ip=10.0.100.11/24,gw=10.0.100.1', 'ip=10.0.100.12/24,gw=10.0.100.1']);

    // Check Provisioning Status and List All Provisioning Operations.
    const status = await h.api('GET', `/api/v1/clusters/operations/${post.body.operationId}`);
    expect(status.body).toMatchObject({ operationId: post.body.operationId, status: 'COMPLETED', links: { cluster: null } });
    const list = await h.api('GET', '/api/v1/clusters/operations');
    expect(list.status).toBe(200);
    expect(list.body.map((p: any) => p.clusterName).slice(0, 2)).toEqual(['talos-prod-01', 'test-cluster']);
    expect(list.body[0].links.status).toBe(`${h.url}/api/v1/clusters/operations/${post.body.operationId}`);
  });
});

describe('Cancel a Provisioning Operation', () => {
  it('cancels mid-run over HTTP: CANCELLED, and rollback FULL leaves no VM of it in PVE', async () => {
    const spec = seedSpec('seed-test-cluster.json');
    spec.name = 'cancel-me';
    spec.options.parallelProvisioning = false;
    let cancelled: Promise<any> | undefined;
    let dryRun: any;
    // The cancel is sent the moment the first VM's clone has finished (an event, not a sleep).
    const unsubscribe = h.core.operations.subscribe((e) => {
      if (!cancelled && e.type === 'phase-changed' && e.targetId === 'cancel-me-nodes-01' && e.phase.name === 'clone' && e.phase.state === 'succeeded') {
        const path = `/api/v1/clusters/operations/${e.operationId}/cancel`;
        cancelled = h.api('POST', `${path}?dryRun=true`).then((dry) => {
          dryRun = dry;
          return h.api('POST', path);
        });
      }
    });
    try {
      const post = await h.api('POST', '/api/v1/clusters/provision', spec);
      expect(post.status).toBe(202);
      await until('the cancel to be sent', () => cancelled !== undefined);
      const answer = await cancelled!;
      expect(answer.status, JSON.stringify(answer.body)).toBe(202);
      expect(answer.body.operationId).toBe(post.body.operationId);
      expect(dryRun.status).toBe(200);
      expect(dryRun.body.status).toBe('PROVISIONING');
      const done = await followed(post.headers.get('location')!);
      expect(done.status).toBe('CANCELLED');
      expect(done.nodeStates.map((n: any) => n.status)).toEqual(['ROLLED_BACK', 'PENDING']);
      expect(vmsNamed('cancel-me')).toEqual([]);

      const again = await h.api('POST', `/api/v1/clusters/operations/${post.body.operationId}/cancel`);
      expect(again.status).toBe(409);
      expect(again.body.message).toMatch(/already ended \(CANCELLED\)/);
    } finally {
      unsubscribe();
    }
  });
});

describe('a provisioning whose PVE tasks fail', () => {
  it('?wait=true answers 502 with the status: ROLLED_BACK, rollback FULL left no VM of it', async () => {
    const spec = seedSpec('seed-test-cluster.json');
    spec.name = 'doomed';
    h.cluster.sim.faults.set({ taskFailureRate: 1 });
    let r;
    try {
      r = await h.api('POST', '/api/v1/clusters/provision?wait=true', spec);
    } finally {
      h.cluster.sim.faults.set({ taskFailureRate: 0 });
    }
    expect(r.status, JSON.stringify(r.body)).toBe(502);
    expect(r.body).toMatchObject({ error: 'pve-failed', operation: { clusterName: 'doomed', links: { cluster: null } } });
    expect(['ROLLED_BACK', 'FAILED']).toContain(r.body.operation.status);
    expect(r.body.message).toContain(r.body.operation.status);
    expect(vmsNamed('doomed')).toEqual([]);
  });
});

describe('OpenAPI', () => {
  it('documents the provisioning routes from the capability\'s schema and the status shape', async () => {
    const doc = (await h.api('GET', '/api/v1/openapi.json')).body;
    for (const path of ['/api/v1/clusters/provision', '/api/v1/clusters/operations', '/api/v1/clusters/operations/{id}', '/api/v1/clusters/operations/{id}/logs', '/api/v1/clusters/operations/{id}/cancel']) {
      expect(doc.paths[path], path).toBeDefined();
    }
    const post = doc.paths['/api/v1/clusters/provision'].post;
    const body = post.requestBody.content['application/json'].schema;
    expect(body.additionalProperties).toBe(false);
    expect(Object.keys(body.properties)).toEqual(expect.arrayContaining(['name', 'type', 'nodeGroups', 'networkTopology', 'globalCloudInit', 'options', 'dryRun']));
    const accepted = post.responses['202'].content['application/json'].schema;
    expect(Object.keys(accepted.properties)).toEqual(expect.arrayContaining(['operationId', 'status', 'progressPercentage', 'nodeStates', 'links']));
  });
});

describe('refusals', () => {
  it("the seed's placeholder key is a 400 naming the field; HARD that cannot be met a 400; unknown ids 404; nothing created", async () => {
    const before = h.cluster.sim.state.vms().length;
    const verbatim = JSON.parse(readFileSync(specPath('seed-test-cluster.json'), 'utf8')) as unknown;
    const placeholder = await h.api('POST', '/api/v1/clusters/provision', verbatim);
    expect(placeholder.status).toBe(400);
    expect(placeholder.body.field).toBe('nodeGroups[0].template.cloudInit.sshKeys');

    const tooBig = seedSpec('seed-talos-prod-01.json');
    tooBig.name = 'too-big';
    tooBig.nodeGroups[0].count = 5;
    const hard = await h.api('POST', '/api/v1/clusters/provision', tooBig);
    expect(hard.status).toBe(400);
    expect(hard.body.message).toMatch(/HARD anti-affinity for group 'control-plane' needs 5 hosts/);

    const typo = await h.api('POST', '/api/v1/clusters/provision', { ...seedSpec('seed-test-cluster.json'), nodeGroup: [] });
    expect(typo.status).toBe(400);
    expect(typo.body.message).toMatch(/nodeGroups/);

    const plan = await h.api('POST', '/api/v1/clusters/provision?dryRun=true', seedSpec('seed-talos-prod-01.json'));
    expect(plan.status).toBe(200);
    expect(plan.body).toMatchObject({ dryRun: true, kind: 'cluster.provision' });
    expect(plan.body.targets.length).toBe(6);
    expect(h.cluster.sim.state.vms().length).toBe(before);

    expect((await h.api('GET', '/api/v1/clusters/operations/op-12345678')).status).toBe(404);
    expect((await h.api('POST', '/api/v1/clusters/operations/op-12345678/cancel')).status).toBe(404);
    const tags = await h.api('POST', '/api/v1/tags/bulk?vmIds=100', { action: 'ADD', tags: ['x'] });
    const notProvisioning = await h.api('GET', `/api/v1/clusters/operations/${tags.body.id}`);
    expect(notProvisioning.status).toBe(404);
    expect(notProvisioning.body.message).toMatch(/not a cluster provisioning/);
  });
});
