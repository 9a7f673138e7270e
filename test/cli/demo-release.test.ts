// `--pve 8.4` beside --demo: the demo cluster answers as that release, and `config test` shows it.
import { afterEach, expect, it } from 'vitest';
import { cliDriverForFile } from '../fixtures/cli-driver.js';
import { removeTempDir, tempDir } from '../fixtures/temp-dirs.js';

let dir: string | undefined;
const inDriver = cliDriverForFile();
afterEach(() => {
  if (dir) removeTempDir(dir);
  dir = undefined;
});

function env(stateDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('PVE_') && !k.startsWith('MOXXIE_')) out[k] = v;
  return { ...out, MOXXIE_STATE_DIR: stateDir, MOXXIE_CONFIG: `${stateDir}/config.yaml`, MOXXIE_DEMO_TASK_MS: '20' };
}

it('config test --demo --pve 8.4 reports PVE 8.4 with HA groups and VM.Monitor; a bad release is refused', async () => {
  dir = tempDir('demo-release');
  const r = await inDriver(['config', 'test', '--demo', '--pve', '8.4'], env(dir));
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  expect(r.out).toContain('version:  PVE 8.4.1 (release 8.4)');
  expect(r.out).toMatch(/ha: +groups/);
  expect(r.out).toMatch(/agent: +yes: VM\.Monitor on \/vms/);
  const bad = await inDriver(['config', 'test', '--demo', '--pve', '7'], env(dir));
  expect(bad.code).toBe(2);
  expect(bad.err).toContain("unknown PVE profile '7': use one of 9, 8.4");
});
