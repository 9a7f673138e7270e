// `moxxie mcp`: the MCP server over stdio (default) or Streamable HTTP.
import { parseArgs } from 'node:util';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { openMoxxie } from '../src/open.js';
import { Confirmations } from './confirmations.js';
import { serveHttp } from './http-transport.js';
import { createMcpServer } from './server.js';

const HELP = `moxxie mcp [--context NAME | --demo] [--read-only] [--http [--port 8808] [--host 127.0.0.1]]

Serves moxxie's tools to an MCP client over stdio, or over Streamable HTTP at http://HOST:PORT/mcp.
A non-loopback --host needs MOXXIE_MCP_TOKEN (clients send Authorization: Bearer <token>).
`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      context: { type: 'string' },
      demo: { type: 'boolean' },
      'read-only': { type: 'boolean' },
      http: { type: 'boolean' },
      port: { type: 'string' },
      host: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const port = values.port === undefined ? 8808 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0-65535, got '${values.port}'`);
  const host = values.host ?? '127.0.0.1';
  const token = process.env.MOXXIE_MCP_TOKEN || undefined;
  // stdout belongs to the protocol on stdio: diagnostics go to stderr.
  const session = await openMoxxie({ name: values.context, demo: values.demo, readOnly: values['read-only'], frontEnd: 'mcp', logger: (l) => process.stderr.write(`${l}\n`) });
  const deps = { core: session.core, jobs: session.jobs, history: session.history, readOnly: session.context.info.readOnly, confirmations: new Confirmations() };
  const stop = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  try {
    if (values.http) {
      const { server, url } = await serveHttp({ host, port, bearerToken: token, createServer: () => createMcpServer(deps) });
      process.stderr.write(`moxxie MCP server (context ${session.context.info.name}${deps.readOnly ? ', read-only' : ''}) at ${url}\n`);
      await stop;
      server.close();
    } else {
      const server = createMcpServer(deps);
      const transport = new StdioServerTransport();
      const closed = new Promise<void>((resolve) => {
        transport.onclose = () => resolve();
        process.stdin.once('end', resolve);
      });
      await server.connect(transport);
      await Promise.race([stop, closed]);
      await server.close();
    }
    return 0;
  } finally {
    await session.close();
  }
}
