// Runs the MCP server for one context until the client leaves (stdio) or a signal arrives (HTTP).
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { openMoxxie } from '../src/open.js';
import { join } from 'node:path';
import { readTlsPair, selfSignedPair, type TlsPair } from '../src/net/listener-security.js';
import { Confirmations } from './confirmations.js';
import { PlanStore } from './plan-store.js';
import { serveHttp } from './http-transport.js';
import { createMcpServer } from './server.js';
import { ToolSelectionError, type ToolSelection } from './toolsets.js';
import { untilStopSignal } from '../src/net/stop-signal.js';

export interface ServeOptions {
  http: boolean;
  host: string;
  port: number;
  /** The environment variable holding the bearer token. */
  tokenEnv: string;
  context?: string;
  demo: boolean;
  readOnly: boolean;
  /** Seconds a waiting bulk call waits before answering with its operation id (default 40). */
  maxWaitSeconds?: number;
  selection?: ToolSelection;
  /** HTTPS (with a token): a given pair, or `tls` alone for a self-signed one kept in the context's state. */
  tls?: boolean;
  tlsCert?: string;
  tlsKey?: string;
}

export async function serve(opts: ServeOptions): Promise<number> {
  const token = process.env[opts.tokenEnv] || undefined;
  // On stdio, stdout belongs to the protocol: every diagnostic goes to stderr.
  const say = (line: string) => process.stderr.write(`${line}\n`);

  const session = await openMoxxie({ name: opts.context, demo: opts.demo, readOnly: opts.readOnly, frontEnd: 'mcp', logger: say });
  const info = session.context.info;
  const deps = { core: session.core, jobs: session.jobs, history: session.history, readOnly: info.readOnly, confirmations: new Confirmations(), plans: new PlanStore(), ...(opts.maxWaitSeconds !== undefined ? { maxWaitMs: opts.maxWaitSeconds * 1000 } : {}), selection: opts.selection };
  try {
    createMcpServer(deps); // checks --tools names against the catalog before anything listens
  } catch (err) {
    if (!(err instanceof ToolSelectionError)) throw err;
    say(`moxxie mcp: --tools: ${err.message}`);
    await session.close();
    return 2;
  }
  const stop = untilStopSignal();
  const what = `moxxie MCP server for context ${info.name}${info.demo ? ' (demo cluster)' : ''}${info.readOnly ? ', read-only' : ''}`;
  try {
    if (opts.http) {
      // The same TLS as `moxxie serve`: a given pair, or a self-signed one whose fingerprint stays across restarts.
      let tls: TlsPair | undefined;
      if (opts.tlsCert && opts.tlsKey) tls = readTlsPair(opts.tlsCert, opts.tlsKey);
      else if (opts.tls) tls = await selfSignedPair(join(session.context.stateDir, 'mcp-tls.json'), opts.host);
      const endpoint = await serveHttp({ host: opts.host, port: opts.port, bearerToken: token, tls, createServer: () => createMcpServer(deps), log: say });
      say(`${what} at ${endpoint.url}${token ? ` (bearer token from $${opts.tokenEnv} required)` : ''}`);
      if (tls?.selfSigned) say(`self-signed TLS certificate, SHA-256 fingerprint ${tls.fingerprint} (pin it, or compare before trusting)`);
      await stop;
      await endpoint.close();
    } else {
      const server = createMcpServer(deps);
      const transport = new StdioServerTransport();
      const closed = new Promise<void>((resolve) => {
        transport.onclose = () => resolve();
        process.stdin.once('end', resolve);
      });
      await server.connect(transport);
      say(`${what} on stdio`);
      await Promise.race([stop, closed]);
      await server.close();
    }
    return 0;
  } finally {
    await session.close();
  }
}
