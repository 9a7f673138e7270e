// `moxxie serve` as a process: refused binds, a token file readable by others, and a non-loopback server with
// a bearer token and a self-signed certificate whose printed fingerprint is the one it serves.
import { chmodSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { cliEnvironment, startCli } from '../fixtures/cli-process.js';
import { tempDir } from '../fixtures/temp-dirs.js';
import { until } from '../fixtures/wait.js';

let sim: Simulator;
let dir: string;
let env: Record<string, string>;
const TOKEN = '5f0c2a7d9e1b4c3a8d6e2f1a0b9c8d7e';

beforeAll(async () => {
  sim = await startSimulator({ taskDurationMs: 30 });
  dir = tempDir('serve');
  env = cliEnvironment(sim, dir);
});
afterAll(async () => sim?.close());

it('refuses a non-loopback bind without a token, and a token file others can read', async () => {
  const open = await startCli(['serve', '--host', '0.0.0.0'], env).done;
  expect(open.code).toBe(2);
  expect(open.err).toContain('refusing to listen on 0.0.0.0 without a bearer token');
  const file = join(dir, 'token-open');
  writeFileSync(file, TOKEN, { mode: 0o644 });
  chmodSync(file, 0o644);
  const readable = await startCli(['serve', '--host', '0.0.0.0', '--port', '0', '--token-file', file], env).done;
  expect(readable.code).toBe(2);
  expect(readable.err).toContain('chmod 600');
  expect(readable.err + readable.out).not.toContain(TOKEN);
});

it('serves HTTPS with a self-signed certificate and the bearer token; the access log is JSON lines', async () => {
  const file = join(dir, 'token');
  writeFileSync(file, `${TOKEN}\n`, { mode: 0o600 });
  const serve = startCli(['serve', '--host', '0.0.0.0', '--port', '0', '--token-file', file, '--json'], env);
  try {
    const lines = () => serve.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; message?: string; url?: string; status?: number });
    const listening = await until('the server to listen', () => lines().find((l) => l.message?.includes('/api/v1')), 90_000);
    const port = Number(/:(\d+)\/api\/v1/.exec(listening.message!)![1]);
    const printed = await until('the fingerprint line', () => lines().find((l) => l.message?.includes('SHA-256 fingerprint')));
    const call = (method: string, path: string, token?: string) =>
      new Promise<{ status: number; body: any; fingerprint: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path, method, rejectUnauthorized: false, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
          let text = '';
          const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
          res.on('data', (d: Buffer) => (text += String(d)));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), fingerprint }));
        });
        req.on('error', reject);
        req.end();
      });
    const anonymous = await call('GET', '/api/v1/vms/8200');
    expect(anonymous.status).toBe(401);
    expect(printed.message).toContain(anonymous.fingerprint);
    const vm = await call('GET', '/api/v1/vms/8200', TOKEN);
    expect(vm.status).toBe(200);
    expect(vm.body.name).toBe('workshop-wk-01');
    const stop = await call('POST', '/api/v1/vms/8201/stop?wait=true', TOKEN);
    expect(stop.status).toBe(200);
    expect(sim.state.vm(8201)!.status).toBe('stopped');
    await until('the access log line', () => lines().some((l) => l.event === 'request' && l.url === '/api/v1/vms/8201/stop?wait=true' && l.status === 200));
  } finally {
    serve.p.kill('SIGTERM');
  }
  const exit = await serve.done;
  expect(exit.code).toBe(0);
  expect(exit.out + exit.err).not.toContain(TOKEN);
}, 120_000);
