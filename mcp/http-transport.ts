// Streamable HTTP for the MCP server at /mcp, with sessions (so progress and elicitation work as on stdio).
// Loopback by default, with Host/Origin checks against DNS rebinding; a non-loopback bind needs a bearer
// token, and once a token is configured every request must carry it.
import { randomUUID, timingSafeEqual, createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { TlsPair } from '../src/net/listener-security.js';
import { isLoopback, nonLoopbackRefusal } from './loopback.js';

export interface HttpOptions {
  host: string;
  port: number;
  /** Required when host is not loopback; checked on every request when set. */
  bearerToken?: string;
  /** HTTPS with this certificate (as `moxxie serve` does); only with a bearer token. */
  tls?: TlsPair;
  /** One MCP server per session. */
  createServer: () => McpServer;
  /** Sessions without a request for this long are closed (default 30 minutes). */
  sessionIdleMs?: number;
  maxSessions?: number;
  log?: (line: string) => void;
}

export interface HttpEndpoint {
  url: string;
  sessionCount(): number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 4 * 2 ** 20;

/** The hostname of a Host header or an Origin URL, without port; undefined when unparsable. */
function hostnameOf(value: string, isOrigin: boolean): string | undefined {
  try {
    return new URL(isOrigin ? value : `http://${value}`).hostname;
  } catch {
    return undefined;
  }
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!m) return false;
  // Hashing first gives equal lengths, so the comparison time says nothing about the token.
  const a = createHash('sha256').update(m[1].trim()).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

function jsonRpcError(res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new RangeError('request body over 4 MiB');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as unknown) : undefined;
}

interface Session {
  transport: StreamableHTTPServerTransport;
  server: McpServer;
  lastSeen: number;
}

export async function serveHttp(opts: HttpOptions): Promise<HttpEndpoint> {
  const loopback = isLoopback(opts.host);
  if (!loopback && !opts.bearerToken) {
    throw new Error(nonLoopbackRefusal(opts.host));
  }
  if (opts.tls && !opts.bearerToken) throw new Error('TLS for the MCP endpoint comes with a bearer token: set one (--token-env), or serve plain HTTP on loopback');
  const scheme = opts.tls ? 'https' : 'http';
  let boundPort = 0;
  const idleMs = opts.sessionIdleMs ?? 30 * 60_000;
  const maxSessions = opts.maxSessions ?? 64;
  const sessions = new Map<string, Session>();
  const log = opts.log ?? (() => undefined);

  const closeSession = async (id: string) => {
    const s = sessions.get(id);
    if (!s) return;
    sessions.delete(id);
    await s.transport.close().catch(() => undefined);
    await s.server.close().catch(() => undefined);
  };

  /**
   * Without a token, a browser page may reach this server only from this server's own origin (its scheme, a
   * loopback name and its port): not from any other local page, which would otherwise drive the cluster
   * through the user's browser (DNS rebinding, or a dev server on another port). With a token, the token is the
   * check (a page cannot read it).
   */
  const originAllowed = (req: IncomingMessage): boolean => {
    if (!loopback) return true;
    const host = req.headers.host;
    if (host !== undefined && !isLoopback(hostnameOf(host, false) ?? '')) return false;
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    if (opts.bearerToken) return isLoopback(hostnameOf(origin, true) ?? '');
    return isOwnOrigin(origin);
  };
  const isOwnOrigin = (origin: string): boolean => {
    try {
      const u = new URL(origin);
      const port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
      return u.protocol === `${scheme}:` && isLoopback(u.hostname) && port === boundPort;
    } catch {
      return false;
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/mcp') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('the moxxie MCP endpoint is /mcp\n');
      return;
    }
    if (!originAllowed(req)) {
      jsonRpcError(res, 403, -32000, `Forbidden: without a token this server answers only loopback hosts and its own origin (${scheme}://127.0.0.1:${boundPort})`);
      return;
    }
    if (req.headers.origin) {
      res.setHeader('access-control-allow-origin', req.headers.origin);
      res.setHeader('access-control-expose-headers', 'mcp-session-id, mcp-protocol-version');
      res.setHeader('vary', 'origin');
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'access-control-allow-methods': 'GET, POST, DELETE', 'access-control-allow-headers': 'content-type, authorization, mcp-session-id, mcp-protocol-version, last-event-id' }).end();
      return;
    }
    if (opts.bearerToken && !tokenMatches(req.headers.authorization, opts.bearerToken)) {
      jsonRpcError(res, 401, -32001, 'Unauthorized: send "Authorization: Bearer <token>" with the token the server was started with', { 'www-authenticate': 'Bearer' });
      return;
    }

    let body: unknown;
    if (req.method === 'POST') {
      try {
        body = await readBody(req);
      } catch (err) {
        jsonRpcError(res, err instanceof RangeError ? 413 : 400, -32700, `Parse error: ${(err as Error).message}`);
        return;
      }
    }

    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const session = sessions.get(sessionId);
      if (!session) {
        jsonRpcError(res, 404, -32001, 'Session not found (it ended or the server restarted): initialize a new session');
        return;
      }
      session.lastSeen = Date.now();
      await session.transport.handleRequest(req, res, body);
      return;
    }
    if (req.method !== 'POST' || !isInitializeRequest(body)) {
      jsonRpcError(res, 400, -32000, 'Bad Request: send an initialize request first, then the mcp-session-id header it returns');
      return;
    }
    if (sessions.size >= maxSessions) {
      jsonRpcError(res, 503, -32000, `Too many sessions (${maxSessions}); close one (HTTP DELETE) or wait for idle ones to expire`);
      return;
    }
    const server = opts.createServer();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, server, lastSeen: Date.now() });
        log(`MCP session ${id} opened`);
      },
      onsessionclosed: (id) => {
        void closeSession(id);
        log(`MCP session ${id} closed by the client`);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      log(`MCP HTTP request failed: ${err instanceof Error ? err.message : String(err)}`);
      jsonRpcError(res, 500, -32603, 'Internal error');
    });
  };
  const http = opts.tls ? createTlsServer({ cert: opts.tls.cert, key: opts.tls.key }, onRequest) : createServer(onRequest);

  const sweep = setInterval(() => {
    const cutoff = Date.now() - idleMs;
    for (const [id, s] of sessions) if (s.lastSeen < cutoff) void closeSession(id);
  }, Math.min(60_000, idleMs));
  sweep.unref();

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port, opts.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const { port } = http.address() as AddressInfo;
  boundPort = port;
  const shownHost = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `${scheme}://${shownHost}:${port}/mcp`,
    sessionCount: () => sessions.size,
    close: async () => {
      clearInterval(sweep);
      await Promise.all([...sessions.keys()].map(closeSession));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
