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

/** /proc/<pid>/stat's fields after the command name (which may contain spaces and parentheses). */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

function startMarker(pid: number): string | undefined {
  return statFields(pid)?.[19];
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
  // A process that has exited but is not reaped yet (a zombie, state Z: its parent died first and init reaps
  // it seconds later) still answers kill(pid, 0); it runs nothing.
  const fields = statFields(owner.pid);
  if (fields?.[0] === 'Z') return true;
  if (owner.start === undefined) return false;
  const now = fields?.[19];
  return now !== undefined && now !== owner.start;
}
