// `npm start` builds only when a source changed since the last build: a second start opens the demo at
// once instead of spending ~10 s in tsc. Stale means any .ts/.tsx under the compiled folders, tsconfig.json,
// package.json or this folder's scripts is newer than the stamp the last successful build left.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.build-stamp');
const SOURCE_DIRS = ['src', 'cli', 'tui', 'mcp', 'rest', 'bench', 'scripts'];
const SOURCE_FILES = ['tsconfig.json', 'package.json', 'package-lock.json'];

// --check: only say whether a build is due ("fresh" or "stale"), build nothing.
const checkOnly = process.argv.includes('--check');

function newestIn(dir) {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestIn(path));
    else if (/\.(ts|tsx|mjs|json)$/.test(e.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

const built = mtime(stamp);
const newestSource = Math.max(...SOURCE_DIRS.map((d) => newestIn(join(root, d))), ...SOURCE_FILES.map((f) => mtime(join(root, f))));
const fresh = built > 0 && built >= newestSource;
if (checkOnly) {
  process.stdout.write(fresh ? 'fresh\n' : 'stale\n');
  process.exit(0);
}
if (fresh) process.exit(0);

const res = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
if (res.status !== 0) process.exit(res.status ?? 1);
writeFileSync(stamp, `${new Date().toISOString()}\n`);
