// `npm start` skips the build when nothing changed since the last one (scripts/build-if-stale.mjs).
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const stamp = join(root, 'dist', '.build-stamp');
const cli = join(root, 'dist', 'src', 'cli.js');
const hadStamp = existsSync(stamp);

afterAll(() => {
  if (!hadStamp) rmSync(stamp, { force: true });
});

describe('build-if-stale', () => {
  it('does not rebuild when the last build is newer than every source', () => {
    writeFileSync(stamp, 'test\n');
    const future = new Date(Date.now() + 3600_000);
    utimesSync(stamp, future, future);
    const before = statSync(cli).mtimeMs;
    const res = spawnSync(process.execPath, [join(root, 'scripts', 'build-if-stale.mjs')], { encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    expect(statSync(cli).mtimeMs).toBe(before);
  });

  it('says a build is due when a source is newer than the stamp, or when there is no stamp', () => {
    const check = () => spawnSync(process.execPath, [join(root, 'scripts', 'build-if-stale.mjs'), '--check'], { encoding: 'utf8' }).stdout.trim();
    writeFileSync(stamp, 'test\n');
    const past = new Date(Date.now() - 3600_000 * 24 * 365 * 20);
    utimesSync(stamp, past, past);
    expect(check()).toBe('stale');
    const future = new Date(Date.now() + 3600_000);
    utimesSync(stamp, future, future);
    expect(check()).toBe('fresh');
    rmSync(stamp);
    expect(check()).toBe('stale');
  });
});
