// The PVE client against the simulator over real HTTPS: auth, TLS, typed errors, retries, pooling, secrets.
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { request } from 'undici';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PveClient, type PveClientOptions } from '../../src/pve/client.js';
import { PveError, PveLockedError, PvePermissionError } from '../../src/pve/errors.js';
import { getQemuConfig, postQemuSnapshot, putQemuConfig } from '../../src/pve/endpoints/qemu.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { controlWallClock } from '../fixtures/clock.js';
import { tokenClient } from '../fixtures/cluster.js';
import { tempDir } from '../fixtures/temp-dirs.js';
import { until } from '../fixtures/wait.js';

let sim: Simulator;
const clients: PveClient[] = [];
const track = (c: PveClient) => (clients.push(c), c);
const pinned = (extra: Partial<PveClientOptions> = {}) =>
  track(new PveClient({ url: sim.url, auth: { tokenId: sim.credentials.tokenId, tokenSecret: sim.credentials.tokenSecret }, tls: { fingerprint: sim.fingerprint }, retryBaseDelayMs: 10, ...extra }));
const ticketClient = (extra: Partial<PveClientOptions> = {}) =>
  track(new PveClient({ url: sim.url, auth: { username: 'root@pam', password: sim.credentials.password }, tls: { fingerprint: sim.fingerprint }, retryBaseDelayMs: 10, ...extra }));
const failure = async (p: Promise<unknown>) => (await p.then(() => undefined, (e: unknown) => e)) as PveError;

beforeAll(async () => {
  sim = await startSimulator({ vms: 40, taskDurationMs: 30 });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sim?.close();
});

describe('authentication over HTTPS', () => {
  it('uses an API token, also given as one string', async () => {
    const c = track(tokenClient(sim));
    expect((await c.get<{ version: string }>('/version')).version).toBe('9.1.2');
    const one = track(new PveClient({ url: sim.url, auth: { token: `${sim.credentials.tokenId}=${sim.credentials.tokenSecret}` }, tls: { fingerprint: sim.fingerprint } }));
    expect((await one.get<unknown[]>('/nodes')).length).toBe(4);
  });

  it('logs in with user, password and realm and writes with the CSRF token the simulator demands', async () => {
    // Without the CSRF header the simulator refuses a ticket-authenticated write, as PVE does.
    const login = await request(`${sim.url}/api2/json/access/ticket`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: 'root@pam', password: sim.credentials.password }).toString(),
      dispatcher: new Agent({ connect: { rejectUnauthorized: false } }),
    });
    const { data } = (await login.body.json()) as { data: { ticket: string } };
    const bare = await request(`${sim.url}/api2/json/nodes/${sim.state.vm(8200)!.node}/qemu/8200/config`, {
      method: 'PUT',
      headers: { cookie: `PVEAuthCookie=${encodeURIComponent(data.ticket)}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'description=no-csrf',
      dispatcher: new Agent({ connect: { rejectUnauthorized: false } }),
    });
    await bare.body.dump();
    expect(bare.statusCode).toBe(401);

    const c = track(new PveClient({ url: sim.url, auth: { username: 'root', realm: 'pam', password: sim.credentials.password }, tls: { fingerprint: sim.fingerprint } }));
    await putQemuConfig(c, sim.state.vm(8200)!.node, 8200, { description: 'via ticket' });
    expect(sim.state.vm(8200)?.config.description).toBe('via ticket');
  });

  it('logs in once more on a 401 when the ticket expired during a longer run', async () => {
    // Long enough that a fresh ticket outlives a loaded machine's login-to-use gap; each jump outlives it.
    sim.faults.set({ ticketLifetimeSeconds: 5 });
    // Ticket ages are read from Date on both sides: 6 s passes at each jump, without waiting for it.
    const clock = controlWallClock();
    try {
      const lines: string[] = [];
      const c = ticketClient({ logger: (l) => lines.push(l) });
      const node = sim.state.vm(8200)!.node;
      for (let i = 0; i < 3; i++) {
        await putQemuConfig(c, node, 8200, { description: `renewal ${i}` });
        clock.jump(6000);
      }
      expect(sim.state.vm(8200)?.config.description).toBe('renewal 2');
      expect(sim.stats.byRoute['POST /access/ticket']).toBeGreaterThanOrEqual(3);
      expect(lines.filter((l) => / 401 /.test(l)).length).toBeGreaterThanOrEqual(2);
    } finally {
      clock.restore();
      sim.faults.set({ ticketLifetimeSeconds: 7200 });
    }
  });

  it('renews the ticket before it expires, so a long run never sees a 401', async () => {
    sim.faults.set({ ticketLifetimeSeconds: 2 });
    const clock = controlWallClock();
    try {
      const lines: string[] = [];
      const c = ticketClient({ ticketRenewAfterMs: 600, logger: (l) => lines.push(l) });
      const node = sim.state.vm(8202)!.node;
      sim.stats.reset();
      for (let i = 0; i < 8; i++) {
        await putQemuConfig(c, node, 8202, { description: `proactive ${i}` });
        await c.get('/version');
        clock.jump(400);
      }
      expect(sim.state.vm(8202)?.config.description).toBe('proactive 7');
      expect(sim.stats.byRoute['POST /access/ticket']).toBeGreaterThanOrEqual(3);
      expect(lines.filter((l) => / 401 /.test(l))).toEqual([]);
    } finally {
      clock.restore();
      sim.faults.set({ ticketLifetimeSeconds: 7200 });
    }
  });

  it('reports bad credentials as an auth error with a hint and without the password or token secret', async () => {
    const c = ticketClient({ auth: { username: 'root@pam', password: 'Sup3rSecretPw' } });
    const err = await failure(c.get('/version'));
    expect(err).toBeInstanceOf(PveError);
    expect(err.kind).toBe('auth');
    expect(err.hint).toMatch(/config test/);
    expect(JSON.stringify({ m: err.message, s: err.stack, e: err })).not.toContain('Sup3rSecretPw');
    const t = pinned({ auth: { tokenId: sim.credentials.tokenId, tokenSecret: 'wrong-token-secret-42' } });
    const terr = await failure(t.get('/version'));
    expect(terr.kind).toBe('auth');
    expect(JSON.stringify({ m: terr.message, s: terr.stack, e: terr })).not.toContain('wrong-token-secret-42');
  });

  it('refuses malformed auth settings naming the field', () => {
    expect(() => new PveClient({ url: sim.url, auth: { tokenId: 'nobang', tokenSecret: 'x' } })).toThrow(/auth.tokenId/);
    expect(() => new PveClient({ url: 'pve1:8006', auth: { tokenId: 'a@pam!bb', tokenSecret: 'x' } })).toThrow(/url/);
    expect(() => new PveClient({ url: sim.url, auth: { token: 'noequals' } })).toThrow(/auth.token/);
    expect(() => new PveClient({ url: sim.url, auth: { username: 'root@pam', password: '' } })).toThrow(/auth.password/);
  });
});

describe('TLS', () => {
  it('accepts the right fingerprint in any spelling', async () => {
    const lower = sim.fingerprint.toLowerCase();
    const bare = sim.fingerprint.replace(/:/g, '');
    for (const fingerprint of [sim.fingerprint, lower, bare]) {
      const c = pinned({ tls: { fingerprint } });
      expect((await c.get<{ release: string }>('/version')).release).toBe('9.1');
    }
  });

  it('refuses a wrong fingerprint naming both, even when the chain would be trusted', async () => {
    const dir = tempDir('ca');
    writeFileSync(join(dir, 'ca.pem'), sim.certPem);
    const wrong = 'AA:'.repeat(31) + 'AA';
    for (const tls of [{ fingerprint: wrong }, { fingerprint: wrong, caFile: join(dir, 'ca.pem') }]) {
      const c = pinned({ tls, readAttempts: 1 });
      sim.stats.reset();
      const err = await failure(c.get('/version'));
      expect(err.kind).toBe('tls');
      expect(err.message).toContain(wrong);
      expect(err.message).toContain(sim.fingerprint);
      expect(err.hint).toMatch(/fingerprint/);
      // Refused before any request was sent.
      expect(sim.stats.requests).toBe(0);
    }
  });

  it('verifies by default, so a self-signed certificate is refused with advice', async () => {
    const c = track(new PveClient({ url: sim.url, auth: { tokenId: sim.credentials.tokenId, tokenSecret: sim.credentials.tokenSecret }, readAttempts: 1 }));
    const err = await failure(c.get('/version'));
    expect(err.kind).toBe('tls');
    expect(err.hint).toMatch(/fingerprint/);
    expect(err.hint).toMatch(/caFile|CA/);
  });

  it('trusts a CA file (the certificate names 127.0.0.1)', async () => {
    const dir = tempDir('ca');
    writeFileSync(join(dir, 'ca.pem'), sim.certPem);
    const c = track(new PveClient({ url: sim.url, auth: { tokenId: sim.credentials.tokenId, tokenSecret: sim.credentials.tokenSecret }, tls: { caFile: join(dir, 'ca.pem') } }));
    expect((await c.get<{ release: string }>('/version')).release).toBe('9.1');
  });

  it('says what to do when the CA file is missing or not PEM', () => {
    const dir = tempDir('ca');
    writeFileSync(join(dir, 'junk.pem'), 'hello');
    const auth = { tokenId: sim.credentials.tokenId, tokenSecret: sim.credentials.tokenSecret };
    expect(() => new PveClient({ url: sim.url, auth, tls: { caFile: join(dir, 'missing.pem') } })).toThrow(/tls.caFile: cannot read .*missing\.pem \(ENOENT\).*pve-root-ca\.pem/);
    expect(() => new PveClient({ url: sim.url, auth, tls: { caFile: join(dir, 'junk.pem') } })).toThrow(/tls.caFile: .*no PEM certificate/);
    expect(() => new PveClient({ url: sim.url, auth, tls: { fingerprint: 'AB:CD' } })).toThrow(/tls.fingerprint must be a SHA-256 fingerprint/);
  });

  it('skips verification only when insecure is set, and warns', async () => {
    const lines: string[] = [];
    const c = track(new PveClient({ url: sim.url, auth: { tokenId: sim.credentials.tokenId, tokenSecret: sim.credentials.tokenSecret }, tls: { insecure: true }, logger: (l) => lines.push(l) }));
    expect((await c.get<{ release: string }>('/version')).release).toBe('9.1');
    expect(lines.some((l) => /warning: TLS verification is disabled/.test(l))).toBe(true);
  });
});

describe('typed errors', () => {
  it('types an offline node (595) as unreachable and retries the read', async () => {
    sim.faults.set({ offlineNodes: ['pve3'] });
    try {
      const c = pinned({ readAttempts: 2 });
      sim.stats.reset();
      const err = await failure(c.get('/nodes/pve3/status'));
      expect(err.kind).toBe('unreachable');
      expect(err.status).toBe(595);
      expect(err.message).toMatch(/No route to host/);
      expect(err.hint).toMatch(/offline/);
      expect(sim.stats.requests).toBe(2);
    } finally {
      sim.faults.set({ offlineNodes: [] });
    }
  });

  it('types a refused connection as unreachable', async () => {
    const gone = await startSimulator({ vms: 0 });
    const c = track(new PveClient({ url: gone.url, auth: { tokenId: gone.credentials.tokenId, tokenSecret: gone.credentials.tokenSecret }, tls: { fingerprint: gone.fingerprint }, retryBaseDelayMs: 5 }));
    await gone.close();
    const err = await failure(c.get('/version'));
    expect(err.kind).toBe('unreachable');
    expect(err.message).toMatch(/ECONNREFUSED/);
    // The hint names the port the context uses, not PVE's default.
    expect(err.hint).toContain(`pveproxy is running on port ${new URL(gone.url).port}`);
  });

  it('types parameter errors with their per-parameter messages', async () => {
    const c = pinned();
    const err = await failure(c.post('/nodes/pve1/qemu/8200/snapshot', { snapname: '9x' }));
    expect(err.kind).toBe('parameter');
    expect(err.status).toBe(400);
    expect(err.errors?.snapname).toContain("invalid configuration ID '9x'");
    expect(err.message).toContain('snapname');
  });

  it('types a locked VM with its lock', async () => {
    const c = pinned();
    const node = sim.state.vm(8201)!.node;
    sim.faults.set({ taskDurationMs: 1000 });
    try {
      const upid = await postQemuSnapshot(c, node, 8201, { snapname: 'holdlock' });
      expect(sim.state.vm(8201)?.lock).toBe('snapshot');
      const err = (await failure(putQemuConfig(c, node, 8201, { description: 'x' }))) as PveLockedError;
      expect(err).toBeInstanceOf(PveLockedError);
      expect(err.kind).toBe('locked');
      expect(err.lock).toBe('snapshot');
      expect(err.hint).toMatch(/retry/);
      await c.waitForTask(upid);
    } finally {
      sim.faults.set({ taskDurationMs: 30 });
    }
  });

  it('names the missing privilege and path on 403', async () => {
    const c = ticketClient({ auth: { username: 'auditor@pve', password: sim.credentials.password } });
    const err = (await failure(c.post(`/nodes/${sim.state.vm(8200)!.node}/qemu/8200/status/start`))) as PvePermissionError;
    expect(err).toBeInstanceOf(PvePermissionError);
    expect(err.kind).toBe('permission');
    expect(err.privilege).toBe('VM.PowerMgmt');
    expect(err.aclPath).toBe('/vms/8200');
    expect(err.hint).toContain('VM.PowerMgmt on /vms/8200');
  });

  it('types a missing VM as not found', async () => {
    await expect(getQemuConfig(pinned(), 'pve1', 999999)).rejects.toMatchObject({ kind: 'not-found' });
  });

  it('types a request that outlives its timeout', async () => {
    sim.faults.set({ latencyMs: 300 });
    try {
      const err = await failure(pinned({ readAttempts: 1 }).get('/version', undefined, { timeoutMs: 50 }));
      expect(err.kind).toBe('timeout');
    } finally {
      sim.faults.set({ latencyMs: 0 });
    }
  });

  it('types a cancelled request', async () => {
    sim.faults.set({ latencyMs: 300 });
    try {
      const ac = new AbortController();
      const before = sim.stats.requests;
      const pending = failure(pinned().get('/version', undefined, { signal: ac.signal }));
      // Cancelled while the simulator holds the request.
      await until('the simulator to receive the request', () => sim.stats.requests > before);
      ac.abort();
      expect((await pending).kind).toBe('cancelled');
    } finally {
      sim.faults.set({ latencyMs: 0 });
    }
  });
});

describe('a host that accepts and never answers', () => {
  // The TLS handshake never ends, so the request never gets a connection to be aborted on.
  async function silentHost(): Promise<{ url: string; connected: Promise<void>; hungUp: Promise<void>; close(): Promise<void> }> {
    const held: Socket[] = [];
    let connected!: () => void;
    let hungUp!: () => void;
    const first = new Promise<void>((resolve) => (connected = resolve));
    const ended = new Promise<void>((resolve) => (hungUp = resolve));
    const server = createServer((socket) => {
      held.push(socket);
      socket.on('close', hungUp);
      connected();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `https://127.0.0.1:${port}`,
      connected: first,
      hungUp: ended,
      close: async () => {
        for (const socket of held) socket.destroy();
        await new Promise((resolve) => server.close(resolve));
      },
    };
  }

  it('lets a cancelled request go at once, not after the connect timeout, and closes at once', async () => {
    const host = await silentHost();
    try {
      // A minute: the test ends long before, unless the cancel waits for the connection attempt.
      const c = new PveClient({ url: host.url, auth: { tokenId: 'root@pam!ci', tokenSecret: 'not-a-secret' }, tls: { fingerprint: sim.fingerprint }, timeoutMs: 60_000 });
      const cancel = new AbortController();
      const asked = failure(c.get('/cluster/resources', {}, { signal: cancel.signal }));
      await host.connected;
      cancel.abort();
      const err = await asked;
      expect(err.kind).toBe('cancelled');
      expect(err.message).toBe('GET /cluster/resources: cancelled');
      // Closing ends the connection still being made, which would otherwise keep the process alive.
      await c.close();
      await host.hungUp;
    } finally {
      await host.close();
    }
  }, 15_000);

  it("times out on the request's own timeout while the connection is still being made", async () => {
    const host = await silentHost();
    try {
      const c = new PveClient({ url: host.url, auth: { tokenId: 'root@pam!ci', tokenSecret: 'not-a-secret' }, tls: { fingerprint: sim.fingerprint }, timeoutMs: 60_000, readAttempts: 1 });
      const err = await failure(c.get('/version', {}, { timeoutMs: 200 }));
      expect(err.kind).toBe('timeout');
      expect(err.message).toBe('GET /version: no answer within 200 ms');
      await c.close();
    } finally {
      await host.close();
    }
  }, 15_000);
});

describe('retries', () => {
  it('retries a GET on 5xx with a bound, but never a POST', async () => {
    const c = pinned({ readAttempts: 3 });
    sim.faults.set({ errorRate: 1, errorStatus: 502 });
    try {
      sim.stats.reset();
      await expect(c.get('/version')).rejects.toMatchObject({ kind: 'server', status: 502 });
      expect(sim.stats.requests).toBe(3);
      sim.stats.reset();
      await expect(c.post(`/nodes/${sim.state.vm(8200)!.node}/qemu/8200/snapshot`, { snapname: 'never' })).rejects.toMatchObject({ status: 502 });
      expect(sim.stats.requests).toBe(1);
    } finally {
      sim.faults.set({ errorRate: 0 });
    }
    expect(sim.state.vm(8200)?.snapshots.some((s) => s.name === 'never')).toBe(false);
  });

  it('recovers a GET from a transient 503', async () => {
    const c = pinned({ readAttempts: 4 });
    sim.faults.set({ errorRate: 0.5, errorStatus: 503 });
    let ok = 0;
    try {
      sim.stats.reset();
      for (let i = 0; i < 10; i++) if (await c.get('/version').then(() => true, () => false)) ok++;
    } finally {
      sim.faults.set({ errorRate: 0 });
    }
    // Half the answers fail; retries show in the count and get most calls through.
    expect(sim.stats.requests).toBeGreaterThan(10);
    expect(ok).toBeGreaterThanOrEqual(7);
  });

  it('retries a GET on a reset connection, but not a write', async () => {
    const c = pinned({ readAttempts: 3 });
    sim.faults.set({ dropRate: 1 });
    try {
      sim.stats.reset();
      await expect(c.get('/version')).rejects.toMatchObject({ kind: 'network' });
      expect(sim.stats.requests).toBe(3);
      sim.stats.reset();
      await expect(c.put(`/nodes/${sim.state.vm(8203)!.node}/qemu/8203/config`, { description: 'dropped' })).rejects.toMatchObject({ kind: 'network' });
      expect(sim.stats.requests).toBe(1);
    } finally {
      sim.faults.set({ dropRate: 0 });
    }
  });
});

describe('connection pool', () => {
  it('caps connections and keeps them alive between requests', async () => {
    const c = pinned({ maxConnections: 2 });
    sim.faults.set({ latencyMs: 20 });
    let most = 0;
    try {
      const sampler = setInterval(() => (most = Math.max(most, c.connections.connected)), 2);
      await Promise.all(Array.from({ length: 20 }, () => c.get('/version')));
      clearInterval(sampler);
    } finally {
      sim.faults.set({ latencyMs: 0 });
    }
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(2);
    await c.get('/version');
    expect(c.connections.connected).toBeGreaterThanOrEqual(1);
    expect(c.stats.requests).toBe(21);
  });
});

describe('secrets', () => {
  it('never shows the token secret, password, ticket or CSRF token in logs, errors or stats', async () => {
    const lines: string[] = [];
    const log = (l: string) => lines.push(l);
    const c = pinned({ logger: log });
    await c.get('/version');
    await c.get('/nodes/pve1/qemu/1234/config').catch((e: unknown) => lines.push(String((e as Error).message), String((e as Error).stack)));
    await c.post('/nodes/pve1/qemu/8200/snapshot', { snapname: '!' }).catch((e: unknown) => lines.push(JSON.stringify(e), String(e)));
    const t = ticketClient({ logger: log });
    await putQemuConfig(t, sim.state.vm(8200)!.node, 8200, { description: 'secret check' });
    sim.faults.set({ errorRate: 1 });
    await t.get('/version').catch((e: unknown) => lines.push(JSON.stringify(e), String((e as Error).stack)));
    sim.faults.set({ errorRate: 0 });
    const all = lines.join('\n');
    expect(lines.length).toBeGreaterThan(6);
    expect(all).not.toContain(sim.credentials.tokenSecret);
    expect(all).not.toMatch(/PVE:root@pam:[0-9A-F]{8}/);
    expect(all).not.toMatch(/password/i);
    expect(JSON.stringify({ a: c.stats, b: t.stats })).not.toContain(sim.credentials.tokenSecret);
  });
});
