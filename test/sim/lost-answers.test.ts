// "Applied but answer lost": the handler runs in full (the write applied, its task started), then the
// connection is dropped or a proxy answers 502. And the transport rules around unread bodies: a body
// refused from the request head is never read, and the answer closes the connection, as pveproxy does.
import { Readable } from 'node:stream';
import { Client } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { api, tokenHeaders, waitTask } from './http.js';

let sim: Simulator;
let a: ReturnType<typeof api>;
beforeAll(async () => {
  sim = await startSimulator({ http: true, vms: 40, taskDurationMs: 20 });
  a = api(sim);
});
afterAll(() => sim.close());

/** A raw request with the token; the answer's status, status line, headers and text. */
async function call(s: Simulator, method: string, path: string, form?: Record<string, string>) {
  const res = await fetch(`${s.url}/api2/json${path}`, {
    method,
    headers: { ...tokenHeaders(s), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    body: form ? new URLSearchParams(form).toString() : undefined,
  });
  return { status: res.status, statusText: res.statusText, headers: res.headers, text: await res.text() };
}

/** The tasks the simulator knows now, to tell the ones a request starts from the earlier ones. */
const knownTasks = (s: Simulator) => new Set(s.state.tasks().map((t) => t.upid));

/** The one task of this type for this guest that is not among `before`, from the true state. */
function newTask(s: Simulator, type: string, vmid: number, before: Set<string>) {
  const found = s.state.tasks().filter((t) => t.type === type && t.id === String(vmid) && !before.has(t.upid));
  expect(found).toHaveLength(1);
  return found[0];
}

describe('lost answers (in-process control)', () => {
  it('drops the connection after the handler ran: the snapshot task started and the snapshot is made', async () => {
    const since = knownTasks(sim);
    sim.faults.set({ lostAnswerRate: 1, lostAnswerMode: 'drop' });
    let error: unknown;
    try {
      await call(sim, 'POST', '/nodes/pve1/qemu/8200/snapshot', { snapname: 'lost_drop' });
    } catch (err) {
      error = err;
    } finally {
      sim.faults.set({ lostAnswerRate: 0 });
    }
    expect(error).toBeInstanceOf(TypeError); // fetch failed: the socket closed without an answer
    const task = newTask(sim, 'qmsnapshot', 8200, since);
    expect((await waitTask(sim, task.upid)).exitstatus).toBe('OK');
    expect(sim.state.vm(8200)!.snapshots.map((s) => s.name)).toContain('lost_drop');
    expect(sim.stats.injected.lostAnswers).toBeGreaterThanOrEqual(1);
  });

  it("answers 502 as a proxy in front of pveproxy would, after the write was applied", async () => {
    const since = knownTasks(sim);
    sim.faults.set({ lostAnswerRate: 1, lostAnswerMode: '502' });
    let res;
    try {
      res = await call(sim, 'POST', '/nodes/pve1/qemu/8200/snapshot', { snapname: 'lost_502' });
    } finally {
      sim.faults.set({ lostAnswerRate: 0 });
    }
    expect(res.status).toBe(502);
    expect(res.statusText).toBe('Bad Gateway');
    expect(res.headers.get('content-type')).toBe('text/html');
    expect(res.text).toContain('<title>502 Bad Gateway</title>');
    const task = newTask(sim, 'qmsnapshot', 8200, since);
    await waitTask(sim, task.upid);
    expect(sim.state.vm(8200)!.snapshots.map((s) => s.name)).toContain('lost_502');
  });

  it('loses the answer of a synchronous write too (PUT config applied), and of a refusal', async () => {
    sim.faults.set({ lostAnswerRate: 1, lostAnswerMode: '502', lostAnswerMethods: ['PUT'] });
    try {
      expect((await call(sim, 'PUT', '/nodes/pve2/qemu/8201/config', { description: 'applied, unanswered' })).status).toBe(502);
      // A refusal's answer is lost the same way: the proxy does not care what pveproxy said.
      expect((await call(sim, 'PUT', '/nodes/pve2/qemu/8201/config', { bogus: '1' })).status).toBe(502);
      // Other methods are answered as usual.
      expect((await call(sim, 'GET', '/version')).status).toBe(200);
      expect((await call(sim, 'POST', '/nodes/pve2/qemu/8201/snapshot', { snapname: '1bad' })).status).toBe(400);
    } finally {
      sim.faults.reset();
    }
    expect(sim.state.vm(8201)!.config.description).toBe('applied, unanswered');
  });

  it('applies only to the configured methods: by default the writes, never a read', async () => {
    sim.faults.set({ lostAnswerRate: 1 });
    const since = knownTasks(sim);
    try {
      expect(sim.faults.current.lostAnswerMethods).toEqual(['POST', 'PUT', 'DELETE']);
      for (let i = 0; i < 5; i++) expect((await call(sim, 'GET', '/nodes/pve1/qemu/8200/snapshot')).status).toBe(200);
      await expect(call(sim, 'DELETE', '/nodes/pve1/qemu/8200/snapshot/lost_drop')).rejects.toThrow();
      sim.faults.set({ lostAnswerMethods: ['GET'] });
      await expect(call(sim, 'GET', '/version')).rejects.toThrow();
    } finally {
      sim.faults.reset();
    }
    // The DELETE ran: its task removes the snapshot.
    const del = newTask(sim, 'qmdelsnapshot', 8200, since);
    await waitTask(sim, del.upid);
    expect(sim.state.vm(8200)!.snapshots.map((s) => s.name)).not.toContain('lost_drop');
  });

  it('mixes both kinds at random in mode mixed, at the configured rate', async () => {
    sim.faults.set({ lostAnswerRate: 1, lostAnswerMode: 'mixed' });
    const seen = { dropped: 0, badGateway: 0 };
    try {
      for (let i = 0; i < 24; i++) {
        try {
          const res = await call(sim, 'PUT', '/nodes/pve3/qemu/8202/config', { description: `mixed ${i}` });
          expect(res.status).toBe(502);
          seen.badGateway++;
        } catch {
          seen.dropped++;
        }
      }
      sim.faults.set({ lostAnswerRate: 0.25, lostAnswerMode: '502' });
      let lost = 0;
      for (let i = 0; i < 200; i++) if ((await call(sim, 'PUT', '/nodes/pve3/qemu/8202/config', { description: `rate ${i}` })).status === 502) lost++;
      expect(lost).toBeGreaterThan(25);
      expect(lost).toBeLessThan(80);
    } finally {
      sim.faults.reset();
    }
    expect(seen.dropped).toBeGreaterThan(0);
    expect(seen.badGateway).toBeGreaterThan(0);
    expect(sim.state.vm(8202)!.config.description).toBe('rate 199');
  });

  it('validates the settings, naming the field', () => {
    expect(() => sim.faults.set({ lostAnswerRate: 1.5 })).toThrow(/lostAnswerRate must be between 0 and 1/);
    expect(() => sim.faults.set({ lostAnswerMode: 'sometimes' as 'drop' })).toThrow(/lostAnswerMode must be one of drop, 502, mixed/);
    expect(() => sim.faults.set({ lostAnswerMethods: ['PATCH' as 'GET'] })).toThrow(/lostAnswerMethods must be a list of GET, POST, PUT, DELETE/);
    expect(() => sim.faults.set({ errorStatus: [] })).toThrow(/errorStatus must be 500, 502 or 503/);
    // The current settings are a copy: changing them changes nothing.
    sim.faults.current.lostAnswerMethods.push('GET');
    expect(sim.faults.current.lostAnswerMethods).toEqual(['POST', 'PUT', 'DELETE']);
  });

  it('picks the error status from a list', async () => {
    sim.faults.set({ errorRate: 1, errorStatus: [500, 503] });
    const statuses = new Set<number>();
    try {
      for (let i = 0; i < 20; i++) statuses.add((await call(sim, 'GET', '/version')).status);
    } finally {
      sim.faults.reset();
    }
    expect([...statuses].sort()).toEqual([500, 503]);
  });
});

describe('lost answers from the start and over the control endpoint', () => {
  it('takes the settings at start', async () => {
    const s = await startSimulator({ http: true, vms: 20, taskDurationMs: 20, faults: { lostAnswerRate: 1, lostAnswerMode: '502', lostAnswerMethods: ['POST'] } });
    try {
      const since = knownTasks(s);
      expect((await call(s, 'POST', '/nodes/pve1/qemu/8200/snapshot', { snapname: 'at_start' })).status).toBe(502);
      const task = newTask(s, 'qmsnapshot', 8200, since);
      await waitTask(s, task.upid);
      expect(s.state.vm(8200)!.snapshots.map((x) => x.name)).toContain('at_start');
      // reset() returns to the start values, the lost answers included.
      s.faults.set({ lostAnswerRate: 0 });
      s.faults.reset();
      expect(s.faults.current).toMatchObject({ lostAnswerRate: 1, lostAnswerMode: '502', lostAnswerMethods: ['POST'] });
    } finally {
      await s.close();
    }
  });

  it('is set, read and refused through /_sim/faults', async () => {
    const s = await startSimulator({ http: true, vms: 20, taskDurationMs: 20, controlEndpoint: true });
    const post = (path: string, body: unknown) => fetch(`${s.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    try {
      const set = await post('/_sim/faults', { lostAnswerRate: 1, lostAnswerMode: 'drop', lostAnswerMethods: ['POST', 'DELETE'] });
      expect(set.status).toBe(200);
      expect(((await set.json()) as { data: Record<string, unknown> }).data).toMatchObject({ lostAnswerRate: 1, lostAnswerMode: 'drop', lostAnswerMethods: ['POST', 'DELETE'] });
      const since = knownTasks(s);
      await expect(call(s, 'POST', '/nodes/pve1/qemu/8200/snapshot', { snapname: 'via_control' })).rejects.toThrow();
      // The control endpoint itself is never subject to the faults it sets.
      expect((await post('/_sim/faults/reset', {})).status).toBe(200);
      const task = newTask(s, 'qmsnapshot', 8200, since);
      await waitTask(s, task.upid);
      expect(s.state.vm(8200)!.snapshots.map((x) => x.name)).toContain('via_control');
      const bad = await post('/_sim/faults', { lostAnswerMode: 'never' });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { message: string }).message).toMatch(/lostAnswerMode/);
    } finally {
      await s.close();
    }
  });
});

describe('unread bodies and connection reuse, as pveproxy', () => {
  it('refuses a 1 MB body from its Content-Length, unread, closes the connection, and the next request on the client is answered at once', async () => {
    const origin = new URL(sim.url).origin;
    // One connection, kept alive: the second request can only go where the first went, unless it was closed.
    const client = new Client(origin, { pipelining: 1, headersTimeout: 5000, bodyTimeout: 5000 });
    const before = sim.state.vm(8203)!.config.description;
    try {
      const big = await client.request({
        path: '/api2/json/nodes/pve4/qemu/8203/config',
        method: 'PUT',
        headers: { ...tokenHeaders(sim), 'content-type': 'application/x-www-form-urlencoded' },
        body: `description=${'x'.repeat(1024 * 1024)}`,
      });
      expect(big.statusCode).toBe(501);
      expect(big.headers.connection).toBe('close');
      await big.body.dump();
      const t0 = performance.now();
      const next = await client.request({ path: '/api2/json/version', method: 'GET', headers: tokenHeaders(sim) });
      expect(next.statusCode).toBe(200);
      await next.body.dump();
      // Well under the client's 5 s timeout (and far under the 30 s a stalled connection took).
      expect(performance.now() - t0).toBeLessThan(2000);
    } finally {
      await client.close();
    }
    expect(sim.state.vm(8203)!.config.description).toBe(before);
  });

  it('closes the connection after every error answer, and keeps it open after a success', async () => {
    const ok = await call(sim, 'GET', '/version');
    expect(ok.headers.get('connection')?.toLowerCase()).toBe('keep-alive');
    const refused = await call(sim, 'POST', '/nodes/pve1/qemu/8200/snapshot', { snapname: '1bad' });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('connection')).toBe('close');
  });

  it('refuses chunked bodies, a body on GET and DELETE, and a body over 512 KiB, as pveproxy does', async () => {
    const origin = new URL(sim.url).origin;
    const client = new Client(origin, { headersTimeout: 5000 });
    try {
      // A stream body of unknown length goes out with Transfer-Encoding: chunked.
      const chunked = await client.request({
        path: '/api2/json/nodes/pve1/qemu/8200/config',
        method: 'PUT',
        headers: { ...tokenHeaders(sim), 'content-type': 'application/x-www-form-urlencoded' },
        body: Readable.from(['description=', 'chunked']),
      });
      await chunked.body.dump();
      expect(chunked.statusCode).toBe(501);
      expect(chunked.headers.connection).toBe('close');
    } finally {
      await client.close();
    }
    const withBody = await fetch(`${sim.url}/api2/json/nodes/pve1/qemu/8200/snapshot/x`, { method: 'DELETE', headers: tokenHeaders(sim), body: 'a=b' });
    expect(withBody.status).toBe(501);
    expect(withBody.statusText).toBe("Unexpected content for method 'DELETE'");
    await withBody.text();
    const justOver = await fetch(`${sim.url}/api2/json/nodes/pve1/qemu/8200/config`, {
      method: 'PUT',
      headers: { ...tokenHeaders(sim), 'content-type': 'application/x-www-form-urlencoded' },
      body: `description=${'y'.repeat(512 * 1024)}`,
    });
    expect(justOver.status).toBe(501);
    expect(justOver.statusText).toBe('for data too large');
    await justOver.text();
  });
});
