import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { raw } from './http.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ http: true, vms: 20, taskDurationMs: 20 });
});
afterAll(() => sim.close());

async function login(username = 'root@pam', password = 'moxxie') {
  return raw(sim, 'POST', '/access/ticket', { form: { username, password } });
}

describe('simulator authentication', () => {
  it('issues a ticket, CSRF token, username and cap on a good login', async () => {
    const res = await login();
    expect(res.status).toBe(200);
    const data = res.body!.data as Record<string, unknown>;
    expect(data.username).toBe('root@pam');
    expect(String(data.ticket)).toMatch(/^PVE:root@pam:[0-9A-F]{8}::/);
    expect(String(data.CSRFPreventionToken)).toMatch(/^[0-9A-F]{8}:/);
    expect(data.cap).toHaveProperty('vms');
  });

  it('accepts a bare user with realm', async () => {
    const res = await raw(sim, 'POST', '/access/ticket', { form: { username: 'root', realm: 'pam', password: 'moxxie' } });
    expect(res.status).toBe(200);
  });

  it('answers 401 "authentication failure" on a wrong password', async () => {
    const res = await login('root@pam', 'nope');
    expect(res.status).toBe(401);
    expect(res.statusText).toBe('authentication failure');
  });

  it('answers 401 No ticket without credentials', async () => {
    const res = await raw(sim, 'GET', '/version');
    expect(res.status).toBe(401);
    expect(res.statusText).toBe('No ticket');
  });

  it('reads with the ticket cookie, and refuses a write without the CSRF header', async () => {
    const data = (await login()).body!.data as { ticket: string; CSRFPreventionToken: string };
    const cookie = `PVEAuthCookie=${encodeURIComponent(data.ticket)}`;
    expect((await raw(sim, 'GET', '/version', { headers: { cookie } })).status).toBe(200);
    const noCsrf = await raw(sim, 'PUT', '/nodes/pve1/qemu/8200/config', { headers: { cookie }, form: { description: 'x' } });
    expect(noCsrf.status).toBe(401);
    expect(noCsrf.statusText).toBe('Permission denied - invalid csrf token');
    const withCsrf = await raw(sim, 'PUT', '/nodes/pve1/qemu/8200/config', { headers: { cookie, csrfpreventiontoken: data.CSRFPreventionToken }, form: { description: 'x' } });
    expect(withCsrf.status).toBe(200);
    expect(sim.state.vm(8200)?.config.description).toBe('x');
  });

  it('renews a ticket when the current ticket is sent as the password', async () => {
    const first = (await login()).body!.data as { ticket: string };
    const renewed = await login('root@pam', first.ticket);
    expect(renewed.status).toBe(200);
  });

  it('refuses an expired ticket with 401 Authentication failed!', async () => {
    const data = (await login()).body!.data as { ticket: string };
    sim.faults.set({ ticketLifetimeSeconds: 1 });
    try {
      await new Promise((r) => setTimeout(r, 2100));
      const res = await raw(sim, 'GET', '/version', { headers: { cookie: `PVEAuthCookie=${encodeURIComponent(data.ticket)}` } });
      expect(res.status).toBe(401);
      expect(res.statusText).toBe('Authentication failed!');
    } finally {
      sim.faults.set({ ticketLifetimeSeconds: 7200 });
    }
  });

  it('accepts the API token without CSRF and refuses a wrong secret', async () => {
    const good = `PVEAPIToken=${sim.credentials.tokenId}=${sim.credentials.tokenSecret}`;
    expect(sim.credentials.tokenSecret).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect((await raw(sim, 'PUT', '/nodes/pve1/qemu/8200/config', { headers: { authorization: good }, form: { description: 'tok' } })).status).toBe(200);
    const bad = await raw(sim, 'GET', '/version', { headers: { authorization: `PVEAPIToken=${sim.credentials.tokenId}=00000000-0000-0000-0000-000000000000` } });
    expect(bad.status).toBe(401);
  });

  it('refuses /access/ticket-only endpoints... and answers 403 naming the privilege for a read-only user', async () => {
    const data = (await login('auditor@pve', 'moxxie')).body!.data as { ticket: string; CSRFPreventionToken: string };
    const res = await raw(sim, 'POST', '/nodes/pve1/qemu/8200/status/start', { headers: { cookie: `PVEAuthCookie=${encodeURIComponent(data.ticket)}`, csrfpreventiontoken: data.CSRFPreventionToken } });
    expect(res.status).toBe(403);
    expect(res.body?.message).toContain('Permission check failed (/vms/8200, VM.PowerMgmt)');
  });
});
