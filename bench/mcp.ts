// MCP figures: tools/list latency and size (default toolsets, all), the size of the default list_vms answer on a 10,000-VM cluster, and a
// 100-VM bulk snapshot through the tool (plan, PVE tasks, progress), all over the in-memory transport.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ListToolsResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { createMcpServer } from '../mcp/server.js';
import type { ToolSelection } from '../mcp/toolsets.js';
import { HistoryStore } from '../src/history/store.js';
import { createCore } from '../src/ops/core.js';
import { PveClient } from '../src/pve/client.js';
import { JobManager } from '../src/schedule/jobs.js';
import { startSimulator, type Simulator } from '../src/sim/index.js';

async function connect(sim: Simulator, pollMs: number, selection: ToolSelection = {}): Promise<{ client: Client; close: () => Promise<void> }> {
  const pve = new PveClient({ url: sim.url, auth: { tokenId: sim.credentials.tokenId, tokenSecret: sim.credentials.tokenSecret }, tls: { fingerprint: sim.fingerprint }, taskPollIntervalMs: pollMs });
  const core = createCore({ context: { name: 'bench', url: sim.url, readOnly: false, safeMode: false, demo: false }, client: pve });
  const history = new HistoryStore({ dir: mkdtempSync(join(tmpdir(), 'moxxie-bench-mcp-')) });
  const server = createMcpServer({ core, jobs: new JobManager(history, core), history, readOnly: false, selection });
  const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  return {
    client,
    close: async () => {
      await client.close();
      await history.flush();
      await core.close();
      await pve.close();
    },
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function run(): Promise<void> {
  const big = await startSimulator({ vms: 10_000, nodes: 32 });
  const a = await connect(big, 1000);
  // The tools/list round trip itself. (The SDK client's listTools() also compiles a validator for every
  // output schema on each call; that is the client's cost, not the server's, so it is left out.)
  const listTools = () => a.client.request({ method: 'tools/list' }, ListToolsResultSchema);
  await listTools(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < 31; i++) {
    const t = performance.now();
    await listTools();
    times.push(performance.now() - t);
  }
  console.log(`mcp tools/list ms: ${median(times).toFixed(2)}`);
  // The catalog's size as a client's context receives it: the default toolsets, and every toolset.
  console.log(`mcp tools/list default bytes: ${Buffer.byteLength(JSON.stringify(await listTools()))}`);
  const all = await connect(big, 1000, { toolsets: 'all' });
  console.log(`mcp tools/list all bytes: ${Buffer.byteLength(JSON.stringify(await all.client.request({ method: 'tools/list' }, ListToolsResultSchema)))}`);
  await all.close();
  const res = await a.client.callTool({ name: 'list_vms', arguments: {} });
  console.log(`mcp list_vms 10k-vms bytes: ${Buffer.byteLength(JSON.stringify(res))}`);
  await a.close();
  await big.close();

  // 100 VMs (ids 100-199), simulated 200 ms tasks, maxParallel 20: the ideal makespan is 1000 ms.
  const sim = await startSimulator({ vms: 120, nodes: 4, taskDurationMs: 200 });
  const b = await connect(sim, 50);
  const t = performance.now();
  const r = await b.client.callTool({ name: 'create_snapshots', arguments: { selector: 'id:100-199', snapshotName: 'bench-{vmid}', maxParallel: 20 } }, undefined, { onprogress: () => undefined });
  const ms = performance.now() - t;
  const counts = (r.structuredContent as { counts: Record<string, number> }).counts;
  if (counts.succeeded !== 100) throw new Error(`bench: expected 100 snapshots, got ${JSON.stringify(counts)}`);
  console.log(`mcp create_snapshots 100-vms ms: ${ms.toFixed(0)}`);
  await b.close();
  await sim.close();

  await longOperation();
}

/**
 * A 300-VM snapshot through the SDK's client with a client timeout (300 ms) far shorter than the operation
 * (300 VMs x 100 ms tasks, 20 at a time: about 1.5 s): the client gives up and sends its cancellation; the
 * operation must run to the end. Counted from the simulator: VMs without the snapshot, and cancelled targets.
 */
async function longOperation(): Promise<void> {
  const sim = await startSimulator({ vms: 320, nodes: 4, taskDurationMs: 100 });
  const c = await connect(sim, 50);
  const ids = sim.state.vms().filter((v) => !v.template).map((v) => v.vmid).sort((x, y) => x - y).slice(0, 300);
  const timedOut = await c.client
    .callTool({ name: 'create_snapshots', arguments: { selector: `id:${ids.join(',')}`, snapshotName: 'long-op', maxParallel: 20 } }, undefined, { timeout: 300 })
    .then(() => false, (err: unknown) => /timed out/i.test(String(err)));
  if (!timedOut) throw new Error('bench: the client was meant to time out before the operation finished');
  let op: { id: string; status: string; counts: Record<string, number> } | undefined;
  for (;;) {
    const list = (await c.client.callTool({ name: 'list_operations', arguments: {} })).structuredContent as { operations: Array<{ id: string; status: string; counts: Record<string, number> }> };
    op = list.operations.find((o) => o.status !== 'running' && o.status !== 'planned');
    if (op) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const snapshotted = sim.state.vms().filter((v) => v.snapshots.some((s) => s.name === 'long-op')).length;
  if (snapshotted + (op.counts.cancelled ?? 0) + (op.counts.failed ?? 0) + (op.counts.skipped ?? 0) !== 300) throw new Error(`bench: ${snapshotted} snapshotted, ${JSON.stringify(op.counts)}`);
  console.log(`mcp long-op cancelled-by-timeout: ${op.counts.cancelled ?? 0}`);
  await c.close();
  await sim.close();
}
