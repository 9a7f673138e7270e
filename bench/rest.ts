// REST figures against a 10,000-VM simulator, over real HTTP on loopback: the full GET /vms list, GET
// /vms/{id} throughput, and the p99 latency of GET /vms under 200 concurrent requests.
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { request } from 'undici';
import { buildApp } from '../rest/app.js';
import { hostChecker } from '../src/net/listener-security.js';
import { HistoryStore } from '../src/history/store.js';
import { createCore } from '../src/ops/core.js';
import { PveClient } from '../src/pve/client.js';
import { JobManager } from '../src/schedule/jobs.js';
import { startSimulator } from '../src/sim/index.js';

const cpuMs = (since: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
};

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
  // The time to the answer's last byte. The client runs in this process, so it must cost little: undici's
  // request (not fetch and its WHATWG streams), and the body counted chunk by chunk, not concatenated (200
  // copies of a 2.4 MB list made the client, not the server, most of the figure).
  const get = async (path: string, headers: Record<string, string> = {}): Promise<number> => {
    const t = performance.now();
    const res = await request(`${base}${path}`, { headers });
    let bytes = 0;
    for await (const chunk of res.body) bytes += (chunk as Buffer).length;
    if (res.statusCode !== 200 || bytes === 0) throw new Error(`GET ${path}: HTTP ${res.statusCode}, ${bytes} bytes`);
    return performance.now() - t;
  };
  // What curl --compressed, Go's net/http, Python's requests and browsers send.
  const gzip = { 'accept-encoding': 'gzip' };
  const sample = await request(`${base}/vms`, { headers: gzip });
  const rows = JSON.parse(gunzipSync(Buffer.from(await sample.body.arrayBuffer())).toString()) as unknown[];
  if (sample.headers['content-encoding'] !== 'gzip' || rows.length < 9_000) throw new Error(`GET /vms with gzip: ${String(sample.headers['content-encoding'])}, ${rows.length} rows`);

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
  // The process's CPU time too (server, simulator and client alike): a figure the machine's load moves less.
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < ids.length) await get(`/vms/${ids[next++]}`);
    }),
  );
  console.log(`rest requests/s GET /vms/{id}: ${((ids.length / (performance.now() - t0)) * 1000).toFixed(0)}`);
  console.log(`rest cpu ms per GET /vms/{id} (whole process): ${(cpuMs(c0) / ids.length).toFixed(2)}`);

  // Each burst cold: its first request reads the inventory, the other 199 share that read and its answer.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const c1 = process.cpuUsage();
  const concurrent = await Promise.all(Array.from({ length: 200 }, () => get('/vms', gzip)));
  console.log(`rest p99 ms under 200 concurrent GET /vms: ${percentile(concurrent, 99).toFixed(1)}`);
  console.log(`rest cpu ms for 200 concurrent GET /vms (whole process): ${cpuMs(c1).toFixed(0)}`);
  // The same for clients that do not ask for compression (curl without --compressed): 490 MB on the wire.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const identity = await Promise.all(Array.from({ length: 200 }, () => get('/vms')));
  console.log(`rest p99 ms under 200 concurrent GET /vms, uncompressed: ${percentile(identity, 99).toFixed(1)}`);

  await app.close();
  await core.close();
  await history.flush();
  await pve.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
}
