// `npm run bench`: labelled figures, one per line, from every room that has a benchmark. Each suite runs in
// its own process so memory figures and timings are not coloured by the suites before it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const suites = ['sim', 'client', 'select', 'ops', 'faults', 'schedule', 'history', 'mcp', 'tui', 'rest', 'backups', 'retention', 'provision', 'migration', 'lifecycle'];
let failed = 0;
for (const suite of suites) {
  const file = join(here, `${suite}.js`);
  if (!existsSync(file)) continue;
  // A file, not `node -e`: suites fork themselves, and a child inherits the parent's execArgv.
  const res = spawnSync(process.execPath, ['--expose-gc', join(here, 'run-suite.js'), suite], { stdio: 'inherit' });
  if (res.status !== 0) {
    failed++;
    console.error(`bench ${suite} failed (exit ${res.status})`);
  }
}
process.exit(failed ? 1 : 0);
