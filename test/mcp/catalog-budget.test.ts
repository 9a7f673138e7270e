// The catalog's budget (issue 18): tools/list as a client's context receives it — the default toolsets at
// most 24 KiB, every toolset together at most 60 KiB — measured on the real listing through the SDK client,
// so a new tool or a longer description that breaks it fails here, not in someone's context window.
import { ListToolsResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ToolSelection } from '../../mcp/toolsets.js';
import { startHarness, type Harness } from './in-memory-server.js';

const DEFAULT_BUDGET_BYTES = 24 * 1024;
const ALL_BUDGET_BYTES = 60 * 1024;

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

/** The bytes of the tools/list answer exactly as it crosses the wire (the bench measures the same). */
async function listedBytes(selection: ToolSelection): Promise<{ bytes: number; tools: number }> {
  const client = await h.connect({ selection });
  const listed = await client.request({ method: 'tools/list' }, ListToolsResultSchema);
  return { bytes: Buffer.byteLength(JSON.stringify(listed)), tools: listed.tools.length };
}

describe('tools/list budget', () => {
  it('the default toolsets fit in 24 KiB', async () => {
    const { bytes, tools } = await listedBytes({});
    expect(tools).toBeGreaterThan(20);
    expect(bytes).toBeLessThanOrEqual(DEFAULT_BUDGET_BYTES);
  });

  it('every toolset together fits in 60 KiB', async () => {
    const all = await listedBytes({ toolsets: 'all' });
    const def = await listedBytes({});
    // "all" really is more than the default (a selection that silently listed less would pass the budget).
    expect(all.tools).toBeGreaterThan(def.tools + 20);
    expect(all.bytes).toBeLessThanOrEqual(ALL_BUDGET_BYTES);
  });
});
