// Builds dist/ once so tests that spawn the real CLI (stdio MCP, tmux, headless scheduler) run what ships.
// Type errors are reported by test/build/typecheck.test.ts; tsc still emits, so other suites can run.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export default function setup(): void {
  if (process.env.MOXXIE_SKIP_BUILD === '1') return;
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], {
    cwd: root,
    stdio: 'ignore',
  });
}
