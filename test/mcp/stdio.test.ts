// The built CLI as an MCP server over stdio and over Streamable HTTP, driven by the SDK client.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';

const cli = join(dirname(fileURLToPath(import.meta.url)), '../../dist/src/cli.js');
let sim: Simulator;
let env: Record<string, string>;

beforeAll(async () => {
  sim = await startSimulator({ vms: 30, taskDurationMs: 30 });
  const state = mkdtempSync(join(tmpdir(), 'moxxie-mcp-stdio-'));
  env = {
    ...(process.env as Record<string, string>),
    MOXXIE_STATE_DIR: state,
    MOXXIE_CONFIG: join(state, 'none.json'),
    PVE_URL: sim.url,
    PVE_TOKEN_ID: sim.credentials.tokenId,
    PVE_TOKEN_SECRET: sim.credentials.tokenSecret,
    PVE_FINGERPRINT: sim.fingerprint,
  };
});
afterAll(() => sim.close());

describe('moxxie mcp over stdio', () => {
  it('lists tools and snapshots a VM through the built CLI', async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [cli, 'mcp'], env, stderr: 'pipe' });
    const client = new Client({ name: 'stdio-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.length).toBe(19);
      const r = (await client.callTool({ name: 'create_snapshots', arguments: { selector: 'id:8200', snapshotName: 'via-stdio' } })) as { structuredContent?: Record<string, unknown> };
      expect(r.structuredContent?.status).toBe('succeeded');
      expect(sim.state.vm(8200)!.snapshots.some((s) => s.name === 'via-stdio')).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('hides mutating tools with --read-only', async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [cli, 'mcp', '--read-only'], env, stderr: 'pipe' });
    const client = new Client({ name: 'stdio-ro', version: '1.0.0' });
    await client.connect(transport);
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).not.toContain('power_vms');
      expect(names).toContain('get_vm');
    } finally {
      await client.close();
    }
  });
});

describe('moxxie mcp --http', () => {
  it('serves Streamable HTTP on loopback', async () => {
    const p = spawn(process.execPath, [cli, 'mcp', '--http', '--port', '0'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let err = '';
        p.stderr!.on('data', (d: Buffer) => {
          err += String(d);
          const m = /at (http:\/\/\S+)/.exec(err);
          if (m) resolve(m[1]);
        });
        p.on('exit', () => reject(new Error(err)));
      });
      const client = new Client({ name: 'http-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url)));
      const r = (await client.callTool({ name: 'list_nodes', arguments: {} })) as { structuredContent?: { nodes: unknown[] } };
      expect(r.structuredContent?.nodes).toHaveLength(4);
      await client.close();
    } finally {
      p.kill('SIGTERM');
    }
  });

  it('refuses a non-loopback bind without a bearer token', async () => {
    const p = spawn(process.execPath, [cli, 'mcp', '--http', '--host', '0.0.0.0', '--port', '0'], { env: { ...env, MOXXIE_MCP_TOKEN: '' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr!.on('data', (d: Buffer) => (err += String(d)));
    const code = await new Promise<number | null>((r) => p.on('exit', r));
    expect(code).not.toBe(0);
    expect(err).toMatch(/without a bearer token/);
  });
});
