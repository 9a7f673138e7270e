// Who holds a VM id's lock directory, so a reservation whose process is gone (kill -9, a crash) is released at
// once instead of after the lock's stale time (30 s). proper-lockfile's lock is an empty directory (it removes it
// with rmdir), so the holder is written beside it: `<lock>.holder` = "host pid inode-of-the-lock-directory".
// Only a holder on this host whose pid no longer runs, and whose record names the lock directory there now, is
// judged dead; anything unreadable or unknown counts as alive (the stale time still applies then).
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';

const holderFile = (lockDir: string): string => `${lockDir}.holder`;

/** Holder files of this process: removed on a normal exit (proper-lockfile removes the lock directories then). */
const written = new Set<string>();
let exitHookSet = false;

/** Records this process as the holder of `lockDir` (just acquired). Best effort: without the record, the stale time applies. */
export function markHolder(lockDir: string): void {
  const file = holderFile(lockDir);
  try {
    writeFileSync(file, `${hostname()} ${process.pid} ${statSync(lockDir).ino}\n`);
  } catch {
    return;
  }
  written.add(file);
  if (!exitHookSet) {
    exitHookSet = true;
    process.once('exit', () => {
      for (const f of written) rmSync(f, { force: true });
    });
  }
}

/** Forgets the holder record; called before the lock is released, so it never removes the next holder's. */
export function clearHolder(lockDir: string): void {
  const file = holderFile(lockDir);
  written.delete(file);
  rmSync(file, { force: true });
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

const inodeOf = (path: string): number | undefined => {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
};

/**
 * Removes `lockDir` when its recorded holder is a process of this host that no longer runs; true if it did (the
 * caller then tries the lock again). Of several processes finding one dead holder, only the one whose rename of
 * the record succeeds removes the lock.
 */
export function releaseIfHolderDead(lockDir: string): boolean {
  const file = holderFile(lockDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  const [host, pidText, inoText] = text.trim().split(' ');
  const pid = Number(pidText);
  const ino = inodeOf(lockDir);
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0 || ino === undefined || String(ino) !== inoText || running(pid)) return false;
  const claimed = `${file}.${randomBytes(4).toString('hex')}`;
  try {
    renameSync(file, claimed);
  } catch {
    return false;
  }
  // A new holder may have written its record between the read and the rename: then it is put back.
  if (readFileSync(claimed, 'utf8') !== text) {
    try {
      renameSync(claimed, file);
    } catch {
      rmSync(claimed, { force: true });
    }
    return false;
  }
  rmSync(claimed, { force: true });
  // The directory must still be the dead holder's (not one a stale takeover made since).
  if (inodeOf(lockDir) !== ino) return false;
  try {
    rmdirSync(lockDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return false;
  }
  return true;
}
