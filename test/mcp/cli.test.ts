// The built CLI as an MCP server, driven by the SDK client: over stdio (a context from PVE_* variables,
// --read-only, --demo) and over Streamable HTTP (sessions, progress, elicitation, bearer token, loopback
// rules, DNS-rebinding Host check), plus usage errors.
import { spawn, type ChildProcess } from 'node:child_process';
import { DEFAULT_TOOLSETS, TOOLSET_OF } from '../../mcp/toolsets.js';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { tempDir } from '../fixtures/temp-dirs.js';

const cli = join(dirname(fileURLToPath(import.meta.url)), '../../dist/bundle/cli.js');
let sim: Simulator;
let env: Record<string, string>;
const children: ChildProcess[] = [];
const clients: Client[] = [];

type Result = { content: Array<{ text?: string }>; structuredContent?: Record<string, unknown>; isError?: boolean };
const text = (r: Result) => r.content.map((c) => c.text ?? '').join('\n');

beforeAll(async () => {
  sim = await startSimulator({ vms: 30, taskDurationMs: 20 });
  const state = tempDir('mcp-cli');
  env = {
    ...(process.env as Record<string, string>),
    MOXXIE_STATE_DIR: state,
    MOXXIE_CONFIG: join(state, 'no-config.json'),
    MOXXIE_DEMO_TASK_MS: '20',
    PVE_URL: sim.url,
    PVE_TOKEN_ID: sim.credentials.tokenId,
    PVE_TOKEN_SECRET: sim.credentials.tokenSecret,
    PVE_FINGERPRINT: sim.fingerprint,
    MOXXIE_MCP_TOKEN: '',
  };
});
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close().catch(() => undefined);
  // Each child has let go of the state directory before the next test (and the directory's removal).
  await Promise.all(
    children.splice(0).map(async (p) => {
      if (p.exitCode !== null || p.signalCode !== null) return;
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await exited;
    }),
  );
});
afterAll(() => sim.close());

async function stdioClient(args: string[], extraEnv: Record<string, string> = {}): Promise<Client> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [cli, 'mcp', ...args], env: { ...env, ...extraEnv }, stderr: 'pipe' });
  const client = new Client({ name: 'cli-test', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return client;
}

/** Starts `moxxie mcp --http ...` and waits for the URL it prints on stderr. */
async function startHttp(args: string[], extraEnv: Record<string, string> = {}): Promise<string> {
  const p = spawn(process.execPath, [cli, 'mcp', '--http', '--port', '0', ...args], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(p);
  return new Promise<string>((resolve, reject) => {
    let err = '';
    p.stderr!.on('data', (d: Buffer) => {
      err += String(d);
      const m = / at (http:\/\/\S+\/mcp)/.exec(err);
      if (m) resolve(m[1]);
    });
    p.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
}

async function httpClient(url: string, opts: { token?: string; elicit?: boolean } = {}): Promise<Client> {
  const client = new Client({ name: 'http-test', version: '1.0.0' }, { capabilities: opts.elicit ? { elicitation: { form: {} } } : {} });
  if (opts.elicit) client.setRequestHandler(ElicitRequestSchema, () => ({ action: 'accept', content: { confirm: true } }));
  await client.connect(new StreamableHTTPClientTransport(new URL(url), opts.token ? { requestInit: { headers: { authorization: `Bearer ${opts.token}` } } } : {}));
  clients.push(client);
  return client;
}

async function runToExit(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number | null; stderr: string }> {
  const p = spawn(process.execPath, [cli, ...args], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  p.stderr!.on('data', (d: Buffer) => (stderr += String(d)));
  const code = await new Promise<number | null>((r) => p.on('exit', r));
  return { code, stderr };
}

// The default toolsets' tools (mcp/toolsets.ts); `--toolsets all` adds the opt-in ones.
const DEFAULT_TOOL_COUNT = Object.values(TOOLSET_OF).filter((set) => DEFAULT_TOOLSETS.includes(set)).length;

describe('moxxie mcp over stdio', () => {
  it('lists the tools and runs a bulk snapshot with progress against the configured cluster', async () => {
    const client = await stdioClient([]);
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(DEFAULT_TOOL_COUNT);
    const progress: number[] = [];
    const r = (await client.callTool({ name: 'create_snapshots', arguments: { selector: 'id:8200-8203', snapshotName: 'via-stdio' } }, undefined, { onprogress: (p) => void progress.push(p.progress) })) as Result;
    expect(r.structuredContent?.status).toBe('succeeded');
    // Progress reached the client over stdio (the exact finished-of-total sequence is asserted in bulk.test.ts).
    expect(progress.length).toBeGreaterThan(0);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBeLessThanOrEqual(4);
    for (const id of [8200, 8201, 8202, 8203]) expect(sim.state.vm(id)!.snapshots.map((s) => s.name)).toContain('via-stdio');
  });

  it('runs the confirm-token flow end to end', async () => {
    const client = await stdioClient([]);
    const args = { selector: 'id:8200', snapshotName: 'via-stdio' };
    const plan = (await client.callTool({ name: 'delete_snapshots', arguments: args })) as Result;
    expect(plan.structuredContent?.needsConfirmation).toBe(true);
    expect(sim.state.vm(8200)!.snapshots.map((s) => s.name)).toContain('via-stdio');
    const done = (await client.callTool({ name: 'delete_snapshots', arguments: { ...args, confirm: plan.structuredContent?.confirmToken } })) as Result;
    expect(done.structuredContent?.status).toBe('succeeded');
    expect(sim.state.vm(8200)!.snapshots.map((s) => s.name)).not.toContain('via-stdio');
  });

  it('--read-only hides mutating tools and refuses them if called', async () => {
    const client = await stdioClient(['--read-only']);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('get_vm');
    expect(names).not.toContain('power_vms');
    expect(names).not.toContain('cancel_operation');
    const r = (await client.callTool({ name: 'power_vms', arguments: { selector: 'id:8201', operation: 'STOP' } })) as Result;
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/read-only/);
    expect(sim.state.vm(8201)!.status).toBe('running');
  });

  it('--demo serves the built-in simulated cluster', async () => {
    const client = await stdioClient(['--demo']);
    expect(client.getInstructions()).toMatch(/demo cluster/);
    const r = (await client.callTool({ name: 'list_vms', arguments: { selector: 'name:workshop-*' } })) as Result;
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent?.total).toBeGreaterThan(0);
  });
});

describe('moxxie mcp --http', () => {
  it('serves Streamable HTTP sessions on loopback, with progress and elicitation', async () => {
    const url = await startHttp([]);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const client = await httpClient(url, { elicit: true });
    const nodes = (await client.callTool({ name: 'list_nodes', arguments: {} })) as Result;
    expect(nodes.structuredContent?.nodes).toHaveLength(4);
    const progress: number[] = [];
    const snap = (await client.callTool({ name: 'create_snapshots', arguments: { selector: 'id:8204-8206', snapshotName: 'via-http' } }, undefined, { onprogress: (p) => void progress.push(p.progress) })) as Result;
    expect(snap.structuredContent?.status).toBe('succeeded');
    expect(progress.at(-1)).toBe(3);
    // Elicitation needs the session: the question goes out on this call's stream, the answer comes back as a new POST.
    const stop = (await client.callTool({ name: 'power_vms', arguments: { selector: 'id:8206', operation: 'STOP' } })) as Result;
    expect(stop.structuredContent?.confirmedVia).toBe('elicitation');
    expect(sim.state.vm(8206)!.status).toBe('stopped');
  });

  it('answers only loopback Host headers (DNS rebinding)', async () => {
    const url = new URL(await startHttp([]));
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: '/mcp', method: 'POST', headers: { host: 'attacker.example', 'content-type': 'application/json', accept: 'application/json, text/event-stream' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }));
    });
    expect(status).toBe(403);
  });

  it('requires the bearer token once one is configured', async () => {
    const url = await startHttp(['--token-env', 'MY_MCP_TOKEN'], { MY_MCP_TOKEN: 's3cret-token' });
    const anonymous = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    await expect(httpClient(url, { token: 'wrong' })).rejects.toThrow();
    const client = await httpClient(url, { token: 's3cret-token' });
    expect((await client.listTools()).tools.length).toBe(DEFAULT_TOOL_COUNT);
  });

  it('refuses a non-loopback bind without a token, and allows it with one', async () => {
    const refused = await runToExit(['mcp', '--http', '--host', '0.0.0.0', '--port', '0']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/refusing to listen on 0\.0\.0\.0 without a bearer token.*MOXXIE_MCP_TOKEN/s);
    const url = await startHttp(['--host', '0.0.0.0'], { MOXXIE_MCP_TOKEN: 'another-token' });
    const client = await httpClient(url.replace('0.0.0.0', '127.0.0.1'), { token: 'another-token' });
    expect((await client.listTools()).tools.length).toBe(DEFAULT_TOOL_COUNT);
  });
});

describe('usage errors', () => {
  it('exit 2 with a message naming the option', async () => {
    const unknown = await runToExit(['mcp', '--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--bogus/);
    const stray = await runToExit(['mcp', '--port', '9000']);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(/apply to --http only/);
  });
});
