// Every request is checked against the vendored PVE 8.4 schema; the expected messages are what the
// project's pve-api/lookup.mjs (a port of PVE::JSONSchema) gives for the same requests.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { raw, tokenHeaders } from './http.js';

let sim: Simulator;
let h: Record<string, string>;
beforeAll(async () => {
  sim = await startSimulator({ http: true, vms: 30, taskDurationMs: 20 });
  h = tokenHeaders(sim);
});
afterAll(() => sim.close());

async function errorsOf(method: string, path: string, form?: Record<string, string>, json?: unknown) {
  const res = await raw(sim, method, path, { headers: h, form, json });
  expect(res.status).toBe(400);
  expect(res.statusText).toBe('Parameter verification failed.');
  expect(res.body?.data).toBeNull();
  expect(res.body?.message).toBe('Parameter verification failed.\n');
  return res.body!.errors!;
}

describe('parameter verification', () => {
  it('answers 400 with one error per parameter', async () => {
    const errors = await errorsOf('POST', '/nodes/pve1/qemu/8200/snapshot', { snapname: '1bad', vmstate: 'true' });
    expect(errors).toEqual({ snapname: "invalid format - invalid configuration ID '1bad'\n", vmstate: "type check ('boolean') failed - got 'true'" });
    expect(sim.state.vm(8200)!.snapshots.some((s) => s.name === '1bad')).toBe(false);
  });

  it('refuses unknown parameters, also in a GET query string, and ignores _dc', async () => {
    expect(await errorsOf('GET', '/cluster/resources?foo=1')).toEqual({ foo: 'property is not defined in schema and the schema does not allow additional properties' });
    expect((await raw(sim, 'GET', '/cluster/resources?type=node&_dc=123', { headers: h })).status).toBe(200);
    expect(await errorsOf('POST', '/nodes/pve1/qemu/8200/status/stop', { forceStop: '1' })).toEqual({ forceStop: 'property is not defined in schema and the schema does not allow additional properties' });
  });

  it('names missing required parameters', async () => {
    expect(await errorsOf('POST', '/nodes/pve1/qemu/8200/snapshot', {})).toEqual({ snapname: 'property is missing and it is not optional' });
  });

  it('checks enums, patterns and lengths', async () => {
    expect((await errorsOf('GET', '/cluster/resources?type=vms')).type).toBe("value 'vms' does not have a value in the enumeration 'vm, storage, node, sdn'");
    expect(await errorsOf('PUT', '/nodes/pve1/qemu/8200/resize', { disk: 'scsi0', size: '10GiB' })).toEqual({ size: 'value does not match the regex pattern' });
    expect(await errorsOf('POST', '/nodes/pve1/qemu/8200/snapshot', { snapname: 'a234567890123456789012345678901234567890x' })).toEqual({ snapname: 'value may only be 40 characters long' });
  });

  it('checks integers and booleans as PVE does over HTTP and in JSON bodies', async () => {
    const errors = await errorsOf('PUT', '/nodes/pve1/qemu/8200/config', { cores: '1.5', memory: 'x', tags: '-bad' });
    expect(errors).toEqual({
      cores: "type check ('integer') failed - got '1.5'",
      memory: "invalid format - format error\nmemory.current: type check ('integer') failed - got 'x'\n",
      tags: 'invalid format - invalid characters in tag\n',
    });
    expect(await errorsOf('PUT', '/nodes/pve1/qemu/8200/config', undefined, { cores: true })).toEqual({ cores: "type check ('integer') failed - got JSON::PP::Boolean" });
    expect((await raw(sim, 'PUT', '/nodes/pve1/qemu/8200/config', { headers: h, json: { onboot: true } })).status).toBe(200);
    expect(sim.state.vm(8200)!.config.onboot).toBe(1);
  });

  it('checks property strings, their sub-keys and numbered-key bounds', async () => {
    expect(await errorsOf('PUT', '/nodes/pve1/qemu/8200/config', { net0: 'virtio,bridge=vmbr0,tag=5000' })).toEqual({ net0: 'invalid format - format error\nnet0.tag: value must have a maximum value of 4094\n' });
    expect(await errorsOf('PUT', '/nodes/pve1/qemu/8200/config', { agent: 'enabled=maybe' })).toEqual({ agent: "invalid format - format error\nagent.enabled: type check ('boolean') failed - got 'maybe'\n" });
    expect(await errorsOf('PUT', '/nodes/pve1/qemu/8200/config', { ipconfig0: 'gw=10.0.0.1' })).toEqual({ ipconfig0: "invalid format - format error\nipconfig0.ip: missing property - 'ipconfig0.gw' requires this property\n" });
    expect(await errorsOf('PUT', '/nodes/pve1/qemu/8200/config', { net32: 'virtio' })).toEqual({ net32: 'property is not defined in schema and the schema does not allow additional properties [index out of range (net0..net31)]' });
    expect(await errorsOf('PUT', '/nodes/pve1/qemu/8200/config', { sshkeys: 'ssh-ed25519 AAAA' })).toEqual({ sshkeys: 'invalid format - invalid urlencoded string: ssh-ed25519 AAAA\n' });
  });

  it('reports `requires` on the other key', async () => {
    const errors = await errorsOf('POST', '/nodes/pve1/storage/local/download-url', { content: 'iso', filename: 'a.iso', url: 'ftp://x', checksum: 'abc' });
    expect(errors).toEqual({ url: 'value does not match the regex pattern', 'checksum-algorithm': "missing property - 'checksum' requires this property" });
  });

  it('validates path values as parameters and refuses conflicting duplicates', async () => {
    expect(await errorsOf('POST', '/nodes/pve1/qemu/abc/status/start')).toEqual({ vmid: "type check ('integer') failed - got 'abc'" });
    expect((await errorsOf('GET', '/nodes/pve1/qemu/8200/config?vmid=8201')).vmid).toBe('duplicate parameter (already defined in URI) with conflicting values!');
  });

  it('joins repeated keys for -list formats and refuses them for plain strings', async () => {
    await raw(sim, 'PUT', '/nodes/pve1/qemu/8201/config', { headers: h, form: { description: 'x', onboot: '1' } });
    const repeated = new URLSearchParams([['delete', 'description'], ['delete', 'onboot']]);
    expect((await raw(sim, 'PUT', '/nodes/pve2/qemu/8201/config', { headers: h, form: repeated })).status).toBe(200);
    expect(sim.state.vm(8201)!.config.description).toBeUndefined();
    expect(sim.state.vm(8201)!.config.onboot).toBeUndefined();
    const twice = new URLSearchParams([['description', 'a'], ['description', 'b']]);
    const res = await raw(sim, 'PUT', '/nodes/pve2/qemu/8201/config', { headers: h, form: twice });
    expect(res.body!.errors).toEqual({ description: "type check ('string') failed - got ARRAY" });
  });

  it('takes query parameters over body ones', async () => {
    const res = await fetch(`${sim.url}/api2/json/nodes/pve3/qemu/8202/config?description=from-query`, { method: 'PUT', headers: { ...h, 'content-type': 'application/x-www-form-urlencoded' }, body: 'description=from-body' });
    expect(res.status).toBe(200);
    expect(sim.state.vm(8202)!.config.description).toBe('from-query');
  });
});

describe('transport', () => {
  it('answers 501 for unknown paths and methods with PVE status lines', async () => {
    const method = await raw(sim, 'POST', '/nodes/pve1/qemu/8200/status/frobnicate', { headers: h });
    expect(method.status).toBe(501);
    expect(method.statusText).toBe("Method 'POST /nodes/pve1/qemu/8200/status/frobnicate' not implemented");
    const wrongVerb = await raw(sim, 'DELETE', '/version', { headers: h });
    expect(wrongVerb.statusText).toBe("Method 'DELETE /version' not implemented");
  });

  it('refuses a body on GET with 501 and an unknown content type with 506', async () => {
    const url = new URL(`${sim.url}/api2/json/version`);
    const withBody = await new Promise<{ status?: number; reason?: string }>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'GET', headers: { ...h, 'content-length': '3' } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode, reason: res.statusMessage });
      });
      req.on('error', reject);
      req.end('x=1');
    });
    expect(withBody).toEqual({ status: 501, reason: "Unexpected content for method 'GET'" });
    const odd = await raw(sim, 'PUT', '/nodes/pve1/qemu/8200/config', { headers: { ...h, 'content-type': 'text/plain' }, body: 'description=x' });
    expect(odd.status).toBe(506);
  });

  it('reads a raw "=" inside a form value the way PVE does: it truncates', async () => {
    const res = await fetch(`${sim.url}/api2/json/nodes/pve1/qemu/8200/config`, { method: 'PUT', headers: { ...h, 'content-type': 'application/x-www-form-urlencoded' }, body: 'description=a=b' });
    expect(res.status).toBe(200);
    expect(sim.state.vm(8200)!.config.description).toBe('a');
  });

  it('ignores empty path segments and a trailing slash', async () => {
    expect((await raw(sim, 'GET', '//nodes/pve1//status/', { headers: h })).status).toBe(200);
  });
});
