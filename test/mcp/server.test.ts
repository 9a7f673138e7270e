// An SDK client over the in-memory transport against the real core and simulator.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HistoryStore } from '../../src/history/store.js';
import { JobManager } from '../../src/schedule/jobs.js';
import { createCore } from '../../src/ops/core.js';
import { createMcpServer } from '../../mcp/server.js';
import { startCluster, type TestCluster } from '../fixtures/cluster.js';

let c: TestCluster;
let client: Client;
let history: HistoryStore;
let outputSchemas: Map<string, Record<string, unknown>>;

async function connect(readOnly: boolean, cluster: TestCluster, store: HistoryStore): Promise<Client> {
  const core = readOnly ? createCore({ context: { name: 'ro', url: cluster.sim.url, readOnly: true, safeMode: false, demo: false }, client: cluster.client }) : cluster.core;
  const server = createMcpServer({ core, jobs: new JobManager(store, core), history: store, readOnly });
  const [a, b] = InMemoryTransport.createLinkedPair();
  const cl = new Client({ name: 'test', version: '1.0.0' });
  await Promise.all([server.connect(a), cl.connect(b)]);
  return cl;
}

type Result = { content: Array<{ type: string; text: string }>; structuredContent?: Record<string, unknown>; isError?: boolean };
const call = async (name: string, args: Record<string, unknown> = {}, cl = client) => (await cl.callTool({ name, arguments: args })) as unknown as Result;
const text = (r: Result) => r.content.map((x) => x.text).join('\n');

beforeAll(async () => {
  c = await startCluster({ vms: 60 }, { recorder: undefined });
  history = new HistoryStore({ dir: mkdtempSync(join(tmpdir(), 'moxxie-mcp-')) });
  client = await connect(false, c, history);
  const { tools } = await client.listTools();
  outputSchemas = new Map(tools.map((t) => [t.name, t.outputSchema as Record<string, unknown>]));
});
afterAll(async () => {
  await client.close();
  await c.close();
});

/** Validates structuredContent against the tool's advertised JSON schema (required keys and types). */
function checkAgainstSchema(tool: string, data: Record<string, unknown>) {
  const schema = outputSchemas.get(tool) as { properties: Record<string, { type?: string }>; required?: string[] };
  expect(schema, `${tool} has an output schema`).toBeDefined();
  for (const key of schema.required ?? []) expect(data, `${tool}.${key}`).toHaveProperty(key);
  for (const [key, prop] of Object.entries(schema.properties)) {
    if (data[key] === undefined || !prop.type) continue;
    const actual = Array.isArray(data[key]) ? 'array' : data[key] === null ? 'null' : typeof data[key];
    expect([prop.type].flat(), `${tool}.${key}`).toContain(actual === 'number' && prop.type === 'integer' ? 'integer' : actual);
  }
}

describe('tools/list', () => {
  it('lists every tool with a description, input and output schema, and all four annotations', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name).sort();
    expect(names).toEqual(
      ['create_job', 'create_snapshots', 'delete_job', 'delete_snapshots', 'get_operation', 'get_vm', 'list_job_runs', 'list_jobs', 'list_nodes', 'list_operations', 'list_snapshots', 'list_tags', 'list_vms', 'power_vms', 'resolve_selector', 'rollback_snapshot', 'tag_vms', 'trigger_job', 'update_job'].sort(),
    );
    for (const t of tools) {
      expect(t.description, t.name).toBeTruthy();
      expect(t.inputSchema.type).toBe('object');
      expect(t.outputSchema?.type, t.name).toBe('object');
      for (const k of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const) expect(typeof t.annotations?.[k], `${t.name}.${k}`).toBe('boolean');
    }
  });
});

describe('inspection tools', () => {
  it('list_vms pages compact rows with totals and counts', async () => {
    const r = await call('list_vms', { limit: 10 });
    expect(r.isError).toBeFalsy();
    const s = r.structuredContent!;
    checkAgainstSchema('list_vms', s);
    expect(s.total).toBe(58); // templates are left out
    expect((s.vms as unknown[]).length).toBe(10);
    expect(Object.keys((s.vms as Array<Record<string, unknown>>)[0]).sort()).toEqual(['name', 'node', 'status', 'tags', 'vmid']);
    const sel = await call('list_vms', { selector: 'name:workshop-wk-* status:running', fields: ['cpu', 'lock'] });
    expect((sel.structuredContent!.vms as Array<{ vmid: number }>).every((v) => v.vmid >= 8200 && v.vmid <= 8209)).toBe(true);
  });

  it('returns a selector error as isError naming the position', async () => {
    const r = await call('list_vms', { selector: 'tag:(env-prod AND' });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/position/);
  });

  it('get_vm, resolve_selector, list_nodes, list_tags, list_snapshots', async () => {
    const vm = await call('get_vm', { vmid: 8200 });
    checkAgainstSchema('get_vm', vm.structuredContent!);
    expect((vm.structuredContent!.config as Record<string, unknown>).name).toBe('workshop-wk-01');
    expect((await call('get_vm', { vmid: 4242 })).isError).toBe(true);
    const res = await call('resolve_selector', { vmSelectors: [{ type: 'VM_IDS', value: '8200,4242' }] });
    expect(res.structuredContent!.vmids).toEqual([8200]);
    expect(res.structuredContent!.warnings).toEqual(['VM 4242 does not exist in this cluster']);
    const nodes = await call('list_nodes');
    checkAgainstSchema('list_nodes', nodes.structuredContent!);
    expect((nodes.structuredContent!.nodes as unknown[]).length).toBe(4);
    const tags = await call('list_tags', { tag: 'workshop' });
    expect((tags.structuredContent!.vms as unknown[]).length).toBe(10);
    const snaps = await call('list_snapshots', { vmid: 100 });
    checkAgainstSchema('list_snapshots', snaps.structuredContent!);
  });
});

describe('mutating tools', () => {
  it('create_snapshots acts, reports per-VM rows, and sends progress notifications', async () => {
    const progress: number[] = [];
    const r = (await client.callTool(
      { name: 'create_snapshots', arguments: { vmSelectors: [{ type: 'NAME_PATTERN', value: 'workshop-wk-*' }], snapshotName: 'mcp-{vmid}', ttlHours: 4 } },
      undefined,
      { onprogress: (p) => void progress.push(p.progress) },
    )) as unknown as Result;
    expect(r.isError).toBeFalsy();
    checkAgainstSchema('create_snapshots', r.structuredContent!);
    expect(r.structuredContent!.status).toBe('succeeded');
    expect(progress.at(-1)).toBe(10);
    for (let id = 8200; id <= 8209; id++) expect(c.sim.state.vm(id)!.snapshots.some((s) => s.name === `mcp-${id}`)).toBe(true);
  });

  it('a bad request is a tool error that names the field', async () => {
    const r = await call('create_snapshots', { selector: 'id:8200', snapshotName: 'x-{host}' });
    expect(r.isError).toBe(true);
    expect(text(r)).toMatch(/snapshotName: unknown placeholder \{host\}/);
  });

  it('destructive calls answer with a plan and token first, and act only with the token', async () => {
    const args = { selector: 'id:8200-8202', snapshotName: 'mcp-8200' };
    const before = JSON.stringify(c.sim.state.vms());
    const plan = await call('delete_snapshots', args);
    expect(plan.structuredContent!.needsConfirmation).toBe(true);
    expect(JSON.stringify(c.sim.state.vms())).toBe(before);
    const token = plan.structuredContent!.confirmToken as string;
    const wrong = await call('delete_snapshots', { ...args, snapshotName: 'mcp-8201', confirm: token });
    expect(wrong.isError).toBe(true);
    expect(text(wrong)).toMatch(/different request/);
    const done = await call('delete_snapshots', { ...args, confirm: token });
    expect(done.structuredContent!.status).toBe('succeeded');
    expect(c.sim.state.vm(8200)!.snapshots.some((s) => s.name === 'mcp-8200')).toBe(false);
    const again = await call('delete_snapshots', { ...args, confirm: token });
    expect(text(again)).toMatch(/already used/);
  });

  it('power_vms STOP needs confirmation; SHUTDOWN does not', async () => {
    const stop = await call('power_vms', { selector: 'id:8201', operation: 'STOP' });
    expect(stop.structuredContent!.needsConfirmation).toBe(true);
    expect(c.sim.state.vm(8201)!.status).toBe('running');
    const ok = await call('power_vms', { selector: 'id:8201', operation: 'STOP', confirm: stop.structuredContent!.confirmToken });
    expect(ok.structuredContent!.status).toBe('succeeded');
    expect(c.sim.state.vm(8201)!.status).toBe('stopped');
    const start = await call('power_vms', { selector: 'id:8201', operation: 'START' });
    expect(start.structuredContent!.needsConfirmation).toBe(false);
    expect(c.sim.state.vm(8201)!.status).toBe('running');
  });

  it('tag_vms ADD acts at once; rollback needs a token', async () => {
    const add = await call('tag_vms', { selector: 'name:workshop-*', action: 'ADD', tags: ['from-mcp'] });
    expect(add.structuredContent!.status).toBe('succeeded');
    expect(c.sim.state.vm(8205)!.tags).toContain('from-mcp');
    const rb = await call('rollback_snapshot', { selector: 'id:8203', snapshotName: 'mcp-8203' });
    expect(rb.structuredContent!.needsConfirmation).toBe(true);
  });

  it('wait:false returns an operation id that get_operation follows', async () => {
    const r = await call('create_snapshots', { selector: 'id:8204-8206', snapshotName: 'bg-{vmid}', wait: false });
    const id = r.structuredContent!.id as string;
    expect(r.structuredContent!.status).toBe('running');
    let op: Result;
    do {
      await new Promise((res) => setTimeout(res, 50));
      op = await call('get_operation', { id });
    } while (op.structuredContent!.status === 'running');
    expect(op.structuredContent!.status).toBe('succeeded');
    checkAgainstSchema('get_operation', op.structuredContent!);
    const list = await call('list_operations', {});
    expect((list.structuredContent!.operations as Array<{ id: string }>).some((o) => o.id === id)).toBe(true);
    expect((await call('get_operation', { id: 'nope' })).isError).toBe(true);
  });
});

describe('job tools', () => {
  it('create, list, trigger, runs, update and delete (with confirmation)', async () => {
    const created = await call('create_job', { name: 'mcp-job', taskType: 'snapshot_create', cronExpression: '0 0 0 1 1 ? 2099', parameters: { snapshotNamePattern: 'job-{vmid}' }, vmSelectors: [{ type: 'VM_IDS', value: '8207' }] });
    expect(created.isError).toBeFalsy();
    checkAgainstSchema('create_job', created.structuredContent!);
    const bad = await call('create_job', { name: 'bad', taskType: 'snapshot_create', cronExpression: '0 0 25 * * ?', vmSelectors: [{ type: 'ALL' }], parameters: { snapshotNamePattern: 'x' } });
    expect(text(bad)).toMatch(/cronExpression/);
    const jobs = await call('list_jobs');
    expect((jobs.structuredContent!.jobs as Array<{ name: string }>).map((j) => j.name)).toContain('mcp-job');
    const run = await call('trigger_job', { job: 'mcp-job' });
    expect((run.structuredContent!.run as { status: string }).status).toBe('succeeded');
    expect(c.sim.state.vm(8207)!.snapshots.some((s) => s.name === 'job-8207')).toBe(true);
    const runs = await call('list_job_runs', { job: 'mcp-job' });
    expect((runs.structuredContent!.runs as unknown[]).length).toBe(1);
    const upd = await call('update_job', { job: 'mcp-job', name: 'mcp-job-2', enabled: false });
    expect((upd.structuredContent!.job as { enabled: boolean }).enabled).toBe(false);
    const del = await call('delete_job', { job: 'mcp-job-2' });
    expect(del.structuredContent!.needsConfirmation).toBe(true);
    const gone = await call('delete_job', { job: 'mcp-job-2', confirm: del.structuredContent!.confirmToken });
    expect(gone.structuredContent!.deleted).toBe(true);
    expect((await call('list_jobs')).structuredContent!.jobs).toEqual([]);
  });
});

describe('read-only mode', () => {
  it('hides mutating tools and refuses them if called', async () => {
    const ro = await connect(true, c, history);
    const names = (await ro.listTools()).tools.map((t) => t.name);
    expect(names).toContain('list_vms');
    for (const n of ['create_snapshots', 'delete_snapshots', 'power_vms', 'tag_vms', 'create_job', 'trigger_job']) expect(names).not.toContain(n);
    const before = JSON.stringify(c.sim.state.vms());
    const r = (await ro.callTool({ name: 'create_snapshots', arguments: { selector: 'id:8200', snapshotName: 'ro' } }).catch((e: Error) => ({ isError: true, content: [{ type: 'text', text: e.message }] }))) as Result;
    expect(r.isError).toBe(true);
    expect(JSON.stringify(c.sim.state.vms())).toBe(before);
    await ro.close();
  });
});

describe('output size', () => {
  it('keeps the default list_vms answer small on a 10,000-VM cluster', async () => {
    const big = await startCluster({ vms: 10_000, nodes: 32 });
    const store = new HistoryStore({ dir: mkdtempSync(join(tmpdir(), 'moxxie-mcp-big-')) });
    const cl = await connect(false, big, store);
    try {
      const r = await call('list_vms', {}, cl);
      expect(r.structuredContent!.total).toBeGreaterThan(9000);
      expect(JSON.stringify(r).length).toBeLessThan(20_000);
      z.object({ vms: z.array(z.unknown()).max(50) }).parse(r.structuredContent);
    } finally {
      await cl.close();
      await big.close();
    }
  });
});
