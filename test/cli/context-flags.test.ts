// One rule for the flags that pick a context, in every command (the built CLI's dispatcher, dist/, in one
// driver process): --demo and --context NAME together are refused with the same message and exit 2, before
// anything is opened — the TUI entry (`moxxie --demo --context prod`) included, which used to open the
// demo silently.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cliDriverForFile } from '../fixtures/cli-driver.js';
import type { Exit } from '../fixtures/cli-process.js';

const cli = join(dirname(fileURLToPath(import.meta.url)), '../../dist/bundle/cli.js');
const state = mkdtempSync(join(tmpdir(), 'moxxie-flags-'));
const inDriver = cliDriverForFile();
afterAll(() => rmSync(state, { recursive: true, force: true }));

function moxxie(args: string[]): Promise<Exit> {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: build first (the vitest global setup does it unless MOXXIE_SKIP_BUILD=1)`);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('PVE_') && !k.startsWith('MOXXIE_')) env[k] = v;
  return inDriver(args, { ...env, MOXXIE_STATE_DIR: state, MOXXIE_CONFIG: join(state, 'config.json') });
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
  ])('moxxie %j --demo --context prod is refused, naming the rule', async (args) => {
    const res = await moxxie([...args, '--demo', '--context', 'prod']);
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/give either --context NAME or --demo, not both/);
    expect(res.out).toBe('');
    // Nothing was opened: no demo state was written.
    expect(readdirSync(state)).toEqual([]);
  });
});
