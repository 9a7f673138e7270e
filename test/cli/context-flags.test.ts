// One rule for the flags that pick a context, in every command (the built CLI, dist/): --demo and
// --context NAME together are refused with the same message and exit 2, before anything is opened —
// the TUI entry (`moxxie --demo --context prod`) included, which used to open the demo silently.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const cli = join(dirname(fileURLToPath(import.meta.url)), '../../dist/bundle/cli.js');
const state = mkdtempSync(join(tmpdir(), 'moxxie-flags-'));
afterAll(() => rmSync(state, { recursive: true, force: true }));

function moxxie(args: string[]) {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: build first (the vitest global setup does it unless MOXXIE_SKIP_BUILD=1)`);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('PVE_') && !k.startsWith('MOXXIE_')) env[k] = v;
  const res = spawnSync(process.execPath, [cli, ...args], { env: { ...env, MOXXIE_STATE_DIR: state, MOXXIE_CONFIG: join(state, 'config.json') }, encoding: 'utf8', timeout: 20_000 });
  return { code: res.status, out: res.stdout, err: res.stderr };
}

describe('--demo with --context', () => {
  it.each([
    [[]],
    [['tui']],
    [['mcp']],
    [['scheduler', '--once']],
    [['jobs', 'list']],
    [['history']],
    [['ops', 'list']],
    [['vms']],
    [['power', 'start', 'id:8200']],
  ])('moxxie %j --demo --context prod is refused, naming the rule', (args) => {
    const res = moxxie([...args, '--demo', '--context', 'prod']);
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/give either --context NAME or --demo, not both/);
    expect(res.out).toBe('');
    // Nothing was opened: no demo state was written.
    expect(readdirSync(state)).toEqual([]);
  });
});
