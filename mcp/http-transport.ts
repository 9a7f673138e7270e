// Streamable HTTP for the MCP server: loopback by default; a non-loopback bind needs a bearer token,
// which every request must then carry. Stateless: one server and transport per request.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

export interface HttpOptions {
  host: string;
  port: number;
  /** Required when host is not loopback. */
  bearerToken?: string;
  createServer: () => McpServer;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
}

function authorised(req: IncomingMessage, token: string | undefined): boolean {
  if (!token) return true;
  const got = Buffer.from(String(req.headers.authorization ?? ''));
  const want = Buffer.from(`Bearer ${token}`);
  return got.length === want.length && timingSafeEqual(got, want);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

export async function serveHttp(opts: HttpOptions): Promise<{ server: Server; url: string }> {
  if (!isLoopback(opts.host) && !opts.bearerToken) {
    throw new Error(`refusing to listen on ${opts.host} without a bearer token: set MOXXIE_MCP_TOKEN (clients then send "Authorization: Bearer <token>"), or bind to 127.0.0.1`);
  }
  const server = createServer((req, res) => {
    void (async () => {
      if (!req.url?.startsWith('/mcp')) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('moxxie MCP endpoint is /mcp\n');
        return;
      }
      if (!authorised(req, opts.bearerToken)) {
        res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'missing or wrong bearer token' }, id: null }));
        return;
      }
      const mcp = opts.createServer();
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => {
        void transport.close();
        void mcp.close();
      });
      try {
        await mcp.connect(transport);
        const body = req.method === 'POST' ? await readJson(req) : undefined;
        await transport.handleRequest(req, res, body);
      } catch (err) {
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32700, message: (err as Error).message }, id: null }));
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}/mcp` };
}
