// REST figures against a 10,000-VM simulator, over real HTTP on loopback: the full GET /vms list, GET
// /vms/{id} throughput, and the p99 latency of GET /vms under 200 concurrent requests.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { buildApp } from '../rest/app.js';
import { hostChecker } from '../src/net/listener-security.js';
import { HistoryStore } from '../src/history/store.js';
import { createCore } from '../src/ops/core.js';
import { PveClient } from '../src/pve/client.js';
import { JobManager } from '../src/schedule/jobs.js';
import { startSimulator } from '../src/sim/index.js';

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

export async function run(): Promise<void> {
  const sim = await startSimulator({ vms: 10_000, nodes: 32 });
  const pve = new PveClient({ url: sim.url, auth: { tokenId: sim.credentials.tokenId, tokenSecret: sim.credentials.tokenSecret }, tls: { fingerprint: sim.fingerprint } });
  const core = createCore({ context: { name: 'bench', url: sim.url, readOnly: false, safeMode: false, demo: false }, client: pve, frontEnd: 'api' });
  const dir = mkdtempSync(join(tmpdir(), 'moxxie-bench-rest-'));
  const history = new HistoryStore({ dir });
  const app = await buildApp({ core, jobs: new JobManager(history, core), history, hostAllowed: hostChecker('127.0.0.1'), log: () => undefined, version: 'bench' });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/v1`;
  const get = async (path: string): Promise<number> => {
    const t = performance.now();
    // undici's request, not fetch: the figure is the server's, not the cost of WHATWG streams in the client.
    const res = await request(`${base}${path}`);
    await res.body.arrayBuffer();
    if (res.statusCode !== 200) throw new Error(`GET ${path}: HTTP ${res.statusCode}`);
    return performance.now() - t;
  };

  await get('/vms'); // warm-up
  const times: number[] = [];
  // Each one cold: past the second in which a finished inventory read is shared (rest/inventory-reads.ts).
  for (let i = 0; i < 11; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1100));
    times.push(await get('/vms'));
  }
  console.log(`rest GET /vms 10k-vms ms: ${percentile(times, 50).toFixed(1)}`);

  // 16 clients at once for 300 requests over the demo's first VMs.
  const ids = Array.from({ length: 300 }, (_, i) => 100 + (i % 200));
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < ids.length) await get(`/vms/${ids[next++]}`);
    }),
  );
  console.log(`rest requests/s GET /vms/{id}: ${((ids.length / (performance.now() - t0)) * 1000).toFixed(0)}`);

  const concurrent = await Promise.all(Array.from({ length: 200 }, () => get('/vms')));
  console.log(`rest p99 ms under 200 concurrent GET /vms: ${percentile(concurrent, 99).toFixed(1)}`);

  await app.close();
  await core.close();
  await history.flush();
  await pve.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
}
