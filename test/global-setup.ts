// Builds dist/ (tsc, then the bundle of the whole CLI) once so tests that spawn the real CLI (stdio MCP, tmux, headless scheduler) run what ships.
// Type errors are reported by test/build/typecheck.test.ts; tsc still emits, so other suites can run.
//
// Temporary files: the run gets a directory of its own (moxxie-test-run-<pid>-XXXXXX in the system temp dir) and
// TMPDIR points at it, so every os.tmpdir() of the test workers and of the processes they start lands
// there. Tests remove what they make (test/fixtures/temp-dirs.ts); whatever is still there when the run
// ends is listed and fails the run, and the directory is removed either way (that of a run that was killed
// is removed by the next run, once its pid is gone).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const RUN_TEMP_PREFIX = 'moxxie-test-run-';

export default function setup(): () => void {
  const outerTmp = process.env.TMPDIR;
  removeDeadRunsDirs();
  const runTmp = mkdtempSync(join(tmpdir(), `${RUN_TEMP_PREFIX}${process.pid}-`));
  process.env.TMPDIR = runTmp;
  const teardown = () => {
    if (outerTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = outerTmp;
    let left: string[] = [];
    try {
      left = readdirSync(runTmp);
    } catch {
      // Removed by someone else: nothing to report.
    }
    if (left.length > 0) {
      // Group moxxie-test-jobs-AbC123 and the like by label, so the message names the test that left them.
      const byLabel = new Map<string, number>();
      for (const name of left) {
        const label = name.replace(/-[A-Za-z0-9]{6}$/, '-*');
        byLabel.set(label, (byLabel.get(label) ?? 0) + 1);
      }
      const lines = [...byLabel].sort().map(([label, n]) => `  ${n} × ${label}`);
      console.error(
        [
          '',
          '!'.repeat(100),
          `!! The tests left ${left.length} temporary file(s) or director(ies) behind in ${runTmp}:`,
          ...lines,
          '!! Make them with tempDir() from test/fixtures/temp-dirs.ts (removed after the file), or remove them in an afterAll.',
          '!'.repeat(100),
          '',
        ].join('\n'),
      );
      process.exitCode = 1;
    }
    rmSync(runTmp, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  };
  try {
    build();
  } catch (err) {
    teardown();
    throw err;
  }
  return teardown;
}

/** A run that was killed never tore down: its directory (named with its pid) goes when that pid is gone. */
function removeDeadRunsDirs(): void {
  for (const name of readdirSync(tmpdir())) {
    const pid = Number(new RegExp(`^${RUN_TEMP_PREFIX}(\\d+)-`).exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') rmSync(join(tmpdir(), name), { recursive: true, force: true });
    }
  }
}

function build(): void {
  if (process.env.MOXXIE_SKIP_BUILD === '1') return;
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], {
    cwd: root,
    stdio: 'ignore',
  });
  // The bundle is what `moxxie` runs and what the tests spawn; a bundling failure must stop the run.
  const bundled = spawnSync(process.execPath, [join(root, 'scripts/bundle.mjs')], { cwd: root, encoding: 'utf8' });
  if (bundled.status !== 0) throw new Error(`scripts/bundle.mjs failed:\n${bundled.stderr}`);
}
