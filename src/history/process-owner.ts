// Who is running a record: pid, host and a start marker. A pid alone is not enough — after a crash or a
// reboot the same pid can belong to an unrelated process — so on Linux the kernel's start time of the
// process (/proc/<pid>/stat, field 22) is kept beside it and must still match.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

export interface ProcessOwner {
  pid: number;
  host: string;
  /** The process's start time as the kernel reports it; absent where it cannot be read. */
  start?: string;
}

const HOST = hostname();

function startMarker(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: count fields after its last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19];
  } catch {
    return undefined;
  }
}

let self: ProcessOwner | undefined;

export function currentOwner(): ProcessOwner {
  self ??= { pid: process.pid, host: HOST, start: startMarker(process.pid) };
  return { ...self };
}

/**
 * True when the owner process is certainly gone. Owners on another host are never judged (a shared
 * state directory on a network file system): their records stay as they are.
 */
export function ownerGone(owner: ProcessOwner | undefined): boolean {
  if (!owner || owner.host !== HOST) return false;
  if (owner.pid === process.pid) return owner.start !== undefined && owner.start !== currentOwner().start;
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return true;
  }
  if (owner.start === undefined) return false;
  const now = startMarker(owner.pid);
  return now !== undefined && now !== owner.start;
}
