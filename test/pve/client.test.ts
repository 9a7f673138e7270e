import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PveClient } from '../../src/pve/client.js';
import { PveError, PveLockedError, PvePermissionError } from '../../src/pve/errors.js';
import { postQemuSnapshot, putQemuConfig, getQemuConfig } from '../../src/pve/endpoints/qemu.js';
import { parseUpid } from '../../src/pve/upid.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { tokenClient } from '../fixtures/cluster.js';

let sim: Simulator;
const clients: PveClient[] = [];
const track = (c: PveClient) => (clients.push(c), c);
beforeAll(async () => {
  sim = await startSimulator({ vms: 40, taskDurationMs: 30 });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sim.close();
});

describe('authentication over HTTPS', () => {
  it('uses an API token, also given as one string', async () => {
    const c = track(tokenClient(sim));
    expect((await c.get<{ version: string }>('/version')).version).toBe('8.4.1');
    const one = track(new PveClient({ url: sim.url, auth: { token: `${sim.credentials.tokenId}=${sim.credentials.tokenSecret}` }, tls: { fingerprint: sim.fingerprint } }));
    expect((await one.get<unknown[]>('/nodes')).length).toBe(4);
  });

  it('logs in with user and password, sends CSRF on writes, and writes', async () => {
    const c = track(new PveClient({ url: sim.url, auth: { username: 'root', realm: 'pam', password: 'moxxie' }, tls: { fingerprint: sim.fingerprint } }));
    await putQemuConfig(c, 'pve1', 8200, { description: 'via ticket' });
    expect(sim.state.vm(8200)?.config.description).toBe('via ticket');
  });

  it('renews the ticket on a 401 during a longer run', async () => {
    sim.faults.set({ ticketLifetimeSeconds: 1 });
    try {
      const c = track(new PveClient({ url: sim.url, auth: { username: 'root@pam', password: 'moxxie' }, tls: { fingerprint: sim.fingerprint } }));
      for (let i = 0; i < 3; i++) {
        await putQemuConfig(c, 'pve1', 8200, { description: `renewal ${i}` });
        await new Promise((r) => setTimeout(r, 1300));
      }
      expect(sim.state.vm(8200)?.config.description).toBe('renewal 2');
      expect(sim.stats.byRoute['POST /access/ticket']).toBeGreaterThanOrEqual(3);
    } finally {
      sim.faults.set({ ticketLifetimeSeconds: 7200 });
    }
  });

  it('reports bad credentials as an auth error with a hint and without the password', async () => {
    const c = track(new PveClient({ url: sim.url, auth: { username: 'root@pam', password: 'Sup3rSecretPw' }, tls: { fingerprint: sim.fingerprint } }));
    const err = await c.get('/version').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PveError);
    expect((err as PveError).kind).toBe('auth');
    expect((err as PveError).hint).toMatch(/config test/);
    expect(JSON.stringify({ m: (err as Error).message, s: (err as Error).stack })).not.toContain('Sup3rSecretPw');
  });
});

describe('TLS', () => {
  it('accepts the right fingerprint and refuses a wrong one naming both', async () => {
    const wrong = 'AA:'.repeat(31) + 'AA';
    const c = track(new PveClient({ url: sim.url, auth: { tokenId: sim.credentials.tokenId, tokenSecret: sim.credentials.tokenSecret }, tls: { fingerprint: wrong }, readAttempts: 1 }));
    const err = (await c.get('/version').catch((e: unknown) => e)) as PveError;
    expect(err.kind).toBe('tls');
    expect(err.message).toContain(wrong);
    expect(err.message).toContain(sim.fingerprint);
  });

  it('verifies by default, so a self-signed certificate is refused with advice', async () => {
    const c = track(new PveClient({ url: sim.url, auth: { tokenId: sim.credentials.tokenId, tokenSecret: sim.credentials.tokenSecret }, readAttempts: 1 }));
    const err = (await c.get('/version').catch((e: unknown) => e)) as PveError;
    expect(err.kind).toBe('tls');
    expect(err.hint).toMatch(/fingerprint/);
  });

  it('trusts a CA file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moxxie-ca-'));
    writeFileSync(join(dir, 'ca.pem'), sim.certPem);
    const c = track(new PveClient({ url: sim.url, auth: { tokenId: sim.credentials.tokenId, tokenSecret: sim.credentials.tokenSecret }, tls: { caFile: join(dir, 'ca.pem') } }));
    expect((await c.get<{ release: string }>('/version')).release).toBe('8.4');
  });

  it('skips verification only when insecure is set, and warns', async () => {
    const lines: string[] = [];
    const c = track(new PveClient({ url: sim.url, auth: { tokenId: sim.credentials.tokenId, tokenSecret: sim.credentials.tokenSecret }, tls: { insecure: true }, logger: (l) => lines.push(l) }));
    expect((await c.get<{ release: string }>('/version')).release).toBe('8.4');
    expect(lines.some((l) => /warning: TLS verification is disabled/.test(l))).toBe(true);
  });
});

describe('typed errors and retries', () => {
  it('types an offline node (595) as unreachable', async () => {
    sim.faults.set({ offlineNodes: ['pve3'] });
    try {
      const c = track(tokenClient(sim, { readAttempts: 2 }));
      const err = (await c.get('/nodes/pve3/status').catch((e: unknown) => e)) as PveError;
      expect(err.kind).toBe('unreachable');
      expect(err.status).toBe(595);
    } finally {
      sim.faults.set({ offlineNodes: [] });
    }
  });

  it('retries a GET on 5xx but never a POST', async () => {
    const c = track(tokenClient(sim, { readAttempts: 3 }));
    sim.faults.set({ errorRate: 1, errorStatus: 502 });
    try {
      sim.stats.reset();
      await expect(c.get('/version')).rejects.toMatchObject({ kind: 'server', status: 502 });
      expect(sim.stats.requests).toBe(3);
      sim.stats.reset();
      await expect(c.post('/nodes/pve1/qemu/8200/snapshot', { snapname: 'never' })).rejects.toMatchObject({ status: 502 });
      expect(sim.stats.requests).toBe(1);
    } finally {
      sim.faults.set({ errorRate: 0 });
    }
  });

  it('types parameter errors with their per-parameter messages', async () => {
    const c = track(tokenClient(sim));
    const err = (await c.post('/nodes/pve1/qemu/8200/snapshot', { snapname: '9x' }).catch((e: unknown) => e)) as PveError;
    expect(err.kind).toBe('parameter');
    expect(err.errors?.snapname).toContain("invalid configuration ID '9x'");
  });

  it('types a locked VM with its lock', async () => {
    const c = track(tokenClient(sim));
    const upid = await postQemuSnapshot(c, 'pve2', 8201, { snapname: 'holdlock' });
    const err = (await putQemuConfig(c, 'pve2', 8201, { description: 'x' }).catch((e: unknown) => e)) as PveLockedError;
    expect(err).toBeInstanceOf(PveLockedError);
    expect(err.lock).toBe('snapshot');
    await c.waitForTask(upid);
  });

  it('names the missing privilege on 403', async () => {
    const c = track(new PveClient({ url: sim.url, auth: { username: 'auditor@pve', password: 'moxxie' }, tls: { fingerprint: sim.fingerprint } }));
    const err = (await c.post('/nodes/pve1/qemu/8200/status/start').catch((e: unknown) => e)) as PvePermissionError;
    expect(err).toBeInstanceOf(PvePermissionError);
    expect(err.privilege).toBe('VM.PowerMgmt');
    expect(err.aclPath).toBe('/vms/8200');
  });

  it('types a missing VM as not found', async () => {
    const c = track(tokenClient(sim));
    await expect(getQemuConfig(c, 'pve1', 999999)).rejects.toMatchObject({ kind: 'not-found' });
  });
});

describe('tasks', () => {
  it('parses UPIDs', () => {
    const u = parseUpid('UPID:pve1:0012F8A6:0A3B2B1E:65A50059:qmstart:100:root@pam:');
    expect(u).toMatchObject({ node: 'pve1', pid: 0x12f8a6, pstart: 0x0a3b2b1e, starttime: 0x65a50059, type: 'qmstart', id: '100', user: 'root@pam' });
    expect(() => parseUpid('UPID:pve1:bad')).toThrow(/not a PVE task id/);
  });

  it('waits for a task, reports failure text, honours timeouts, and reads the log', async () => {
    const c = track(tokenClient(sim));
    const ok = await c.waitForTask(await postQemuSnapshot(c, 'pve1', 8200, { snapname: 'waited' }));
    expect(ok.ok).toBe(true);
    const dup = await c.waitForTask(await postQemuSnapshot(c, 'pve1', 8200, { snapname: 'waited' }));
    expect(dup).toMatchObject({ ok: false, exitstatus: "snapshot name 'waited' already used" });
    sim.faults.set({ taskDurationMs: 2000 });
    try {
      const slow = await postQemuSnapshot(c, 'pve1', 8200, { snapname: 'slow' });
      await expect(c.waitForTask(slow, { timeoutMs: 100 })).rejects.toMatchObject({ kind: 'timeout' });
      const ac = new AbortController();
      const waiting = c.waitForTask(slow, { signal: ac.signal });
      ac.abort();
      await expect(waiting).rejects.toMatchObject({ kind: 'cancelled' });
      const log = await c.taskLog(ok.upid);
      expect(log.lines.at(-1)?.t).toBe('TASK OK');
      await c.waitForTask(slow);
    } finally {
      sim.faults.set({ taskDurationMs: 30 });
    }
  });

  it('follows 500 concurrent tasks on 8 nodes with about one list call per node per interval', async () => {
    const big = await startSimulator({ nodes: 8, vms: 520, taskDurationMs: 400 });
    const c = tokenClient(big, { taskPollIntervalMs: 50, maxConnections: 16 });
    try {
      const inv = (await c.get<Array<{ vmid: number; node: string; type: string; template: number }>>('/cluster/resources', { type: 'vm' })).filter((v) => v.type === 'qemu' && !v.template).slice(0, 500);
      expect(inv).toHaveLength(500);
      const upids = await Promise.all(inv.map((v) => postQemuSnapshot(c, v.node, v.vmid, { snapname: 'watched' })));
      big.stats.reset();
      const started = Date.now();
      const results = await Promise.all(upids.map((u) => c.waitForTask(u)));
      const elapsed = Date.now() - started;
      expect(results.every((r) => r.ok)).toBe(true);
      const intervals = Math.ceil(elapsed / 50) + 2;
      // One list per node per interval, plus a status call only for tasks the list could not place.
      expect(big.stats.requests).toBeLessThanOrEqual(intervals * 8 + 10);
      expect(big.stats.byRoute['GET /nodes/{node}/tasks/{upid}/status'] ?? 0).toBeLessThanOrEqual(10);
      expect(big.state.vms().filter((v) => v.snapshots.some((s) => s.name === 'watched'))).toHaveLength(500);
    } finally {
      await c.close();
      await big.close();
    }
  });
});

describe('secrets', () => {
  it('never shows the token secret or password in logs, errors or stats', async () => {
    const lines: string[] = [];
    const c = track(new PveClient({ url: sim.url, auth: { tokenId: sim.credentials.tokenId, tokenSecret: sim.credentials.tokenSecret }, tls: { fingerprint: sim.fingerprint }, logger: (l) => lines.push(l) }));
    await c.get('/version');
    await c.get('/nodes/pve1/qemu/1234/config').catch((e: unknown) => lines.push(String((e as Error).message), String((e as Error).stack)));
    await c.post('/nodes/pve1/qemu/8200/snapshot', { snapname: '!' }).catch((e: unknown) => lines.push(JSON.stringify(e), String(e)));
    const all = lines.join('\n');
    expect(lines.length).toBeGreaterThan(3);
    expect(all).not.toContain(sim.credentials.tokenSecret);
    expect(all).not.toContain('moxxie\n');
    expect(JSON.stringify(c.stats)).not.toContain(sim.credentials.tokenSecret);
  });

  it('refuses malformed auth settings naming the field', () => {
    expect(() => new PveClient({ url: sim.url, auth: { tokenId: 'nobang', tokenSecret: 'x' } })).toThrow(/auth.tokenId/);
    expect(() => new PveClient({ url: 'pve1:8006', auth: { tokenId: 'a@pam!b', tokenSecret: 'x' } })).toThrow(/url/);
    expect(() => new PveClient({ url: sim.url, auth: { token: 'noequals' } })).toThrow(/auth.token/);
  });
});
