// Refusals and errors over real HTTP: bad bodies, unknown fields, 404/409/403/502, read-only, safe mode,
// PVE protection, always-on, the bearer token and the Host check. Each asserts the simulator is unchanged.
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorAnswer } from '../../rest/errors.js';
import { postQemuSnapshot } from '../../src/pve/endpoints/qemu.js';
import { PveError } from '../../src/pve/errors.js';
import { until } from '../fixtures/wait.js';
import { startRest, type RestHarness } from './harness.js';

let h: RestHarness;
const simVm = (id: number) => h.cluster.sim.state.vm(id)!;
const state = () => JSON.stringify(h.cluster.sim.state.vms());

beforeAll(async () => {
  h = await startRest();
});
afterAll(async () => h?.close());

describe('bad requests answer 400 naming the field, and change nothing', () => {
  it('an unknown body field is refused with the nearest valid name', async () => {
    const before = state();
    const r = await h.api('POST', '/api/v1/snapshots/bulk', { vmSelectors: [{ type: 'VM_IDS', value: '8200' }], snapshotname: 'x-{vm}' });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: 'bad-request', field: 'snapshotname' });
    expect(r.body.message).toContain("did you mean 'snapshotName'");
    expect(r.body.stack).toBeUndefined();
    expect(state()).toBe(before);
  });

  it('a bad enum value lists the valid ones; a nested unknown field names its path', async () => {
    const op = await h.api('POST', '/api/v1/vms/power/bulk', { vmSelectors: [{ type: 'VM_IDS', value: '8200' }], operation: 'HALT' });
    expect(op.status).toBe(400);
    expect(op.body.field).toBe('operation');
    expect(op.body.message).toContain('START, STOP, SHUTDOWN, REBOOT, SUSPEND, RESUME');
    const nested = await h.api('POST', '/api/v1/vms/power/bulk', { vmSelectors: [{ type: 'VM_IDS', values: '8200' }], operation: 'STOP' });
    expect(nested.status).toBe(400);
    expect(nested.body.field).toBe('vmSelectors[0].values');
  });

  it('an out-of-range number, a missing body, a body that is not JSON, a bad path id', async () => {
    const range = await h.api('POST', '/api/v1/vms/8200/snapshots', { name: 'ok-name', ttlHours: 9000 });
    expect(range.body.field).toBe('ttlHours');
    expect(range.status).toBe(400);
    const missing = await h.api('POST', '/api/v1/vms/8200/snapshots');
    expect(missing.status).toBe(400);
    expect(missing.body.field).toBe('body');
    const badName = await h.api('POST', '/api/v1/vms/8200/snapshots', { name: '1-starts-with-a-digit' });
    expect(badName.body.field).toBe('name');
    const notJson = await h.api('POST', '/api/v1/snapshots/bulk', '{"vmSelectors": [', { 'content-type': 'application/json' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error).toBe('bad-request');
    const badId = await h.api('GET', '/api/v1/vms/abc');
    expect(badId.status).toBe(400);
    expect(badId.body.field).toBe('path.id');
  });

  it('unknown query parameters are refused too (a typo would silently list everything)', async () => {
    const r = await h.api('GET', '/api/v1/vms?tag=env-prod');
    expect(r.status).toBe(400);
    expect(r.body.field).toBe('query.tag');
    expect(r.body.message).toContain("did you mean 'tags'");
    const wait = await h.api('POST', '/api/v1/vms/8200/start?wait=yes');
    expect(wait.status).toBe(400);
    expect(wait.body.field).toBe('query.wait');
    const none = await h.api('GET', '/api/v1/tags?limit=5');
    expect(none.status).toBe(400);
    expect(none.body.field).toBe('query.limit');
    const dry = await h.api('POST', '/api/v1/scheduler/jobs/nope/trigger?dryrun=true');
    expect(dry.status).toBe(400);
    expect(dry.body.field).toBe('query.dryrun');
    const both = await h.api('POST', '/api/v1/tags/bulk', { action: 'ADD', tags: ['x'] });
    expect(both.status).toBe(400);
    expect(both.body.message).toContain('namePattern');
  });
});

describe('404 and 409', () => {
  it('unknown VM, a container, an unknown snapshot, job, operation or endpoint', async () => {
    expect((await h.api('GET', '/api/v1/vms/99999')).status).toBe(404);
    expect((await h.api('GET', '/api/v1/vms/300')).status).toBe(404);
    expect((await h.api('POST', '/api/v1/vms/99999/stop')).status).toBe(404);
    const snap = await h.api('DELETE', '/api/v1/vms/8200/snapshots/never-made');
    expect(snap.status).toBe(404);
    expect(snap.body.message).toContain("no snapshot 'never-made'");
    expect((await h.api('GET', '/api/v1/scheduler/jobs/nope')).status).toBe(404);
    expect((await h.api('POST', '/api/v1/scheduler/jobs/nope/trigger')).status).toBe(404);
    expect((await h.api('GET', '/api/v1/operations/op-nope')).status).toBe(404);
    const route = await h.api('GET', '/api/v1/clusters');
    expect(route.status).toBe(404);
    expect(route.body).toMatchObject({ error: 'not-found', message: expect.stringContaining('/api/v1/openapi.json lists them') });
  });

  it('a snapshot name that exists is a 409; PVE keeps its one snapshot', async () => {
    expect((await h.api('POST', '/api/v1/vms/8203/snapshots?wait=true', { name: 'twice' })).status).toBe(200);
    const again = await h.api('POST', '/api/v1/vms/8203/snapshots?wait=true', { name: 'twice', description: 'other' });
    expect(again.status).toBe(409);
    expect(simVm(8203).snapshots.filter((s) => s.name === 'twice')).toHaveLength(1);
  });

  it('a locked VM is a 409 and is not touched', async () => {
    h.cluster.sim.faults.set({ taskDurationMs: 1500 });
    try {
      await postQemuSnapshot(h.cluster.client, simVm(8204).node, 8204, { snapname: 'held' });
      await until('8204 to be locked', () => simVm(8204).lock === 'snapshot');
      const r = await h.api('POST', '/api/v1/vms/8204/stop');
      expect(r.status).toBe(409);
      expect(r.body.message).toContain('locked (snapshot)');
      expect(simVm(8204).status).toBe('running');
    } finally {
      h.cluster.sim.faults.set({ taskDurationMs: 30 });
    }
    await until('8204 to be unlocked', () => simVm(8204).lock === undefined);
  });

  it('a PVE task that fails answers 502 with the operation (?wait=true)', async () => {
    h.cluster.sim.faults.set({ taskFailureRate: 1 });
    try {
      const r = await h.api('POST', '/api/v1/vms/8205/stop?wait=true');
      expect(r.status).toBe(502);
      expect(r.body.error).toBe('pve-failed');
      expect(r.body.operation.targets[0].state).toBe('failed');
      expect(simVm(8205).status).toBe('running');
    } finally {
      h.cluster.sim.faults.set({ taskFailureRate: 0 });
    }
  });

  it('PVE errors map to 502, its timeout to 504, a locked VM to 409', () => {
    expect(errorAnswer(new PveError('timeout', 'no answer in 30 s')).status).toBe(504);
    expect(errorAnswer(new PveError('server', 'HTTP 500')).status).toBe(502);
    expect(errorAnswer(new PveError('locked', 'VM is locked')).status).toBe(409);
    const internal = errorAnswer(new Error('boom at /secret/path'));
    expect(internal.status).toBe(500);
    expect(JSON.stringify(internal.body)).not.toContain('boom');
  });
});

describe('the core\'s safety rules apply; a REST verb needs no confirmation', () => {
  it('PVE protection refuses deleting a snapshot with 403 and the snapshot stays', async () => {
    const prot = h.cluster.sim.state.vms().find((v) => v.protection && !v.template)!;
    expect((await h.api('POST', `/api/v1/vms/${prot.vmid}/snapshots?wait=true`, { name: 'kept' })).status).toBe(200);
    const r = await h.api('DELETE', `/api/v1/vms/${prot.vmid}/snapshots/kept`);
    expect(r.status).toBe(403);
    expect(r.body.error).toBe('refused');
    expect(r.body.message).toContain('protection');
    expect(simVm(prot.vmid).snapshots.map((s) => s.name)).toContain('kept');
  });

  it('always-on refuses a shutdown with 403', async () => {
    const on = h.cluster.sim.state.vms().find((v) => v.type === 'qemu' && v.tags.includes('always-on') && v.status === 'running' && !v.protection)!;
    const r = await h.api('POST', `/api/v1/vms/${on.vmid}/shutdown`);
    expect(r.status).toBe(403);
    expect(simVm(on.vmid).status).toBe('running');
  });

  it('safe mode refuses a STOP of a VM not tagged moxxie (403); a moxxie-tagged one stops without confirmation', async () => {
    const safe = await startRest({ safeMode: true });
    try {
      const plain = safe.cluster.sim.state.vms().find((v) => v.type === 'qemu' && !v.template && !v.protection && v.status === 'running' && !v.tags.includes('moxxie') && !v.tags.includes('always-on'))!;
      const r = await safe.api('POST', `/api/v1/vms/${plain.vmid}/stop`);
      expect(r.status).toBe(403);
      expect(r.body.message).toContain('safe mode');
      expect(safe.cluster.sim.state.vm(plain.vmid)!.status).toBe('running');
      const ok = await safe.api('POST', '/api/v1/vms/8201/stop?wait=true');
      expect(ok.status).toBe(200);
      expect(safe.cluster.sim.state.vm(8201)!.status).toBe('stopped');
    } finally {
      await safe.close();
    }
  });
});

describe('shared inventory reads', () => {
  it('concurrent list requests share one /cluster/resources read; a caller reads its own change at once', async () => {
    const reads = () => h.cluster.sim.stats.byRoute['GET /cluster/resources'] ?? 0;
    // A slow PVE: the first read is still in flight while the other requests arrive.
    h.cluster.sim.faults.set({ latencyMs: 300 });
    try {
      const before = reads();
      const answers = await Promise.all(Array.from({ length: 20 }, () => h.api('GET', '/api/v1/vms?namePattern=workshop-*')));
      expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
      expect(reads() - before).toBeLessThanOrEqual(2);
    } finally {
      h.cluster.sim.faults.set({ latencyMs: 0 });
    }

    expect((await h.api('GET', '/api/v1/vms/8206')).body.status).toBe('running');
    const stop = await h.api('POST', '/api/v1/vms/8206/stop?wait=true');
    expect(stop.status).toBe(200);
    expect((await h.api('GET', '/api/v1/vms/8206')).body.status).toBe('stopped');
    expect((await h.api('GET', '/api/v1/vms?vmIds=8206')).body[0].status).toBe('stopped');
    expect(simVm(8206).status).toBe('stopped');
  });
});

describe('read-only', () => {
  it('refuses every change with 403 and the reason; dry runs still answer the plan', async () => {
    const ro = await startRest({ readOnly: true });
    try {
      const before = JSON.stringify(ro.cluster.sim.state.vms());
      const snap = await ro.api('POST', '/api/v1/vms/8200/snapshots', { name: 'refused' });
      expect(snap.status).toBe(403);
      expect(snap.body.error).toBe('read-only');
      expect(snap.body.message).toContain('read-only');
      expect((await ro.api('POST', '/api/v1/vms/power/bulk', { vmSelectors: 'id:8200', operation: 'STOP' })).status).toBe(403);
      expect((await ro.api('DELETE', '/api/v1/vms/8200/snapshots/never-made')).status).toBe(404);
      expect((await ro.api('POST', '/api/v1/tags/bulk?vmIds=8200', { action: 'ADD', tags: ['x'] })).status).toBe(403);
      const job = await ro.api('POST', '/api/v1/scheduler/jobs', { name: 'j', taskType: 'snapshot_create', cronExpression: '0 0 2 * * ?', parameters: { snapshotNamePattern: 'a-{vm}' }, vmSelectors: [{ type: 'ALL' }] });
      expect(job.status).toBe(403);
      const plan = await ro.api('POST', '/api/v1/vms/8200/stop?dryRun=true');
      expect(plan.status).toBe(200);
      expect(plan.body.status).toBe('planned');
      expect(JSON.stringify(ro.cluster.sim.state.vms())).toBe(before);
      expect(await ro.jobs.list()).toEqual([]);
    } finally {
      await ro.close();
    }
  });
});

describe('token, Host check, access log, OpenAPI', () => {
  const TOKEN = 'b3f1c9a2d4e5f60718293a4b5c6d7e8f';

  it('a token server refuses requests without the bearer token (401) but answers /health', async () => {
    const t = await startRest({ token: TOKEN });
    try {
      const none = await fetch(`${t.url}/api/v1/vms`);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer');
      const wrong = await fetch(`${t.url}/api/v1/vms`, { headers: { authorization: 'Bearer nope' } });
      expect(wrong.status).toBe(401);
      const stop = await fetch(`${t.url}/api/v1/vms/8201/stop`, { method: 'POST' });
      expect(stop.status).toBe(401);
      expect(t.cluster.sim.state.vm(8201)!.status).toBe('running');
      expect((await t.api('GET', '/api/v1/vms/8200')).status).toBe(200);
      expect((await fetch(`${t.url}/health`)).status).toBe(200);
      expect(JSON.stringify(t.log)).not.toContain(TOKEN);
    } finally {
      await t.close();
    }
  });

  it('a Host header that is not this server is refused (DNS rebinding); --allowed-host adds one', async () => {
    const get = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest(`${h.url}/api/v1/tags`, { headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    expect(await get('evil.example:8080')).toBe(403);
    expect(await get('localhost:8080')).toBe(200);
    expect(await get('127.0.0.1')).toBe(200);
    const named = await startRest({ allowedHosts: ['moxxie.lan'] });
    try {
      const status = await new Promise<number>((resolve) => httpRequest(`${named.url}/health`, { headers: { host: 'moxxie.lan:8080' } }, (res) => resolve(res.statusCode ?? 0)).end());
      expect(status).toBe(200);
    } finally {
      await named.close();
    }
  });

  it('every request is in the access log, with its operation id', async () => {
    const r = await h.api('POST', '/api/v1/vms/8206/snapshots?dryRun=true', { name: 'logged' });
    const line = h.log.find((e) => e.event === 'request' && e.url === '/api/v1/vms/8206/snapshots?dryRun=true');
    expect(line).toMatchObject({ method: 'POST', status: 200, operationId: r.body.id });
  });

  it('the OpenAPI 3.1 document is generated from the routes\' zod schemas', async () => {
    const doc = (await h.api('GET', '/api/v1/openapi.json')).body;
    expect(doc.openapi).toBe('3.1.0');
    for (const path of ['/api/v1/vms', '/api/v1/vms/{id}', '/api/v1/vms/{id}/stop', '/api/v1/vms/{id}/snapshots/{name}/rollback', '/api/v1/snapshots/bulk', '/api/v1/vms/power/bulk', '/api/v1/tags/bulk', '/api/v1/scheduler/jobs/{id}/trigger', '/api/v1/operations/{id}/cancel']) {
      expect(doc.paths[path], path).toBeDefined();
    }
    const bulk = doc.paths['/api/v1/snapshots/bulk'].post.requestBody.content['application/json'].schema;
    expect(bulk.additionalProperties).toBe(false);
    expect(Object.keys(bulk.properties)).toEqual(expect.arrayContaining(['vmSelectors', 'snapshotName', 'ttlHours', 'dryRun', 'maxParallel']));
    const power = doc.paths['/api/v1/vms/power/bulk'].post.requestBody.content['application/json'].schema;
    expect(power.properties.operation.enum).toEqual(['START', 'STOP', 'SHUTDOWN', 'REBOOT', 'SUSPEND', 'RESUME']);
  });
});
