import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

// The tests too (tsconfig.test.json: the same settings, nothing emitted), so a test's fixture cannot drift from
// the types it stands in for.
it('the whole project, its tests included, type-checks under strict mode', () => {
  const res = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.test.json'], {
    cwd: root,
    encoding: 'utf8',
  });
  expect(res.stdout + res.stderr).toBe('');
  expect(res.status).toBe(0);
}, 300_000);
