// `moxxie vms` through the built CLI's dispatcher (one driver process, fixtures/cli-driver.ts) on the demo
// cluster: what it lists is checked against the cluster's true state, which the demo saves to
// <state>/demo/sim-state.json when each command closes it.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliDriverForFile } from '../fixtures/cli-driver.js';
import type { Exit } from '../fixtures/cli-process.js';

const cli = join(dirname(fileURLToPath(import.meta.url)), '../../dist/bundle/cli.js');
let state: string;
let env: Record<string, string>;
const inDriver = cliDriverForFile();

interface SavedVm {
  vmid: number;
  name: string;
  type: string;
  state: string;
  template?: boolean;
  config: Record<string, unknown>;
}

beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: build first (npm run build)`);
  state = mkdtempSync(join(tmpdir(), 'moxxie-vms-cli-'));
  const inherited: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('PVE_') && !k.startsWith('MOXXIE_')) inherited[k] = v;
  env = { ...inherited, MOXXIE_STATE_DIR: state, MOXXIE_CONFIG: join(state, 'none.json'), MOXXIE_DEMO_TASK_MS: '20' };
});
afterAll(() => rmSync(state, { recursive: true, force: true }));

const moxxie = (...args: string[]): Promise<Exit> => inDriver(['vms', ...args], env);

/** The demo cluster as the last process left it. */
function saved(): SavedVm[] {
  return (JSON.parse(readFileSync(join(state, 'demo', 'sim-state.json'), 'utf8')) as { vms: SavedVm[] }).vms;
}
const tagsOf = (v: SavedVm) => String(v.config.tags ?? '').split(/[;,\s]+/).filter(Boolean);
const isTemplate = (v: SavedVm) => !!v.template || v.config.template === 1 || v.config.template === '1';

describe('moxxie vms', () => {
  it('lists every guest but templates, with counts by status, as the cluster has them', async () => {
    const res = await moxxie('--json', '--demo');
    expect(res.code).toBe(0);
    const answer = JSON.parse(res.out) as { total: number; countsByStatus: Record<string, number>; vms: Array<{ vmid: number; type: string; status: string }> };
    const truth = saved().filter((v) => !isTemplate(v));
    expect(answer.vms.map((v) => v.vmid)).toEqual(truth.map((v) => v.vmid).sort((a, b) => a - b));
    expect(answer.total).toBe(truth.length);
    expect(answer.countsByStatus.running).toBe(truth.filter((v) => v.state === 'running').length);
    expect(answer.vms.some((v) => v.type === 'lxc')).toBe(true);
    const text = await moxxie('--demo');
    expect(text.out).toMatch(/^VMID\s+NAME\s+NODE\s+TYPE\s+STATUS\s+CPU\s+MEM\s+LOCK\s+TAGS$/m);
    expect(text.out).toMatch(new RegExp(`^${truth.length} guests: \\d+ running`, 'm'));
  });

  it('narrows with the one-line selector syntax, exactly as the tags and states say', async () => {
    const res = await moxxie('tag:(env-prod AND NOT always-on)', 'status:running', '--ids', '--demo');
    expect(res.code).toBe(0);
    const expected = saved()
      .filter((v) => !isTemplate(v) && v.state === 'running' && tagsOf(v).includes('env-prod') && !tagsOf(v).includes('always-on'))
      .map((v) => v.vmid)
      .sort((a, b) => a - b);
    expect(expected.length).toBeGreaterThan(0);
    expect(res.out.trim().split('\n').map(Number)).toEqual(expected);
  });

  it('warns on stderr about ids that do not exist, keeping stdout to the ids', async () => {
    const res = await moxxie('id:8200-8201,4242', '--ids', '--demo');
    expect(res.code).toBe(0);
    expect(res.out).toBe('8200\n8201\n');
    expect(res.err).toMatch(/warning: VM 4242 does not exist in this cluster/);
  });

  it('refuses a bad selector with its position before connecting, and conflicting flags', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'moxxie-vms-bad-'));
    try {
      const r = await inDriver(['vms', 'tag:(env-prod AND', '--demo'], { ...env, MOXXIE_STATE_DIR: fresh });
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/tag expression: expected a tag, "\(" or NOT at position 17, found end of input/);
      // Nothing was started: no demo cluster, no state.
      expect(existsSync(join(fresh, 'demo'))).toBe(false);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
    const both = await moxxie('--json', '--ids', '--demo');
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/give --json or --ids, not both/);
  });
});
