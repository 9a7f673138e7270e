// The MCP server on the real core and a simulated cluster, driven by an SDK client over the in-memory
// transport. Every successful call's structuredContent is also checked with the tool's own zod output
// shape (strict: no undeclared keys), on top of the SDK client's JSON-schema validation.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ElicitRequestSchema, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';
import { z } from 'zod';
import { toolCatalog } from '../../mcp/catalog.js';
import { Confirmations } from '../../mcp/confirmations.js';
import { PlanStore } from '../../mcp/plan-store.js';
import { createMcpServer } from '../../mcp/server.js';
import type { ToolSelection } from '../../mcp/toolsets.js';
import type { MoxxieCore } from '../../src/core.js';
import { HistoryStore } from '../../src/history/store.js';
import { createCore } from '../../src/ops/core.js';
import { JobManager } from '../../src/schedule/jobs.js';
import type { SimOptions } from '../../src/sim/index.js';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';
import { removeTempDir, tempDir } from '../fixtures/temp-dirs.js';

export interface CallResult {
  content: Array<{ type: string; text?: string }>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

export interface ConnectOptions {
  readOnly?: boolean;
  /** Answers elicitation requests; the client declares the capability only when given. */
  onElicit?: (message: string) => ElicitResult;
  confirmations?: Confirmations;
  /** How long a waiting bulk call waits before answering with the operation id. */
  maxWaitMs?: number;
  /** Which tools the server offers; the tests see every toolset unless they say otherwise. */
  selection?: ToolSelection;
}

export interface Harness {
  cluster: TestCluster;
  history: HistoryStore;
  jobs: JobManager;
  client: Client;
  connect(opts?: ConnectOptions): Promise<Client>;
  call(name: string, args?: Record<string, unknown>, client?: Client): Promise<CallResult>;
  close(): Promise<void>;
}

const outputShapes = new Map<string, z.ZodRawShape>();

/** The tools' zod output shapes, read from the catalogue (they do not depend on the context). */
function outputShape(tool: string, core: MoxxieCore, jobs: JobManager, history: HistoryStore): z.ZodRawShape {
  if (!outputShapes.size) {
    const ctx = { core, jobs, history, readOnly: false, confirmations: new Confirmations(), plans: new PlanStore(), askUser: async () => 'unavailable' as const };
    for (const spec of toolCatalog(ctx)) outputShapes.set(spec.name, spec.output);
  }
  const shape = outputShapes.get(tool);
  if (!shape) throw new Error(`no tool ${tool}`);
  return shape;
}

export function textOf(r: CallResult): string {
  return r.content.map((c) => c.text ?? '').join('\n');
}

export async function startHarness(simOpts: SimOptions = {}, coreContext: { safeMode?: boolean } = {}): Promise<Harness> {
  const cluster = await startCluster(simOpts, { context: { safeMode: coreContext.safeMode ?? false } });
  const historyDir = tempDir('mcp');
  const history = new HistoryStore({ dir: historyDir });
  const jobs = new JobManager(history, cluster.core, { frontEnd: 'mcp' });
  const clients: Client[] = [];

  const connect = async (opts: ConnectOptions = {}): Promise<Client> => {
    const core = opts.readOnly
      ? createCore({ context: { ...cluster.core.context, readOnly: true }, client: cluster.client })
      : cluster.core;
    const server = createMcpServer({ core, jobs: opts.readOnly ? new JobManager(history, core) : jobs, history, readOnly: !!opts.readOnly, confirmations: opts.confirmations, maxWaitMs: opts.maxWaitMs, selection: opts.selection ?? { toolsets: 'all' } });
    const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: 'moxxie-test', version: '1.0.0' }, { capabilities: opts.onElicit ? { elicitation: { form: {} } } : {} });
    if (opts.onElicit) {
      const answer = opts.onElicit;
      client.setRequestHandler(ElicitRequestSchema, (req) => answer(req.params.message));
    }
    await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
    // The client validates structuredContent against outputSchema only for tools it has listed.
    await client.listTools();
    clients.push(client);
    return client;
  };

  const client = await connect();
  const call = async (name: string, args: Record<string, unknown> = {}, cl: Client = client): Promise<CallResult> => {
    const r = (await cl.callTool({ name, arguments: args })) as CallResult;
    expect(r.content.length, `${name} answers with text`).toBeGreaterThan(0);
    if (!r.isError) {
      expect(r.structuredContent, `${name} answers with structuredContent`).toBeDefined();
      const parsed = z.strictObject(outputShape(name, cluster.core, jobs, history)).safeParse(r.structuredContent);
      expect(parsed.success ? '' : `${name}: ${parsed.error.message}`).toBe('');
    }
    return r;
  };

  return {
    cluster,
    history,
    jobs,
    client,
    connect,
    call,
    close: async () => {
      for (const c of clients) await c.close();
      await history.flush();
      await cluster.close();
      removeTempDir(historyDir);
    },
  };
}
