// Toolsets: every tool belongs to one; the default set is the everyday work; --tools offers exactly the
// named tools; read-only still hides the mutating ones; unknown names are refused with the valid ones.
// Through the SDK's real client (tools/list), on a test simulator.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toolCatalog } from '../../mcp/catalog.js';
import { Confirmations } from '../../mcp/confirmations.js';
import { PlanStore } from '../../mcp/plan-store.js';
import { DEFAULT_TOOLSETS, TOOLSET_OF, TOOLSETS, parseToolsets, selectTools } from '../../mcp/toolsets.js';
import { CLI } from '../fixtures/cli-process.js';
import { startHarness, type Harness } from './in-memory-server.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ vms: 10 });
});
afterAll(() => h.close());

const catalog = () => toolCatalog({ core: h.cluster.core, jobs: h.jobs, history: h.history, readOnly: false, confirmations: new Confirmations(), plans: new PlanStore(), askUser: async () => 'unavailable' as const });
const listed = async (selection: Parameters<typeof h.connect>[0]) => (await (await h.connect(selection)).listTools()).tools;

describe('toolsets', () => {
  it('places every tool of the catalog in a toolset that exists', () => {
    for (const tool of catalog()) {
      expect(TOOLSET_OF[tool.name], `${tool.name} has no toolset in mcp/toolsets.ts`).toBeDefined();
      expect(TOOLSETS[TOOLSET_OF[tool.name]]).toBeDefined();
    }
  });

  it('offers the everyday toolsets by default: inventory, snapshots, power, tags, operations, tasks — not jobs', async () => {
    const names = (await listed({ selection: {} })).map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['list_vms', 'create_snapshots', 'power_vms', 'tag_vms', 'get_operation', 'get_task_log']));
    expect(names).not.toContain('create_job');
    for (const n of names) expect(DEFAULT_TOOLSETS).toContain(TOOLSET_OF[n]);
  });

  it('adds an opt-in toolset when asked, and offers exactly the named tools with --tools', async () => {
    const withJobs = (await listed({ selection: { toolsets: ['inventory', 'jobs'] } })).map((t) => t.name);
    expect(withJobs).toContain('create_job');
    expect(withJobs).toContain('list_vms');
    expect(withJobs).not.toContain('power_vms');
    const exact = (await listed({ selection: { tools: ['list_vms', 'power_vms'] } })).map((t) => t.name).sort();
    expect(exact).toEqual(['list_vms', 'power_vms']);
  });

  it('read-only hides mutating tools even when they are named', async () => {
    const names = (await listed({ readOnly: true, selection: { tools: ['list_vms', 'power_vms'] } })).map((t) => t.name);
    expect(names).toEqual(['list_vms']);
  });

  it('refuses unknown toolset and tool names, listing the valid ones', () => {
    expect(() => parseToolsets('snapshots,lifecyle')).toThrow(/unknown: lifecyle/);
    expect(() => parseToolsets('snapshots,lifecyle')).toThrow(/inventory, snapshots/);
    expect(parseToolsets('power,all')).toBe('all');
    expect(() => selectTools(catalog(), { tools: ['list_vm'] })).toThrow(/unknown tool list_vm; valid: .*list_vms/);
  });

  it('moxxie mcp refuses bad --toolsets and --tools together before starting anything', () => {
    const both = spawnSync(process.execPath, [CLI, 'mcp', '--demo', '--toolsets', 'all', '--tools', 'list_vms'], { encoding: 'utf8' });
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/give --toolsets or --tools, not both/);
    const bad = spawnSync(process.execPath, [CLI, 'mcp', '--demo', '--toolsets', 'bogus'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--toolsets takes names from inventory, snapshots/);
  });
});
