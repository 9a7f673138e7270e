import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { controlWallClock } from '../fixtures/clock.js';
import { login, raw, tokenHeaders } from './http.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ http: true, vms: 20, taskDurationMs: 20 });
});
afterAll(() => sim.close());

describe('ticket login', () => {
  it('issues a ticket, CSRF token, username, clustername and cap on a good login', async () => {
    const res = await raw(sim, 'POST', '/access/ticket', { form: { username: 'root@pam', password: 'moxxie' } });
    expect(res.status).toBe(200);
    const data = res.body!.data as Record<string, unknown>;
    expect(data.username).toBe('root@pam');
    expect(String(data.ticket)).toMatch(/^PVE:root@pam:[0-9A-F]{8}::\S+$/);
    expect(String(data.CSRFPreventionToken)).toMatch(/^[0-9A-F]{8}:\S{43}$/);
    expect(data.clustername).toBe('moxxie-sim');
    expect(Object.keys(data.cap as object).sort()).toEqual(['access', 'dc', 'mapping', 'nodes', 'sdn', 'storage', 'vms']);
  });

  it('accepts a bare user with a realm, and a JSON body', async () => {
    expect((await raw(sim, 'POST', '/access/ticket', { form: { username: 'root', realm: 'pam', password: 'moxxie' } })).status).toBe(200);
    expect((await raw(sim, 'POST', '/access/ticket', { json: { username: 'root@pam', password: 'moxxie' } })).status).toBe(200);
  });

  it('answers 401 "authentication failure" to a wrong password and to an unknown user alike', async () => {
    const wrong = await raw(sim, 'POST', '/access/ticket', { form: { username: 'root@pam', password: 'nope' } });
    const unknown = await raw(sim, 'POST', '/access/ticket', { form: { username: 'ghost@pam', password: 'moxxie' } });
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(res.statusText).toBe('authentication failure');
    }
  });

  it('renews a ticket when the current ticket is sent as the password', async () => {
    const first = await login(sim);
    const renewed = await raw(sim, 'POST', '/access/ticket', { form: { username: 'root@pam', password: first.ticket } });
    expect(renewed.status).toBe(200);
    expect((renewed.body!.data as { username: string }).username).toBe('root@pam');
  });

  it('answers the realm list without authentication', async () => {
    const res = await raw(sim, 'GET', '/access/domains');
    expect((res.body!.data as Array<{ realm: string }>).map((r) => r.realm)).toEqual(['pam', 'pve']);
  });
});

describe('ticket use and CSRF', () => {
  it('answers 401 "No ticket" without credentials, also on unknown paths', async () => {
    for (const path of ['/version', '/nodes/pve1/frobnicate']) {
      const res = await raw(sim, 'GET', path);
      expect(res.status).toBe(401);
      expect(res.statusText).toBe('No ticket');
      expect(res.body).toBeNull();
    }
  });

  it('reads with the ticket cookie (or the Authorization fallback) without CSRF', async () => {
    const t = await login(sim);
    expect((await raw(sim, 'GET', '/version', { headers: { cookie: t.cookie } })).status).toBe(200);
    expect((await raw(sim, 'GET', '/version', { headers: { authorization: `PVEAuthCookie=${t.ticket}` } })).status).toBe(200);
  });

  it('refuses a write with a ticket but without (or with a wrong) CSRF token with 401, and changes nothing', async () => {
    const t = await login(sim);
    const before = sim.state.vm(8200)!.config.description;
    const missing = await raw(sim, 'PUT', '/nodes/pve1/qemu/8200/config', { headers: { cookie: t.cookie }, form: { description: 'no csrf' } });
    expect(missing.status).toBe(401);
    expect(missing.statusText).toBe('Permission denied - invalid csrf token');
    const wrong = await raw(sim, 'PUT', '/nodes/pve1/qemu/8200/config', { headers: { cookie: t.cookie, csrfpreventiontoken: '65A50059:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, form: { description: 'bad csrf' } });
    expect(wrong.status).toBe(401);
    expect(sim.state.vm(8200)!.config.description).toBe(before);
    const ok = await raw(sim, 'PUT', '/nodes/pve1/qemu/8200/config', { headers: { cookie: t.cookie, csrfpreventiontoken: t.CSRFPreventionToken }, form: { description: 'with csrf' } });
    expect(ok.status).toBe(200);
    expect(sim.state.vm(8200)!.config.description).toBe('with csrf');
  });

  it('refuses a forged ticket', async () => {
    const t = await login(sim);
    const forged = t.ticket.replace('root@pam', 'auditor@pve');
    const res = await raw(sim, 'GET', '/version', { headers: { cookie: `PVEAuthCookie=${encodeURIComponent(forged)}` } });
    expect(res.status).toBe(401);
    expect(res.statusText).toBe('Authentication failed!');
  });

  it('refuses an expired ticket with 401 Authentication failed!', async () => {
    const short = await startSimulator({ http: true, vms: 0, ticketLifetimeSeconds: 1 });
    // The simulator reads a ticket's age from Date: move it on 2.1 s instead of waiting for them.
    const clock = controlWallClock();
    try {
      const t = await login(short);
      expect((await raw(short, 'GET', '/version', { headers: { cookie: t.cookie } })).status).toBe(200);
      clock.jump(2100);
      const res = await raw(short, 'GET', '/version', { headers: { cookie: t.cookie } });
      expect(res.status).toBe(401);
      expect(res.statusText).toBe('Authentication failed!');
      const renew = await raw(short, 'POST', '/access/ticket', { form: { username: 'root@pam', password: t.ticket } });
      expect(renew.status).toBe(401);
    } finally {
      clock.restore();
      await short.close();
    }
  });
});

describe('API tokens', () => {
  it('accepts the token without CSRF; its secret is a UUID and tasks name the token', async () => {
    expect(sim.credentials).toMatchObject({ username: 'root@pam', password: 'moxxie', realm: 'pam', tokenId: 'root@pam!moxxie' });
    expect(sim.credentials.tokenSecret).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const res = await raw(sim, 'POST', '/nodes/pve1/qemu/8200/snapshot', { headers: tokenHeaders(sim), form: { snapname: 'bytoken' } });
    expect(res.status).toBe(200);
    expect(String(res.body!.data)).toContain(':qmsnapshot:8200:root@pam!moxxie:');
    const status = (await raw(sim, 'GET', `/nodes/pve1/tasks/${encodeURIComponent(String(res.body!.data))}/status`, { headers: tokenHeaders(sim) })).body!.data;
    expect(status).toMatchObject({ user: 'root@pam', tokenid: 'moxxie' });
  });

  it('accepts a space instead of = after PVEAPIToken', async () => {
    const res = await raw(sim, 'GET', '/version', { headers: { authorization: `PVEAPIToken ${sim.credentials.tokenId}=${sim.credentials.tokenSecret}` } });
    expect(res.status).toBe(200);
  });

  it('refuses a wrong secret and an unknown token with 401', async () => {
    for (const header of [`PVEAPIToken=${sim.credentials.tokenId}=00000000-0000-0000-0000-000000000000`, `PVEAPIToken=root@pam!other=${sim.credentials.tokenSecret}`]) {
      const res = await raw(sim, 'GET', '/version', { headers: { authorization: header } });
      expect(res.status).toBe(401);
      expect(res.statusText).toBe('Authentication failed!');
    }
  });

  it('refuses ticket-only endpoints to tokens with 403', async () => {
    const res = await raw(sim, 'PUT', '/access/password', { headers: tokenHeaders(sim), form: { userid: 'root@pam', password: 'x12345' } });
    expect(res.status).toBe(403);
    expect(res.statusText).toBe("URI '/access/password' not available with API token, need proper ticket.");
  });

  it('refuses root-only options to a token (it is not root@pam), but accepts them set to 0', async () => {
    const refused = await raw(sim, 'POST', '/nodes/pve1/qemu/8200/status/stop', { headers: tokenHeaders(sim), form: { skiplock: '1' } });
    expect(refused.status).toBe(400);
    expect(refused.body!.errors).toEqual({ skiplock: 'Only root may use this option.' });
    const t = await login(sim);
    const asRoot = await raw(sim, 'PUT', '/nodes/pve1/qemu/8200/config', { headers: { cookie: t.cookie, csrfpreventiontoken: t.CSRFPreventionToken }, form: { skiplock: '1', description: 'root may' } });
    expect(asRoot.status).toBe(200);
  });
});

describe('permissions', () => {
  it('answers 403 naming path and privilege for a read-only user, who may still read', async () => {
    const t = await login(sim, 'auditor@pve', 'moxxie');
    const headers = { cookie: t.cookie, csrfpreventiontoken: t.CSRFPreventionToken };
    expect((await raw(sim, 'GET', '/cluster/resources', { headers })).status).toBe(200);
    const res = await raw(sim, 'POST', '/nodes/pve1/qemu/8200/status/start', { headers });
    expect(res.status).toBe(403);
    expect(res.statusText).toBe('Permission check failed (/vms/8200, VM.PowerMgmt)');
  });
});

describe('HTTPS', () => {
  it('serves a self-signed certificate whose SHA-256 fingerprint is printed in PVE notation and reported by /nodes', async () => {
    const tls = await startSimulator({ vms: 0 });
    try {
      expect(tls.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(tls.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      expect(new X509Certificate(tls.certPem).fingerprint256).toBe(tls.fingerprint);
      const port = Number(new URL(tls.url).port);
      const served = await new Promise<string>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
          resolve(socket.getPeerX509Certificate()!.fingerprint256);
          socket.end();
        });
        socket.on('error', reject);
      });
      expect(served).toBe(tls.fingerprint);
      // Trusting the certificate itself (as a pinned CA) validates host 127.0.0.1.
      const dispatcher = new Agent({ connect: { ca: tls.certPem } });
      try {
        const res = await undiciFetch(`${tls.url}/api2/json/nodes`, { headers: tokenHeaders(tls), dispatcher });
        const nodes = ((await res.json()) as { data: Array<{ ssl_fingerprint: string }> }).data;
        expect(nodes.every((n) => n.ssl_fingerprint === tls.fingerprint)).toBe(true);
      } finally {
        await dispatcher.close();
      }
      // Without trust, verification fails, as against a real PVE node.
      await expect(undiciFetch(`${tls.url}/api2/json/version`)).rejects.toThrow();
    } finally {
      await tls.close();
    }
  });
});
