// The Streamable HTTP endpoint in-process: sessions open and close, unknown sessions and stray requests
// get JSON-RPC errors with the right status, foreign origins are refused, the token is checked.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedPair } from '../../src/net/listener-security.js';
import { tempDir } from '../fixtures/temp-dirs.js';
import { serveHttp, type HttpEndpoint } from '../../mcp/http-transport.js';
import { createMcpServer } from '../../mcp/server.js';
import { startHarness, type Harness } from './in-memory-server.js';

let h: Harness;
let endpoint: HttpEndpoint;
const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const initialize = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });

beforeAll(async () => {
  h = await startHarness({ vms: 10 });
  endpoint = await serveHttp({ host: '127.0.0.1', port: 0, createServer: () => createMcpServer({ core: h.cluster.core, jobs: h.jobs, history: h.history, readOnly: false }) });
});
afterAll(async () => {
  await endpoint.close();
  await h.close();
});

describe('Streamable HTTP sessions', () => {
  it('opens a session per client and closes it on DELETE', async () => {
    const transport = new StreamableHTTPClientTransport(new URL(endpoint.url));
    const client = new Client({ name: 'http', version: '1' });
    await client.connect(transport);
    expect(endpoint.sessionCount()).toBe(1);
    const r = (await client.callTool({ name: 'list_nodes', arguments: {} })) as { structuredContent?: { nodes: unknown[] } };
    expect(r.structuredContent?.nodes.length).toBe(h.cluster.sim.state.nodes().length);
    await transport.terminateSession();
    await client.close();
    expect(endpoint.sessionCount()).toBe(0);
  });

  it('answers an unknown session with 404 and a request without one with 400', async () => {
    const unknown = await fetch(endpoint.url, { method: 'POST', headers: { ...MCP_HEADERS, 'mcp-session-id': 'no-such-session' }, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }) });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toMatch(/initialize a new session/);
    const stray = await fetch(endpoint.url, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' }) });
    expect(stray.status).toBe(400);
    const garbage = await fetch(endpoint.url, { method: 'POST', headers: MCP_HEADERS, body: '{not json' });
    expect(garbage.status).toBe(400);
    expect((await fetch(endpoint.url.replace('/mcp', '/other'))).status).toBe(404);
  });

  it('without a token, lets in only its own origin: not a foreign one, not another loopback port', async () => {
    const port = new URL(endpoint.url).port;
    const foreign = await fetch(endpoint.url, { method: 'POST', headers: { ...MCP_HEADERS, origin: 'https://attacker.example' }, body: initialize });
    expect(foreign.status).toBe(403);
    for (const origin of ['http://localhost:6274', `https://127.0.0.1:${port}`, 'http://127.0.0.1']) {
      const other = await fetch(endpoint.url, { method: 'POST', headers: { ...MCP_HEADERS, origin }, body: initialize });
      expect(other.status, origin).toBe(403);
      expect(await other.text()).toMatch(/its own origin/);
    }
    expect(endpoint.sessionCount()).toBe(0);
    for (const origin of [`http://localhost:${port}`, `http://127.0.0.1:${port}`]) {
      const own = await fetch(endpoint.url, { method: 'POST', headers: { ...MCP_HEADERS, origin }, body: initialize });
      expect(own.status, origin).toBe(200);
      expect(own.headers.get('access-control-allow-origin')).toBe(origin);
      expect(own.headers.get('mcp-session-id')).toBeTruthy();
      await own.body?.cancel();
    }
  });
});

describe('bearer token and bind address', () => {
  it('serves HTTPS with a token, with the TLS of moxxie serve; the SDK client calls a tool over it', async () => {
    const dir = tempDir('mcp-tls');
    const tls = await selfSignedPair(join(dir, 'mcp-tls.json'), '127.0.0.1');
    await expect(serveHttp({ host: '127.0.0.1', port: 0, tls, createServer: () => createMcpServer({ core: h.cluster.core, jobs: h.jobs, history: h.history, readOnly: true }) })).rejects.toThrow(/bearer token/);
    const secured = await serveHttp({ host: '127.0.0.1', port: 0, bearerToken: 'tok-tls-123', tls, createServer: () => createMcpServer({ core: h.cluster.core, jobs: h.jobs, history: h.history, readOnly: true }) });
    const dispatcher = new Agent({ connect: { ca: tls.cert } });
    try {
      expect(secured.url).toMatch(/^https:/);
      const pinnedFetch = ((url: string | URL, init?: RequestInit) => undiciFetch(url, { ...(init as object), dispatcher } as Parameters<typeof undiciFetch>[1])) as unknown as typeof fetch;
      const transport = new StreamableHTTPClientTransport(new URL(secured.url), { fetch: pinnedFetch, requestInit: { headers: { authorization: 'Bearer tok-tls-123' } } });
      const client = new Client({ name: 'https', version: '1' });
      await client.connect(transport);
      const r = (await client.callTool({ name: 'list_nodes', arguments: {} })) as { structuredContent?: { nodes: unknown[] } };
      expect(r.structuredContent?.nodes.length).toBe(h.cluster.sim.state.nodes().length);
      await client.close();
    } finally {
      await secured.close();
      await dispatcher.close();
    }
  });

  it('refuses to bind a non-loopback address without a token', async () => {
    await expect(serveHttp({ host: '0.0.0.0', port: 0, createServer: () => createMcpServer({ core: h.cluster.core, jobs: h.jobs, history: h.history, readOnly: false }) })).rejects.toThrow(/without a bearer token/);
  });

  it('checks the token on every request once one is set', async () => {
    const secured = await serveHttp({ host: '127.0.0.1', port: 0, bearerToken: 'tok-123', createServer: () => createMcpServer({ core: h.cluster.core, jobs: h.jobs, history: h.history, readOnly: true }) });
    try {
      expect((await fetch(secured.url, { method: 'POST', headers: MCP_HEADERS, body: initialize })).status).toBe(401);
      expect((await fetch(secured.url, { method: 'POST', headers: { ...MCP_HEADERS, authorization: 'Bearer tok-12' }, body: initialize })).status).toBe(401);
      const ok = await fetch(secured.url, { method: 'POST', headers: { ...MCP_HEADERS, authorization: 'Bearer tok-123' }, body: initialize });
      expect(ok.status).toBe(200);
      await ok.body?.cancel();
    } finally {
      await secured.close();
    }
  });
});
