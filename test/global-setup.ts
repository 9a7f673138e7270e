// Builds dist/ (tsc, then the TUI bundle) once so tests that spawn the real CLI (stdio MCP, tmux, headless scheduler) run what ships.
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
  // The TUI bundle is what `moxxie` loads; a bundling failure must stop the run, not hide in a fallback.
  const bundled = spawnSync(process.execPath, [join(root, 'scripts/bundle-tui.mjs')], { cwd: root, encoding: 'utf8' });
  if (bundled.status !== 0) throw new Error(`scripts/bundle-tui.mjs failed:\n${bundled.stderr}`);
}
