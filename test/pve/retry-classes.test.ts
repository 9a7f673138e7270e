// What a retry can and cannot fix, and which failed writes leave their outcome unknown: isRetryable and
// isAmbiguousWrite against the real errors the client produces from the simulator (never hand-built ones),
// with the simulator's request count showing that the client itself retried nothing it must not.
// And connection reuse after an early answer to a large body.
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PveClient, type PveClientOptions } from '../../src/pve/client.js';
import { isAmbiguousWrite, isRetryable, PveError } from '../../src/pve/errors.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';

let sim: Simulator;
const clients: PveClient[] = [];
const track = (c: PveClient) => (clients.push(c), c);
const tokenClient = (extra: Partial<PveClientOptions> = {}) =>
  track(new PveClient({ url: sim.url, auth: { tokenId: sim.credentials.tokenId, tokenSecret: sim.credentials.tokenSecret }, tls: { fingerprint: sim.fingerprint }, retryBaseDelayMs: 5, ...extra }));
const ticketClient = (username: string, password: string, extra: Partial<PveClientOptions> = {}) =>
  track(new PveClient({ url: sim.url, auth: { username, password }, tls: { fingerprint: sim.fingerprint }, retryBaseDelayMs: 5, ...extra }));
/** The error a call ends with (fails the test if it succeeds). */
async function failure(p: Promise<unknown>): Promise<PveError> {
  const outcome = await p.then(
    (v) => ({ ok: true as const, v }),
    (e: unknown) => ({ ok: false as const, e }),
  );
  if (outcome.ok) throw new Error(`expected a failure, got ${JSON.stringify(outcome.v)}`);
  expect(outcome.e).toBeInstanceOf(PveError);
  return outcome.e as PveError;
}
/** Runs `fn` with these faults, then restores the start settings. */
async function withFaults<T>(patch: Parameters<Simulator['faults']['set']>[0], fn: () => Promise<T>): Promise<T> {
  sim.faults.set(patch);
  try {
    return await fn();
  } finally {
    sim.faults.reset();
  }
}
const snapshotPath = (vmid: number) => `/nodes/${sim.state.vm(vmid)!.node}/qemu/${vmid}/snapshot`;
const configPath = (vmid: number) => `/nodes/${sim.state.vm(vmid)!.node}/qemu/${vmid}/config`;
const hasSnapshot = (vmid: number, name: string) => sim.state.vm(vmid)!.snapshots.some((s) => s.name === name);
/** Waits for the simulator's true state to show the snapshot (a task that started without an answer). */
async function snapshotAppears(vmid: number, name: string): Promise<boolean> {
  for (let i = 0; i < 300 && !hasSnapshot(vmid, name); i++) await new Promise((r) => setTimeout(r, 10));
  return hasSnapshot(vmid, name);
}

beforeAll(async () => {
  sim = await startSimulator({ vms: 40, taskDurationMs: 20 });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sim?.close();
});

describe('errors no retry can fix: classified, and never retried by the client', () => {
  it('authentication: a wrong token secret is a 401 sent once', async () => {
    const c = track(new PveClient({ url: sim.url, auth: { tokenId: sim.credentials.tokenId, tokenSecret: 'not-the-secret' }, tls: { fingerprint: sim.fingerprint }, readAttempts: 5 }));
    sim.stats.reset();
    const e = await failure(c.get('/cluster/resources'));
    expect(e).toMatchObject({ kind: 'auth', status: 401, requestSent: true });
    expect(sim.stats.requests).toBe(1);
    expect([isRetryable(e), isAmbiguousWrite(e)]).toEqual([false, false]);
    sim.stats.reset();
    const w = await failure(c.post(snapshotPath(8200), { snapname: 'never_auth' }));
    expect(w.kind).toBe('auth');
    expect(sim.stats.requests).toBe(1);
    expect([isRetryable(w), isAmbiguousWrite(w)]).toEqual([false, false]);
  });

  it('authentication: a wrong password fails at login, and the write says it was never sent', async () => {
    const c = ticketClient('root@pam', 'wrong-password', { readAttempts: 5 });
    sim.stats.reset();
    const e = await failure(c.put(configPath(8201), { description: 'never sent' }));
    expect(e.kind).toBe('auth');
    expect(e.requestSent).toBe(false);
    expect(e.message).toMatch(/^PUT \/nodes\/pve\d\/qemu\/8201\/config: not sent, logging in failed: POST \/access\/ticket: authentication failed/);
    expect(sim.stats.requests).toBe(1);
    expect(sim.stats.byRoute['PUT /nodes/{node}/qemu/{vmid}/config']).toBeUndefined();
    expect([isRetryable(e), isAmbiguousWrite(e)]).toEqual([false, false]);
  });

  it('authentication: a 401 after the one re-login is final', async () => {
    // A ticket that has expired by the time it is used: every call gets 401, the client logs in once more.
    await withFaults({ ticketLifetimeSeconds: 0 }, async () => {
      const c = ticketClient('root@pam', sim.credentials.password, { readAttempts: 5 });
      sim.stats.reset();
      const e = await failure(c.get('/cluster/resources'));
      expect(e).toMatchObject({ kind: 'auth', status: 401 });
      expect(sim.stats.byRoute['POST /access/ticket']).toBe(2);
      expect(sim.stats.requests).toBe(4);
      expect(isRetryable(e)).toBe(false);
    });
  });

  it('permission: a 403 is sent once', async () => {
    const c = ticketClient('auditor@pve', sim.credentials.password, { readAttempts: 5 });
    sim.stats.reset();
    const e = await failure(c.post(snapshotPath(8200), { snapname: 'never_perm' }));
    expect(e).toMatchObject({ kind: 'permission', status: 403 });
    expect(e.message).toContain('Permission check failed (/vms/8200, VM.Snapshot)');
    expect(sim.stats.byRoute['POST /nodes/{node}/qemu/{vmid}/snapshot']).toBe(1);
    expect([isRetryable(e), isAmbiguousWrite(e)]).toEqual([false, false]);
  });

  it('parameter verification: a 400 is sent once, read or write', async () => {
    const c = tokenClient({ readAttempts: 5 });
    sim.stats.reset();
    const r = await failure(c.get('/cluster/resources', { type: 'bogus' }));
    expect(r).toMatchObject({ kind: 'parameter', status: 400 });
    expect(sim.stats.requests).toBe(1);
    sim.stats.reset();
    const w = await failure(c.post(snapshotPath(8200), { snapname: '1bad' }));
    expect(w.kind).toBe('parameter');
    expect(w.errors?.snapname).toMatch(/invalid format/);
    expect(sim.stats.requests).toBe(1);
    for (const e of [r, w]) expect([isRetryable(e), isAmbiguousWrite(e)]).toEqual([false, false]);
  });

  it('not found: a missing VM is a 500 with PVE’s message, read once', async () => {
    const c = tokenClient({ readAttempts: 5 });
    sim.stats.reset();
    const e = await failure(c.get('/nodes/pve1/qemu/99999/config'));
    expect(e).toMatchObject({ kind: 'not-found', status: 500 });
    expect(sim.stats.requests).toBe(1);
    expect([isRetryable(e), isAmbiguousWrite(e)]).toEqual([false, false]);
  });

  it('TLS: a certificate that does not match the pin; nothing was sent', async () => {
    const c = track(new PveClient({ url: sim.url, auth: { tokenId: sim.credentials.tokenId, tokenSecret: sim.credentials.tokenSecret }, tls: { fingerprint: '00'.repeat(32) }, readAttempts: 5 }));
    sim.stats.reset();
    const e = await failure(c.post(snapshotPath(8200), { snapname: 'never_tls' }));
    expect(e).toMatchObject({ kind: 'tls', requestSent: false, method: 'POST' });
    expect(e.message).toMatch(/^POST \/nodes\/.*: TLS fingerprint mismatch/);
    expect(sim.stats.requests).toBe(0);
    expect([isRetryable(e), isAmbiguousWrite(e)]).toEqual([false, false]);
  });
});

describe('errors a retry may fix, and writes whose outcome is unknown', () => {
  it('a write whose answer was lost to a dropped connection: applied, ambiguous, retryable, not retried', async () => {
    const c = tokenClient();
    const e = await withFaults({ lostAnswerRate: 1, lostAnswerMode: 'drop' }, async () => {
      sim.stats.reset();
      const err = await failure(c.post(snapshotPath(8202), { snapname: 'lost_drop' }));
      expect(sim.stats.requests).toBe(1);
      return err;
    });
    expect(e.kind).toBe('network');
    expect(e.requestSent).toBeUndefined();
    expect([isRetryable(e), isAmbiguousWrite(e)]).toEqual([true, true]);
    expect(await snapshotAppears(8202, 'lost_drop')).toBe(true);
  });

  it("a write whose answer a proxy replaced with 502: applied, ambiguous; the message is the status line, not the proxy's HTML", async () => {
    const c = tokenClient();
    const e = await withFaults({ lostAnswerRate: 1, lostAnswerMode: '502' }, () => failure(c.post(snapshotPath(8202), { snapname: 'lost_502' })));
    expect(e).toMatchObject({ kind: 'server', status: 502 });
    expect(e.message).toBe(`POST ${snapshotPath(8202)}: Bad Gateway`);
    expect([isRetryable(e), isAmbiguousWrite(e)]).toEqual([true, true]);
    expect(await snapshotAppears(8202, 'lost_502')).toBe(true);
  });

  it('a read whose answer was lost is retried and succeeds; it is never an ambiguous write', async () => {
    const c = tokenClient({ readAttempts: 3 });
    await withFaults({ lostAnswerRate: 1, lostAnswerMethods: ['GET'] }, async () => {
      sim.stats.reset();
      const e = await failure(c.get('/version'));
      expect(sim.stats.requests).toBe(3);
      expect([isRetryable(e), isAmbiguousWrite(e)]).toEqual([true, false]);
    });
  });

  it('a timeout waiting for the answer: ambiguous (and here PVE did apply it)', async () => {
    const c = tokenClient({ timeoutMs: 100 });
    const e = await withFaults({ latencyMs: 300 }, () => failure(c.post(snapshotPath(8203), { snapname: 'after_timeout' })));
    expect(e.kind).toBe('timeout');
    expect([isRetryable(e), isAmbiguousWrite(e)]).toEqual([true, true]);
    expect(await snapshotAppears(8203, 'after_timeout')).toBe(true);
  });

  it('a connection dropped before the handler ran: nothing applied, but the client cannot tell, so ambiguous', async () => {
    const c = tokenClient();
    const e = await withFaults({ dropRate: 1 }, () => failure(c.post(snapshotPath(8204), { snapname: 'dropped_before' })));
    expect(e.kind).toBe('network');
    expect([isRetryable(e), isAmbiguousWrite(e)]).toEqual([true, true]);
    expect(hasSnapshot(8204, 'dropped_before')).toBe(false);
  });

  it('5xx: a 500 is a refusal, retryable; a 502 or 503 leaves the write unknown', async () => {
    const c = tokenClient();
    for (const [status, ambiguous] of [
      [500, false],
      [502, true],
      [503, true],
    ] as const) {
      const e = await withFaults({ errorRate: 1, errorStatus: status }, () => failure(c.put(configPath(8204), { description: `never ${status}` })));
      expect(e).toMatchObject({ kind: 'server', status });
      expect([isRetryable(e), isAmbiguousWrite(e)]).toEqual([true, ambiguous]);
    }
  });

  it('locked: PVE refused, a retry later may work', async () => {
    const c = tokenClient();
    sim.faults.set({ taskDurationMs: 2000 });
    let upid: string;
    try {
      upid = await c.post<string>(snapshotPath(8205), { snapname: 'holds_lock' });
    } finally {
      sim.faults.reset();
    }
    const e = await failure(c.put(configPath(8205), { description: 'while locked' }));
    expect(e).toMatchObject({ kind: 'locked', status: 500 });
    expect([isRetryable(e), isAmbiguousWrite(e)]).toEqual([true, false]);
    expect((await c.waitForTask(upid, { intervalMs: 20 })).ok).toBe(true);
  });

  it('an offline node (595): retryable, and PVE never reached the node', async () => {
    const c = tokenClient();
    const node = sim.state.vm(8206)!.node;
    const e = await withFaults({ offlineNodes: [node] }, () => failure(c.post(snapshotPath(8206), { snapname: 'offline' })));
    expect(e).toMatchObject({ kind: 'unreachable', status: 595 });
    expect([isRetryable(e), isAmbiguousWrite(e)]).toEqual([true, false]);
  });

  it('a refused connection: retryable, not sent', async () => {
    const free = createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', r));
    const port = (free.address() as AddressInfo).port;
    await new Promise<void>((r) => free.close(() => r()));
    const c = track(new PveClient({ url: `https://127.0.0.1:${port}`, auth: { tokenId: sim.credentials.tokenId, tokenSecret: 'x-secret' }, tls: { insecure: true }, readAttempts: 1 }));
    const e = await failure(c.post('/nodes/pve1/qemu/100/snapshot', { snapname: 'refused' }));
    expect(e).toMatchObject({ kind: 'unreachable', requestSent: false });
    expect([isRetryable(e), isAmbiguousWrite(e)]).toEqual([true, false]);
  });

  it('a write whose login was lost: retryable, and known not to be sent', async () => {
    const c = ticketClient('root@pam', sim.credentials.password);
    const before = sim.state.vm(8207)!.config.description;
    const e = await withFaults({ lostAnswerRate: 1, lostAnswerMode: 'drop', lostAnswerMethods: ['POST'] }, () => failure(c.put(configPath(8207), { description: 'login lost' })));
    expect(e).toMatchObject({ kind: 'network', requestSent: false, method: 'PUT' });
    expect(e.message).toContain('not sent, logging in failed');
    expect([isRetryable(e), isAmbiguousWrite(e)]).toEqual([true, false]);
    expect(sim.state.vm(8207)!.config.description).toBe(before);
  });

  it('cancelled: before sending it is not ambiguous; while waiting for the answer it is', async () => {
    const c = tokenClient();
    const early = await failure(c.post(snapshotPath(8208), { snapname: 'cancelled_early' }, { signal: AbortSignal.abort() }));
    expect(early).toMatchObject({ kind: 'cancelled', requestSent: false });
    expect([isRetryable(early), isAmbiguousWrite(early)]).toEqual([false, false]);
    const late = await withFaults({ latencyMs: 300 }, () => failure(c.post(snapshotPath(8208), { snapname: 'cancelled_late' }, { signal: AbortSignal.timeout(50) })));
    expect(late.kind).toBe('cancelled');
    expect([isRetryable(late), isAmbiguousWrite(late)]).toEqual([false, true]);
    expect(await snapshotAppears(8208, 'cancelled_late')).toBe(true);
  });

  it('anything that is not a PVE error is neither', () => {
    for (const e of [new Error('x'), 'text', undefined, { kind: 'network' }]) expect([isRetryable(e), isAmbiguousWrite(e)]).toEqual([false, false]);
  });
});

describe('an early answer to a large body', () => {
  it('from the simulator: refused unread (501), and the next request on the client is answered at once', async () => {
    const c = tokenClient({ maxConnections: 1, timeoutMs: 5000 });
    await c.get('/version');
    const before = sim.state.vm(8209)!.config.description;
    const e = await failure(c.put(configPath(8209), { description: 'x'.repeat(1024 * 1024) }));
    expect(e).toMatchObject({ kind: 'server', status: 501 });
    expect(e.message).toContain('for data too large');
    expect([isRetryable(e), isAmbiguousWrite(e)]).toEqual([false, false]);
    const t0 = performance.now();
    expect((await c.get<{ version: string }>('/version')).version).toBe('9.1.2');
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(sim.state.vm(8209)!.config.description).toBe(before);
  });

  describe('from a server that answers early and keeps the connection without reading the body', () => {
    let server: Server;
    let url: string;
    let connections = 0;
    const sockets = new Set<Socket>();
    beforeAll(async () => {
      // Answers a body over 64 KiB with 413 and Connection: keep-alive, then never reads that connection
      // again: the misbehaviour that stalled the request after it for 30 s.
      server = createServer((socket) => {
        connections++;
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        let buf = Buffer.alloc(0);
        let stalled = false;
        const answer = (status: string, body: string) =>
          socket.write(`HTTP/1.1 ${status}\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: Keep-Alive\r\n\r\n${body}`);
        socket.on('data', (chunk: Buffer) => {
          if (stalled) return;
          buf = Buffer.concat([buf, chunk]);
          for (;;) {
            const end = buf.indexOf('\r\n\r\n');
            if (end < 0) return;
            const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(buf.subarray(0, end).toString('latin1'))?.[1] ?? 0);
            if (length > 64 * 1024) {
              answer('413 Request Entity Too Large', '{"data":null,"message":"too large\\n"}');
              stalled = true;
              return;
            }
            if (buf.length < end + 4 + length) return;
            buf = buf.subarray(end + 4 + length);
            answer('200 OK', '{"data":{"version":"8.4.1"}}');
          }
        });
        socket.on('error', () => {});
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    });

    it('stalls a plain keep-alive pool (the fixture misbehaves as described)', async () => {
      const pool = new Pool(url, { connections: 1, pipelining: 1 });
      try {
        const big = await pool.request({ path: '/api2/json/x', method: 'PUT', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `a=${'x'.repeat(1024 * 1024)}` });
        expect(big.statusCode).toBe(413);
        await big.body.dump();
        await expect(pool.request({ path: '/api2/json/version', method: 'GET', headersTimeout: 300 })).rejects.toMatchObject({ code: 'UND_ERR_HEADERS_TIMEOUT' });
      } finally {
        await pool.destroy();
      }
    });

    it("the client never reuses the large body's connection: the next request is answered at once", async () => {
      const c = track(new PveClient({ url, auth: { tokenId: 'root@pam!moxxie', tokenSecret: 'secret-value' }, maxConnections: 1, timeoutMs: 5000 }));
      expect((await c.get<{ version: string }>('/version')).version).toBe('8.4.1');
      const opened = connections;
      const e = await failure(c.put('/nodes/pve1/qemu/100/config', { description: 'x'.repeat(1024 * 1024) }));
      expect(e.status).toBe(413);
      const t0 = performance.now();
      expect((await c.get<{ version: string }>('/version')).version).toBe('8.4.1');
      expect(performance.now() - t0).toBeLessThan(2000);
      // The large body's connection was closed after its answer; the next request opened a fresh one.
      expect(connections - opened).toBe(1);
      // Small writes still share the kept-alive connection.
      const now = connections;
      await c.put('/nodes/pve1/qemu/100/config', { description: 'small' }).catch(() => undefined);
      await c.get('/version');
      await c.get('/version');
      expect(connections).toBe(now);
    });
  });
});
