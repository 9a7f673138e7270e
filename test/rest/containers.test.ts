// POST /api/v1/containers over real HTTP onto ct.create: the CT in the simulator, the password neither echoed
// nor in the operation; an unknown field and a missing template answer 400 naming the field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finished, startRest, type RestHarness } from './harness.js';

const TEMPLATE = 'util-iso:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';
let h: RestHarness;
beforeAll(async () => {
  h = await startRest({ recordHistory: true, sim: { taskDurationMs: 10 } });
});
afterAll(async () => h?.close());

describe('POST /api/v1/containers', () => {
  it('makes and starts the CT; the password is in no answer', async () => {
    const body = { node: 'pve1', hostname: 'rest-ct', ostemplate: TEMPLATE, networks: [{ bridge: 'vmbr0', ip: 'dhcp' }], password: 'rest-secret-7', start: true };
    const r = await h.api('POST', '/api/v1/containers', body);
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    const done = await finished(h, r.body.id);
    expect(done.status).toBe('succeeded');
    expect(JSON.stringify([r.body, done])).not.toContain('rest-secret-7');
    expect(h.cluster.sim.state.vm(done.targets[0].vmid)).toMatchObject({ type: 'lxc', name: 'rest-ct', status: 'running' });
  });

  it('400 naming the field: an unknown one, a template that is not there', async () => {
    const before = h.cluster.sim.state.vms().length;
    const unknown = await h.api('POST', '/api/v1/containers', { node: 'pve1', hostname: 'x', ostemplate: TEMPLATE, memory: 512 });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toContain('memoryMB');
    const missing = await h.api('POST', '/api/v1/containers', { node: 'pve1', hostname: 'x', ostemplate: 'util-iso:vztmpl/gone.tar.zst' });
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.body)).toMatch(/ostemplate.*no template/);
    expect(h.cluster.sim.state.vms()).toHaveLength(before);
  });

  it('is in the OpenAPI document with the capability\'s strict body', async () => {
    const doc = (await h.api('GET', '/api/v1/openapi.json')).body;
    const body = doc.paths['/api/v1/containers'].post.requestBody.content['application/json'].schema;
    expect(body.additionalProperties).toBe(false);
    expect(Object.keys(body.properties)).toEqual(expect.arrayContaining(['node', 'hostname', 'ostemplate', 'rootfs', 'networks', 'password', 'features']));
  });
});
