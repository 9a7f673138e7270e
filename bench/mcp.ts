// MCP figures: tools/list latency, the default list_vms answer size at 10,000 VMs, a 100-VM bulk snapshot.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMcpServer } from '../mcp/server.js';
import { HistoryStore } from '../src/history/store.js';
import { createCore } from '../src/ops/core.js';
import { PveClient } from '../src/pve/client.js';
import { JobManager } from '../src/schedule/jobs.js';
import { startSimulator, type Simulator } from '../src/sim/index.js';

async function connect(sim: Simulator, pollMs: number): Promise<{ client: Client; close: () => Promise<void> }> {
  const pve = new PveClient({ url: sim.url, auth: { tokenId: sim.credentials.tokenId, tokenSecret: sim.credentials.tokenSecret }, tls: { fingerprint: sim.fingerprint }, taskPollIntervalMs: pollMs });
  const core = createCore({ context: { name: 'bench', url: sim.url, readOnly: false, safeMode: false, demo: false }, client: pve });
  const history = new HistoryStore({ dir: mkdtempSync(join(tmpdir(), 'moxxie-bench-mcp-')) });
  const server = createMcpServer({ core, jobs: new JobManager(history, core), history, readOnly: false });
  const [a, b] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await Promise.all([server.connect(a), client.connect(b)]);
  return { client, close: async () => (await client.close(), await pve.close()) };
}

export async function run(): Promise<void> {
  const big = await startSimulator({ vms: 10_000, nodes: 32 });
  const a = await connect(big, 1000);
  const times: number[] = [];
  for (let i = 0; i < 21; i++) {
    const t = performance.now();
    await a.client.listTools();
    times.push(performance.now() - t);
  }
  times.sort((x, y) => x - y);
  console.log(`mcp tools/list ms: ${times[10].toFixed(2)} (median of 21, in-memory transport)`);
  const res = await a.client.callTool({ name: 'list_vms', arguments: {} });
  console.log(`mcp list_vms 10k-vms bytes: ${Buffer.byteLength(JSON.stringify(res))} (default call: 50 compact rows of ${(res.structuredContent as { total: number }).total} VMs, totals, counts)`);
  await a.close();
  await big.close();

  const sim = await startSimulator({ vms: 120, nodes: 4, taskDurationMs: 200 });
  const b = await connect(sim, 50);
  const t = performance.now();
  const r = await b.client.callTool({ name: 'create_snapshots', arguments: { selector: 'id:100-199', snapshotName: 'bench-{vmid}', maxParallel: 20 } });
  const ms = performance.now() - t;
  const counts = (r.structuredContent as { counts: Record<string, number> }).counts;
  console.log(`mcp create_snapshots 100-vms ms: ${ms.toFixed(0)} (${counts.succeeded} succeeded; maxParallel 20, simulated task 200 ms, ideal 1000 ms)`);
  await b.close();
  await sim.close();
}
