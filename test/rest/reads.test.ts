// The read paths that keep a 10,000-VM cluster cheap to serve, over real HTTP: a shared GET /vms answer with
// its ETag (304 for a poller) and gzip, and GET /vms/{id} answered from the VM's own PVE reads, never staler
// than PVE: a change made outside moxxie shows, and a VM that moved is found where it is now.
import { request as httpRequest } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postMigrate } from '../../src/pve/endpoints/migrate.js';
import { postQemuStatus } from '../../src/pve/endpoints/qemu.js';
import { controlWallClock } from '../fixtures/clock.js';
import { until } from '../fixtures/wait.js';
import { startRest, type RestHarness } from './harness.js';

let h: RestHarness;
const resourceReads = () => h.cluster.sim.stats.byRoute['GET /cluster/resources'] ?? 0;

beforeAll(async () => {
  h = await startRest();
});
afterAll(async () => h?.close());

/** A GET with exactly the headers given (fetch would add and undo its own Accept-Encoding). */
function rawGet(path: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${h.url}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('GET /vms: one encoded answer per inventory read', () => {
  it('gzip when asked, the same rows; an ETag that answers 304 until this server changes something', async () => {
    const plain = await rawGet('/api/v1/vms', {});
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    const rows = JSON.parse(plain.body.toString()) as Array<{ vmid: number; tags: string[] }>;
    expect(rows.map((r) => r.vmid)).toContain(8200);

    const zipped = await rawGet('/api/v1/vms', { 'accept-encoding': 'br;q=1, gzip;q=0.8' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toBe('accept-encoding');
    expect(JSON.parse(gunzipSync(zipped.body).toString())).toEqual(rows);
    const refused = await rawGet('/api/v1/vms', { 'accept-encoding': 'gzip;q=0' });
    expect(refused.headers['content-encoding']).toBeUndefined();

    const etag = String(plain.headers.etag);
    expect(etag).toMatch(/^"[\w-]+"$/);
    const unchanged = await rawGet('/api/v1/vms', { 'if-none-match': `W/${etag}` });
    expect(unchanged.status).toBe(304);
    expect(unchanged.body.length).toBe(0);

    const tag = await h.api('POST', '/api/v1/tags/bulk?vmIds=8200', { action: 'ADD', tags: ['etag-test'] });
    expect(tag.status).toBe(200);
    expect(h.cluster.sim.state.vm(8200)!.tags).toContain('etag-test');
    const changed = await rawGet('/api/v1/vms', { 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    expect((JSON.parse(changed.body.toString()) as typeof rows).find((r) => r.vmid === 8200)!.tags).toContain('etag-test');
  });
});

describe('GET /vms/{id}: the VM\'s own reads, not the whole inventory', () => {
  it('a stop made outside moxxie shows at once; no /cluster/resources read while the VM is where it was', async () => {
    expect((await h.api('GET', '/api/v1/vms/8201')).body.status).toBe('running');
    const clock = controlWallClock();
    try {
      const vm = h.cluster.sim.state.vm(8201)!;
      const upid = await postQemuStatus(h.cluster.client, vm.node, 8201, 'stop');
      await h.cluster.client.waitForTask(upid);
      expect(h.cluster.sim.state.vm(8201)!.status).toBe('stopped');
      clock.jump(3000); // past the 2 s in which a listed row may answer
      const before = resourceReads();
      const one = await h.api('GET', '/api/v1/vms/8201');
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ vmid: 8201, node: vm.node, status: 'stopped', uptime: 0, type: 'qemu' });
      expect(one.body.config.name).toBe(one.body.name);
      expect(resourceReads()).toBe(before);
    } finally {
      clock.restore();
    }
  });

  it('its pool is read fresh: a pool change made outside moxxie shows at once, without /cluster/resources', async () => {
    await h.api('GET', '/api/v1/vms'); // a listed row now answers for 2 s, with the pool as listed
    const before = resourceReads();
    await h.cluster.client.post('/pools', { poolid: 'fresh-pool' });
    await h.cluster.client.put('/pools', { poolid: 'fresh-pool', vms: '8202', 'allow-move': 1 });
    expect(h.cluster.sim.state.vm(8202)!.pool).toBe('fresh-pool');
    expect((await h.api('GET', '/api/v1/vms/8202')).body.pool).toBe('fresh-pool');
    await h.cluster.client.put('/pools', { poolid: 'fresh-pool', vms: '8202', delete: 1 });
    expect(h.cluster.sim.state.vm(8202)!.pool).toBeUndefined();
    expect((await h.api('GET', '/api/v1/vms/8202')).body).not.toHaveProperty('pool');
    expect(resourceReads()).toBe(before); // the pool from GET /pools, not the whole inventory
    await h.cluster.client.delete('/pools', { poolid: 'fresh-pool' });
  });

  it('a VM migrated outside moxxie is found on its new node (one fresh read), an id that never existed is a 404', async () => {
    await h.api('GET', '/api/v1/vms'); // the server now knows where 8201 is
    const from = h.cluster.sim.state.vm(8201)!.node;
    const to = h.cluster.sim.state.nodes().map((n) => n.node).find((n) => n !== from)!;
    const upid = await postMigrate(h.cluster.client, from, 8201, { target: to, 'with-local-disks': true });
    await h.cluster.client.waitForTask(upid);
    await until('the sim to move 8201', () => h.cluster.sim.state.vm(8201)!.node === to);
    const clock = controlWallClock();
    try {
      clock.jump(3000);
      const before = resourceReads();
      const moved = await h.api('GET', '/api/v1/vms/8201');
      expect(moved.status).toBe(200);
      expect(moved.body.node).toBe(to);
      expect(resourceReads()).toBe(before + 1);
      const missing = await h.api('GET', '/api/v1/vms/8299');
      expect(missing.status).toBe(404);
      expect(missing.body.message).toMatch(/8299 does not exist/);
    } finally {
      clock.restore();
    }
  });
});
